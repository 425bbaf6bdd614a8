#include "relaywatch/alerting/finding_json.h"

#include <chrono>
#include <string_view>

#include "relaywatch/alerting/alert_text.h"
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

}  // namespace

void WriteFindingJson(core::JsonWriter& w, const Alert& a) {
  const detect::Finding& f = a.finding;
  w.Key("id").String(a.id);
  w.Key("rule").String(f.rule);
  w.Key("kind").String(AlertKindName(a));
  w.Key("user").String(f.key);
  w.Key("count").Uint(f.count);
  w.Key("limit").Uint(f.limit);
  w.Key("window").Int(std::chrono::duration_cast<std::chrono::seconds>(f.window).count());
  w.Key("window_text").String(core::FormatDuration(f.window));
  w.Key("first").String(core::FormatIso8601Utc(f.first));
  w.Key("last").String(core::FormatIso8601Utc(f.last));
  w.Key("state").String(AlertStateName(a.state));
  w.Key("service").String(f.service);
  w.Key("basis").String(f.basis);
  w.Key("detail").String(f.detail);
  w.Key("previous_count").Uint(a.previous_count);
  w.Key("slices").BeginArray();  // oldest first; [] when not known
  for (const std::uint32_t n : f.slices) w.Uint(n);
  w.EndArray();
  w.Key("sample").BeginObject();
  Counted(w, "senders", "sender", f.sample.senders);
  Counted(w, "remote_ips", "ip", f.sample.remote_ips);
  w.Key("recipients").BeginArray();
  for (const std::string& r : f.sample.recipients) w.String(r);
  w.EndArray();
  w.EndObject();
}

}  // namespace relaywatch::alerting
