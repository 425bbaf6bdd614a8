#include "relaywatch/alerting/histogram.h"

#include <algorithm>
#include <string_view>

#include "relaywatch/core/time.h"
#include "relaywatch/detect/bucket_window.h"

namespace relaywatch::alerting {
namespace {

constexpr int kLevels = 8;
constexpr std::string_view kBlocks[kLevels] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                               "\u2585", "\u2586", "\u2587", "\u2588"};
constexpr std::string_view kAscii = ".:-=+*%#";

}  // namespace

std::string Histogram(std::span<const std::uint32_t> slices, bool unicode) {
  std::string out;
  const std::uint64_t max = slices.empty() ? 0 : *std::max_element(slices.begin(), slices.end());
  for (const std::uint32_t n : slices) {
    if (n == 0) {
      out += ' ';
      continue;
    }
    // 1..kLevels; 64 bits: kLevels * UINT32_MAX does not overflow.
    const std::uint64_t level = (std::uint64_t{n} * kLevels + max - 1) / max;
    const std::size_t i = static_cast<std::size_t>(level) - 1;
    if (unicode) {
      out += kBlocks[i];
    } else {
      out += kAscii[i];
    }
  }
  return out;
}

std::string SliceLine(const detect::Finding& f, bool unicode) {
  if (f.slices.empty()) return {};
  const std::uint32_t peak = *std::max_element(f.slices.begin(), f.slices.end());
  // As SliceIndex: a slice is window / kSlices, at least 1 ns.
  const core::Duration width = std::max(f.window / detect::kSlices, core::Duration(1));
  return "|" + Histogram(f.slices, unicode) + "| " + core::FormatDuration(width) + " each, peak " +
         std::to_string(peak);
}

}  // namespace relaywatch::alerting
