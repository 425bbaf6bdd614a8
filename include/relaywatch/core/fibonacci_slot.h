// FibonacciSlot: the slot of a power-of-two table for a 64-bit value.
//
// The top bits of the value times 2^64 / phi, which every bit of the value reaches: small
// integers, values that differ only in their high bits, and hashes that share their low bits (as
// report's shards' Keys do: a shard takes the Keys whose hash modulo the number of shards is its
// own) all spread as random values would. U32Set/U64Set and KeyTable take their home slot here.
#ifndef RELAYWATCH_CORE_FIBONACCI_SLOT_H_
#define RELAYWATCH_CORE_FIBONACCI_SLOT_H_

#include <bit>
#include <cstddef>
#include <cstdint>

namespace relaywatch::core {

// `size` is a power of two, at least 2.
inline std::size_t FibonacciSlot(std::uint64_t v, std::size_t size) {
  const int bits = std::countr_zero(size);
  return static_cast<std::size_t>((v * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_FIBONACCI_SLOT_H_
