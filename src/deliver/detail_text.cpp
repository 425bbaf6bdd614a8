#include "relaywatch/deliver/detail_text.h"

namespace relaywatch::deliver {
namespace {

std::string EscapeByte(unsigned char c) {
  switch (c) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case '\\':
      return "\\\\";
    default:
      break;
  }
  if (c >= 0x20 && c < 0x7f) return std::string(1, static_cast<char>(c));
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string{'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
}

}  // namespace

std::string EscapeDetail(std::string_view text, std::size_t limit) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  constexpr std::string_view kCut = "...";
  std::string out;
  std::size_t keep = 0;  // the longest prefix of whole escapes that leaves room for "..."
  for (char c : text) {
    out += EscapeByte(static_cast<unsigned char>(c));
    if (out.size() + kCut.size() <= limit) keep = out.size();
    if (out.size() > limit) {
      out.resize(keep);
      out += kCut;
      return out;
    }
  }
  return out;
}

}  // namespace relaywatch::deliver
