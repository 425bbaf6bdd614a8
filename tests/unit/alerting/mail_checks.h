// Test helper: read back what BuildRfc5322 wrote, as a mail reader would, and check the rules of
// RFC 5322 / 2045 / 2047 that keep a message from being misread or injected into.
#ifndef RELAYWATCH_TESTS_UNIT_ALERTING_MAIL_CHECKS_H_
#define RELAYWATCH_TESTS_UNIT_ALERTING_MAIL_CHECKS_H_

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace relaywatch::alerting::testing {

// `text` split at CRLF; a final CRLF ends the last line (no empty line after it).
inline std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t p = 0;
  while (p < text.size()) {
    std::size_t q = text.find("\r\n", p);
    if (q == std::string_view::npos) q = text.size();
    out.emplace_back(text.substr(p, q - p));
    p = q + 2;
  }
  return out;
}

// The header lines of a message (up to the empty line), or every line of a lone header.
inline std::vector<std::string> HeaderLines(std::string_view mail) {
  const std::size_t end = mail.find("\r\n\r\n");
  return Lines(end == std::string_view::npos ? mail : mail.substr(0, end + 2));
}

// RFC 5322 unfolding: a CRLF followed by a space or tab is removed.
inline std::string Unfold(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i, 2) == "\r\n" && i + 2 < s.size() && (s[i + 2] == ' ' || s[i + 2] == '\t')) {
      ++i;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

inline std::string DecodeBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

// RFC 2047 for "=?UTF-8?B?...?=" words; whitespace between two encoded-words is dropped.
inline std::string DecodeEncodedWords(std::string_view s) {
  std::string out;
  std::string pending_space;
  bool last_was_word = false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s.substr(i, 10) == "=?UTF-8?B?") {
      const std::size_t end = s.find("?=", i + 10);
      if (end != std::string_view::npos) {
        if (!last_was_word) out += pending_space;
        pending_space.clear();
        out += DecodeBase64(s.substr(i + 10, end - i - 10));
        i = end + 2;
        last_was_word = true;
        continue;
      }
    }
    if (s[i] == ' ' || s[i] == '\t') {
      pending_space.push_back(s[i++]);
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out.push_back(s[i++]);
    last_was_word = false;
  }
  return out + pending_space;
}

// RFC 2045 quoted-printable body (CRLF lines) back to its text, lines ending in '\n'.
inline std::string DecodeQuotedPrintable(std::string_view encoded) {
  auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };
  std::string out;
  for (const std::string& line : Lines(encoded)) {
    const bool soft = !line.empty() && line.back() == '=';
    const std::string_view body = soft ? std::string_view(line).substr(0, line.size() - 1) : line;
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '=' && i + 2 < body.size()) {
        out.push_back(static_cast<char>(hex(body[i + 1]) * 16 + hex(body[i + 2])));
        i += 2;
      } else {
        out.push_back(body[i]);
      }
    }
    if (!soft) out.push_back('\n');
  }
  return out;
}

// The structural rules every message must keep, whatever went into it.
inline void ExpectWellFormed(const std::string& mail) {
  for (std::size_t i = 0; i < mail.size(); ++i) {
    if (mail[i] == '\r') {
      ASSERT_TRUE(i + 1 < mail.size() && mail[i + 1] == '\n') << "bare CR at " << i;
    }
    if (mail[i] == '\n') {
      ASSERT_TRUE(i > 0 && mail[i - 1] == '\r') << "bare LF at " << i;
    }
  }
  const std::size_t split = mail.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos);
  std::map<std::string, int> seen;
  for (const std::string& line : HeaderLines(mail)) {
    EXPECT_LE(line.size(), 998u);
    for (char c : line) {
      ASSERT_TRUE(c >= 0x20 && c <= 0x7E)
          << "header byte " << static_cast<int>(c) << " in " << line;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      EXPECT_NE(line.find_first_not_of(" \t"), std::string::npos) << "blank continuation";
      continue;
    }
    const std::size_t colon = line.find(": ");
    ASSERT_NE(colon, std::string::npos) << line;
    ++seen[line.substr(0, colon)];
  }
  const std::map<std::string, int> allowed_once = {
      {"Date", 1},         {"From", 1},
      {"To", 1},           {"Subject", 1},
      {"Message-ID", 1},   {"MIME-Version", 1},
      {"Content-Type", 1}, {"Content-Transfer-Encoding", 1}};
  for (const auto& [name, n] : seen) {
    EXPECT_TRUE(allowed_once.count(name)) << "unexpected header " << name;
    EXPECT_EQ(n, 1) << name;
  }
  for (const char* required :
       {"Date", "From", "To", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"}) {
    EXPECT_EQ(seen[required], 1) << required;
  }
  for (const std::string& line : Lines(mail.substr(split + 4))) {
    EXPECT_LE(line.size(), 76u) << line;
    EXPECT_NE(line, ".");
    for (char c : line) ASSERT_TRUE(c >= 0x20 && c <= 0x7E) << "body byte " << static_cast<int>(c);
  }
}

}  // namespace relaywatch::alerting::testing

#endif  // RELAYWATCH_TESTS_UNIT_ALERTING_MAIL_CHECKS_H_
