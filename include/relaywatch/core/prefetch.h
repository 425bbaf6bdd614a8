// PrefetchBytes: asks for every cache line of `size` bytes at `at`, ahead of a read that would
// miss (a record written on another core, a login's rule states). A hint: it reads nothing and
// changes nothing, and a null or stale pointer is harmless.
#ifndef RELAYWATCH_CORE_PREFETCH_H_
#define RELAYWATCH_CORE_PREFETCH_H_

#include <cstddef>

namespace relaywatch::core {

inline constexpr std::size_t kCacheLine = 64;

inline void PrefetchBytes(const void* at, std::size_t size) {
  const char* const bytes = static_cast<const char*>(at);
  for (std::size_t i = 0; i < size; i += kCacheLine) __builtin_prefetch(bytes + i);
}

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_PREFETCH_H_
