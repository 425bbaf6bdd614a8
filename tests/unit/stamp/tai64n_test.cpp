#include "relaywatch/stamp/tai64n.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace relaywatch::stamp {
namespace {

using core::FormatIso8601Utc;
using core::Timestamp;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(Tai64nLabelTest, ParsesLabelsWithTaiMinusUtcTakenAsTenSeconds) {
  struct Case {
    const char* label;
    const char* utc;
  } cases[] = {
      // Real stamps from tests/fixtures/real.txt and constructed.txt.
      {"@400000004ccc70a30b5515bc", "2010-10-30T19:23:05.190125500Z"},
      {"@4000000038c3eeb027f41c7c", "2000-03-06T17:45:10.670309500Z"},
      {"@4000000042202ab23b98282c", "2005-02-26T07:52:08.999827500Z"},
      {"@400000004c5b34b604c9b734", "2010-08-05T22:01:16.080328500Z"},
      {"@400000006b0a42a7202d1d2c", "2026-11-28T02:55:25.539827500Z"},
      {"@400000006b0a42a800b1c2d3", "2026-11-28T02:55:26.011649747Z"},
      // Uppercase hex reads the same.
      {"@400000006B0A42A800B1C2D3", "2026-11-28T02:55:26.011649747Z"},
      // Edges: the Unix epoch, the largest nanoseconds, TAI64's own pre-1970 labels, and the
      // ends of Timestamp's range.
      {"@400000000000000a00000000", "1970-01-01T00:00:00.000000000Z"},
      {"@400000000000000a3b9ac9ff", "1970-01-01T00:00:00.999999999Z"},
      {"@400000000000000900000000", "1969-12-31T23:59:59.000000000Z"},
      {"@400000000000000000000000", "1969-12-31T23:59:50.000000000Z"},
      {"@4000000225c17d0e32f2d7ff", "2262-04-11T23:47:16.854775807Z"},
      {"@3ffffffdda3e830508a7f200", "1677-09-21T00:12:43.145224192Z"},
  };
  for (const auto& c : cases) {
    auto t = ParseTai64nLabel(c.label);
    ASSERT_TRUE(t) << c.label;
    EXPECT_EQ(FormatIso8601Utc(*t), c.utc) << c.label;
  }
}

TEST(Tai64nLabelTest, RejectsEverythingThatIsNotExactlyOneValidLabel) {
  const std::string_view bad[] = {
      "",
      "@",
      "400000006b0a42a7202d1d2c",    // no '@'
      "#400000006b0a42a7202d1d2c",   // wrong sigil
      "@400000006b0a42a7202d1d2",    // 23 digits
      "@400000006b0a42a7202d1d2c0",  // 25 digits
      "@400000006b0a42a7202d1d2c ",  // trailing text
      " @400000006b0a42a7202d1d2c",
      "@400000006b0a42a7202d1d2g",  // non-hex
      "@400000006b0a42a7202d1d2G",
      "@400000006b0a42a 202d1d2c",
      "@400000006b0a42a7202d1d:c",  // ':' is '9' + 1
      "@400000006b0a42a7202d1d`c",  // '`' is 'a' - 1
      "@400000006b0a42a7202d1d@c",  // '@' is 'A' - 1
      "@+00000006b0a42a7202d1d2c",
      "@0x0000006b0a42a7202d1d2c",
      std::string_view("@400000006b0a42a7202d1d2\0", 25),
      "@400000006b0a42a73b9aca00",  // nanoseconds 10^9
      "@400000006b0a42a7ffffffff",
      "@4000000225c17d0f00000000",  // one second past the last Timestamp
      "@3ffffffdda3e830508a7f1ff",  // one nanosecond before the first
      "@000000000000000000000000",
      "@7fffffffffffffff00000000",
      "@800000000000000000000000",  // reserved by TAI64
      "@ffffffffffffffffffffffff",
      "@\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea"
      "\xe9\xe8",
  };
  for (std::string_view label : bad) {
    EXPECT_FALSE(ParseTai64nLabel(label)) << '"' << label << '"';
  }
}

TEST(Tai64nLabelTest, FormatIsLowercaseAndInvertsParse) {
  const char* labels[] = {"@400000004ccc70a30b5515bc", "@400000006B0A42A800B1C2D3",
                          "@400000000000000a00000000", "@400000000000000000000000",
                          "@4000000225c17d0e32f2d7ff", "@3ffffffdda3e830508a7f200"};
  for (const char* label : labels) {
    auto t = ParseTai64nLabel(label);
    ASSERT_TRUE(t) << label;
    EXPECT_EQ(FormatTai64nLabel(*t), Lower(label));
  }
}

TEST(Tai64nLabelTest, ParseInvertsFormatOverTheWholeTimestampRange) {
  const Timestamp samples[] = {
      Timestamp::min(), Timestamp{} - std::chrono::nanoseconds(1), Timestamp{},
      Timestamp{} + std::chrono::seconds(1795835722) + std::chrono::nanoseconds(299206500),
      Timestamp::max()};
  for (Timestamp t : samples) {
    std::string label = FormatTai64nLabel(t);
    ASSERT_EQ(label.size(), kTai64nLabelSize);
    EXPECT_EQ(ParseTai64nLabel(label), t) << label;
  }
}

// The digits are read eight at a time in one word: every byte value at every digit position must
// be judged as a byte-at-a-time reader would, and each digit must keep its weight.
TEST(Tai64nLabelTest, EveryByteAtEveryDigitPositionIsJudgedAlone) {
  const std::string base = "@400000000000000000000000";  // 1970, 10 s before the epoch
  const Timestamp base_time = *ParseTai64nLabel(base);
  for (std::size_t pos = 1; pos < kTai64nLabelSize; ++pos) {
    for (int b = 0; b < 256; ++b) {
      std::string label = base;
      label[pos] = static_cast<char>(b);
      auto t = ParseTai64nLabel(label);
      if (std::isxdigit(b) == 0) {
        EXPECT_FALSE(t) << "byte " << b << " at " << pos;
        continue;
      }
      // Digits 2..8 weigh 2^32 s and more: past Timestamp's range unless 0 (1 stays valid).
      if (pos < 9) continue;
      const std::int64_t digit = b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
      const bool seconds = pos <= 16;
      const std::int64_t weight = std::int64_t{1} << (4 * (seconds ? 16 - pos : 24 - pos));
      if (!seconds && digit * weight >= 1'000'000'000) {
        EXPECT_FALSE(t) << label;  // nanoseconds >= 10^9
        continue;
      }
      ASSERT_TRUE(t) << label;
      const std::chrono::nanoseconds step(seconds ? weight * 1'000'000'000 : weight);
      EXPECT_EQ(*t, base_time + digit * step) << label;
    }
  }
}

}  // namespace
}  // namespace relaywatch::stamp
