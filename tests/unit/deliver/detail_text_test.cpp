#include "relaywatch/deliver/detail_text.h"

#include <gtest/gtest.h>

#include <string>

namespace relaywatch::deliver {
namespace {

TEST(EscapeDetailTest, KeepsPrintableAsciiAndEscapesTheRest) {
  EXPECT_EQ(EscapeDetail("550 5.1.1 <a@b>: no such user"), "550 5.1.1 <a@b>: no such user");
  EXPECT_EQ(EscapeDetail("a\r\nb\tc\\d\x1b[31m\xc3\xbc"), "a\\r\\nb\\tc\\\\d\\x1b[31m\\xc3\\xbc");
  EXPECT_EQ(EscapeDetail(std::string("nul\0byte", 8)), "nul\\x00byte");
}

TEST(EscapeDetailTest, DropsTrailingLineEndsAndBlanks) {
  EXPECT_EQ(EscapeDetail("queue full\n\r\n  \t"), "queue full");
}

TEST(EscapeDetailTest, CutsAtTheLimitWithoutSplittingAnEscape) {
  EXPECT_EQ(EscapeDetail(std::string(20, 'x'), 10), "xxxxxxx...");
  EXPECT_EQ(EscapeDetail("abcdef\n\nxyz", 12), "abcdef\\n...");
  EXPECT_EQ(EscapeDetail("exactly10!", 10), "exactly10!");
  const std::string cut = EscapeDetail(std::string(100000, '\x01'));
  EXPECT_EQ(cut.size(), kDetailLimit - 1);  // 127 whole "\x01" and "..."
  EXPECT_TRUE(cut.ends_with("\\x01..."));
}

}  // namespace
}  // namespace relaywatch::deliver
