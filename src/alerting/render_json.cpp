#include "relaywatch/alerting/render_json.h"

#include <string_view>

#include "relaywatch/alerting/finding_json.h"
#include "relaywatch/core/json_writer.h"

namespace relaywatch::alerting {

std::string RenderJson(const Alert& a) {
  core::JsonWriter w;
  w.BeginObject();
  WriteFindingJson(w, a);
  w.Key("host").String(a.host);
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
