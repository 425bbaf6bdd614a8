#include "relaywatch/core/text.h"

#include <gtest/gtest.h>

#include <string>

namespace relaywatch::core {
namespace {

using namespace std::string_literals;

// A sender as chkuser logs it, with the bytes an attacker can put in a MAIL FROM.
const std::string kInjected = "x@y\r\nBcc: victim@z"s;

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

bool HasControlByte(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

bool IsValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

TEST(Utf8SequenceLengthTest, AcceptsWellFormedSequencesAndRejectsEveryMalformedKind) {
  struct Case {
    std::string bytes;
    std::size_t length;
  } cases[] = {
      {"\xC3\xA9", 2},          // é
      {"\xE2\x82\xAC", 3},      // €
      {"\xF0\x9F\x98\x80", 4},  // emoji
      {"\xF4\x8F\xBF\xBF", 4},  // U+10FFFF
      {"a", 0},                 // ASCII is not a multi-byte sequence
      {"\x80", 0},              // stray continuation
      {"\xC0\xAF", 0},          // overlong '/'
      {"\xC1\xBF", 0},          // overlong
      {"\xE0\x80\xAF", 0},      // overlong
      {"\xED\xA0\x80", 0},      // surrogate D800
      {"\xF0\x80\x80\xAF", 0},  // overlong
      {"\xF4\x90\x80\x80", 0},  // past U+10FFFF
      {"\xF5\x80\x80\x80", 0},  // lead byte never valid
      {"\xFF", 0},
      {"\xE2\x82", 0},  // cut by the end of the text
      {"\xC3(", 0},     // continuation missing
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Utf8SequenceLength(c.bytes, 0), c.length) << EscapeForLog(c.bytes);
  }
}

TEST(Utf8DecodeTest, GivesTheCodePointOfEachSequenceLength) {
  EXPECT_EQ(Utf8Decode("\xC3\xA9", 0, 2), 0xE9u);
  EXPECT_EQ(Utf8Decode("\xE2\x80\xAE", 0, 3), 0x202Eu);
  EXPECT_EQ(Utf8Decode("\xF0\x9F\x98\x80", 0, 4), 0x1F600u);
}

TEST(SanitizeFieldTest, KeepsOrdinaryAddressesUnchanged) {
  EXPECT_EQ(SanitizeField("newinfotr@adv.strawberrynet.com", 200),
            "newinfotr@adv.strawberrynet.com");
  EXPECT_EQ(SanitizeField("", 10), "");
  EXPECT_EQ(SanitizeField("J\xC3\xBCrgen@m\xC3\xBCller.de", 200), "J\xC3\xBCrgen@m\xC3\xBCller.de");
}

TEST(SanitizeFieldTest, MarksCarriageReturnLineFeedNulTabAndDelete) {
  // Marked, not dropped: "ceo\x7f@bank.example" must not read as ceo@bank.example.
  EXPECT_EQ(SanitizeField(kInjected, 200), "x@y??Bcc: victim@z");
  EXPECT_EQ(SanitizeField("a\0b\tc\x7F"
                          "d\x1B[31me"s,
                          200),
            "a?b?c?d?[31me");
  EXPECT_EQ(SanitizeField("ceo\x7F@bank.example", 200), "ceo?@bank.example");
}

TEST(SanitizeFieldTest, MarksC1ControlsLineSeparatorsAndBidiOverrides) {
  // U+0085 NEL, U+009B CSI, U+2028 LS, U+2029 PS, U+202E RLO, U+2066 LRI, U+200F RLM.
  EXPECT_EQ(SanitizeField("a\xC2\x85"
                          "b\xC2\x9B"
                          "c\xE2\x80\xA8"
                          "d\xE2\x80\xA9"
                          "e",
                          200),
            "a?b?c?d?e");
  EXPECT_EQ(SanitizeField("evil\xE2\x80\xAEgpj.exe\xE2\x81\xA6x\xE2\x80\x8F", 200),
            "evil?gpj.exe?x?");
}

TEST(SanitizeFieldTest, ReplacesEachByteThatIsNotUtf8ByAQuestionMark) {
  EXPECT_EQ(SanitizeField("a\xFF"
                          "b\xC0\xAF"
                          "c\xED\xA0\x80"
                          "d",
                          200),
            "a?b??c???d");
  EXPECT_EQ(SanitizeField("caf\xE9", 200), "caf?");  // Latin-1 from an old client
}

TEST(SanitizeFieldTest, CutsLongTextToMaxLenIncludingTheEllipsis) {
  const std::string sender(10 * 1024, 'a');
  const std::string out = SanitizeField(sender + "@example.com", 64);
  EXPECT_EQ(out.size(), 64u);
  EXPECT_EQ(out, std::string(61, 'a') + "...");
  EXPECT_EQ(SanitizeField("abcdef", 6), "abcdef");  // exactly max_len: no cut
  EXPECT_EQ(SanitizeField("abcdefg", 6), "abc...");
  EXPECT_EQ(SanitizeField("abcdefg", 2), "..");
  EXPECT_EQ(SanitizeField("abcdefg", 0), "");
}

TEST(SanitizeFieldTest, CountsEachMarkedControlInTheCut) {
  EXPECT_EQ(SanitizeField("ab\r\n\r\n\r\ncd", 4), "a...");
  EXPECT_EQ(SanitizeField("ab\r\ncd", 6), "ab??cd");
}

TEST(SanitizeFieldTest, NeverCutsInsideAMultiByteCharacter) {
  // "ééééé" is 10 bytes; 8 leaves 5 for text before "...": only two é (4 bytes) fit.
  EXPECT_EQ(SanitizeField("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 8), "\xC3\xA9\xC3\xA9...");
  for (std::size_t max = 0; max < 20; ++max) {
    const std::string out =
        SanitizeField("\xF0\x9F\x98\x80\xE2\x82\xAC\xC3\xA9z\xF0\x9F\x98\x80", max);
    EXPECT_LE(out.size(), max);
    EXPECT_TRUE(IsValidUtf8(out)) << max;
  }
}

TEST(SanitizeFieldTest, OutputIsValidUtf8WithoutControlsForEveryByteValue) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string out = SanitizeField(all + all, 100000);
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_FALSE(HasControlByte(out));
  EXPECT_EQ(out.substr(0, 0x20), std::string(0x20, '?'));  // C0 controls marked
  EXPECT_EQ(out.substr(0x20, 95), all.substr(0x20, 95));   // printable ASCII survives
}

TEST(ToAsciiSafeTest, TurnsEachNonAsciiCharacterIntoOneQuestionMark) {
  EXPECT_EQ(ToAsciiSafe("J\xC3\xBCrgen@m\xF0\x9F\x98\x80ller.de", 200), "J?rgen@m?ller.de");
  EXPECT_EQ(ToAsciiSafe("caf\xE9\xFF", 200), "caf??");
  EXPECT_EQ(ToAsciiSafe(kInjected, 200), "x@y??Bcc: victim@z");
  EXPECT_EQ(ToAsciiSafe("a\xE2\x80\xAE"
                        "b",
                        200),
            "a?b");  // bidi override marked like any other non-ASCII character
}

TEST(ToAsciiSafeTest, IsPrintableAsciiAndBoundedForEveryByteValue) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (std::size_t max : {0u, 1u, 5u, 50u, 1000u}) {
    const std::string out = ToAsciiSafe(all, max);
    EXPECT_TRUE(IsPrintableAscii(out));
    EXPECT_LE(out.size(), max);
  }
  EXPECT_EQ(ToAsciiSafe(std::string(500, 'x'), 10), "xxxxxxx...");
}

TEST(EscapeForLogTest, EscapesControlsAndNonUtf8BytesAsHex) {
  EXPECT_EQ(EscapeForLog(kInjected), "x@y\\x0d\\x0aBcc: victim@z");
  EXPECT_EQ(EscapeForLog("a\0b\x7F\x1B"s), "a\\x00b\\x7f\\x1b");
  EXPECT_EQ(EscapeForLog("caf\xE9"), "caf\\xe9");
  EXPECT_EQ(EscapeForLog("a\xE2\x80\xAE"
                         "b"),
            "a\\xe2\\x80\\xaeb");  // RLO shown, not obeyed
}

TEST(EscapeForLogTest, KeepsReadableUtf8AndEscapesTheBackslashSoTheFormIsUnambiguous) {
  EXPECT_EQ(EscapeForLog("J\xC3\xBCrgen"), "J\xC3\xBCrgen");
  EXPECT_EQ(EscapeForLog("a\\x0d"), "a\\\\x0d");
  EXPECT_EQ(EscapeForLog("/var/log/qmail/submission/current"), "/var/log/qmail/submission/current");
}

TEST(EscapeForLogTest, BuildsADjbStyleWarningWithAttackerTextOnOneLine) {
  const std::string message = "warning: unable to deliver alert for " + EscapeForLog(kInjected) +
                              ": Connection refused; retrying in 5s";
  EXPECT_EQ(message,
            "warning: unable to deliver alert for x@y\\x0d\\x0aBcc: victim@z: Connection refused; "
            "retrying in 5s");
  EXPECT_FALSE(HasControlByte(message));
}

TEST(IsSafeFileNameTest, AcceptsAlertIdsAndMultilogNames) {
  EXPECT_TRUE(IsSafeFileName("hourly-volume-0123456789abcdef-1795835722299206500"));
  EXPECT_TRUE(IsSafeFileName("@400000004ccc70a30b5515bc.s"));
  EXPECT_TRUE(IsSafeFileName("checkpoint.tmp"));
  EXPECT_TRUE(IsSafeFileName(std::string(255, 'a')));
}

TEST(IsSafeFileNameTest, RejectsPathsDotsOptionsControlsAndOverlongNames) {
  for (const std::string& bad :
       {""s, "."s, ".."s, ".hidden"s, "-rf"s, "a/b"s, "../etc/passwd"s, "a\0b"s, "a\nb"s, "a b"s,
        "caf\xC3\xA9"s, "a*"s, "$(reboot)"s, std::string(256, 'a')}) {
    EXPECT_FALSE(IsSafeFileName(bad)) << EscapeForLog(bad);
  }
}

}  // namespace
}  // namespace relaywatch::core
