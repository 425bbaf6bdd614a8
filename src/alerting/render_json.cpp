#include "relaywatch/alerting/render_json.h"

#include <string_view>

#include "relaywatch/alerting/alert_text.h"
#include "relaywatch/core/json_writer.h"
#include "relaywatch/core/time.h"

namespace relaywatch::alerting {
namespace {

void Counted(core::JsonWriter& w, std::string_view name, std::string_view item_key,
             const std::vector<std::pair<std::string, std::uint64_t>>& items) {
  w.Key(name).BeginArray();
  for (const auto& [value, count] : items) {
    w.BeginObject().Key(item_key).String(value).Key("count").Uint(count).EndObject();
  }
  w.EndArray();
}

std::string_view Kind(const Alert& a) {
  if (a.state == AlertState::kDigest) return "digest";
  if (a.state == AlertState::kTest) return "test";
  return detect::RuleKindName(a.finding.kind);
}

}  // namespace

std::string RenderJson(const Alert& a) {
  const detect::Finding& f = a.finding;
  core::JsonWriter w;
  w.BeginObject();
  w.Key("id").String(a.id);
  w.Key("rule").String(f.rule);
  w.Key("kind").String(Kind(a));
  w.Key("user").String(f.key);
  w.Key("count").Uint(f.count);
  w.Key("limit").Uint(f.limit);
  w.Key("window").Int(std::chrono::duration_cast<std::chrono::seconds>(f.window).count());
  w.Key("window_text").String(core::FormatDuration(f.window));
  w.Key("first").String(core::FormatIso8601Utc(f.first));
  w.Key("last").String(core::FormatIso8601Utc(f.last));
  w.Key("host").String(a.host);
  w.Key("state").String(AlertStateName(a.state));
  w.Key("service").String(f.service);
  w.Key("basis").String(f.basis);
  w.Key("detail").String(f.detail);
  w.Key("previous_count").Uint(a.previous_count);
  w.Key("sample").BeginObject();
  Counted(w, "senders", "sender", f.sample.senders);
  Counted(w, "remote_ips", "ip", f.sample.remote_ips);
  w.Key("recipients").BeginArray();
  for (const std::string& r : f.sample.recipients) w.String(r);
  w.EndArray();
  w.EndObject();
  if (a.state == AlertState::kDigest) {
    w.Key("digest_count").Uint(a.digest_count);
    w.Key("digest").BeginArray();
    std::string_view rest = a.digest_text;
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      if (!line.empty()) w.String(line);
    }
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace relaywatch::alerting
