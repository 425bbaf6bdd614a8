#include "relaywatch/deliver/line_ends.h"

#include <gtest/gtest.h>

namespace relaywatch::deliver {
namespace {

TEST(ToLfLinesTest, TurnsEveryLineEndIntoLfAndEndsWithOne) {
  EXPECT_EQ(ToLfLines("a\r\nb\nc\rd"), "a\nb\nc\nd\n");
  EXPECT_EQ(ToLfLines("Subject: x\r\n\r\nbody\r\n"), "Subject: x\n\nbody\n");
  EXPECT_EQ(ToLfLines(""), "");
}

TEST(ToLfLinesTest, KeepsEmptyLinesAndLeadingDots) {
  EXPECT_EQ(ToLfLines("\r\n\r\n.\r\n"), "\n\n.\n");
}

TEST(ToSmtpDataTest, UsesCrlfDoublesLeadingDotsAndEndsWithTheDotLine) {
  EXPECT_EQ(ToSmtpData("Subject: x\n\n.hidden\n..two\n.\nend"),
            "Subject: x\r\n\r\n..hidden\r\n...two\r\n..\r\nend\r\n.\r\n");
}

TEST(ToSmtpDataTest, ABareCrCannotEndTheDataEarly) {
  // "\r.\r" would be read by a lax server as a line holding a lone dot.
  EXPECT_EQ(ToSmtpData("a\r.\rb"), "a\r\n..\r\nb\r\n.\r\n");
}

TEST(ToSmtpDataTest, AddsTheMissingFinalLineEnd) {
  EXPECT_EQ(ToSmtpData("body"), "body\r\n.\r\n");
  EXPECT_EQ(ToSmtpData("body\r\n"), "body\r\n.\r\n");
}

}  // namespace
}  // namespace relaywatch::deliver
