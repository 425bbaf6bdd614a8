// `relaywatch explain`: how one log line is read and, for each configured rule, whether the rule
// counts it and, if not, why.
//
// The line goes through the real decode::LineDecoder (stamp, parse) and the real rule counters
// (detect::MakeRuleCounter), given the Delivery the Detector builds from it (detect/detector.cpp
// OnChkuser and OnQlogEnvelope: the same conditions, restated here line by line). Lines are
// explained one at a time: what a line means only with its session (simscan's and QMT's message
// lines, whose login comes from the session's earlier lines) is said, not worked out. Within one
// Explainer (one service) a qlogenvelope line makes the later chkuser recipients "counted by the
// qlogenvelope line", and the first one is not counted when the chkuser line before it counted its
// recipient: the Detector's rules. tests/unit/app/explain_test.cpp checks that explain's counted
// rules are the Detector's over the fixture logs.
//
// Pure: no I/O; the command (explain_command.cpp) reads the lines and prints.
#ifndef RELAYWATCH_APP_EXPLAIN_H_
#define RELAYWATCH_APP_EXPLAIN_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/config/config.h"
#include "relaywatch/core/time.h"
#include "relaywatch/decode/line_decoder.h"
#include "relaywatch/detect/rule_counter.h"

namespace relaywatch::app {

struct RuleVerdict {
  std::string rule;
  std::string kind;  // "volume"
  bool counts = false;
  std::string why;  // when it counts: what (may be empty); else why not
};

struct LineExplanation {
  std::string event;  // "chkuser relaying rcpt", "qlog envelope", "malformed", "tcpserver"...
  std::string malformed_reason;
  bool has_delivery = false;  // key..basis are set (a recipient, message or rcpt-limit hit)
  std::string counted_as;     // "a relayed recipient, authenticated", "a message", ...
  std::string key, basis, sender, ip, service;
  std::vector<RuleVerdict> rules;
};

class Explainer {
 public:
  Explainer(const config::Config& config, std::string service, core::LocalZone zone);

  LineExplanation Explain(std::string_view raw);
  // The explanation as text: every field from the line through core::EscapeForLog.
  static std::string Render(const LineExplanation& e, std::string_view raw, std::uint64_t number);

  // Totals over the lines explained, for -f FILE's summary.
  std::string Summary() const;

 private:
  struct Rule {
    const detect::RuleSpec* spec;
    std::unique_ptr<detect::RuleCounter> counter;
  };
  void ExplainDelivery(const detect::Delivery& d, LineExplanation& out);
  std::string SenderAllowedWhy(const detect::SenderParams& p, std::string_view key,
                               std::string_view sender) const;
  void AllRules(LineExplanation& out, const std::string& why);

  const config::Config& config_;
  std::string service_;
  std::string default_domain_;
  decode::LineDecoder decoder_;
  std::vector<Rule> rules_;
  bool qlog_seen_ = false;
  std::string last_rcpt_;  // of the last chkuser recipient explained before any qlog line
  std::uint64_t lines_ = 0;
  std::map<std::string, std::uint64_t> by_event_;
  std::vector<std::uint64_t> counted_;  // by rule
};

// The `explain` subcommand.
int ExplainCommand(const std::vector<std::string>& args);

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_EXPLAIN_H_
