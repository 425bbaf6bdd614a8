// Test helper: Alerts as the pipeline builds them from tests/fixtures/constructed.txt, where
// suzy@example.com logs in from 203.0.113.5 and relays as ceo@bank.example, plus the hostile
// field values every renderer must survive.
#ifndef RELAYWATCH_TESTS_UNIT_ALERTING_SAMPLE_ALERTS_H_
#define RELAYWATCH_TESTS_UNIT_ALERTING_SAMPLE_ALERTS_H_

#include <string>
#include <vector>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/core/time.h"

namespace relaywatch::alerting::testing {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// @400000006b0a42a801c2d3e4: the first `relaying rcpt` line of constructed.txt,
// 2026-11-28T02:55:26.029545444Z (TAI64N minus the 10 s tai64nlocal takes).
inline const core::Timestamp kLineStamp =
    core::Timestamp(seconds(1795834526)) + nanoseconds(29545444);

inline Alert FraudAlert() {
  Alert a;
  a.state = AlertState::kNew;
  a.host = "mx1.example.com";
  detect::Finding& f = a.finding;
  f.rule = "foreign-sender";
  f.kind = detect::RuleKind::kSender;
  f.key = "suzy@example.com";
  f.count = 12;
  f.limit = 1;
  f.window = hours(24);
  f.first = kLineStamp;
  f.last = kLineStamp + minutes(42) + nanoseconds(123);
  f.service = "submission";
  f.basis = "chkuser";
  f.detail = "ceo@bank.example";
  f.sample.senders = {{"ceo@bank.example", 12}, {"suzy@example.com", 3}};
  f.sample.remote_ips = {{"203.0.113.5", 15}};
  f.sample.recipients = {"x@gmail.example", "y@yahoo.example"};
  a.id = MakeAlertId(f.rule, f.key, f.last);
  return a;
}

inline Alert VolumeAlert() {
  Alert a;
  a.state = AlertState::kNew;
  a.host = "mx1.example.com";
  detect::Finding& f = a.finding;
  f.rule = "hourly-volume";
  f.kind = detect::RuleKind::kVolume;
  f.key = "bob@example.com";
  f.count = 612;
  f.limit = 500;
  f.window = hours(1);
  f.first = kLineStamp;
  f.last = kLineStamp + minutes(38);
  f.service = "submission";
  f.basis = "qlog";
  f.sample.senders = {{"bob@example.com", 612}};
  f.sample.remote_ips = {{"203.0.113.5", 400}, {"2001:db8::5", 212}};
  f.sample.recipients = {"friend@gmail.example", "buyer@gmail.example"};
  a.id = MakeAlertId(f.rule, f.key, f.last);
  return a;
}

inline Alert WithKind(Alert a, detect::RuleKind kind, std::string rule) {
  a.finding.kind = kind;
  a.finding.rule = std::move(rule);
  return a;
}

inline Alert WithState(Alert a, AlertState state, std::uint64_t previous = 0) {
  a.state = state;
  a.previous_count = previous;
  return a;
}

// Values an attacker can put in a login, MAIL FROM, HELO or RCPT (chkuser copies them raw).
inline std::vector<std::string> HostileTexts() {
  using namespace std::string_literals;
  return {
      "x@y\r\nBcc: victim@z"s,
      "x@y\nSubject: pwned\n\n.\nMAIL FROM:<a@b>"s,
      std::string(10 * 1024, 'A') + "@example.com",
      "nul\0inside@example.com"s,
      "J\xC3\xBCrgen@m\xC3\xBCller.example \xF0\x9F\x98\x80"s,  // UTF-8
      "caf\xE9\xFF\xC0\xAF@latin1.example"s,                    // not UTF-8
      "\x1B]0;owned\x07\x1B[2J@term.example"s,                  // terminal escapes
      "evil\xE2\x80\xAE"
      "moc.elpmaxe@bob"s,  // bidi override
      "o'brien@example.com"s,
      "'; rm -rf / #@example.com"s,
      "$(reboot)`id`@example.com"s,
      "=?UTF-8?B?DQpCY2M6IHZpY3RpbUB6?=@example.com"s,
      std::string(300, '\xE2') + "\x82\xAC",
      ""s,
  };
}

// Every kind and state, each with `text` in every attacker field.
inline std::vector<Alert> HostileAlerts(const std::string& text) {
  std::vector<Alert> out;
  const detect::RuleKind kinds[] = {detect::RuleKind::kVolume,    detect::RuleKind::kSender,
                                    detect::RuleKind::kRemoteIps, detect::RuleKind::kServicePolicy,
                                    detect::RuleKind::kRcptLimit, detect::RuleKind::kGap};
  const AlertState states[] = {AlertState::kNew, AlertState::kOngoing, AlertState::kResolved,
                               AlertState::kDigest, AlertState::kTest};
  for (detect::RuleKind kind : kinds) {
    for (AlertState state : states) {
      Alert a = WithState(WithKind(FraudAlert(), kind, text), state, 99);
      a.host = "mx1.example.com";
      detect::Finding& f = a.finding;
      f.key = text;
      f.detail = text;
      f.service = text;
      f.basis = text;
      f.sample.senders = {{text, 1}, {text + text, 2}};
      f.sample.remote_ips = {{text, 1}};
      f.sample.recipients = {text, text};
      a.digest_count = 3;
      a.digest_text = text + "\n" + text + "\n";
      out.push_back(std::move(a));
    }
  }
  return out;
}

}  // namespace relaywatch::alerting::testing

#endif  // RELAYWATCH_TESTS_UNIT_ALERTING_SAMPLE_ALERTS_H_
