#include "relaywatch/state/alert_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/detect/bucket_window.h"
#include "relaywatch/detect/sample_book.h"
#include "state_test_util.h"

namespace relaywatch::state {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::HostileTexts;
using testing::Seal;

// The first relaying line of tests/fixtures/constructed.txt: 2026-11-28T02:55:26.029545444Z.
const core::Timestamp kLineStamp = core::Timestamp(seconds(1795834526)) + nanoseconds(29545444);
// Wall time of spooling.
const core::Timestamp kNow = core::Timestamp(seconds(1795836000));

SpooledAlert Fraud() {
  SpooledAlert s;
  alerting::Alert& a = s.alert;
  a.state = alerting::AlertState::kOngoing;
  a.host = "mx1.example.com";
  detect::Finding& f = a.finding;
  f.rule = "foreign-sender";
  f.kind = detect::RuleKind::kSender;
  f.key = "suzy@example.com";
  f.count = 12;
  f.limit = 1;
  f.window = hours(24);
  f.first = kLineStamp;
  f.last = kLineStamp + minutes(42) + nanoseconds(123);
  f.service = "submission";
  f.basis = "chkuser";
  f.detail = "ceo@bank.example";
  f.sample.senders = {{"ceo@bank.example", 12}, {"suzy@example.com", 3}};
  f.sample.remote_ips = {{"203.0.113.5", 15}};
  f.sample.recipients = {"x@gmail.example", "y@yahoo.example"};
  a.previous_count = 4;
  a.digest_count = 0;
  a.id = alerting::MakeAlertId(f.rule, f.key, f.last);
  s.attempts = 3;
  s.first_spooled = kNow;
  s.next_attempt = kNow + minutes(2);
  s.last_error = "421 4.3.0 try later";
  return s;
}

void ExpectSame(const SpooledAlert& got, const SpooledAlert& want) {
  const alerting::Alert& a = got.alert;
  const alerting::Alert& b = want.alert;
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.host, b.host);
  EXPECT_EQ(a.previous_count, b.previous_count);
  EXPECT_EQ(a.digest_count, b.digest_count);
  EXPECT_EQ(a.digest_text, b.digest_text);
  const detect::Finding& f = a.finding;
  const detect::Finding& g = b.finding;
  EXPECT_EQ(f.rule, g.rule);
  EXPECT_EQ(f.kind, g.kind);
  EXPECT_EQ(f.key, g.key);
  EXPECT_EQ(f.count, g.count);
  EXPECT_EQ(f.limit, g.limit);
  EXPECT_EQ(f.window, g.window);
  EXPECT_EQ(f.first, g.first);
  EXPECT_EQ(f.last, g.last);
  EXPECT_EQ(f.service, g.service);
  EXPECT_EQ(f.basis, g.basis);
  EXPECT_EQ(f.unit, g.unit);
  EXPECT_EQ(f.detail, g.detail);
  EXPECT_EQ(f.sample.senders, g.sample.senders);
  EXPECT_EQ(f.sample.remote_ips, g.sample.remote_ips);
  EXPECT_EQ(f.sample.recipients, g.sample.recipients);
  EXPECT_EQ(f.slices, g.slices);
  EXPECT_EQ(got.attempts, want.attempts);
  EXPECT_EQ(got.first_spooled, want.first_spooled);
  EXPECT_EQ(got.next_attempt, want.next_attempt);
  EXPECT_EQ(got.last_error, want.last_error);
}

TEST(AlertCodecTest, RoundTripsEveryField) {
  const SpooledAlert s = Fraud();
  core::Result<SpooledAlert> back = DecodeSpooledAlert(EncodeSpooledAlert(s));
  ASSERT_TRUE(back) << back.error().message;
  ExpectSame(*back, s);
}

TEST(AlertCodecTest, RoundTripsEveryStateAndKind) {
  for (alerting::AlertState state :
       {alerting::AlertState::kNew, alerting::AlertState::kOngoing, alerting::AlertState::kResolved,
        alerting::AlertState::kDigest, alerting::AlertState::kTest}) {
    for (detect::RuleKind kind :
         {detect::RuleKind::kVolume, detect::RuleKind::kSender, detect::RuleKind::kRemoteIps,
          detect::RuleKind::kServicePolicy, detect::RuleKind::kRcptLimit, detect::RuleKind::kGap}) {
      SpooledAlert s = Fraud();
      s.alert.state = state;
      s.alert.finding.kind = kind;
      s.alert.digest_count = 14;
      s.alert.digest_text = "VOLUME c@example.com 612/1h\nVOLUME d@example.com 700/1h\n";
      core::Result<SpooledAlert> back = DecodeSpooledAlert(EncodeSpooledAlert(s));
      ASSERT_TRUE(back) << back.error().message;
      ExpectSame(*back, s);
    }
  }
}

TEST(AlertCodecTest, KeepsTheCountUnitAndReadsFilesWrittenWithoutIt) {
  SpooledAlert s = Fraud();
  s.alert.finding.unit = detect::CountUnit::kMessages;
  core::Result<SpooledAlert> back = DecodeSpooledAlert(EncodeSpooledAlert(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->alert.finding.unit, detect::CountUnit::kMessages);
  // A spool file from before the record existed: recipients.
  std::string old = EncodeSpooledAlert(Fraud());
  const std::size_t at = old.find("unit recipients\n");
  ASSERT_NE(at, std::string::npos);
  old.erase(at, std::string("unit recipients\n").size());
  old = Seal(old.substr(0, old.rfind("checksum")));
  back = DecodeSpooledAlert(old);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->alert.finding.unit, detect::CountUnit::kRecipients);
}

TEST(AlertCodecTest, KeepsHostileTextInEveryFieldByteForByte) {
  for (const std::string& text : HostileTexts()) {
    SpooledAlert s = Fraud();
    detect::Finding& f = s.alert.finding;
    s.alert.host = text;
    f.rule = text;
    f.key = text;
    f.service = text;
    f.basis = text;
    f.detail = text;
    f.sample.senders = {{text, 1}, {text + text, 2}};
    f.sample.remote_ips = {{text, 3}};
    f.sample.recipients = {text, text};
    s.alert.digest_text = text + "\n" + text;
    s.last_error = text;
    const std::string encoded = EncodeSpooledAlert(s);
    for (char ch : encoded) {
      const auto b = static_cast<unsigned char>(ch);
      ASSERT_TRUE(ch == '\n' || (b >= 0x20 && b <= 0x7E)) << "byte " << int(b);
    }
    core::Result<SpooledAlert> back = DecodeSpooledAlert(encoded);
    ASSERT_TRUE(back) << back.error().message;
    ExpectSame(*back, s);
  }
}

// A spool file is the daemon's, but a crafted or damaged one must not fill its memory: each list
// of the sample is read up to what an alert's sample holds in memory (SampleBook::kShown).
TEST(AlertCodecTest, ReadsAtMostASampleOfSendersIpsAndRecipients) {
  SpooledAlert s = Fraud();
  detect::KeySample& sample = s.alert.finding.sample;
  sample = {};
  for (int i = 0; i < 10000; ++i) {
    sample.senders.emplace_back("s" + std::to_string(i) + "@bank.example", 1);
    sample.remote_ips.emplace_back("192.0.2." + std::to_string(i % 256), 2);
    sample.recipients.push_back("r" + std::to_string(i) + "@gmail.example");
  }
  core::Result<SpooledAlert> back = DecodeSpooledAlert(EncodeSpooledAlert(s));
  ASSERT_TRUE(back) << back.error().message;
  const detect::KeySample& got = back->alert.finding.sample;
  constexpr std::size_t kShown = detect::SampleBook::kShown;
  ASSERT_EQ(got.senders.size(), kShown);
  ASSERT_EQ(got.remote_ips.size(), kShown);
  ASSERT_EQ(got.recipients.size(), kShown);
  EXPECT_EQ(got.senders.front().first, "s0@bank.example");
  EXPECT_EQ(got.recipients.back(), "r" + std::to_string(kShown - 1) + "@gmail.example");
  EXPECT_EQ(back->alert.id, s.alert.id);  // the rest of the alert as it was
  EXPECT_EQ(back->last_error, s.last_error);
}

TEST(AlertCodecTest, KeepsTheSlicesAndReadsFilesWrittenWithoutThem) {
  SpooledAlert s = Fraud();
  s.alert.finding.slices.assign(detect::kSlices, 0);
  s.alert.finding.slices.front() = 1;
  s.alert.finding.slices[30] = 4294967295u;
  s.alert.finding.slices.back() = 11;
  const std::string text = EncodeSpooledAlert(s);
  EXPECT_NE(text.find("\nslices 1 0 0 "), std::string::npos) << text;
  core::Result<SpooledAlert> back = DecodeSpooledAlert(text);
  ASSERT_TRUE(back) << back.error().message;
  ExpectSame(*back, s);
  // Without slices (and as a spool file from before the record existed): none written, none read.
  const std::string old = EncodeSpooledAlert(Fraud());
  EXPECT_EQ(old.find("slices"), std::string::npos);
  back = DecodeSpooledAlert(old);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->alert.finding.slices.empty());
}

TEST(AlertCodecTest, WritesTheDocumentedFormat) {
  SpooledAlert s;
  s.alert.id = "digest-1-2";
  s.alert.state = alerting::AlertState::kDigest;
  s.alert.host = "mx1";
  s.alert.finding.rule = "digest";
  s.alert.finding.sample.recipients = {"a b"};
  s.alert.digest_count = 2;
  s.alert.digest_text = "x\ny\n";
  s.first_spooled = core::Timestamp(seconds(2));
  s.next_attempt = core::Timestamp(seconds(3));
  EXPECT_EQ(EncodeSpooledAlert(s), Seal("relaywatch-alert 1\n"
                                        "id digest-1-2\n"
                                        "state digest\n"
                                        "host mx1\n"
                                        "rule digest\n"
                                        "kind volume\n"
                                        "key \\-\n"
                                        "count 0\n"
                                        "limit 0\n"
                                        "window 0\n"
                                        "first 0\n"
                                        "last 0\n"
                                        "service \\-\n"
                                        "basis \\-\n"
                                        "unit recipients\n"
                                        "detail \\-\n"
                                        "recipient a\\x20b\n"
                                        "previous-count 0\n"
                                        "digest-count 2\n"
                                        "digest-text x\\x0ay\\x0a\n"
                                        "attempts 0\n"
                                        "first-spooled 2000000000\n"
                                        "next-attempt 3000000000\n"
                                        "last-error \\-\n"));
}

TEST(AlertCodecTest, RefusesTheFileCutAtAnyByteOrWithAnyFlippedByte) {
  const std::string text = EncodeSpooledAlert(Fraud());
  for (std::size_t n = 0; n < text.size(); ++n) {
    EXPECT_FALSE(DecodeSpooledAlert(text.substr(0, n))) << "cut at " << n;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] = static_cast<char>(bad[i] ^ 0x04);
    EXPECT_FALSE(DecodeSpooledAlert(bad)) << "byte " << i;
  }
  std::string bad = text;
  bad[text.find("count 12") + 6] = '9';
  EXPECT_EQ(DecodeSpooledAlert(bad).error().message,
            "line 29: checksum mismatch: the file is corrupt");
  EXPECT_EQ(DecodeSpooledAlert(text.substr(0, text.find("count 12"))).error().message,
            "line 7: missing checksum line: the file was cut short");
}

TEST(AlertCodecTest, NamesWhatIsWrong) {
  const std::string full = EncodeSpooledAlert(Fraud());
  const std::string body = full.substr(0, full.rfind("checksum "));
  auto without = [&](const std::string& record) {
    const std::size_t at = body.find("\n" + record + " ") + 1;
    return body.substr(0, at) + body.substr(body.find('\n', at) + 1);
  };
  std::string sixty_one;
  for (int i = 0; i < 61; ++i) sixty_one += " 1";
  const std::pair<std::string, std::string> cases[] = {
      {"relaywatch-alert 7\n",
       "line 1: unsupported spooled alert version 7 (this relaywatch reads version 1)"},
      {"relaywatch-checkpoint 1\n",
       "line 1: not a relaywatch spooled alert (expected \"relaywatch-alert 1\")"},
      {without("id"), "missing \"id\" record"},
      {without("last-error"), "missing \"last-error\" record"},
      {body + "id again\n", "line 29: id given twice"},
      {body + "paged yes\n", "line 29: unknown record \"paged\""},
      {body + "unit messages\n", "line 29: unit given twice"},
      {body + "slices 1 2\nslices 3\n", "line 30: slices given twice"},
      {body + "slices 1 x 3\n",
       "line 29: slices count: expected an unsigned integer up to "
       "4294967295, got \"x\""},
      {body + "slices 4294967296\n",
       "line 29: slices count: expected an unsigned integer up to 4294967295, got "
       "\"4294967296\""},
      {body + "slices" + sixty_one + "\n", "line 29: slices: expected at most 60 fields, got 61"},
      {without("unit") + "unit parcels\n", "line 28: unit value: expected recipients or messages"},
      {body + "sender a@b\n", "line 29: sender: expected 2 fields, got 1"},
      {body + "remote-ip 1.2.3.4 many\n",
       "line 29: remote-ip count: expected an unsigned integer, got \"many\""},
      {without("state") + "state paged\n", "line 28: state value: unknown alert state \"paged\""},
      {without("kind") + "kind spam\n", "line 28: kind value: unknown rule kind \"spam\""},
      {without("attempts") + "attempts 4294967296\n",
       "line 28: attempts value: expected an unsigned integer up to 4294967295, got "
       "\"4294967296\""},
  };
  for (const auto& [doc, message] : cases) {
    core::Result<SpooledAlert> s = DecodeSpooledAlert(Seal(doc));
    ASSERT_FALSE(s) << doc;
    EXPECT_EQ(s.error().message, message) << doc;
  }
}

}  // namespace
}  // namespace relaywatch::state
