// Test helper: fixture lines through the real Stamper and parser into a Detector.
//
// The detector tests feed the lines of tests/fixtures/*.txt exactly as the pipeline would (stamp
// taken off by stamp::Stamper in UTC, event from parse::ParseEvent), so a rule is tested on the
// real text of a real line and the stamp that line carries.
#ifndef RELAYWATCH_TESTS_UNIT_DETECT_DETECTOR_HARNESS_H_
#define RELAYWATCH_TESTS_UNIT_DETECT_DETECTOR_HARNESS_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/detect/detector.h"
#include "relaywatch/detect/memory_window_store.h"
#include "relaywatch/parse/ip_address.h"
#include "relaywatch/parse/parser.h"
#include "relaywatch/stamp/stamper.h"

namespace relaywatch::detect::testing {

// The non-comment, non-blank lines of a fixture file, as stored (a trailing CR kept).
inline std::vector<std::string> FixtureLines(const std::string& name) {
  std::ifstream in(std::string(RELAYWATCH_FIXTURES_DIR) + "/" + name, std::ios::binary);
  std::vector<std::string> out;
  std::string raw;
  while (std::getline(in, raw)) {
    if (raw.empty() || raw[0] == '#') continue;
    out.push_back(raw);
  }
  return out;
}

// The one fixture line containing `needle`; fails the test when there is not exactly one.
inline std::string FixtureLine(const std::string& name, std::string_view needle) {
  std::string found;
  int hits = 0;
  for (const std::string& l : FixtureLines(name)) {
    if (l.find(needle) != std::string::npos) found = l, ++hits;
  }
  EXPECT_EQ(hits, 1) << name << ": lines containing " << needle;
  return found;
}

// A multilog `t` label for `t`, the way multilog writes it (lowercase hex, 2^62 + 10).
inline std::string Tai(core::Timestamp t) {
  const auto ns = t.time_since_epoch().count();
  const std::int64_t s = ns / 1000000000;
  const std::int64_t n = ns % 1000000000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "@%016llx%08llx",
                static_cast<unsigned long long>((1ULL << 62) + static_cast<std::uint64_t>(s) + 10),
                static_cast<unsigned long long>(n));
  return buf;
}

// Records every Hit and RecipientHit, with copies of their views.
struct HitLog : HitObserver {
  struct Copy {
    std::size_t rule;
    core::Timestamp time;
    std::string key;
    std::uint64_t count;
    std::string detail;
  };
  struct RecipientCopy {
    core::Timestamp time;
    std::string key;
    std::string client_ip;
    std::string foreign_sender;
    bool relaying;
    bool authenticated;
  };
  void OnLine(const LineHits& line) override {
    for (const Hit& h : line.hits) {
      hits.push_back(
          Copy{h.rule, line.time, std::string(line.key), h.count, std::string(h.detail)});
    }
    if (const auto& r = line.recipient) {
      // The bits the table keeps are always those of the address shown, whoever found them
      // (the parser, or the Detector).
      EXPECT_EQ(r->client_ipv4, parse::Ipv4Bits(r->client_ip)) << r->client_ip;
      recipients.push_back(RecipientCopy{line.time, std::string(line.key),
                                         std::string(r->client_ip), std::string(r->foreign_sender),
                                         r->relaying, r->authenticated});
    }
  }
  std::vector<Copy> hits;
  std::vector<RecipientCopy> recipients;
};

class DetectorHarness {
 public:
  explicit DetectorHarness(std::vector<RuleSpec> rules, std::string default_domain = "")
      : detector_(std::move(rules), std::move(default_domain), store_),
        stamper_(core::LocalZone::Fixed(0)) {
    detector_.set_observer(&hits_);
  }

  // One raw line (stamp and all) of `service`; returns the findings it produced.
  std::vector<Finding> Feed(std::string_view raw, std::string_view service = "submission") {
    stamp::Line line = stamper_.Stamp(raw);
    if (line.stamped) last_ = line.time;
    parse::Event event = parse::ParseEvent(line.tag, line.text);
    std::vector<Finding> out;
    detector_.OnEvent(EventContext{last_, service}, event, out);
    return out;
  }

  // The same as report's routing gives a shard's Detector the line: whole when
  // Detector::ShardNeeding names this shard (or all), else only its stamp (Expire).
  std::vector<Finding> FeedRouted(std::string_view raw, std::string_view service,
                                  std::size_t shard) {
    stamp::Line line = stamper_.Stamp(raw);
    if (line.stamped) last_ = line.time;
    parse::Event event = parse::ParseEvent(line.tag, line.text);
    std::vector<Finding> out;
    const std::size_t needs = detector_.ShardNeeding(event);
    if (needs == shard || needs == Detector::kAllShards) {
      detector_.OnEvent(EventContext{last_, service}, event, out);
    } else {
      ++routed_away_;
      detector_.Expire(last_);
    }
    return out;
  }
  std::size_t routed_away() const { return routed_away_; }

  // Feeds every line; returns all findings.
  std::vector<Finding> FeedAll(const std::vector<std::string>& lines,
                               std::string_view service = "submission") {
    std::vector<Finding> all;
    for (const std::string& l : lines) {
      for (Finding& f : Feed(l, service)) all.push_back(std::move(f));
    }
    return all;
  }

  Detector& detector() { return detector_; }
  MemoryWindowStore& store() { return store_; }
  const std::vector<HitLog::Copy>& hits() const { return hits_.hits; }
  const std::vector<HitLog::RecipientCopy>& recipients() const { return hits_.recipients; }
  core::Timestamp last() const { return last_; }

 private:
  MemoryWindowStore store_;
  Detector detector_;
  stamp::Stamper stamper_;
  HitLog hits_;
  core::Timestamp last_{};
  std::size_t routed_away_ = 0;
};

inline RuleSpec VolumeRule(std::string name, core::Duration window, std::uint64_t limit,
                           VolumeParams params = {}) {
  RuleSpec r;
  r.name = std::move(name);
  r.window = window;
  r.limit = limit;
  r.params = std::move(params);
  return r;
}

inline RuleSpec SenderRule(std::string name, std::uint64_t limit = 1, SenderParams params = {},
                           core::Duration window = std::chrono::hours(24)) {
  RuleSpec r;
  r.name = std::move(name);
  r.window = window;
  r.limit = limit;
  r.params = std::move(params);
  return r;
}

inline RuleSpec RemoteIpsRule(std::string name, std::uint64_t limit,
                              core::Duration window = std::chrono::hours(1)) {
  RuleSpec r;
  r.name = std::move(name);
  r.window = window;
  r.limit = limit;
  r.params = RemoteIpsParams{};
  return r;
}

inline RuleSpec ServicePolicyRule(std::string name, std::vector<std::string> allowed,
                                  std::uint64_t limit = 1) {
  RuleSpec r;
  r.name = std::move(name);
  r.window = std::chrono::hours(1);
  r.limit = limit;
  r.params = ServicePolicyParams{std::move(allowed)};
  return r;
}

inline RuleSpec RcptLimitRule(std::string name, std::uint64_t limit,
                              core::Duration window = std::chrono::hours(1)) {
  RuleSpec r;
  r.name = std::move(name);
  r.window = window;
  r.limit = limit;
  r.params = RcptLimitParams{};
  return r;
}

}  // namespace relaywatch::detect::testing

#endif  // RELAYWATCH_TESTS_UNIT_DETECT_DETECTOR_HARNESS_H_
