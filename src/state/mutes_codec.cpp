#include "relaywatch/state/mutes_codec.h"

#include <optional>

#include "record_text.h"

namespace relaywatch::state {
namespace {

using internal::FieldParser;
using internal::LineError;
using internal::Record;
using internal::RecordReader;
using internal::RecordWriter;

constexpr std::string_view kMagic = "relaywatch-mutes";

}  // namespace

std::string EncodeMutes(const std::vector<alerting::Mute>& mutes) {
  RecordWriter w(kMagic, kMutesCodecVersion);
  for (const alerting::Mute& m : mutes) {
    w.Begin("mute").Text(m.key).Text(m.rule).Time(m.since).Time(m.until).Text(m.by).Text(m.reason);
  }
  return std::move(w).Finish();
}

core::Result<std::vector<alerting::Mute>> DecodeMutes(std::string_view text) {
  RecordReader reader(text, kMagic, kMutesCodecVersion, "mutes file");
  if (auto st = reader.Open(); !st) return st.error();
  std::vector<alerting::Mute> out;
  while (true) {
    auto next = reader.Next();
    if (!next) return next.error();
    if (!*next) break;
    const Record& r = **next;
    if (r.tag != "mute") {
      return LineError(
          r.line, "unknown record \"" + std::string(r.tag.substr(0, 40)) + "\" (expected mute)");
    }
    if (out.size() >= alerting::kMaxMutes) {
      return LineError(r.line, "more than " + std::to_string(alerting::kMaxMutes) + " mutes");
    }
    FieldParser p(r, 6);
    alerting::Mute m;
    m.key = p.Text(0, "key");
    m.rule = p.Text(1, "rule");
    m.since = p.Time(2, "since");
    m.until = p.Time(3, "until");
    m.by = p.Text(4, "by");
    m.reason = p.Text(5, "reason");
    if (!p.ok()) return p.error();
    for (auto [name, value] : {std::pair{"key", &m.key}, std::pair{"rule", &m.rule},
                               std::pair{"by", &m.by}, std::pair{"reason", &m.reason}}) {
      if (value->size() > alerting::kMaxMuteField) {
        return LineError(r.line, std::string("mute ") + name + ": longer than " +
                                     std::to_string(alerting::kMaxMuteField) + " bytes");
      }
    }
    if (m.key.empty()) return LineError(r.line, "mute key: empty");
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace relaywatch::state
