#include "relaywatch/app/local_zone.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <optional>
#include <string>

namespace relaywatch::app {
namespace {

using core::CivilTime;
using core::Timestamp;

// Zones as POSIX TZ strings, so the tests need no tzdata: the EU's rule (last Sunday of March
// 02:00 -> 03:00, last Sunday of October 03:00 -> 02:00), the US's, and a half-hour zone.
constexpr const char* kBerlin = "CET-1CEST,M3.5.0,M10.5.0/3";
constexpr const char* kNewYork = "EST5EDT,M3.2.0,M11.1.0";
constexpr const char* kKolkata = "IST-5:30";

Timestamp Utc(int y, int mo, int d, int h, int mi, int s = 0, std::int64_t ns = 0) {
  return *core::FromCivilUtc({y, mo, d, h, mi, s, ns});
}

// Sets TZ for one test and puts the old value back after it.
class SystemLocalZoneTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (saved_) {
      setenv("TZ", saved_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  core::LocalZone ZoneFor(const char* tz) {
    setenv("TZ", tz, 1);
    return SystemLocalZone();
  }

 private:
  std::optional<std::string> saved_ =
      getenv("TZ") ? std::optional<std::string>(getenv("TZ")) : std::nullopt;
};

TEST_F(SystemLocalZoneTest, UtcMapsWallTimeOneToOneWithNanoseconds) {
  auto zone = ZoneFor("UTC0");
  EXPECT_EQ(zone.offset_at(Utc(2026, 11, 28, 3, 15, 22)), 0);
  EXPECT_EQ(zone.to_utc({2026, 11, 28, 3, 15, 22, 299206500}),
            Utc(2026, 11, 28, 3, 15, 22, 299206500));
}

TEST_F(SystemLocalZoneTest, OffsetFollowsDaylightSavingTime) {
  auto zone = ZoneFor(kBerlin);
  EXPECT_EQ(zone.offset_at(Utc(2026, 1, 15, 12, 0)), 3600);
  EXPECT_EQ(zone.offset_at(Utc(2026, 7, 1, 12, 0)), 7200);
  EXPECT_EQ(zone.offset_at(Utc(2026, 3, 29, 0, 59, 59)), 3600);
  EXPECT_EQ(zone.offset_at(Utc(2026, 3, 29, 1, 0)), 7200);
  EXPECT_EQ(zone.to_utc({2026, 1, 15, 13, 0}), Utc(2026, 1, 15, 12, 0));
  EXPECT_EQ(zone.to_utc({2026, 7, 1, 14, 0}), Utc(2026, 7, 1, 12, 0));
}

TEST_F(SystemLocalZoneTest, AWallTimeSkippedBySpringForwardHasNoInstant) {
  auto zone = ZoneFor(kBerlin);
  EXPECT_EQ(zone.to_utc({2026, 3, 29, 1, 59, 59}), Utc(2026, 3, 29, 0, 59, 59));
  EXPECT_FALSE(zone.to_utc({2026, 3, 29, 2, 0}));
  EXPECT_FALSE(zone.to_utc({2026, 3, 29, 2, 30}));
  EXPECT_FALSE(zone.to_utc({2026, 3, 29, 2, 59, 59, 999999999}));
  EXPECT_EQ(zone.to_utc({2026, 3, 29, 3, 0}), Utc(2026, 3, 29, 1, 0));

  auto ny = ZoneFor(kNewYork);
  EXPECT_FALSE(ny.to_utc({2026, 3, 8, 2, 30}));
  EXPECT_EQ(ny.to_utc({2026, 3, 8, 3, 0}), Utc(2026, 3, 8, 7, 0));
}

TEST_F(SystemLocalZoneTest, AWallTimeRepeatedByFallBackGivesTheEarlierInstant) {
  auto zone = ZoneFor(kBerlin);
  EXPECT_EQ(zone.to_utc({2026, 10, 25, 1, 59}), Utc(2026, 10, 24, 23, 59));
  EXPECT_EQ(zone.to_utc({2026, 10, 25, 2, 0}), Utc(2026, 10, 25, 0, 0));
  EXPECT_EQ(zone.to_utc({2026, 10, 25, 2, 30}), Utc(2026, 10, 25, 0, 30));
  EXPECT_EQ(zone.to_utc({2026, 10, 25, 3, 0}), Utc(2026, 10, 25, 2, 0));

  auto ny = ZoneFor(kNewYork);
  EXPECT_EQ(ny.to_utc({2026, 11, 1, 1, 30}), Utc(2026, 11, 1, 5, 30));
}

TEST_F(SystemLocalZoneTest, HalfHourZonesAndLeapSecondsWork) {
  auto zone = ZoneFor(kKolkata);
  EXPECT_EQ(zone.offset_at(Utc(2026, 11, 28, 0, 0)), 19800);
  EXPECT_EQ(zone.to_utc({2026, 11, 28, 5, 30}), Utc(2026, 11, 28, 0, 0));
  auto utc = ZoneFor("UTC0");
  EXPECT_EQ(utc.to_utc({2016, 12, 31, 23, 59, 60}), Utc(2017, 1, 1, 0, 0));
}

TEST_F(SystemLocalZoneTest, ImpossibleCalendarDatesHaveNoInstant) {
  auto zone = ZoneFor(kBerlin);
  EXPECT_FALSE(zone.to_utc({2026, 2, 29, 12, 0}));
  EXPECT_FALSE(zone.to_utc({2026, 13, 1, 12, 0}));
  EXPECT_FALSE(zone.to_utc({2026, 1, 1, 24, 0}));
}

TEST_F(SystemLocalZoneTest, DrivesIso8601ParsingAndLocalFormattingLikeTheAdminExpects) {
  auto zone = ZoneFor(kBerlin);
  EXPECT_EQ(core::ParseIso8601("2026-07-01", zone), Utc(2026, 6, 30, 22, 0));
  EXPECT_EQ(core::ParseIso8601("2026-12-01", zone), Utc(2026, 11, 30, 23, 0));
  EXPECT_FALSE(core::ParseIso8601("2026-03-29T02:30", zone));
  EXPECT_EQ(core::FormatLocal(Utc(2026, 10, 25, 0, 30), zone), "2026-10-25 02:30:00");
  EXPECT_EQ(core::FormatLocal(Utc(2026, 10, 25, 1, 30), zone), "2026-10-25 02:30:00");
}

}  // namespace
}  // namespace relaywatch::app
