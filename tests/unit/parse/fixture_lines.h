// Test helper: the log lines of tests/fixtures/*.txt with their stamps taken off.
//
// The parse tests need (tag, text) pairs as stamp::Line gives them; this small reader strips
// the three stamp forms the fixtures use (multilog `t`, the fork's `d` date, syslog with
// splogger's SECS.USECS) so these tests do not depend on the stamp stage. Comment lines ('#')
// and blank lines are skipped; one trailing CR is removed, as the Stamper does.
#ifndef RELAYWATCH_TESTS_UNIT_PARSE_FIXTURE_LINES_H_
#define RELAYWATCH_TESTS_UNIT_PARSE_FIXTURE_LINES_H_

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace relaywatch::parse::testing {

struct FixtureLine {
  int number = 0;       // 1-based line number in the file
  std::string raw;      // the line as stored (CR removed)
  std::string tag;      // syslog program name, "" otherwise
  std::string text;     // the message after the stamp
  bool had_cr = false;  // the stored line ended in CR LF
};

inline bool AllOf(std::string_view s, std::string_view allowed_chars) {
  return !s.empty() && s.find_first_not_of(allowed_chars) == std::string_view::npos;
}

inline FixtureLine StripStamp(int number, std::string raw) {
  FixtureLine line{number, raw, "", ""};
  std::string_view s = line.raw;
  constexpr std::string_view kHex = "0123456789abcdef";
  constexpr std::string_view kDigits = "0123456789";
  if (s.size() > 26 && s[0] == '@' && AllOf(s.substr(1, 24), kHex) && s[25] == ' ') {
    line.text = std::string(s.substr(26));
    return line;
  }
  // "YYYY-MM-DD HH:MM:SS.NNNNNNNNN text"
  if (s.size() > 30 && s[4] == '-' && s[7] == '-' && s[10] == ' ' && s[13] == ':' && s[19] == '.' &&
      s[29] == ' ' && AllOf(s.substr(20, 9), kDigits)) {
    line.text = std::string(s.substr(30));
    return line;
  }
  // "Mon DD HH:MM:SS host prog[pid]: text", then splogger's "SECS.USECS ".
  if (s.size() > 16 && s[3] == ' ' && s[6] == ' ' && s[9] == ':' && s[12] == ':' && s[15] == ' ') {
    std::string_view rest = s.substr(16);
    rest.remove_prefix(rest.find(' ') + 1);  // host
    const std::size_t colon = rest.find(": ");
    std::string_view program = rest.substr(0, colon);
    program = program.substr(0, program.find('['));
    line.tag = std::string(program);
    rest.remove_prefix(colon + 2);
    const std::size_t dot = rest.find('.');
    const std::size_t space = rest.find(' ');
    if (dot != std::string_view::npos && space != std::string_view::npos && dot < space &&
        AllOf(rest.substr(0, dot), kDigits) &&
        AllOf(rest.substr(dot + 1, space - dot - 1), kDigits)) {
      rest.remove_prefix(space + 1);
    }
    line.text = std::string(rest);
    return line;
  }
  line.text = line.raw;
  return line;
}

inline std::vector<FixtureLine> ReadFixture(const std::string& name) {
  std::ifstream in(std::string(RELAYWATCH_FIXTURES_DIR) + "/" + name, std::ios::binary);
  std::vector<FixtureLine> lines;
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    const bool had_cr = !raw.empty() && raw.back() == '\r';
    if (had_cr) raw.pop_back();
    if (raw.empty() || raw[0] == '#') continue;
    lines.push_back(StripStamp(number, raw));
    lines.back().had_cr = had_cr;
  }
  return lines;
}

}  // namespace relaywatch::parse::testing

#endif  // RELAYWATCH_TESTS_UNIT_PARSE_FIXTURE_LINES_H_
