#include "relaywatch/alerting/mime.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mail_checks.h"
#include "sample_alerts.h"

namespace relaywatch::alerting {
namespace {

using namespace testing;
using namespace std::string_literals;

MailHeader Header() {
  MailHeader h;
  h.from = "relaywatch@example.com";
  h.to = {"postmaster@example.com"};
  h.subject = "mx1 FRAUD suzy@example.com as ceo@bank.example x12/1d";
  h.date = core::Timestamp(seconds(1795834526)) + nanoseconds(29545444);
  h.date_utc_offset_seconds = 3600;
  h.message_id = "<foreign-sender-18b1d106788cc6c9-1795837046029545567@mx1.example.com>";
  return h;
}

TEST(FormatRfc5322DateTest, WritesDayNameDateTimeAndOffset) {
  const core::Timestamp t = core::Timestamp(seconds(1795834526)) + nanoseconds(999999999);
  EXPECT_EQ(FormatRfc5322Date(t, 3600), "Sat, 28 Nov 2026 03:55:26 +0100");
  EXPECT_EQ(FormatRfc5322Date(t, 0), "Sat, 28 Nov 2026 02:55:26 +0000");
  EXPECT_EQ(FormatRfc5322Date(t, -5 * 3600), "Fri, 27 Nov 2026 21:55:26 -0500");
  EXPECT_EQ(FormatRfc5322Date(t, 5 * 3600 + 45 * 60), "Sat, 28 Nov 2026 08:40:26 +0545");
  EXPECT_EQ(FormatRfc5322Date(core::Timestamp{}, 0), "Thu, 1 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(FormatRfc5322Date(core::Timestamp(seconds(951782400)), 0),
            "Tue, 29 Feb 2000 00:00:00 +0000");
}

TEST(FormatRfc5322DateTest, ClampsAbsurdOffsetsAndSurvivesTheRangeEdges) {
  const core::Timestamp t = core::Timestamp(seconds(1795834526));
  EXPECT_EQ(FormatRfc5322Date(t, 1000000), "Wed, 2 Dec 2026 06:54:26 +9959");
  EXPECT_EQ(FormatRfc5322Date(t, 3600 + 59), "Sat, 28 Nov 2026 03:55:26 +0100");  // whole minutes
  EXPECT_EQ(FormatRfc5322Date(core::Timestamp::max(), 3600).substr(0, 4), "Fri,");
  EXPECT_FALSE(FormatRfc5322Date(core::Timestamp::min(), -3600).empty());
}

TEST(BuildRfc5322Test, WritesTheHeadersInOrderWithCrlfAndAQuotedPrintableBody) {
  EXPECT_EQ(BuildRfc5322(Header(), "Line one.\nCaf\xC3\xA9 = 1 \n"),
            "Date: Sat, 28 Nov 2026 03:55:26 +0100\r\n"
            "From: relaywatch@example.com\r\n"
            "To: postmaster@example.com\r\n"
            "Subject: mx1 FRAUD suzy@example.com as ceo@bank.example x12/1d\r\n"
            "Message-ID: <foreign-sender-18b1d106788cc6c9-1795837046029545567@mx1.example.com>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
            "Line one.\r\n"
            "Caf=C3=A9 =3D 1=20\r\n");
}

TEST(BuildRfc5322Test, AddsAngleBracketsToTheMessageIdAndDropsAnEmptySubject) {
  MailHeader h = Header();
  h.message_id = "abc.123@mx1.example.com";
  h.subject = "";
  const std::string mail = BuildRfc5322(h, "x");
  EXPECT_NE(mail.find("\r\nMessage-ID: <abc.123@mx1.example.com>\r\n"), std::string::npos);
  EXPECT_EQ(mail.find("Subject:"), std::string::npos);
}

TEST(BuildRfc5322Test, FoldsALongToListAfterCommas) {
  MailHeader h = Header();
  h.to = {"5551234567@vtext.com", "postmaster@example.com", "abuse@example.com",
          "security-team@example.com"};
  const std::string mail = BuildRfc5322(h, "x");
  EXPECT_NE(mail.find("\r\nTo: 5551234567@vtext.com, postmaster@example.com, abuse@example.com,\r\n"
                      " security-team@example.com\r\n"),
            std::string::npos)
      << mail;
  ExpectWellFormed(mail);
}

TEST(EncodeSubjectTest, LeavesShortAsciiAlone) {
  EXPECT_EQ(EncodeSubject("mx1 VOLUME bob@example.com 612 rcpt/1h (limit 500)"),
            "mx1 VOLUME bob@example.com 612 rcpt/1h (limit 500)");
}

TEST(EncodeSubjectTest, FoldsLongAsciiBeforeASpace) {
  const std::string subject =
      "mx1 DIGEST 14 more alerts - log in: VOLUME bob@example.com 612/1h; FRAUD "
      "suzy@example.com as ceo@bank.example 12/1d; ... and 12 more";
  const std::string folded = EncodeSubject(subject);
  EXPECT_EQ(folded,
            "mx1 DIGEST 14 more alerts - log in: VOLUME bob@example.com 612/1h;\r\n"
            " FRAUD suzy@example.com as ceo@bank.example 12/1d; ... and 12 more");
  for (const std::string& line : HeaderLines("Subject: " + folded)) EXPECT_LE(line.size(), 78u);
  EXPECT_EQ(Unfold(folded), subject);
}

TEST(EncodeSubjectTest, EncodesUtf8AsEncodedWordsThatDecodeBack) {
  const std::string subject = "mx1 FRAUD j\xC3\xBCrgen@m\xC3\xBCller.example as \xE2\x82\xAC@x";
  const std::string encoded = EncodeSubject(subject);
  EXPECT_EQ(encoded.rfind("=?UTF-8?B?", 0), 0u);
  EXPECT_EQ(DecodeEncodedWords(Unfold(encoded)), subject);
  // Never split a character: 300 euro signs, each 3 bytes.
  std::string euros;
  for (int i = 0; i < 300; ++i) euros += "\xE2\x82\xAC";
  EXPECT_EQ(DecodeEncodedWords(Unfold(EncodeSubject(euros))), euros);
  for (const std::string& line : HeaderLines("Subject: " + EncodeSubject(euros))) {
    EXPECT_LE(line.size(), 76u) << line;
  }
}

TEST(EncodeSubjectTest, EncodesAsciiThatLooksLikeAnEncodedWord) {
  // Shown literally, it would be decoded by the reader's client into something else.
  const std::string subject = "=?UTF-8?B?DQpCY2M6IHZpY3RpbUB6?=";
  const std::string encoded = EncodeSubject(subject);
  EXPECT_NE(encoded, subject);
  EXPECT_EQ(DecodeEncodedWords(Unfold(encoded)), subject);
}

TEST(EncodeSubjectTest, EncodesAWordTooLongToFold) {
  const std::string subject = std::string(1500, 'a');
  const std::string encoded = EncodeSubject(subject);
  EXPECT_EQ(DecodeEncodedWords(Unfold(encoded)), subject);
  for (const std::string& line : HeaderLines("Subject: " + encoded)) EXPECT_LE(line.size(), 76u);
}

TEST(BuildRfc5322Test, HeaderInjectionThroughAnyFieldStaysOnItsOwnLine) {
  MailHeader h = Header();
  h.from = "x@y\r\nBcc: victim@z";
  h.to = {"a@b\nBcc: victim@z", "c@d\rBcc: victim@z"};
  h.subject = "x@y\r\nBcc: victim@z";
  h.message_id = "<id@h>\r\nBcc: victim@z";
  const std::string mail = BuildRfc5322(h, "body\r\nBcc: victim@z\r\n");
  ExpectWellFormed(mail);
  const auto lines = HeaderLines(mail);
  for (const std::string& line : lines) {
    EXPECT_NE(line.rfind("Bcc:", 0), 0u) << line;
  }
  // Each CR and LF shows as '?': visible, on the header's own line.
  EXPECT_NE(mail.find("\r\nFrom: x@y??Bcc: victim@z\r\n"), std::string::npos) << mail;
  EXPECT_NE(mail.find("\r\nSubject: x@y??Bcc: victim@z\r\n"), std::string::npos) << mail;
  EXPECT_NE(mail.find("\r\nMessage-ID: <id@h??Bccvictim@z>\r\n"), std::string::npos) << mail;
}

TEST(BuildRfc5322Test, BodyNeverHasALoneDotOrFromLineAndDecodesBack) {
  const std::string body =
      ".\n..\nFrom the top\n" + std::string(74, 'x') + ".\n" + std::string(75, 'y') + "From z\nend";
  const std::string mail = BuildRfc5322(Header(), body);
  ExpectWellFormed(mail);
  const std::string encoded = mail.substr(mail.find("\r\n\r\n") + 4);
  for (const std::string& line : Lines(encoded)) {
    EXPECT_NE(line, ".");
    EXPECT_NE(line.rfind(".", 0), 0u) << line;
    EXPECT_NE(line.rfind("From ", 0), 0u) << line;
    EXPECT_LE(line.size(), 76u) << line;
  }
  EXPECT_EQ(DecodeQuotedPrintable(encoded), ".\n..\nFrom the top\n" + std::string(74, 'x') + ".\n" +
                                                std::string(75, 'y') + "From z\nend\n");
}

TEST(BuildRfc5322Test, BodyMarksControlsAndInvalidBytesAndEndsLinesInCrlf) {
  const std::string mail = BuildRfc5322(Header(), "a\0b\tc\x1B[2Jd\xFF\r\ne\rf\n\ng"s);
  EXPECT_EQ(DecodeQuotedPrintable(mail.substr(mail.find("\r\n\r\n") + 4)),
            "a?b?c?[2Jd?\ne\nf\n\ng\n");
  ExpectWellFormed(mail);
}

TEST(BuildRfc5322Test, TenKilobyteBodyLinesAreSoftBrokenAt76) {
  const std::string line(10 * 1024, 'A');
  const std::string mail = BuildRfc5322(Header(), line + "\n\xC3\xA9" + line);
  ExpectWellFormed(mail);
  const std::string encoded = mail.substr(mail.find("\r\n\r\n") + 4);
  EXPECT_EQ(DecodeQuotedPrintable(encoded), line + "\n\xC3\xA9" + line + "\n");
}

}  // namespace
}  // namespace relaywatch::alerting
