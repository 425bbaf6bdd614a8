#include "relaywatch/state/alert_codec.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "record_text.h"
#include "relaywatch/alerting/alert_text.h"
#include "relaywatch/core/text.h"
#include "relaywatch/detect/bucket_window.h"
#include "relaywatch/detect/sample_book.h"

namespace relaywatch::state {
namespace {

using internal::FieldParser;
using internal::LineError;
using internal::Record;
using internal::RecordReader;
using internal::RecordWriter;

constexpr std::string_view kMagic = "relaywatch-alert";

constexpr alerting::AlertState kStates[] = {
    alerting::AlertState::kNew,    alerting::AlertState::kOngoing, alerting::AlertState::kResolved,
    alerting::AlertState::kDigest, alerting::AlertState::kTest,
};

// The records that must appear exactly once, in the order they are written.
constexpr std::string_view kSingles[] = {
    "id",           "state",       "host",     "rule",          "kind",
    "key",          "count",       "limit",    "window",        "first",
    "last",         "service",     "basis",    "detail",        "previous-count",
    "digest-count", "digest-text", "attempts", "first-spooled", "next-attempt",
    "last-error",
};
constexpr std::size_t kSingleCount = std::size(kSingles);

std::optional<std::size_t> SingleIndex(std::string_view tag) {
  for (std::size_t i = 0; i < kSingleCount; ++i) {
    if (kSingles[i] == tag) return i;
  }
  return std::nullopt;
}

// Applies one single-valued record (exactly one field) to `s`.
core::Status ApplySingle(const Record& r, SpooledAlert& s) {
  FieldParser p(r, 1);
  alerting::Alert& a = s.alert;
  detect::Finding& f = a.finding;
  const std::string_view tag = r.tag;
  if (tag == "id") {
    a.id = p.Text(0, "value");
  } else if (tag == "state") {
    const std::string name = p.Text(0, "value");
    bool known = false;
    for (alerting::AlertState st : kStates) {
      if (p.ok() && alerting::AlertStateName(st) == name) {
        a.state = st;
        known = true;
      }
    }
    if (p.ok() && !known)
      p.Fail("value",
             "unknown alert state \"" + core::EscapeForLog(r.fields[0].substr(0, 40)) + "\"");
  } else if (tag == "host") {
    a.host = p.Text(0, "value");
  } else if (tag == "rule") {
    f.rule = p.Text(0, "value");
  } else if (tag == "kind") {
    const std::string name = p.Text(0, "value");
    std::optional<detect::RuleKind> kind = detect::RuleKindFromName(name);
    if (p.ok() && !kind) {
      p.Fail("value",
             "unknown rule kind \"" + core::EscapeForLog(r.fields[0].substr(0, 40)) + "\"");
    }
    if (kind) f.kind = *kind;
  } else if (tag == "key") {
    f.key = p.Text(0, "value");
  } else if (tag == "count") {
    f.count = p.Uint(0, "value");
  } else if (tag == "limit") {
    f.limit = p.Uint(0, "value");
  } else if (tag == "window") {
    f.window = p.Dur(0, "value");
  } else if (tag == "first") {
    f.first = p.Time(0, "value");
  } else if (tag == "last") {
    f.last = p.Time(0, "value");
  } else if (tag == "service") {
    f.service = p.Text(0, "value");
  } else if (tag == "basis") {
    f.basis = p.Text(0, "value");
  } else if (tag == "detail") {
    f.detail = p.Text(0, "value");
  } else if (tag == "previous-count") {
    a.previous_count = p.Uint(0, "value");
  } else if (tag == "digest-count") {
    a.digest_count = static_cast<std::uint32_t>(p.Uint(0, "value", UINT32_MAX));
  } else if (tag == "digest-text") {
    a.digest_text = p.Text(0, "value");
  } else if (tag == "attempts") {
    s.attempts = static_cast<std::uint32_t>(p.Uint(0, "value", UINT32_MAX));
  } else if (tag == "first-spooled") {
    s.first_spooled = p.Time(0, "value");
  } else if (tag == "next-attempt") {
    s.next_attempt = p.Time(0, "value");
  } else if (tag == "last-error") {
    s.last_error = p.Text(0, "value");
  }
  if (!p.ok()) return p.error();
  return core::OkStatus();
}

// A sample holds what detect::SampleBook gives an alert, at most kShown of each list; a spool file
// holding more (edited, or crafted to fill the daemon's memory) is read up to that, like it.
constexpr std::size_t kSampleCap = detect::SampleBook::kShown;

core::Status ApplyRepeated(const Record& r, SpooledAlert& s) {
  detect::KeySample& sample = s.alert.finding.sample;
  if (r.tag == "recipient") {
    FieldParser p(r, 1);
    std::string rcpt = p.Text(0, "address");
    if (!p.ok()) return p.error();
    if (sample.recipients.size() < kSampleCap) sample.recipients.push_back(std::move(rcpt));
    return core::OkStatus();
  }
  FieldParser p(r, 2);
  std::string value = p.Text(0, "value");
  const std::uint64_t count = p.Uint(1, "count");
  if (!p.ok()) return p.error();
  auto& list = r.tag == "sender" ? sample.senders : sample.remote_ips;
  if (list.size() < kSampleCap) list.emplace_back(std::move(value), count);
  return core::OkStatus();
}

}  // namespace

std::string EncodeSpooledAlert(const SpooledAlert& s) {
  const alerting::Alert& a = s.alert;
  const detect::Finding& f = a.finding;
  RecordWriter w(kMagic, kAlertCodecVersion);
  w.Begin("id").Text(a.id);
  w.Begin("state").Text(alerting::AlertStateName(a.state));
  w.Begin("host").Text(a.host);
  w.Begin("rule").Text(f.rule);
  w.Begin("kind").Text(detect::RuleKindName(f.kind));
  w.Begin("key").Text(f.key);
  w.Begin("count").Uint(f.count);
  w.Begin("limit").Uint(f.limit);
  w.Begin("window").Dur(f.window);
  w.Begin("first").Time(f.first);
  w.Begin("last").Time(f.last);
  w.Begin("service").Text(f.service);
  w.Begin("basis").Text(f.basis);
  w.Begin("unit").Text(f.unit == detect::CountUnit::kMessages ? "messages" : "recipients");
  w.Begin("detail").Text(f.detail);
  for (const auto& [sender, n] : f.sample.senders) w.Begin("sender").Text(sender).Uint(n);
  for (const auto& [ip, n] : f.sample.remote_ips) w.Begin("remote-ip").Text(ip).Uint(n);
  for (const std::string& rcpt : f.sample.recipients) w.Begin("recipient").Text(rcpt);
  if (!f.slices.empty()) {
    w.Begin("slices");
    for (const std::uint32_t n : f.slices) w.Uint(n);
  }
  w.Begin("previous-count").Uint(a.previous_count);
  w.Begin("digest-count").Uint(a.digest_count);
  w.Begin("digest-text").Text(a.digest_text);
  w.Begin("attempts").Uint(s.attempts);
  w.Begin("first-spooled").Time(s.first_spooled);
  w.Begin("next-attempt").Time(s.next_attempt);
  w.Begin("last-error").Text(s.last_error);
  return std::move(w).Finish();
}

core::Result<SpooledAlert> DecodeSpooledAlert(std::string_view text) {
  RecordReader reader(text, kMagic, kAlertCodecVersion, "spooled alert");
  if (core::Status open = reader.Open(); !open) return open.error();
  SpooledAlert s;
  std::array<bool, kSingleCount> seen{};
  bool seen_unit = false;
  bool seen_slices = false;
  while (true) {
    core::Result<std::optional<Record>> next = reader.Next();
    if (!next) return next.error();
    if (!next->has_value()) break;
    const Record& r = **next;
    core::Status applied = core::OkStatus();
    if (std::optional<std::size_t> i = SingleIndex(r.tag)) {
      if (seen[*i]) return LineError(r.line, std::string(r.tag) + " given twice");
      seen[*i] = true;
      applied = ApplySingle(r, s);
    } else if (r.tag == "unit") {
      // Optional (spool files written before it existed count recipients).
      if (seen_unit) return LineError(r.line, "unit given twice");
      seen_unit = true;
      FieldParser p(r, 1);
      const std::string unit = p.Text(0, "value");
      if (p.ok() && unit != "recipients" && unit != "messages") {
        p.Fail("value", "expected recipients or messages");
      }
      if (!p.ok()) return p.error();
      s.alert.finding.unit =
          unit == "messages" ? detect::CountUnit::kMessages : detect::CountUnit::kRecipients;
    } else if (r.tag == "slices") {
      // Optional (spool files written before it existed have none): one field per slice.
      if (seen_slices) return LineError(r.line, "slices given twice");
      seen_slices = true;
      if (r.fields.size() > static_cast<std::size_t>(detect::kSlices)) {
        return LineError(r.line, "slices: expected at most " + std::to_string(detect::kSlices) +
                                     " fields, got " + std::to_string(r.fields.size()));
      }
      FieldParser p(r, r.fields.size());
      std::vector<std::uint32_t> slices;
      for (std::size_t i = 0; i < r.fields.size(); ++i) {
        slices.push_back(static_cast<std::uint32_t>(p.Uint(i, "count", UINT32_MAX)));
      }
      if (!p.ok()) return p.error();
      s.alert.finding.slices = std::move(slices);
    } else if (r.tag == "sender" || r.tag == "remote-ip" || r.tag == "recipient") {
      applied = ApplyRepeated(r, s);
    } else {
      return LineError(r.line,
                       "unknown record \"" + core::EscapeForLog(r.tag.substr(0, 40)) + "\"");
    }
    if (!applied) return applied.error();
  }
  for (std::size_t i = 0; i < kSingleCount; ++i) {
    if (!seen[i]) return core::Error{"missing \"" + std::string(kSingles[i]) + "\" record"};
  }
  return s;
}

}  // namespace relaywatch::state
