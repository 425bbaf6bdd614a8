// DescribeConfig: the summary `relaywatch check` prints, pinned for the DESIGN.md example and
// for a config that sets everything.
#include "relaywatch/config/describe.h"

#include <gtest/gtest.h>

#include <string>

#include "relaywatch/config/loader.h"

namespace relaywatch::config {
namespace {

Config Load(const std::string& name) {
  core::Result<Config> config = LoadConfigFile(RELAYWATCH_FIXTURES_DIR "/configs/" + name);
  EXPECT_TRUE(config.ok()) << config.error().message;
  Config out = config.ok() ? *config : Config{};
  out.path = name;  // the summary names the path as given; keep it short here
  return out;
}

TEST(DescribeTest, SummarizesTheDesignExample) {
  EXPECT_EQ(DescribeConfig(Load("design-example.yaml")),
            "config: design-example.yaml\n"
            "hostname: mx1.example.com\n"
            "state_dir: /var/lib/relaywatch (startup warm)\n"
            "sources: discover /var/qmail/supervise (submission, smtps, smtp); submission in "
            "/var/log/qmail/submission\n"
            "default_domain: example.com\n"
            "rules (5):\n"
            "  hourly-volume    volume          500 recipients per 1h, 2 overrides\n"
            "  foreign-sender   sender          1 foreign sender per 1d, policy same-domain, 1 "
            "allow entry, 1 alias group, 1 exempt login\n"
            "  many-ips         remote-ips      10 client IPs per 1h\n"
            "  port25-auth      service-policy  authenticated relaying only on submission, smtps\n"
            "  rcpt-limit-hits  rcpt-limit      3 recipient-limit hits per 1h\n"
            "alerts: repeat once per rule window, at most 20 per channel per hour, given up "
            "after 2d\n"
            "channels (3):\n"
            "  phone   sms via sendmail: /var/qmail/bin/qmail-inject -> 5551234567@vtext.com\n"
            "  admins  email via smtp: 127.0.0.1:25 -> postmaster@example.com\n"
            "  hook    json via exec: /usr/local/bin/on-abuse\n");
}

TEST(DescribeTest, SummarizesEverySetting) {
  EXPECT_EQ(DescribeConfig(Load("good/every-key.yaml")),
            "config: good/every-key.yaml\n"
            "hostname: mx2.example.org\n"
            "state_dir: /srv/relaywatch (startup tail)\n"
            "sources: discover /service (qmail-submission, qmail-smtpd); smtps in "
            "/var/log/qmail/smtps\n"
            "default_domain: example.org\n"
            "rules (3):\n"
            "  hourly-messages  volume          100 messages per 30m, 2 overrides, at most "
            "20000 keys\n"
            "  same-address     sender          2 foreign senders per 7d, policy same-address, "
            "1 allow entry, 1 alias group, 1 exempt login\n"
            "  smtp-auth        service-policy  authenticated relaying only on qmail-submission\n"
            "alerts: repeat every 12h, again when grown 3x, resolved notices, at most 30 per "
            "channel per hour, given up after 1d\n"
            "channels (2):\n"
            "  mail  email via smtp: mail.example.org:587 (starttls) -> noc@example.org, "
            "oncall@example.org, at most 10/h\n"
            "  lock  json via exec: /usr/local/sbin/lock-login --notify\n");
}

TEST(DescribeTest, SaysWhereFindingsGoWithoutChannels) {
  Config config = Load("good/minimal.yaml");
  config.hostname = "mx1";
  config.sources.supervise_dir.clear();
  config.alerts.escalate = 1.5;
  EXPECT_EQ(DescribeConfig(config),
            "config: good/minimal.yaml\n"
            "hostname: mx1\n"
            "state_dir: /var/lib/relaywatch (startup warm)\n"
            "sources: none\n"
            "rules (1):\n"
            "  hourly-volume  volume  500 recipients per 1h\n"
            "alerts: repeat once per rule window, again when grown 1.5x, at most 20 per channel "
            "per hour, given up after 2d\n"
            "channels: none (findings show only in status and report)\n");
}

TEST(DescribeTest, BracketsAnIpv6SmtpHost) {
  Config config = Load("good/minimal.yaml");
  ChannelConfig channel;
  channel.name = "local";
  channel.via = ChannelVia::kSmtp;
  channel.host = "::1";
  channel.port = 587;
  channel.to = {"noc@example.com"};
  config.alerts.channels.push_back(channel);
  EXPECT_TRUE(DescribeConfig(config).ends_with(
      "channels (1):\n  local  email via smtp: [::1]:587 -> noc@example.com\n"));
}

}  // namespace
}  // namespace relaywatch::config
