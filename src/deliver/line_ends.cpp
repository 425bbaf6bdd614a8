#include "relaywatch/deliver/line_ends.h"

#include <functional>

namespace relaywatch::deliver {
namespace {

// Calls `line` for each line of `message` without its line end; a last line without an end
// counts too, an empty tail after the last end does not.
void ForEachLine(std::string_view message, const std::function<void(std::string_view)>& line) {
  std::size_t start = 0;
  std::size_t i = 0;
  while (i < message.size()) {
    const char c = message[i];
    if (c == '\n' || c == '\r') {
      line(message.substr(start, i - start));
      i += (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ? 2 : 1;
      start = i;
    } else {
      ++i;
    }
  }
  if (start < message.size()) line(message.substr(start));
}

}  // namespace

std::string ToLfLines(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 1);
  ForEachLine(message, [&out](std::string_view l) {
    out += l;
    out += '\n';
  });
  return out;
}

std::string ToSmtpData(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 32 + 8);
  ForEachLine(message, [&out](std::string_view l) {
    if (!l.empty() && l.front() == '.') out += '.';
    out += l;
    out += "\r\n";
  });
  out += ".\r\n";
  return out;
}

}  // namespace relaywatch::deliver
