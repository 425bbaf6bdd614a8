#include "relaywatch/stamp/log_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "relaywatch/stamp/tai64n.h"

namespace relaywatch::stamp {
namespace {

using core::Timestamp;

Timestamp Label(const char* label) { return *ParseTai64nLabel(label); }

TEST(LogFileNameTest, ParsesCurrentPreviousAndBothArchiveKinds) {
  struct Case {
    const char* name;
    LogFileKind kind;
    Timestamp time;
  } cases[] = {
      {"current", LogFileKind::kCurrent, {}},
      {"previous", LogFileKind::kPrevious, {}},
      {"@400000006b0a42a7202d1d2c.s", LogFileKind::kArchiveDone,
       Label("@400000006b0a42a7202d1d2c")},
      {"@400000006b0a42a7202d1d2c.u", LogFileKind::kArchiveUnfinished,
       Label("@400000006b0a42a7202d1d2c")},
      {"@400000006B0A42A7202D1D2C.s", LogFileKind::kArchiveDone,
       Label("@400000006b0a42a7202d1d2c")},
      {"@400000000000000a00000000.s", LogFileKind::kArchiveDone, Timestamp{}},
  };
  for (const auto& c : cases) {
    auto parsed = ParseLogFileName(c.name);
    ASSERT_TRUE(parsed) << c.name;
    EXPECT_EQ(*parsed, (LogFileName{c.kind, c.time})) << c.name;
  }
}

TEST(LogFileNameTest, IgnoresEveryOtherName) {
  const char* bad[] = {
      "",
      "lock",
      "state",
      "newstate",
      "processed",
      "Current",
      "CURRENT",
      "current~",
      "current.swp",
      ".current",
      "previous.s",
      ".",
      "..",
      "@400000006b0a42a7202d1d2c",   // a label alone
      "@400000006b0a42a7202d1d2c.",  // no kind
      "@400000006b0a42a7202d1d2c.x",
      "@400000006b0a42a7202d1d2c.S",
      "@400000006b0a42a7202d1d2c.U",
      "@400000006b0a42a7202d1d2c.ss",
      "@400000006b0a42a7202d1d2c.s~",
      "@400000006b0a42a7202d1d2cs",  // no dot
      "@400000006b0a42a7202d1d2c_s",
      "@400000006b0a42a7202d1d2.s",    // 23 digits
      "@400000006b0a42a7202d1d2c0.s",  // 25 digits
      "@400000006b0a42a7202d1d2g.s",   // non-hex
      "@400000006b0a42a73b9aca00.s",   // nanoseconds 10^9
      "@ffffffffffffffffffffffff.s",   // out of range
      "400000006b0a42a7202d1d2c.s",
      "@z",  // multilog's own sentinel in filesfit
  };
  for (const char* name : bad) {
    EXPECT_FALSE(ParseLogFileName(name)) << '"' << name << '"';
  }
}

TEST(LogFileNameTest, ArchiveNameIsLowercaseAndParsesBack) {
  Timestamp t = Label("@400000006B0A42A7202D1D2C");
  EXPECT_EQ(ArchiveName(t, false), "@400000006b0a42a7202d1d2c.s");
  EXPECT_EQ(ArchiveName(t, true), "@400000006b0a42a7202d1d2c.u");
  EXPECT_EQ(ParseLogFileName(ArchiveName(t, false)), (LogFileName{LogFileKind::kArchiveDone, t}));
  EXPECT_EQ(ParseLogFileName(ArchiveName(t, true)),
            (LogFileName{LogFileKind::kArchiveUnfinished, t}));
}

TEST(OrderLogFilesTest, ArchivesOldestFirstThenPreviousThenCurrentDroppingTheRest) {
  std::vector<std::string> listing = {
      "current",
      "lock",
      "@400000006b0a42a9000000ff.s",
      "state",
      "previous",
      "@400000006b0a42a8000000ff.u",
      "@400000004ccc70a30b5515bc.s",
      "processed",
      "@400000006b0a42a7202d1d2c.s",
      "newstate",
      "@400000006b0a42a7202d1d2d.s",  // 1 ns later
  };
  const std::vector<std::string> want = {
      "@400000004ccc70a30b5515bc.s",
      "@400000006b0a42a7202d1d2c.s",
      "@400000006b0a42a7202d1d2d.s",
      "@400000006b0a42a8000000ff.u",
      "@400000006b0a42a9000000ff.s",
      "previous",
      "current",
  };
  EXPECT_EQ(OrderLogFiles(listing), want);
  std::reverse(listing.begin(), listing.end());
  EXPECT_EQ(OrderLogFiles(listing), want);
}

TEST(OrderLogFilesTest, OrdersArchivesByTimeNotByNameAndBreaksTiesDeterministically) {
  // Uppercase sorts before lowercase by name; time decides. At one instant .s precedes .u,
  // and the same kind falls back to the name.
  const std::vector<std::string> want = {
      "@400000006b0a42a7202d1d2c.s",
      "@400000006B0A42A7202D1D2C.u",
      "@400000006b0a42a7202d1d2c.u",
      "@400000006B0A42A8000000FF.s",
  };
  std::vector<std::string> listing = {want[3], want[2], want[1], want[0]};
  EXPECT_EQ(OrderLogFiles(listing), want);
  std::next_permutation(listing.begin(), listing.end());
  EXPECT_EQ(OrderLogFiles(listing), want);
}

TEST(OrderLogFilesTest, AnEmptyOrForeignDirectoryGivesNothing) {
  EXPECT_TRUE(OrderLogFiles({}).empty());
  EXPECT_TRUE(OrderLogFiles({"lock", "state", "README"}).empty());
  EXPECT_EQ(OrderLogFiles({"current"}), std::vector<std::string>{"current"});
}

}  // namespace
}  // namespace relaywatch::stamp
