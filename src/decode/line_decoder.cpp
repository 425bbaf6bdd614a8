#include "relaywatch/decode/line_decoder.h"

#include "relaywatch/parse/parser.h"

namespace relaywatch::decode {

LineDecoder::LineDecoder(core::LocalZone zone, std::optional<core::Timestamp> last)
    : stamper_(std::move(zone)), last_(last) {}

stamp::Line LineDecoder::Stamp(std::string_view raw) {
  stamp::Line line = stamper_.Stamp(raw);
  if (line.stamped) {
    last_ = line.time;
  } else {
    line.time = last_.value_or(core::Timestamp{});
  }
  return line;
}

parse::Event LineDecoder::Parse(std::string_view raw, const stamp::Line& line) {
  if (!line.stamped && raw.starts_with('@')) return parse::MalformedEvent{kDamagedStamp};
  return parse::ParseEvent(line.tag, line.text);
}

void LineDecoder::Decode(std::string_view raw, bool cut, DecodedLine& out) {
  out.raw = raw;
  out.line = Stamp(raw);
  out.event = Parse(raw, out.line);
  out.cut = cut;
}

}  // namespace relaywatch::decode
