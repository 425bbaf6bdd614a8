// Shared by the libFuzzer harnesses: an invariant check that stops the run with a message (the
// fuzzer saves the input as a crash), and the helpers the codec harnesses share.
#ifndef RELAYWATCH_TESTS_FUZZ_FUZZ_CHECK_H_
#define RELAYWATCH_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "relaywatch/alerting/alert_id.h"

namespace relaywatch::fuzz {

// Aborts with `what` when `ok` is false: libFuzzer reports a deadly signal and writes the input.
inline void Check(bool ok, const char* what, std::string_view detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "INVARIANT BROKEN: %s\n", what);
  if (!detail.empty()) {
    std::fprintf(stderr, "  detail (%zu bytes): ", detail.size());
    for (unsigned char c : detail.substr(0, 2000)) {
      if (c >= 0x20 && c < 0x7F && c != '\\') {
        std::fputc(c, stderr);
      } else {
        std::fprintf(stderr, "\\x%02x", c);
      }
    }
    std::fputc('\n', stderr);
  }
  std::abort();
}

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// True when `part` is empty or lies inside `whole` (a view the parser says points into its input).
inline bool Inside(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  const char* b = whole.data();
  return part.data() >= b && part.data() + part.size() <= b + whole.size();
}

// `text` with its "checksum" line replaced by the right one, the way state/record_text writes it:
// mutated documents get past the checksum to the record checks.
inline std::string Reseal(std::string_view text) {
  std::string body(text);
  const std::size_t last = body.rfind("\nchecksum ");
  if (last != std::string::npos) body.resize(last + 1);
  if (!body.empty() && body.back() != '\n') body.push_back('\n');
  static constexpr char kHex[] = "0123456789abcdef";
  const std::uint64_t h = alerting::Fnv1a64(body);
  body += "checksum ";
  for (int shift = 60; shift >= 0; shift -= 4) body.push_back(kHex[(h >> shift) & 0xF]);
  body.push_back('\n');
  return body;
}

}  // namespace relaywatch::fuzz

#endif  // RELAYWATCH_TESTS_FUZZ_FUZZ_CHECK_H_
