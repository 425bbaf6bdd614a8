#include "relaywatch/alerting/histogram.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "relaywatch/detect/bucket_window.h"

namespace relaywatch::alerting {
namespace {

std::string H(const std::vector<std::uint32_t>& v, bool unicode) { return Histogram(v, unicode); }

TEST(HistogramTest, ScalesToTheHighestSliceWithEightLevels) {
  EXPECT_EQ(H({1, 2, 3, 4, 5, 6, 7, 8}, true), "▁▂▃▄▅▆▇█");
  EXPECT_EQ(H({1, 2, 3, 4, 5, 6, 7, 8}, false), ".:-=+*%#");
  // Doubled counts, same picture; 16 to the max: each level is two.
  EXPECT_EQ(H({2, 4, 6, 8, 10, 12, 14, 16}, true), "▁▂▃▄▅▆▇█");
  EXPECT_EQ(H({9, 16, 8}, false), "+#=");  // ceil(4.5), 8, 4
}

TEST(HistogramTest, ANonZeroSliceIsAtLeastTheLowestBarAndZeroIsASpace) {
  EXPECT_EQ(H({0, 1, 1000, 0}, true), " ▁█ ");
  EXPECT_EQ(H({0, 1, 1000, 0}, false), " .# ");
}

TEST(HistogramTest, AllZeroIsBlankAndNoSlicesIsEmpty) {
  EXPECT_EQ(H({0, 0, 0}, true), "   ");
  EXPECT_EQ(H({0, 0, 0}, false), "   ");
  EXPECT_EQ(H({}, true), "");
}

TEST(HistogramTest, OneSliceIsAFullBar) {
  EXPECT_EQ(H({7}, true), "█");
  EXPECT_EQ(H({1}, false), "#");
}

TEST(HistogramTest, TheLargestCountsDoNotOverflow) {
  EXPECT_EQ(H({UINT32_MAX, UINT32_MAX / 2, 1}, true), "█▄▁");
  EXPECT_EQ(H({UINT32_MAX, UINT32_MAX / 2, 1}, false), "#=.");
}

TEST(HistogramTest, OneCharacterPerSlice) {
  std::vector<std::uint32_t> v(detect::kSlices);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint32_t>(i);
  const std::string ascii = H(v, false);
  EXPECT_EQ(ascii.size(), v.size());
  EXPECT_EQ(ascii.front(), ' ');
  EXPECT_EQ(ascii.back(), '#');
  EXPECT_EQ(H(v, true).size(), 3 * (v.size() - 1) + 1);  // three UTF-8 bytes a bar, a space
}

TEST(HistogramTest, SliceLineGivesTheScale) {
  detect::Finding f;
  f.window = std::chrono::hours(1);
  EXPECT_EQ(SliceLine(f, true), "");  // no slices known
  f.slices = {0, 3, 12};
  EXPECT_EQ(SliceLine(f, true), "| ▂█| 1m each, peak 12");
  EXPECT_EQ(SliceLine(f, false), "| :#| 1m each, peak 12");
  f.window = std::chrono::hours(24);
  EXPECT_EQ(SliceLine(f, false), "| :#| 24m each, peak 12");
}

}  // namespace
}  // namespace relaywatch::alerting
