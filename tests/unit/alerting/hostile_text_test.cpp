// Every attacker-controlled value, in every field, through every renderer and into a message.
#include <gtest/gtest.h>

#include <string>

#include "json_reader.h"
#include "mail_checks.h"
#include "relaywatch/alerting/mime.h"
#include "relaywatch/alerting/render_email.h"
#include "relaywatch/alerting/render_json.h"
#include "relaywatch/alerting/render_sms.h"
#include "relaywatch/core/text.h"
#include "sample_alerts.h"

namespace relaywatch::alerting {
namespace {

using namespace testing;

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

bool IsUtf8WithoutControlsButNewlines(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7F) return false;
      ++i;
      continue;
    }
    const std::size_t n = core::Utf8SequenceLength(s, i);
    if (n == 0 || core::IsControlCodePoint(core::Utf8Decode(s, i, n))) return false;
    i += n;
  }
  return true;
}

MailHeader HeaderFor(const std::string& subject, const std::string& text) {
  MailHeader h;
  h.from = "relaywatch@example.com";
  h.to = {"5551234567@vtext.com", text};
  h.subject = subject;
  h.date = kLineStamp;
  h.date_utc_offset_seconds = 3600;
  h.message_id = "<" + text + "@mx1.example.com>";
  return h;
}

TEST(HostileTextTest, SmsIsAtMost160PrintableAsciiCharacters) {
  for (const std::string& text : HostileTexts()) {
    for (const Alert& a : HostileAlerts(text)) {
      const std::string sms = RenderSms(a);
      ASSERT_LE(sms.size(), kSmsMaxChars) << core::EscapeForLog(text.substr(0, 60));
      ASSERT_TRUE(IsPrintableAscii(sms)) << core::EscapeForLog(sms);
      ASSERT_FALSE(sms.empty());
    }
  }
}

TEST(HostileTextTest, SmsMessageWithoutSubjectIsAWellFormedMail) {
  for (const std::string& text : HostileTexts()) {
    for (const Alert& a : HostileAlerts(text)) {
      const std::string mail = BuildRfc5322(HeaderFor("", text), RenderSms(a));
      ExpectWellFormed(mail);
      for (const std::string& line : HeaderLines(mail)) {
        ASSERT_NE(line.rfind("Subject:", 0), 0u) << line;
      }
    }
  }
}

TEST(HostileTextTest, EmailSubjectIsOneAsciiLineAndBodyHasOnlyItsOwnLineBreaks) {
  const core::LocalZone zone = core::LocalZone::Fixed(3600);
  for (const std::string& text : HostileTexts()) {
    for (const Alert& a : HostileAlerts(text)) {
      const EmailContent e = RenderEmail(a, zone);
      ASSERT_TRUE(IsPrintableAscii(e.subject)) << core::EscapeForLog(e.subject);
      ASSERT_LE(e.subject.size(), kSmsMaxChars);
      ASSERT_TRUE(IsUtf8WithoutControlsButNewlines(e.body)) << core::EscapeForLog(e.body);
      for (std::size_t p = 0, q; p < e.body.size(); p = q + 1) {
        q = e.body.find('\n', p);
        ASSERT_LE(q - p, 998u);
      }
      const std::string mail = BuildRfc5322(HeaderFor(e.subject, text), e.body);
      ExpectWellFormed(mail);
      for (const std::string& line : HeaderLines(mail)) {
        ASSERT_NE(line.rfind("Bcc:", 0), 0u);
      }
    }
  }
}

TEST(HostileTextTest, NonAsciiSubjectsAreEncodedAndHeadersStayClean) {
  for (const std::string& text : HostileTexts()) {
    const std::string mail = BuildRfc5322(HeaderFor(text, text), text);
    ExpectWellFormed(mail);
    const std::string subject = core::SanitizeField(text, 2000);
    if (!subject.empty()) {
      const std::string header = Unfold(mail.substr(0, mail.find("\r\n\r\n") + 2));
      const std::size_t at = header.find("\r\nSubject: ");
      ASSERT_NE(at, std::string::npos);
      const std::size_t end = header.find("\r\n", at + 2);
      EXPECT_EQ(DecodeEncodedWords(header.substr(at + 11, end - at - 11)), subject);
    }
  }
}

TEST(HostileTextTest, JsonAlwaysParses) {
  for (const std::string& text : HostileTexts()) {
    for (const Alert& a : HostileAlerts(text)) {
      ASSERT_TRUE(JsonReader::Parse(RenderJson(a)))
          << core::EscapeForLog(RenderJson(a).substr(0, 200));
    }
  }
}

}  // namespace
}  // namespace relaywatch::alerting
