#include "relaywatch/core/time.h"

#include <gtest/gtest.h>

#include <limits>

namespace relaywatch::core {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// 2026-11-28T03:15:22Z, the instant of the `d` line in tests/fixtures/constructed.txt (in UTC).
constexpr std::int64_t kSample = 1795835722;

Timestamp At(std::int64_t unix_seconds, std::int64_t nanos = 0) {
  return Timestamp(seconds(unix_seconds)) + nanoseconds(nanos);
}

TEST(DaysFromCivilTest, CountsDaysFromTheUnixEpochAcrossCenturiesAndLeapDays) {
  struct Case {
    int y, m, d;
    std::int64_t days;
  } cases[] = {
      {1970, 1, 1, 0},       {1969, 12, 31, -1},    {2000, 2, 29, 11016},
      {2000, 3, 1, 11017},   {2026, 11, 28, 20785}, {1677, 9, 21, -106752},
      {2262, 4, 11, 106751}, {1600, 1, 1, -135140}, {2400, 12, 31, 157419},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(DaysFromCivil(c.y, c.m, c.d), c.days) << c.y << "-" << c.m << "-" << c.d;
  }
}

TEST(CivilTimeTest, ToCivilUtcSplitsAnInstantIntoFields) {
  CivilTime c = ToCivilUtc(At(kSample, 299206500));
  EXPECT_EQ(c, (CivilTime{2026, 11, 28, 3, 15, 22, 299206500}));
}

TEST(CivilTimeTest, ToCivilUtcRoundsInstantsBeforeTheEpochDownward) {
  EXPECT_EQ(ToCivilUtc(At(0) - nanoseconds(1)), (CivilTime{1969, 12, 31, 23, 59, 59, 999999999}));
}

TEST(CivilTimeTest, FromCivilUtcInvertsToCivilUtcOverTheWholeRange) {
  const Timestamp samples[] = {Timestamp::min(),       At(-1, 5),       At(0), At(951782400),
                               At(kSample, 299206500), Timestamp::max()};
  for (Timestamp t : samples) {
    auto back = FromCivilUtc(ToCivilUtc(t));
    ASSERT_TRUE(back) << FormatIso8601Utc(t);
    EXPECT_EQ(*back, t);
  }
}

TEST(CivilTimeTest, FromCivilUtcAcceptsLeapDaysAndFoldsALeapSecondIntoTheNextMinute) {
  EXPECT_EQ(FromCivilUtc({2000, 2, 29}), At(951782400));
  EXPECT_EQ(FromCivilUtc({2024, 2, 29}), At(1709164800));
  EXPECT_EQ(FromCivilUtc({2016, 12, 31, 23, 59, 60}), At(1483228800));
}

TEST(CivilTimeTest, FromCivilUtcRejectsFieldsOutOfRange) {
  const CivilTime bad[] = {
      {2026, 0, 1},
      {2026, 13, 1},
      {2026, 1, 0},
      {2026, 1, 32},
      {2023, 2, 29},
      {1900, 2, 29},
      {2024, 2, 30},
      {2026, 4, 31},
      {2026, 6, 31},
      {2026, 1, 1, 24},
      {2026, 1, 1, -1},
      {2026, 1, 1, 0, 60},
      {2026, 1, 1, 0, 0, 61},
      {2026, 1, 1, 0, 0, -1},
      {2026, 1, 1, 0, 0, 0, 1000000000},
      {2026, 1, 1, 0, 0, 0, -1},
      {2263, 1, 1},
      {1677, 1, 1},
      {std::numeric_limits<int>::max(), 12, 31},
      {std::numeric_limits<int>::min(), 1, 1},
  };
  for (const auto& c : bad) {
    EXPECT_FALSE(FromCivilUtc(c)) << c.year << "-" << c.month << "-" << c.day << " " << c.hour
                                  << ":" << c.minute << ":" << c.second << "." << c.nanos;
  }
}

TEST(FromUnixTest, RejectsNanosOutsideOneSecondAndInstantsPastTheRange) {
  EXPECT_EQ(FromUnix(kSample, 5), At(kSample, 5));
  EXPECT_EQ(FromUnix(9223372036, 854775807), Timestamp::max());
  EXPECT_EQ(FromUnix(-9223372037, 145224192), Timestamp::min());
  EXPECT_FALSE(FromUnix(9223372036, 854775808));
  EXPECT_FALSE(FromUnix(-9223372037, 145224191));
  EXPECT_FALSE(FromUnix(kSample, 1000000000));
  EXPECT_FALSE(FromUnix(kSample, -1));
  EXPECT_FALSE(FromUnix(std::numeric_limits<std::int64_t>::max(), 0));
}

TEST(LocalZoneTest, FixedShiftsBothWays) {
  LocalZone cet = LocalZone::Fixed(3600);
  EXPECT_EQ(cet.offset_at(At(kSample)), 3600);
  EXPECT_EQ(cet.to_utc({2026, 11, 28, 4, 15, 22}), At(kSample));
  EXPECT_FALSE(cet.to_utc({2026, 11, 31}));
  EXPECT_FALSE(cet.to_utc(ToCivilUtc(Timestamp::min())));  // one hour before the range
}

TEST(FormatTest, Iso8601UtcAlwaysHasNineFractionDigitsAndZ) {
  EXPECT_EQ(FormatIso8601Utc(At(kSample, 299206500)), "2026-11-28T03:15:22.299206500Z");
  EXPECT_EQ(FormatIso8601Utc(At(0)), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatIso8601Utc(At(0) - nanoseconds(1)), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatIso8601Utc(Timestamp::max()), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(FormatIso8601Utc(Timestamp::min()), "1677-09-21T00:12:43.145224192Z");
}

TEST(FormatTest, LocalDropsTheFractionAndAppliesTheZoneOffset) {
  EXPECT_EQ(FormatLocal(At(kSample, 999999999), LocalZone::Fixed(3600)), "2026-11-28 04:15:22");
  EXPECT_EQ(FormatLocal(At(kSample), LocalZone::Fixed(-5 * 3600)), "2026-11-27 22:15:22");
  EXPECT_EQ(FormatLocal(At(kSample), LocalZone{}), "2026-11-28 03:15:22");  // empty zone = UTC
}

TEST(ParseIso8601Test, ParsesEveryDocumentedForm) {
  const LocalZone zone = LocalZone::Fixed(3600);  // local = UTC+1
  struct Case {
    const char* text;
    Timestamp want;
  } cases[] = {
      {"2026-11-28", At(kSample - 3 * 3600 - 15 * 60 - 22 - 3600)},
      {"2026-11-28T04:15", At(kSample - 22)},
      {"2026-11-28 04:15", At(kSample - 22)},
      {"2026-11-28T04:15:22", At(kSample)},
      {"2026-11-28 04:15:22.2", At(kSample, 200000000)},
      {"2026-11-28T04:15:22.299206500", At(kSample, 299206500)},
      {"2026-11-28T03:15:22Z", At(kSample)},
      {"2026-11-28T03:15:22.000000001Z", At(kSample, 1)},
      {"2026-11-28T03:15Z", At(kSample - 22)},
      {"2026-11-28T05:15:22+02:00", At(kSample)},
      {"2026-11-28T05:15:22+0200", At(kSample)},
      {"2026-11-27T22:15:22-05:00", At(kSample)},
      {"2026-11-28T08:45:22.5+05:30", At(kSample, 500000000)},
      {"2026-11-28T03:15:22-00:00", At(kSample)},
      {"2024-02-29", At(1709164800 - 3600)},
      {"2016-12-31T23:59:60Z", At(1483228800)},
  };
  for (const auto& c : cases) {
    auto got = ParseIso8601(c.text, zone);
    ASSERT_TRUE(got) << c.text;
    EXPECT_EQ(FormatIso8601Utc(*got), FormatIso8601Utc(c.want)) << c.text;
  }
}

TEST(ParseIso8601Test, RejectsAnythingElse) {
  const char* bad[] = {
      "",
      "2026",
      "2026-11",
      "2026-11-2",
      "26-11-28",
      "2026/11/28",
      "2026-11-28T",
      "2026-11-28 ",
      " 2026-11-28",
      "2026-11-28x",
      "2026-11-28Z",
      "2026-11-28+01:00",
      "2026-11-28T03",
      "2026-11-28T3:15",
      "2026-11-28T03:5",
      "2026-11-28T03:15:2",
      "2026-11-28T03:15:22.",
      "2026-11-28T03:15:22.1234567891",
      "2026-11-28T03:15.5",
      "2026-11-28T03:15:22,5",
      "2026-11-28t03:15:22",
      "2026-11-28T03:15:22z",
      "2026-11-28T03:15:22 Z",
      "2026-11-28T03:15:22+01",
      "2026-11-28T03:15:22+1:00",
      "2026-11-28T03:15:22+01:0",
      "2026-11-28T03:15:22+24:00",
      "2026-11-28T03:15:22+01:60",
      "2026-11-28T03:15:22Z ",
      "2026-11-28T03:15:22ZZ",
      "2026-13-01",
      "2026-02-29",
      "2026-11-31",
      "2026-11-28T24:00",
      "2026-11-28T23:60",
      "2026-11-28T23:59:61",
      "2262-04-12",
      "1677-01-01T00:00Z",
      "+2026-11-28",
      "２０２６-11-28",
      "2026-11-28\n",
  };
  for (const char* text : bad) {
    EXPECT_FALSE(ParseIso8601(text, LocalZone::Fixed(0))) << '"' << text << '"';
  }
  EXPECT_FALSE(ParseIso8601(std::string_view("2026-11-28\0", 11), LocalZone::Fixed(0)));
}

// A zone whose clocks jump from 00:00 to 01:00 on 2026-11-28 (as Sao Paulo's once did) and
// which is UTC otherwise.
LocalZone MidnightGapZone() {
  LocalZone zone = LocalZone::Fixed(0);
  zone.to_utc = [](const CivilTime& c) -> std::optional<Timestamp> {
    if (c.year == 2026 && c.month == 11 && c.day == 28 && c.hour == 0) return std::nullopt;
    return FromCivilUtc(c);
  };
  return zone;
}

TEST(ParseIso8601Test, ADateStartsAtTheFirstLocalTimeThatExistsWhenMidnightIsSkipped) {
  EXPECT_EQ(ParseIso8601("2026-11-28", MidnightGapZone()), At(kSample - 2 * 3600 - 15 * 60 - 22));
  EXPECT_EQ(ParseIso8601("2026-11-27", MidnightGapZone()), At(kSample - 27 * 3600 - 15 * 60 - 22));
}

TEST(ParseIso8601Test, ALocalTimeInsideAGapDoesNotParse) {
  EXPECT_FALSE(ParseIso8601("2026-11-28T00:30", MidnightGapZone()));
  EXPECT_TRUE(ParseIso8601("2026-11-28T00:30Z", MidnightGapZone()));
}

TEST(ParseIso8601Test, AnEmptyZoneReadsLocalTimesAsUtc) {
  EXPECT_EQ(ParseIso8601("2026-11-28 03:15:22", LocalZone{}), At(kSample));
}

TEST(DurationTest, ParsesAPositiveCountAndOneUnit) {
  struct Case {
    const char* text;
    Duration want;
  } cases[] = {
      {"30s", seconds(30)},
      {"90s", seconds(90)},
      {"15m", minutes(15)},
      {"1h", hours(1)},
      {"7d", hours(7 * 24)},
      {"010m", minutes(10)},
      {"106751d", hours(24) * 106751},
      {"9223372036s", seconds(9223372036)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseDuration(c.text), c.want) << c.text;
  }
}

TEST(DurationTest, RejectsZeroSignsSpacesOtherUnitsAndOverflow) {
  const char* bad[] = {
      "",    "s",    "0s",    "00m", "10",      "-5m",         "+5m",
      "5 m", " 5m",  "5m ",   "5M",  "5H",      "5ms",         "5w",
      "5y",  "1.5h", "1h30m", "h1",  "106752d", "9223372037s", "99999999999999999999s"};
  for (const char* text : bad) {
    EXPECT_FALSE(ParseDuration(text)) << '"' << text << '"';
  }
}

TEST(DurationTest, FormatsTheShortestExactForm) {
  EXPECT_EQ(FormatDuration(seconds(3600)), "1h");
  EXPECT_EQ(FormatDuration(seconds(90)), "90s");
  EXPECT_EQ(FormatDuration(seconds(86400)), "1d");
  EXPECT_EQ(FormatDuration(seconds(120)), "2m");
  EXPECT_EQ(FormatDuration(hours(36)), "36h");
  EXPECT_EQ(FormatDuration(Duration(0)), "0s");
  EXPECT_EQ(FormatDuration(-minutes(5)), "-5m");
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(nanoseconds(1)), "0.000000001s");
  EXPECT_EQ(FormatDuration(Duration::min()), "-9223372036.854775808s");
}

TEST(DurationTest, FormatThenParseGivesTheSameDuration) {
  for (const char* text : {"30s", "90s", "15m", "1h", "7d", "25h", "1441m", "106751d"}) {
    auto d = ParseDuration(text);
    ASSERT_TRUE(d) << text;
    EXPECT_EQ(FormatDuration(*d), text);
  }
}

}  // namespace
}  // namespace relaywatch::core
