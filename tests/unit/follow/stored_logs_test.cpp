#include "relaywatch/follow/stored_logs.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "temp_dir.h"

namespace relaywatch::follow {
namespace {

using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const core::Timestamp kT0 = core::Timestamp(seconds(1795824000));

std::string Tai(core::Timestamp t) {
  const auto ns = t.time_since_epoch().count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "@%016llx%08llx",
                static_cast<unsigned long long>((1ULL << 62) + ns / 1000000000 + 10),
                static_cast<unsigned long long>(ns % 1000000000));
  return buf;
}

std::string At(int minute, std::string_view text) {
  return Tai(kT0 + minutes(minute)) + " " + std::string(text);
}

class TempDir : public relaywatch::testing::TempDir {
 public:
  TempDir() : relaywatch::testing::TempDir("rw-reader") {}
  // Writes `content` to `name` and returns its full path.
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string p = *this / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  std::string Path(const std::string& name) const { return *this / name; }
};

struct Got {
  std::size_t input;
  std::string line;
  bool cut = false;
  friend bool operator==(const Got&, const Got&) = default;
};

std::ostream& operator<<(std::ostream& os, const Got& g) {
  return os << "{" << g.input << ", " << g.line.substr(0, 80) << "}";
}

std::vector<Got> ReadAll(StoredLogReader& reader) {
  std::vector<Got> out;
  reader.ForEach([&](const StoredLine& l) { out.push_back({l.input, std::string(l.raw), l.cut}); });
  return out;
}

TEST(StoredLogReaderTest, ReadsOneInputsFilesInTheGivenOrder) {
  TempDir d;
  const std::string a =
      d.Write(Tai(kT0 + minutes(2)) + ".s", At(0, "a0") + "\n" + At(1, "a1") + "\n");
  const std::string b = d.Write("current", At(3, "c3") + "\n");
  StoredLogReader reader({{"submission", {a, b}}}, core::LocalZone::Fixed(0), {}, {});
  EXPECT_EQ(ReadAll(reader),
            (std::vector<Got>{{0, At(0, "a0")}, {0, At(1, "a1")}, {0, At(3, "c3")}}));
  EXPECT_EQ(reader.totals().files, 2u);
  EXPECT_EQ(reader.totals().bytes, static_cast<std::uint64_t>(3 * (26 + 2 + 1)));
  EXPECT_TRUE(reader.totals().warnings.empty());
}

TEST(StoredLogReaderTest, MergesTwoDirectoriesByStamp) {
  TempDir d;
  const std::string sub =
      d.Write("sub-current", At(0, "s0") + "\n" + At(2, "s2") + "\n" + At(5, "s5") + "\n");
  const std::string smtps = d.Write("smtps-current", At(1, "t1") + "\n" + At(3, "t3") + "\n" +
                                                         At(4, "t4") + "\n" + At(9, "t9") + "\n");
  StoredLogReader reader({{"submission", {sub}}, {"smtps", {smtps}}}, core::LocalZone::Fixed(0), {},
                         {});
  EXPECT_EQ(ReadAll(reader), (std::vector<Got>{{0, At(0, "s0")},
                                               {1, At(1, "t1")},
                                               {0, At(2, "s2")},
                                               {1, At(3, "t3")},
                                               {1, At(4, "t4")},
                                               {0, At(5, "s5")},
                                               {1, At(9, "t9")}}));
}

TEST(StoredLogReaderTest, MergingKeepsUnstampedLinesBehindTheirFilesPreviousStamp) {
  TempDir d;
  const std::string sub = d.Write("a", At(0, "s0") + "\nunstamped-after-s0\n" + At(4, "s4") + "\n");
  const std::string smtps = d.Write("b", At(2, "t2") + "\n");
  StoredLogReader reader({{"submission", {sub}}, {"smtps", {smtps}}}, core::LocalZone::Fixed(0), {},
                         {});
  EXPECT_EQ(ReadAll(reader),
            (std::vector<Got>{
                {0, At(0, "s0")}, {0, "unstamped-after-s0"}, {1, At(2, "t2")}, {0, At(4, "s4")}}));
}

TEST(StoredLogReaderTest, HandsOnEachLineStampedAndAnUnstampedOneWithThePreviousStamp) {
  TempDir d;
  const std::string a = d.Write("a", "unstamped-first\n" + At(3, "s3") + "\nunstamped-after-s3\n");
  StoredLogReader reader({{"submission", {a}}}, core::LocalZone::Fixed(0), {}, {});
  std::vector<std::tuple<bool, core::Timestamp, std::string>> got;
  reader.ForEach([&](const StoredLine& l) {
    got.emplace_back(l.line.stamped, l.line.time, std::string(l.line.text));
  });
  using Row = std::tuple<bool, core::Timestamp, std::string>;
  EXPECT_EQ(got, (std::vector<Row>{{false, core::Timestamp{}, "unstamped-first"},
                                   {true, kT0 + minutes(3), "s3"},
                                   {false, kT0 + minutes(3), "unstamped-after-s3"}}));
}

TEST(StoredLogReaderTest, EqualStampsComeFromTheEarlierInputFirst) {
  TempDir d;
  const std::string a = d.Write("a", At(1, "a1") + "\n");
  const std::string b = d.Write("b", At(1, "b1") + "\n" + At(0, "b0-late") + "\n");
  StoredLogReader reader({{"submission", {a}}, {"smtps", {b}}}, core::LocalZone::Fixed(0), {}, {});
  const std::vector<Got> got = ReadAll(reader);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], (Got{0, At(1, "a1")}));
}

TEST(StoredLogReaderTest, DeliversALastLineThatHasNoNewline) {
  TempDir d;
  const std::string a =
      d.Write("@400000006b0a42a7202d1d2c.s", At(0, "first") + "\n" + At(1, "no newline here"));
  const std::string b = d.Write("current", At(2, "next file") + "\n");
  StoredLogReader reader({{"submission", {a, b}}}, core::LocalZone::Fixed(0), {}, {});
  EXPECT_EQ(ReadAll(reader),
            (std::vector<Got>{
                {0, At(0, "first")}, {0, At(1, "no newline here")}, {0, At(2, "next file")}}));
}

TEST(StoredLogReaderTest, CutsALineOver64KiBMarksItAndReadsOnIntact) {
  TempDir d;
  const std::string huge = At(0, "CHKUSER relaying rcpt: from <") + std::string(70000, 'x');
  const std::string a = d.Write("current", huge + "\n" + At(1, "after") + "\n" + huge);
  StoredLogReader reader({{"submission", {a}}}, core::LocalZone::Fixed(0), {}, {});
  const std::vector<Got> got = ReadAll(reader);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], (Got{0, huge.substr(0, 64 * 1024), true}));
  EXPECT_EQ(got[1], (Got{0, At(1, "after"), false}));
  EXPECT_EQ(got[2], (Got{0, huge.substr(0, 64 * 1024), true}));
}

TEST(StoredLogReaderTest, LinesAcrossTheOneMebibyteReadBoundaryArriveWhole) {
  TempDir d;
  std::string content;
  std::vector<Got> want;
  for (int i = 0; content.size() < 3 * 1024 * 1024; ++i) {
    const std::string l = Tai(kT0 + nanoseconds(i)) + " CHKUSER relaying rcpt: line " +
                          std::to_string(i) + std::string(static_cast<std::size_t>(i % 97), '.');
    content += l + "\n";
    want.push_back({0, l});
  }
  const std::string a = d.Write("current", content);
  StoredLogReader reader({{"submission", {a}}}, core::LocalZone::Fixed(0), {}, {});
  EXPECT_EQ(ReadAll(reader), want);
  EXPECT_EQ(reader.totals().bytes, content.size());
}

TEST(StoredLogReaderTest, AFileThatCannotBeOpenedIsWarnedAboutOnceAndSkipped) {
  TempDir d;
  const std::string gone = d.Path("@400000006b0a42a7202d1d2c.s");
  const std::string cur = d.Write("current", At(0, "still read") + "\n");
  StoredLogReader reader({{"submission", {gone, cur}}}, core::LocalZone::Fixed(0), {}, {});
  EXPECT_EQ(ReadAll(reader), (std::vector<Got>{{0, At(0, "still read")}}));
  EXPECT_EQ(reader.totals().warnings,
            (std::vector<std::string>{"unable to open " + gone +
                                      ": No such file or directory; skipped"}));
  EXPECT_EQ(reader.totals().files, 1u);
}

TEST(StoredLogReaderTest, ArchivesClosedBeforeSkipBeforeAreNotOpened) {
  TempDir d;
  const std::string old1 = d.Write(Tai(kT0 + minutes(10)) + ".s", At(5, "old") + "\n");
  const std::string old2 = d.Write(Tai(kT0 + minutes(19)) + ".u", At(15, "old too") + "\n");
  const std::string kept = d.Write(Tai(kT0 + minutes(20)) + ".s", At(19, "kept") + "\n");
  const std::string cur = d.Write("current", At(25, "current") + "\n");
  StoredLogReader reader({{"submission", {old1, old2, kept, cur}}}, core::LocalZone::Fixed(0),
                         kT0 + minutes(20), {});
  EXPECT_EQ(ReadAll(reader), (std::vector<Got>{{0, At(19, "kept")}, {0, At(25, "current")}}));
  EXPECT_EQ(reader.totals().files, 2u);
}

TEST(StoredLogReaderTest, AnInputStopsAtItsFirstLineStampedAtOrAfterStopAt) {
  TempDir d;
  const std::string a =
      d.Write("current", At(0, "in") + "\nunstamped in\n" + At(10, "out") + "\nunstamped out\n" +
                             At(3, "late, but after") + "\n");
  StoredLogReader reader({{"submission", {a}}}, core::LocalZone::Fixed(0), {}, kT0 + minutes(10));
  EXPECT_EQ(ReadAll(reader), (std::vector<Got>{{0, At(0, "in")}, {0, "unstamped in"}}));
}

// The look-ahead: the line handed on with qlog_from_here set, as "file line-number", or "none".
std::string QlogMark(StoredLogReader& reader) {
  std::string mark = "none";
  std::size_t n = 0;
  reader.ForEach([&](const StoredLine& l) {
    if (l.qlog_from_here) mark = std::to_string(n);
    ++n;
  });
  return mark;
}

std::string Chkuser(int i) {
  return Tai(kT0 + nanoseconds(i)) +
         " CHKUSER relaying rcpt: from <ceo@bank.example:suzy@example.com:> remote "
         "<laptop:unknown:203.0.113.5> rcpt <x" +
         std::to_string(i) + "@gmail.example> : client allowed to relay";
}

std::string Qlog(int i) {
  return Tai(kT0 + nanoseconds(i)) +
         " qlogenvelope: result=accepted code=250 reason=rcptto detail=chkuserrelay helo=laptop "
         "mailfrom=ceo@bank.example rcptto=x" +
         std::to_string(i - 1) +
         "@gmail.example relay=yes rcpthosts=no size= authuser=suzy@example.com authtype=login "
         "encrypted=tls sslverified=no localip=192.0.2.10 localport=587 remoteip=203.0.113.5 "
         "remoteport=51234 remotehost=unknown qp= pid=4321";
}

// Filler lines up to `bytes`, then a chkuser line and its qlogenvelope line; the mark belongs on
// the chkuser line, whatever read or file boundary falls between them.
std::string PairAfter(std::size_t bytes, int* lines) {
  std::string content;
  int i = 0;
  while (content.size() + 40 < bytes)
    content += Tai(kT0 + nanoseconds(i++)) + " tcpserver: status: 1/40\n";
  const std::string chk = Chkuser(i++) + "\n";
  content += chk + Qlog(i++) + "\n";
  *lines = i;
  return content;
}

TEST(StoredLogReaderTest, TheLookAheadMarksTheChkuserLineOfTheFirstQlogLine) {
  TempDir d;
  int lines = 0;
  const std::string a = d.Write("current", PairAfter(5000, &lines));
  StoredLogReader reader({{"submission", {a}}}, core::LocalZone::Fixed(0), {}, {});
  EXPECT_EQ(QlogMark(reader), std::to_string(lines - 2));
}

TEST(StoredLogReaderTest, TheLookAheadMarksAPairAcrossTheOneMebibyteReadBoundary) {
  // The chkuser line ends a few bytes before 1 MiB, or on it, or after it: its qlogenvelope line
  // is in the next read, and the mark is still on the chkuser line.
  for (std::size_t shift : {0u, 200u, 260u, 400u, 70000u}) {
    TempDir d;
    int lines = 0;
    const std::string content = PairAfter((1u << 20) - shift, &lines);
    const std::string a = d.Write("current", content + Tai(kT0 + seconds(1)) + " tail\n");
    StoredLogReader reader({{"submission", {a}}}, core::LocalZone::Fixed(0), {}, {});
    EXPECT_EQ(QlogMark(reader), std::to_string(lines - 2)) << "shift " << shift;
  }
}

TEST(StoredLogReaderTest, TheLookAheadMarksTheFirstQlogFileNotAnEarlierOne) {
  TempDir d;
  int lines = 0;
  const std::string first =
      d.Write("@400000006b0a0000000000000.s", At(0, "tcpserver: status: 1/40") + "\n");
  const std::string second = d.Write("current", PairAfter(3000, &lines));
  StoredLogReader reader({{"submission", {first, second}}}, core::LocalZone::Fixed(0), {}, {});
  EXPECT_EQ(QlogMark(reader), std::to_string(1 + lines - 2));
}

// A line over 64 KiB is handed on cut, and the rest of it skipped up to its newline: when that
// newline is in the next read, it ends a line already counted. Here no chkuser line of the same
// recipient is near enough, so the mark is the qlogenvelope line's own (line 2), not the next.
TEST(StoredLogReaderTest, TheLookAheadCountsACutLineAcrossTheReadBoundaryOnce) {
  TempDir d;
  const std::string head = Chkuser(0) + "\n";
  const std::string filler = Tai(kT0) + " " + std::string((1u << 20) + 100 * 1024, 'x') + "\n";
  const std::string a = d.Write("current", head + filler + Qlog(1) + "\n" + Chkuser(2) + "\n");
  StoredLogReader reader({{"submission", {a}}}, core::LocalZone::Fixed(0), {}, {});
  EXPECT_EQ(QlogMark(reader), "2");
}

// A qlog line in an archive before the range marks the first line handed on, also when the first
// archive in the range is empty.
TEST(StoredLogReaderTest, TheLookBacksMarkIsOnTheFirstLineHandedOnPastAnEmptyArchive) {
  TempDir d;
  const std::string old =
      d.Write("@400000006b08c80a00000000.s", Chkuser(0) + "\n" + Qlog(1) + "\n");
  const std::string empty = d.Write("@400000006b0a196c00000000.s", "");
  const std::string current = d.Write(
      "current", At(1, "tcpserver: status: 1/40") + "\n" + At(2, "tcpserver: status: 2/40") + "\n");
  StoredLogReader reader({{"submission", {old, empty, current}}}, core::LocalZone::Fixed(0),
                         kT0 - minutes(1), {});
  EXPECT_EQ(QlogMark(reader), "0");
}

TEST(StoredLogReaderTest, TheTagInsideAnotherLinesTextIsNoMark) {
  TempDir d;
  const std::string a =
      d.Write("current", At(0,
                            "CHKUSER relaying rcpt: from <qlogenvelope:@x.example:u@example.com:> "
                            "remote <h:unknown:192.0.2.1> rcpt <r@x.example> : client allowed "
                            "to relay") +
                             "\n");
  StoredLogReader reader({{"submission", {a}}}, core::LocalZone::Fixed(0), {}, {});
  EXPECT_EQ(QlogMark(reader), "none");
}

}  // namespace
}  // namespace relaywatch::follow
