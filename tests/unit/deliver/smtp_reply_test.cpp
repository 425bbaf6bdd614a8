#include "relaywatch/deliver/smtp_reply.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace relaywatch::deliver {
namespace {

using ::testing::ElementsAre;

TEST(ParseReplyLineTest, ReadsTheCodeTheContinuationMarkAndTheText) {
  auto line = ParseReplyLine("250-mail.example.com Hello");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->code, 250);
  EXPECT_FALSE(line->last);
  EXPECT_EQ(line->text, "mail.example.com Hello");

  line = ParseReplyLine("550 5.1.1 no such user");
  ASSERT_TRUE(line);
  EXPECT_TRUE(line->last);
  EXPECT_EQ(line->text, "5.1.1 no such user");

  line = ParseReplyLine("354");
  ASSERT_TRUE(line);
  EXPECT_TRUE(line->last);
  EXPECT_EQ(line->text, "");
}

TEST(ParseReplyLineTest, RefusesWhatIsNotAReplyLine) {
  for (const char* bad : {"", "25", "2500 x", "abc ok", "199 low", "600 high", "250x", " 250 ok"}) {
    EXPECT_FALSE(ParseReplyLine(bad)) << bad;
  }
}

TEST(DescribeReplyTest, JoinsTheLinesAndEscapesServerText) {
  EXPECT_EQ(DescribeReply({451, {"4.3.0 try again later"}}), "451 4.3.0 try again later");
  EXPECT_EQ(DescribeReply({554, {"5.7.1 rejected", "see \x1b[1mhttp://x\r now"}}),
            "554 5.7.1 rejected / see \\x1b[1mhttp://x\\r now");
}

TEST(ParseEhloTest, FindsStartTlsEightBitMimeAndAuthMechanisms) {
  const EhloExtensions ext = ParseEhlo({250,
                                        {"mail.example.com greets you", "PIPELINING", "8BITMIME",
                                         "auth login Plain CRAM-MD5", "AUTH=LOGIN", "STARTTLS"}});
  EXPECT_TRUE(ext.starttls);
  EXPECT_TRUE(ext.eightbitmime);
  EXPECT_TRUE(ext.auth_plain);
  EXPECT_TRUE(ext.auth_login);
  EXPECT_THAT(ext.auth, ElementsAre("LOGIN", "PLAIN", "CRAM-MD5"));
}

TEST(ParseEhloTest, TheGreetingLineIsNotAnExtension) {
  const EhloExtensions ext = ParseEhlo({250, {"STARTTLS AUTH PLAIN"}});
  EXPECT_FALSE(ext.starttls);
  EXPECT_FALSE(ext.auth_plain);
}

}  // namespace
}  // namespace relaywatch::deliver
