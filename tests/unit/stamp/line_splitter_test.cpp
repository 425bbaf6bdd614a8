#include "relaywatch/stamp/line_splitter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace relaywatch::stamp {
namespace {

using Lines = std::vector<std::string>;

// Feeds `chunks` then flushes; returns every line delivered.
Lines Split(LineSplitter& splitter, const std::vector<std::string_view>& chunks) {
  Lines out;
  auto sink = [&](std::string_view line) { out.emplace_back(line); };
  for (std::string_view chunk : chunks) splitter.Feed(chunk, sink);
  splitter.Flush(sink);
  return out;
}

Lines SplitOnce(std::string_view text, std::size_t max_line = 64 * 1024) {
  LineSplitter splitter(max_line);
  return Split(splitter, {text});
}

std::string RealFixtures() {
  std::ifstream in(std::string(RELAYWATCH_FIXTURES_DIR) + "/real.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(LineSplitterTest, SplitsOnNewlinesAndKeepsEmptyLines) {
  EXPECT_EQ(SplitOnce("a\nbc\n"), (Lines{"a", "bc"}));
  EXPECT_EQ(SplitOnce("\n\n\n"), (Lines{"", "", ""}));
  EXPECT_EQ(SplitOnce("a\n\nb\n"), (Lines{"a", "", "b"}));
  EXPECT_EQ(SplitOnce(""), Lines{});
}

TEST(LineSplitterTest, HoldsALastLineWithoutNewlineUntilFlush) {
  LineSplitter splitter;
  Lines out;
  auto sink = [&](std::string_view line) { out.emplace_back(line); };
  splitter.Feed("@400000006b0a42a7202d1d2c tcpserver: status: 0/100\n@4000", sink);
  EXPECT_EQ(out, (Lines{"@400000006b0a42a7202d1d2c tcpserver: status: 0/100"}));
  EXPECT_EQ(splitter.pending(), 5u);
  splitter.Feed("00006b0a42a8029c6754 tcpserver: pid 5208", sink);
  EXPECT_EQ(out.size(), 1u);
  splitter.Flush(sink);
  EXPECT_EQ(out.back(), "@400000006b0a42a8029c6754 tcpserver: pid 5208");
  EXPECT_EQ(splitter.pending(), 0u);
  splitter.Flush(sink);
  EXPECT_EQ(out.size(), 2u);
}

TEST(LineSplitterTest, PassesCrNulAndInvalidUtf8Through) {
  const std::string text("a\r\nb\0c\r\n\xff\xfe\xc3\n\r\n", 14);
  EXPECT_EQ(SplitOnce(text), (Lines{"a\r", std::string("b\0c\r", 4), "\xff\xfe\xc3", "\r"}));
}

TEST(LineSplitterTest, GivesTheSameLinesWhereverAChunkBoundaryFalls) {
  std::string text = RealFixtures() + std::string("x\0y\r\n\n\nlast", 12);
  Lines whole = SplitOnce(text);
  ASSERT_GT(whole.size(), 40u);
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    LineSplitter splitter;
    std::string_view v(text);
    ASSERT_EQ(Split(splitter, {v.substr(0, cut), v.substr(cut)}), whole) << "cut at " << cut;
  }
  for (std::size_t size = 1; size <= 64; ++size) {
    std::vector<std::string_view> chunks;
    for (std::size_t i = 0; i < text.size(); i += size) {
      chunks.push_back(std::string_view(text).substr(i, size));
    }
    LineSplitter splitter;
    ASSERT_EQ(Split(splitter, chunks), whole) << "chunks of " << size;
  }
}

TEST(LineSplitterTest, CutsALongLineOnceAndSkipsItsRest) {
  const std::string big(100 * 1024, 'x');
  const std::string text = "before\n" + big + "\nafter\n";
  LineSplitter splitter;
  Lines out = Split(splitter, {text});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], "before");
  EXPECT_EQ(out[1], std::string(64 * 1024, 'x'));
  EXPECT_EQ(out[2], "after");
  EXPECT_EQ(splitter.long_lines(), 1u);

  // The same in 1000-byte chunks: the cut is delivered as soon as it is known, memory stays
  // bounded, and the rest is skipped.
  LineSplitter chunked;
  Lines got;
  auto sink = [&](std::string_view line) { got.emplace_back(line); };
  for (std::size_t i = 0; i < text.size(); i += 1000) {
    chunked.Feed(std::string_view(text).substr(i, 1000), sink);
    EXPECT_LE(chunked.pending(), 64u * 1024);
    if (i == 66000) {
      EXPECT_EQ(got.size(), 2u);
      EXPECT_TRUE(chunked.skipping_long_line());
    }
  }
  chunked.Flush(sink);
  EXPECT_EQ(got, out);
  EXPECT_EQ(chunked.long_lines(), 1u);
}

TEST(LineSplitterTest, ALineOfExactlyMaxLineBytesIsNotLong) {
  for (std::size_t cut : {0, 1, 3, 4, 5, 6}) {
    LineSplitter splitter(4);
    std::string_view text = "abcd\nabcde\nab";
    Lines out = Split(splitter, {text.substr(0, cut), text.substr(cut)});
    EXPECT_EQ(out, (Lines{"abcd", "abcd", "ab"})) << cut;
    EXPECT_EQ(splitter.long_lines(), 1u) << cut;
  }
  LineSplitter splitter(4);
  EXPECT_EQ(Split(splitter, {"abcdefgh"}), Lines{"abcd"});  // cut even without a newline
  EXPECT_EQ(splitter.long_lines(), 1u);
  EXPECT_FALSE(splitter.skipping_long_line());  // Flush ends the skip
  EXPECT_EQ(Split(splitter, {"ok\n"}), Lines{"ok"});
}

TEST(LineSplitterTest, DeliversLinesInsideAChunkWithoutCopying) {
  const std::string chunk = "one\ntwo\nthr";
  LineSplitter splitter;
  std::vector<std::string_view> views;
  splitter.Feed(chunk, [&](std::string_view line) { views.push_back(line); });
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].data(), chunk.data());
  EXPECT_EQ(views[1].data(), chunk.data() + 4);
  EXPECT_EQ(splitter.pending(), 3u);
}

}  // namespace
}  // namespace relaywatch::stamp
