// Fuzzes the whole pure path: raw lines -> LineDecoder (stamp, parse) -> detector -> ledger ->
// alerts -> the SMS, email and JSON renderers and the spool codec. The input is log text (one line
// per
// '\n'; a line starting with byte 0x01 goes to a second source), read with every rule kind at
// low limits so findings and alerts come often. Invariants: no crash; Stats::lines counts every
// line; each alert id is safe as a file name; each alert renders within the limits fuzz_alert.h
// checks (SMS <= 160 printable ASCII, no bare CR/LF or control byte in a mail header, no line over
// 998 bytes, JSON that parses) and comes back equal from the spool codec.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_alert.h"
#include "relaywatch/config/config.h"
#include "relaywatch/decode/line_decoder.h"
#include "relaywatch/pipeline/pipeline.h"
#include "relaywatch/state/alert_codec.h"

namespace {

namespace core = relaywatch::core;
namespace detect = relaywatch::detect;
using relaywatch::fuzz::Check;
using std::chrono::hours;
using std::chrono::minutes;

relaywatch::config::Config FuzzConfig() {
  relaywatch::config::Config c;
  c.hostname = "mx1.example.com";
  c.default_domain = "example.com";
  // A small key cap, so that fuzzed logins reach the eviction of the idlest key.
  constexpr std::size_t kKeys = 64;
  detect::RuleSpec volume{"volume", minutes(10), 3, kKeys, detect::VolumeParams{}};
  detect::VolumeParams messages;
  messages.count = detect::CountUnit::kMessages;
  messages.overrides = {{"big@example.com", 5}, {"@bulk.example.com", 0}};
  detect::RuleSpec volume_messages{"messages", hours(1), 2, kKeys, messages};
  detect::SenderParams sender;
  sender.allow = {{"suzy@example.com", {"*@example.net"}}};
  sender.domain_aliases = {{"example.com", "example.org"}};
  sender.exempt = {"lists@example.com"};
  detect::RuleSpec foreign{"foreign-sender", hours(24), 1, kKeys, sender};
  detect::SenderParams same_address;
  same_address.policy = detect::SenderPolicy::kSameAddress;
  detect::RuleSpec exact{"same-address", hours(1), 2, kKeys, same_address};
  detect::RuleSpec ips{"many-ips", hours(1), 2, kKeys, detect::RemoteIpsParams{}};
  detect::RuleSpec port25{"port25-auth", hours(1), 1, kKeys,
                          detect::ServicePolicyParams{{"submission", "smtps"}}};
  detect::RuleSpec rcpt_limit{"rcpt-limit", hours(1), 2, kKeys, detect::RcptLimitParams{}};
  c.rules = {volume, volume_messages, foreign, exact, ips, port25, rcpt_limit};
  c.alerts.repeat = minutes(5);
  c.alerts.escalate = 2.0;
  c.alerts.resolved = true;
  return c;
}

const relaywatch::config::Config& Config() {
  static const relaywatch::config::Config config = FuzzConfig();
  return config;
}

relaywatch::alerting::MailHeader Header() {
  relaywatch::alerting::MailHeader h;
  h.from = "relaywatch@mx1.example.com";
  h.to = {"postmaster@example.com", "5551234567@sms.example"};
  h.date = core::Timestamp(std::chrono::seconds(1795834526));
  h.date_utc_offset_seconds = 3600;
  h.message_id = "<relaywatch.1@mx1.example.com>";
  return h;
}

void CheckAlert(const relaywatch::alerting::Alert& a) {
  Check(core::IsSafeFileName(a.id), "alert id not safe as a file name", a.id);
  relaywatch::fuzz::CheckRenderers(a, core::LocalZone::Fixed(3600), Header());
  relaywatch::state::SpooledAlert s;
  s.alert = a;
  const std::string encoded = relaywatch::state::EncodeSpooledAlert(s);
  const auto back = relaywatch::state::DecodeSpooledAlert(encoded);
  Check(back.ok(), "a spooled pipeline alert does not decode", encoded);
  Check(relaywatch::state::EncodeSpooledAlert(*back) == encoded,
        "a spooled pipeline alert does not come back the same", encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = relaywatch::fuzz::AsText(data, size);
  relaywatch::pipeline::Pipeline pipe(Config());
  const std::size_t submission = pipe.AddSource("submission");
  const std::size_t smtp = pipe.AddSource("smtp");
  // One decoder per source, as each Follower has: the unstamped-line rule is per source.
  relaywatch::decode::LineDecoder decoders[2] = {
      relaywatch::decode::LineDecoder(core::LocalZone::Fixed(3600)),
      relaywatch::decode::LineDecoder(core::LocalZone::Fixed(3600))};
  relaywatch::decode::DecodedLine decoded;
  std::vector<relaywatch::alerting::Alert> alerts;
  pipe.set_alert_sink([&](relaywatch::alerting::Alert&& a) { alerts.push_back(std::move(a)); });

  std::uint64_t lines = 0;
  std::size_t p = 0;
  while (p < in.size()) {
    std::size_t q = in.find('\n', p);
    if (q == std::string_view::npos) q = in.size();
    std::string_view line = in.substr(p, q - p);
    const bool second = !line.empty() && line[0] == '\x01';
    if (second) line.remove_prefix(1);
    decoders[second ? 1 : 0].Decode(line, false, decoded);
    pipe.OnLine(second ? smtp : submission, decoded);
    ++lines;
    p = q + 1;
    for (const auto& a : alerts) CheckAlert(a);
    alerts.clear();
  }
  Check(pipe.stats().lines == lines, "Stats::lines does not count every line", in);
  return 0;
}
