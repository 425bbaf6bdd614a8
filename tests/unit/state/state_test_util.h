// Test helpers for the state codecs: attacker-chosen texts, and sealing a hand-written document
// with the checksum line the codecs expect (to reach the record checks behind the checksum).
#ifndef RELAYWATCH_TESTS_UNIT_STATE_STATE_TEST_UTIL_H_
#define RELAYWATCH_TESTS_UNIT_STATE_STATE_TEST_UTIL_H_

#include <string>
#include <vector>

#include "relaywatch/alerting/alert_id.h"

namespace relaywatch::state::testing {

// `body` (header and records, each ending in '\n') with its checksum line appended.
inline std::string Seal(const std::string& body) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::uint64_t h = alerting::Fnv1a64(body);
  std::string out = body + "checksum ";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(h >> shift) & 0xF]);
  return out + "\n";
}

// Values a login, MAIL FROM, HELO or RCPT can hold (chkuser copies them raw), plus every byte.
inline std::vector<std::string> HostileTexts() {
  using namespace std::string_literals;
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  return {
      "x@y\r\nBcc: victim@z"s,
      "x@y\nchecksum 0000000000000000\nrule r volume 1\n"s,  // looks like records
      "nul\0inside@example.com"s,
      "back\\slash\\x41\\-@example.com"s,  // looks like escapes
      "\\-"s,
      "-"s,
      "two  spaces trailing "s,
      " "s,
      "J\xC3\xBCrgen@m\xC3\xBCller.example \xF0\x9F\x98\x80"s,
      "caf\xE9\xFF\xC0\xAF@latin1.example"s,
      "\x1B]0;owned\x07\x1B[2J@term.example"s,
      "'; rm -rf / #@example.com"s,
      std::string(10 * 1024, 'A') + "@example.com",
      every_byte,
      ""s,
  };
}

}  // namespace relaywatch::state::testing

#endif  // RELAYWATCH_TESTS_UNIT_STATE_STATE_TEST_UTIL_H_
