// Shared by the alert harnesses: an Alert built from fuzz bytes (any field bytes, any numbers and
// times, every kind, state and unit), and the invariants every renderer must keep for it.
#ifndef RELAYWATCH_TESTS_FUZZ_FUZZ_ALERT_H_
#define RELAYWATCH_TESTS_FUZZ_FUZZ_ALERT_H_

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/alerting/json_reader.h"
#include "fuzz_check.h"
#include "relaywatch/alerting/alert.h"
#include "relaywatch/alerting/mime.h"
#include "relaywatch/alerting/render_email.h"
#include "relaywatch/alerting/render_json.h"
#include "relaywatch/alerting/render_sms.h"
#include "relaywatch/core/text.h"
#include "relaywatch/detect/sample_book.h"

namespace relaywatch::fuzz {

inline core::Timestamp AnyTime(FuzzedDataProvider& in) {
  return core::Timestamp(core::Duration(in.ConsumeIntegral<std::int64_t>()));
}

// A field: mostly short, sometimes long (the renderers cut long fields).
inline std::string AnyField(FuzzedDataProvider& in) {
  std::string s = in.ConsumeRandomLengthString(80);
  if (!s.empty() && s[0] == '\x7f') s.append(in.ConsumeIntegralInRange(0, 3000), s.back());
  return s;
}

inline alerting::Alert BuildAlert(FuzzedDataProvider& in) {
  alerting::Alert a;
  a.id = AnyField(in);
  a.state = static_cast<alerting::AlertState>(
      in.ConsumeIntegralInRange<int>(0, static_cast<int>(alerting::AlertState::kTest)));
  a.host = AnyField(in);
  detect::Finding& f = a.finding;
  f.rule = AnyField(in);
  f.kind = static_cast<detect::RuleKind>(
      in.ConsumeIntegralInRange<int>(0, static_cast<int>(detect::RuleKind::kGap)));
  f.unit = in.ConsumeBool() ? detect::CountUnit::kMessages : detect::CountUnit::kRecipients;
  f.key = AnyField(in);
  f.count = in.ConsumeIntegral<std::uint64_t>();
  f.limit = in.ConsumeIntegral<std::uint64_t>();
  f.window = core::Duration(in.ConsumeIntegral<std::int64_t>());
  f.first = AnyTime(in);
  f.last = AnyTime(in);
  f.service = AnyField(in);
  f.basis = AnyField(in);
  f.detail = AnyField(in);
  // As many as an alert carries: the spool keeps at most SampleBook::kShown of each list.
  constexpr int kSampled = static_cast<int>(relaywatch::detect::SampleBook::kShown);
  for (int n = in.ConsumeIntegralInRange(0, kSampled); n > 0; --n) {
    f.sample.senders.emplace_back(AnyField(in), in.ConsumeIntegral<std::uint64_t>());
  }
  for (int n = in.ConsumeIntegralInRange(0, kSampled); n > 0; --n) {
    f.sample.remote_ips.emplace_back(AnyField(in), in.ConsumeIntegral<std::uint64_t>());
  }
  for (int n = in.ConsumeIntegralInRange(0, kSampled); n > 0; --n) {
    f.sample.recipients.push_back(AnyField(in));
  }
  a.previous_count = in.ConsumeIntegral<std::uint64_t>();
  a.digest_count = in.ConsumeIntegral<std::uint32_t>();
  a.digest_text = AnyField(in);
  return a;
}

inline bool IsValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = core::Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

inline bool PrintableAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// The structure of a message BuildRfc5322 wrote: CRLF only, no bare CR or LF, header lines of
// printable ASCII within 998 bytes, body lines within 76 (quoted-printable), never ".".
inline void CheckMessage(const std::string& mail, bool want_subject) {
  for (std::size_t i = 0; i < mail.size(); ++i) {
    if (mail[i] == '\r') Check(i + 1 < mail.size() && mail[i + 1] == '\n', "bare CR", mail);
    if (mail[i] == '\n') Check(i > 0 && mail[i - 1] == '\r', "bare LF", mail);
  }
  const std::size_t split = mail.find("\r\n\r\n");
  Check(split != std::string::npos, "no blank line after the header", mail);
  bool subject = false;
  std::size_t p = 0;
  bool in_header = true;
  while (p < mail.size()) {
    std::size_t q = mail.find("\r\n", p);
    if (q == std::string::npos) q = mail.size();
    const std::string_view line = std::string_view(mail).substr(p, q - p);
    if (in_header && line.empty()) {
      in_header = false;
    } else if (in_header) {
      Check(line.size() <= 998, "header line over 998 bytes", line);
      Check(PrintableAscii(line), "control or 8-bit byte in a header line", line);
      if (line[0] == ' ' || line[0] == '\t') {
        Check(line.find_first_not_of(" \t") != std::string_view::npos, "blank continuation", mail);
      } else {
        Check(line.find(": ") != std::string_view::npos, "header line without a name", line);
        if (line.substr(0, 9) == "Subject: ") subject = true;
      }
    } else {
      Check(line.size() <= 76, "body line over 76 characters", line);
      Check(PrintableAscii(line), "control or 8-bit byte in the encoded body", line);
      Check(line != ".", "a body line \".\"", mail);
    }
    p = q + 2;
  }
  Check(subject == want_subject, want_subject ? "no Subject header" : "a Subject header", mail);
}

// Every renderer on `a`, and the message each channel would send.
inline void CheckRenderers(const alerting::Alert& a, const core::LocalZone& zone,
                           const alerting::MailHeader& header) {
  const std::string sms = alerting::RenderSms(a);
  Check(!sms.empty() && sms.size() <= alerting::kSmsMaxChars, "SMS not 1..160 characters", sms);
  Check(PrintableAscii(sms), "SMS holds a byte outside printable ASCII", sms);

  const alerting::EmailContent email = alerting::RenderEmail(a, zone);
  Check(email.subject == sms, "the email subject is not the SMS text", email.subject);
  std::size_t line_start = 0;
  for (std::size_t i = 0; i <= email.body.size(); ++i) {
    if (i == email.body.size() || email.body[i] == '\n') {
      Check(i - line_start <= 998, "email body line over 998 bytes", email.body);
      line_start = i + 1;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(email.body[i]);
    Check(c >= 0x20 && c != 0x7F, "control byte in the email body", email.body);
  }
  Check(IsValidUtf8(email.body), "the email body is not UTF-8", email.body);
  Check(email.body.empty() || email.body.back() == '\n', "body does not end in a newline",
        email.body);

  alerting::MailHeader mail_header = header;
  mail_header.subject = email.subject;
  CheckMessage(alerting::BuildRfc5322(mail_header, email.body), true);
  mail_header.subject.clear();  // the SMS channel: the text is the body, no Subject
  CheckMessage(alerting::BuildRfc5322(mail_header, sms), false);

  const std::string json = alerting::RenderJson(a);
  const auto parsed = alerting::testing::JsonReader::Parse(json);
  Check(parsed.has_value(), "RenderJson output does not parse as JSON", json);
  Check(json.find('\n') == std::string::npos, "RenderJson output is not one line", json);
  for (unsigned char c : json) Check(c >= 0x20 && c != 0x7F, "raw control byte in JSON", json);
  if (IsValidUtf8(a.finding.key)) {
    Check((*parsed)["user"].text == a.finding.key, "JSON \"user\" is not the key as it was", json);
  }
  if (IsValidUtf8(a.finding.rule)) {
    Check((*parsed)["rule"].text == a.finding.rule, "JSON \"rule\" is not the rule as it was",
          json);
  }
}

}  // namespace relaywatch::fuzz

#endif  // RELAYWATCH_TESTS_FUZZ_FUZZ_ALERT_H_
