// Finding: a rule's verdict on one Key at one line.
//
// A Finding is produced at the line whose count reached the rule's limit (and at each later line
// while the count stays there; the alerting ledger keeps one per window). Everything in it is
// copied out of the log and is attacker-controlled text: render it only through core/text.h.
#ifndef RELAYWATCH_DETECT_FINDING_H_
#define RELAYWATCH_DETECT_FINDING_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "relaywatch/core/time.h"
#include "relaywatch/detect/rule_spec.h"

namespace relaywatch::detect {

// A bounded sample of what a Key did in the window, for alert bodies.
struct KeySample {
  std::vector<std::pair<std::string, std::uint64_t>> senders;  // most used first, at most 5
  std::vector<std::pair<std::string, std::uint64_t>> remote_ips;
  std::vector<std::string> recipients;  // the first few, at most 5
};

struct Finding {
  std::string rule;  // the rule's name
  RuleKind kind = RuleKind::kVolume;
  CountUnit unit = CountUnit::kRecipients;  // volume rules: what `count` counts
  std::string key;                          // login ("suzy@example.com") or "ip:ADDRESS"
  std::uint64_t count = 0;                  // in the window, at `last`
  std::uint64_t limit = 0;
  core::Duration window{};
  core::Timestamp first{};  // the oldest counted line in the window
  core::Timestamp last{};   // the line that produced the finding
  std::string service;      // of that line
  std::string basis;        // where the login came from: "chkuser", "qlog", "ip"
  std::string detail;       // sender: the foreign sender; service-policy: the service;
                            // gap: what was lost
  KeySample sample;
  // The count in each slice of the window at `last` (bucket_window.h: kSlices of window/kSlices),
  // oldest first, for the alert's histogram; empty when not known (a spool file written before
  // it, a finding made outside a window).
  std::vector<std::uint32_t> slices;
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_FINDING_H_
