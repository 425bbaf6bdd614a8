// RuleCounter: what one rule counts of a line, one small unit per rule kind.
//
// The Detector turns each line into at most one of three things: an accepted recipient (a
// Delivery: chkuser's, or a qlogenvelope line's on a service that logs them), a message (qlog's
// received line, simscan's RELAYCLIENT, QMT's "mail recv", tied to a login), or chkuser's
// recipient threshold hit. It asks every rule's counter whether the rule counts it; the counter
// says yes (with the distinct value a remote-ips rule counts, or the detail a finding carries) or
// no. Windows, limits, findings and samples are the Detector's; which lines a kind counts is here:
//   volume           src/detect/counters/volume_counter.cpp
//   sender           src/detect/counters/sender_counter.cpp
//   remote-ips       src/detect/counters/remote_ips_counter.cpp
//   service-policy   src/detect/counters/service_policy_counter.cpp
//   rcpt-limit       src/detect/counters/rcpt_limit_counter.cpp
// A new rule kind is a params type in rule_spec.h and one counter file here.
#ifndef RELAYWATCH_DETECT_RULE_COUNTER_H_
#define RELAYWATCH_DETECT_RULE_COUNTER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "relaywatch/detect/distinct_window.h"
#include "relaywatch/detect/rule_spec.h"

namespace relaywatch::detect {

// One accepted recipient as the rules see it.
struct Delivery {
  std::string_view key;     // LoginKey of the login (or ip:ADDRESS)
  std::string_view basis;   // "chkuser", "qlog" or "ip"
  std::string_view sender;  // the envelope sender, as logged
  std::string_view ip;      // the client address, canonical
  std::string_view rcpt;
  std::string_view service;  // of the line
  bool relaying = false;     // to a domain not in rcpthosts
  bool authenticated = false;
  // parse::Ipv4Bits(ip): the parser's when it had them, else set by Detector::CountDelivery,
  // which then also makes `ip` canonical (an address with bits already is).
  std::optional<std::uint32_t> ipv4;
};

// A rule's answer for one line.
struct Counted {
  bool counts = false;
  // remote-ips: the value counted once per window, with its bits (Delivery::ip and ::ipv4)
  std::optional<DistinctValue> distinct;
  std::string_view detail;  // sender: the foreign sender (domain lowercased); service-policy:
                            // the service
};

class RuleCounter {
 public:
  virtual ~RuleCounter() = default;
  virtual Counted OnDelivery(const Delivery&) { return {}; }
  virtual bool CountsMessages() const { return false; }
  virtual bool CountsRcptLimitHits() const { return false; }
};

// The counter of `rule`'s kind. `default_domain` (lowercased) qualifies bare logins.
std::unique_ptr<RuleCounter> MakeRuleCounter(const RuleSpec& rule,
                                             const std::string& default_domain);

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_RULE_COUNTER_H_
