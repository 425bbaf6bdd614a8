// DetectorState: everything a Detector knows between lines, as one plain value.
//
// Detector::Snapshot and Detector::Restore go through it (pipeline/pipeline_state.h holds it
// with the ledger and the stats; the checkpoint and a reload carry it). Plain data, sorted where
// the Detector keeps hash maps, so that two snapshots of the same knowledge compare equal.
#ifndef RELAYWATCH_DETECT_DETECTOR_STATE_H_
#define RELAYWATCH_DETECT_DETECTOR_STATE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "relaywatch/core/time.h"
#include "relaywatch/detect/rule_spec.h"
#include "relaywatch/detect/window_store.h"

namespace relaywatch::detect {

// The windows of one rule. A rule is known by its name, kind and window: a restored rule whose
// kind or window changed starts empty (Detector::Restore).
struct RuleWindows {
  std::string rule;  // the rule's name
  RuleKind kind = RuleKind::kVolume;
  core::Duration window{};  // positive
  std::vector<KeyWindowState> keys;
  std::uint64_t evicted = 0;  // keys the rule gave up for new ones (rules[].max_keys)
  friend bool operator==(const RuleWindows&, const RuleWindows&) = default;
};

// SessionTracker's maps ("service\0pid" -> client address, "service\0address" -> login), sorted.
struct SessionState {
  std::vector<std::pair<std::string, std::string>> pid_ip;
  std::vector<std::pair<std::string, std::string>> ip_login;
  friend bool operator==(const SessionState&, const SessionState&) = default;
};

// One SampleBook page: what a key near a limit did (senders and addresses with their counts, in
// the order first seen; the first recipients).
struct SamplePage {
  std::string key;
  std::vector<std::pair<std::string, std::uint64_t>> senders;
  std::vector<std::pair<std::string, std::uint64_t>> ips;
  std::vector<std::string> recipients;
  core::Timestamp last{};
  friend bool operator==(const SamplePage&, const SamplePage&) = default;
};

// What the Detector knows of one service's log.
struct ServiceLogState {
  std::string service;
  bool qlog = false;  // it carries sagredo's qlogenvelope lines: they are counted, not chkuser's
  std::string last_rcpt;  // not qlog yet: the recipient of the last chkuser line counted
  friend bool operator==(const ServiceLogState&, const ServiceLogState&) = default;
};

struct DetectorState {
  std::vector<RuleWindows> windows;       // one per rule, in the Detector's rule order
  std::vector<ServiceLogState> services;  // sorted by service
  SessionState sessions;
  std::vector<SamplePage> samples;  // sorted by key
  friend bool operator==(const DetectorState&, const DetectorState&) = default;
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_DETECTOR_STATE_H_
