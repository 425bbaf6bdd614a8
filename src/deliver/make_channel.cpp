// MakeChannel (channel.h): config entry -> format -> renderer -> transport.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "relaywatch/deliver/channel.h"
#include "relaywatch/deliver/detail_text.h"
#include "relaywatch/deliver/exec_channel.h"
#include "relaywatch/deliver/mail_channel.h"
#include "relaywatch/deliver/password_file.h"

namespace relaywatch::deliver {
namespace {

// A configuration the loader should have refused (json by mail): every delivery says so, and
// nothing is sent, rather than a guess at what was meant.
class MisconfiguredChannel final : public Channel {
 public:
  MisconfiguredChannel(std::string name, std::string why)
      : name_(std::move(name)), why_(std::move(why)) {}
  const std::string& name() const override { return name_; }
  DeliveryResult Deliver(const alerting::Alert&, core::Timestamp) override {
    return DeliveryResult{DeliveryStatus::kPermanent, why_};
  }

 private:
  std::string name_;
  std::string why_;
};

}  // namespace

std::unique_ptr<Channel> MakeChannel(const config::ChannelConfig& config,
                                     const core::LocalZone& zone) {
  if (config.via == config::ChannelVia::kExec) {
    // An exec hook always gets the JSON (and the SMS line in RELAYWATCH_TEXT), whatever `format`.
    return std::make_unique<ExecChannel>(config.name, ExecOptions{config.command, config.timeout});
  }
  if (config.format == config::ChannelFormat::kJson) {
    return std::make_unique<MisconfiguredChannel>(
        config.name, "channel " + config.name + ": format json is only sent via exec");
  }
  MailChannelOptions options;
  options.name = config.name;
  options.format =
      config.format == config::ChannelFormat::kSms ? MailFormat::kSms : MailFormat::kEmail;
  options.from = config.from;
  options.to = config.to;
  if (config.via == config::ChannelVia::kSendmail) {
    options.transport = SendmailOptions{config.command, config.timeout};
  } else {
    SmtpOptions smtp;
    smtp.host = config.host;
    smtp.port = config.port;
    smtp.starttls = config.starttls;
    smtp.tls_verify = config.tls_verify;
    smtp.ca_file = config.ca_file;
    smtp.username = config.username;
    smtp.password_file = config.password_file;
    smtp.helo.clear();  // the Alert's host, per delivery
    smtp.timeout = config.timeout;
    options.transport = std::move(smtp);
  }
  return std::make_unique<MailChannel>(std::move(options), zone);
}

}  // namespace relaywatch::deliver

namespace relaywatch::deliver {

std::vector<std::string> ChannelFileProblems(const config::ChannelConfig& config) {
  std::vector<std::string> problems;
  if (config.via != config::ChannelVia::kSmtp) return problems;
  if (!config.username.empty()) {
    if (auto read = ReadPasswordFile(config.password_file); !read) {
      problems.push_back(read.error().message);
    }
  }
  if (config.starttls && !config.ca_file.empty()) {
    std::FILE* f = std::fopen(config.ca_file.c_str(), "r");
    if (f == nullptr) {
      problems.push_back("unable to read ca_file " + EscapeDetail(config.ca_file) + ": " +
                         std::strerror(errno));
    } else {
      std::fclose(f);
    }
  }
  return problems;
}

std::vector<std::string> ChannelFileWarnings(const config::ChannelConfig& config) {
  std::vector<std::string> warnings = ChannelFileProblems(config);
  for (std::string& w : warnings) {
    w = "channel " + config.name + ": " + w + "; its alerts wait, retried, until that is fixed";
  }
  return warnings;
}

}  // namespace relaywatch::deliver
