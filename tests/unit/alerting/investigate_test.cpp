#include "relaywatch/alerting/investigate.h"

#include <gtest/gtest.h>

#include <string>

#include "sample_alerts.h"

namespace relaywatch::alerting {
namespace {

using namespace testing;
using namespace std::string_literals;

TEST(ShellQuoteTest, WrapsInSingleQuotesAndSplicesEachQuote) {
  EXPECT_EQ(ShellQuote("suzy@example.com"), "'suzy@example.com'");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("o'brien@example.com"), "'o'\\''brien@example.com'");
  EXPECT_EQ(ShellQuote("'; rm -rf / #"), "''\\''; rm -rf / #'");
  EXPECT_EQ(ShellQuote("$(reboot)`id`\\"), "'$(reboot)`id`\\'");
}

TEST(InvestigateCommandTest, CoversTheAlertsSpanToTheSecond) {
  auto command = InvestigateCommand(FraudAlert().finding);
  ASSERT_TRUE(command.ok()) << command.error().message;
  // first 02:55:26.029545444 rounds down, last 03:37:26.029545567 rounds up.
  EXPECT_EQ(*command,
            "relaywatch report --user 'suzy@example.com' --since 2026-11-28T02:55:26Z --until "
            "2026-11-28T03:37:27Z");
}

TEST(InvestigateCommandTest, EndsAfterALastLineOnAWholeSecond) {
  // --until is exclusive: "--until 03:55:26Z" would leave out the line at 03:55:26.000000000.
  detect::Finding f = VolumeAlert().finding;
  f.first = core::Timestamp(seconds(1795834526));
  f.last = f.first + hours(1);
  EXPECT_EQ(*InvestigateCommand(f),
            "relaywatch report --user 'bob@example.com' --since 2026-11-28T02:55:26Z --until "
            "2026-11-28T03:55:27Z");
  f.last = f.first;  // one line: the range is that one second, not empty
  EXPECT_EQ(*InvestigateCommand(f),
            "relaywatch report --user 'bob@example.com' --since 2026-11-28T02:55:26Z --until "
            "2026-11-28T02:55:27Z");
}

TEST(InvestigateCommandTest, QuotesALoginWithAQuoteSafely) {
  detect::Finding f = VolumeAlert().finding;
  f.key = "o'brien@example.com";
  EXPECT_EQ(InvestigateCommand(f)->substr(0, 50),
            "relaywatch report --user 'o'\\''brien@example.com' ");
  f.key = "ip:2001:db8::5";
  EXPECT_EQ(InvestigateCommand(f)->substr(0, 42), "relaywatch report --user 'ip:2001:db8::5' ");
}

TEST(InvestigateCommandTest, RefusesALoginThatCannotBePastedSafely) {
  const std::string refusal =
      "the login holds control characters or bytes that are not UTF-8, or is too long to quote, "
      "so no command is printed that could be pasted into a shell; relaywatch report --all "
      "lists it, such bytes written as \\xNN";
  detect::Finding f = VolumeAlert().finding;
  for (const std::string& key : {"x@y\r\nBcc: victim@z"s, "a\0b"s, "caf\xE9"s,
                                 "evil\xE2\x80\xAE"
                                 "moc"s,
                                 "\x1B[2J"s, std::string(257, 'a'), std::string(200, '\'')}) {
    f.key = key;
    auto command = InvestigateCommand(f);
    ASSERT_FALSE(command.ok()) << *command;
    EXPECT_EQ(command.error().message, refusal);
  }
  f.key = std::string(256, 'a');
  EXPECT_TRUE(InvestigateCommand(f).ok());
}

TEST(InvestigateCommandTest, RefusesGapsAndKeylessFindings) {
  detect::Finding f = VolumeAlert().finding;
  f.kind = detect::RuleKind::kGap;
  EXPECT_EQ(InvestigateCommand(f).error().message,
            "a gap is about a log source, not a login; see relaywatch status");
  f.kind = detect::RuleKind::kVolume;
  f.key.clear();
  EXPECT_EQ(InvestigateCommand(f).error().message, "the alert names no login");
}

}  // namespace
}  // namespace relaywatch::alerting
