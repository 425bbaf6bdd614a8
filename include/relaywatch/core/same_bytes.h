// SameBytes: equality of two short strings without a call to memcmp.
//
// The counting loop compares the current line's Key (20 to 40 bytes) with the one it saw last,
// several times per line. memcmp is a call into libc and a dispatch on the length each time;
// this compares 8 bytes per load, with the last load overlapping, and is inlined.
#ifndef RELAYWATCH_CORE_SAME_BYTES_H_
#define RELAYWATCH_CORE_SAME_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace relaywatch::core {

inline bool SameBytes(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  auto word = [](const char* s) {
    std::uint64_t v;
    std::memcpy(&v, s, sizeof v);
    return v;
  };
  auto half = [](const char* s) {
    std::uint32_t v;
    std::memcpy(&v, s, sizeof v);
    return v;
  };
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (word(p + i) != word(q + i)) return false;
    }
    return word(p + n - 8) == word(q + n - 8);
  }
  if (n >= 4) return half(p) == half(q) && half(p + n - 4) == half(q + n - 4);
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] != q[i]) return false;
  }
  return true;
}

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_SAME_BYTES_H_
