// Explainer: a line through the real decoder and rule counters, and why each rule counts it or not.
#include "relaywatch/app/explain.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "relaywatch/detect/detector.h"
#include "relaywatch/detect/memory_window_store.h"

namespace relaywatch::app {
namespace {

config::Config Rules() {
  config::Config c;
  c.default_domain = "example.com";
  auto add = [&](std::string name, detect::RuleParams params) {
    detect::RuleSpec r;
    r.name = std::move(name);
    r.params = std::move(params);
    c.rules.push_back(std::move(r));
  };
  add("volume", detect::VolumeParams{});
  detect::SenderParams sender;
  sender.domain_aliases = {{"example.com", "example.net"}};
  sender.allow["@example.com"] = {"*@partner.example"};
  sender.exempt = {"mailer"};
  add("sender", sender);
  add("ips", detect::RemoteIpsParams{});
  detect::ServicePolicyParams policy;
  policy.allowed_services = {"submission"};
  add("port25", policy);
  add("limit", detect::RcptLimitParams{});
  return c;
}

std::string Relaying(const std::string& sender, const std::string& login) {
  return "CHKUSER relaying rcpt: from <" + sender + ":" + login +
         ":> remote <laptop:unknown:203.0.113.5> rcpt <x@gmail.example> : client allowed to relay";
}

// rule -> "counts" or its reason.
std::map<std::string, std::string> Verdicts(const LineExplanation& e) {
  std::map<std::string, std::string> out;
  for (const RuleVerdict& v : e.rules) out[v.rule] = v.counts ? "counts" : v.why;
  return out;
}

class ExplainTest : public ::testing::Test {
 protected:
  config::Config config_ = Rules();
};

TEST_F(ExplainTest, ARelayedRecipientWithAForeignSenderCountsForEveryRecipientRule) {
  Explainer x(config_, "smtp", core::LocalZone::Fixed(0));
  const LineExplanation e = x.Explain(Relaying("ceo@bank.example", "Suzy"));
  EXPECT_EQ(e.event, "chkuser relaying rcpt");
  EXPECT_EQ(e.key, "suzy@example.com");  // keyed: default_domain, lowercased
  EXPECT_EQ(e.basis, "chkuser");
  EXPECT_EQ(e.sender, "ceo@bank.example");
  EXPECT_EQ(e.ip, "203.0.113.5");
  EXPECT_EQ(e.counted_as, "a relayed recipient, authenticated");
  EXPECT_EQ(Verdicts(e), (std::map<std::string, std::string>{
                             {"volume", "counts"},
                             {"sender", "counts"},
                             {"ips", "counts"},
                             {"port25", "counts"},
                             {"limit", "counts chkuser's rcpt-limit hits, not recipients"}}));
  EXPECT_EQ(e.rules[1].why, "foreign sender ceo@bank.example");
  EXPECT_EQ(e.rules[3].why, "on service smtp");
}

TEST_F(ExplainTest, SaysWhyTheSenderIsAllowed) {
  Explainer x(config_, "submission", core::LocalZone::Fixed(0));
  auto why = [&](const std::string& sender, const std::string& login) {
    return Verdicts(x.Explain(Relaying(sender, login)))["sender"];
  };
  EXPECT_EQ(why("", "suzy"), "sender allowed: the null sender");
  EXPECT_EQ(why("#@[]", "suzy"), "sender allowed: the null sender");
  EXPECT_EQ(why("boss@Example.COM", "suzy"), "sender allowed: policy same-domain");
  EXPECT_EQ(why("boss@example.net", "suzy"),
            "sender allowed: policy same-domain through domain_aliases");
  EXPECT_EQ(why("x@partner.example", "suzy"), "sender allowed: an allow glob");
  EXPECT_EQ(why("ceo@bank.example", "mailer"), "sender allowed: the login is exempt");
  EXPECT_EQ(Verdicts(x.Explain(Relaying("a@example.com", "suzy")))["port25"],
            "other service allowed: submission");
}

TEST_F(ExplainTest, UnauthenticatedLocalAndMalformedLinesSayWhy) {
  Explainer x(config_, "smtp", core::LocalZone::Fixed(0));
  // Relaying by IP: not authenticated, keyed by the address.
  const LineExplanation ip = x.Explain(Relaying("www@web.example", ""));
  EXPECT_EQ(ip.key, "ip:203.0.113.5");
  EXPECT_EQ(ip.basis, "ip");
  EXPECT_EQ(Verdicts(ip)["volume"], "counts");
  EXPECT_EQ(Verdicts(ip)["sender"], "not authenticated");
  EXPECT_EQ(Verdicts(ip)["ips"], "not authenticated");
  EXPECT_EQ(Verdicts(ip)["port25"], "not authenticated");
  // An authenticated login's local recipient.
  const LineExplanation local = x.Explain(
      "CHKUSER accepted rcpt: from <a@example.com:suzy:> remote <h:unknown:203.0.113.5> rcpt "
      "<b@example.com> : found existing recipient");
  EXPECT_EQ(local.counted_as, "a local recipient, authenticated");
  EXPECT_EQ(Verdicts(local)["volume"], "not relayed (a local recipient)");
  EXPECT_EQ(Verdicts(local)["port25"], "not relayed (a local recipient)");
  // Inbound mail.
  const LineExplanation inbound = x.Explain(
      "CHKUSER accepted rcpt: from <a@gmail.example::> remote <h:unknown:198.51.100.1> rcpt "
      "<b@example.com> : found existing recipient");
  EXPECT_FALSE(inbound.has_delivery);
  EXPECT_EQ(Verdicts(inbound)["volume"], "not relayed and not authenticated (inbound mail)");
  const LineExplanation bad = x.Explain("CHKUSER relaying rcpt: from <x@y> remote <laptop");
  EXPECT_EQ(bad.event, "malformed");
  EXPECT_EQ(bad.malformed_reason, "chkuser: no '> rcpt <'");
  EXPECT_EQ(Verdicts(bad)["sender"], "malformed: chkuser: no '> rcpt <'");
  const LineExplanation other = x.Explain("tcpserver: status: 1/100");
  EXPECT_EQ(other.event, "tcpserver");
  EXPECT_EQ(Verdicts(other)["volume"], "another line kind: tcpserver");
  EXPECT_NE(x.Summary().find("summary: 5 lines\n"), std::string::npos) << x.Summary();
  EXPECT_NE(x.Summary().find("       1  volume (volume)\n"), std::string::npos) << x.Summary();
}

TEST_F(ExplainTest, RenderEscapesTheLinesBytes) {
  Explainer x(config_, "smtp", core::LocalZone::Fixed(0));
  const std::string raw = Relaying("ceo\x1b[2J@bank.example", "suzy");
  const std::string text = Explainer::Render(x.Explain(raw), raw, 7);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("line 7: "), std::string::npos);
  EXPECT_NE(text.find("  sender:   ceo\\x1b[2J@bank.example\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  rule sender  sender          counts (foreign sender "), std::string::npos)
      << text;
}

}  // namespace
}  // namespace relaywatch::app

namespace relaywatch::app {
namespace {

// Which rules the real Detector counted, per line.
class Recorder : public detect::HitObserver {
 public:
  void OnLine(const detect::LineHits& line) override {
    for (const detect::Hit& h : line.hits) rules.push_back(h.rule);
  }
  std::vector<std::size_t> rules;
};

// Over the fixture logs, the rules explain says count a line are the rules the Detector counts
// it for (one service, so the Detector's per-service state is the Explainer's).
TEST(ExplainAgreesWithDetectorTest, OverTheFixtureLogs) {
  config::Config config = Rules();
  for (detect::RuleSpec& r : config.rules) r.limit = 1000000;  // no findings needed
  for (const char* name : {"constructed.txt", "real.txt"}) {
    std::ifstream in(std::string(RELAYWATCH_FIXTURES_DIR) + "/" + name);
    ASSERT_TRUE(in) << name;
    detect::MemoryWindowStore store;
    detect::Detector detector(config.rules, config.default_domain, store);
    Recorder recorder;
    detector.set_observer(&recorder);
    Explainer explainer(config, "smtp", core::LocalZone::Fixed(0));
    decode::LineDecoder decoder(core::LocalZone::Fixed(0));
    std::string raw;
    int compared = 0, counted = 0;
    while (std::getline(in, raw)) {
      if (raw.empty() || raw[0] == '#') continue;
      decode::DecodedLine d;
      decoder.Decode(raw, false, d);
      std::vector<detect::Finding> findings;
      recorder.rules.clear();
      detector.OnEvent({d.line.time, "smtp"}, d.event, findings);
      const LineExplanation e = explainer.Explain(raw);
      std::vector<std::size_t> said;
      for (std::size_t r = 0; r < e.rules.size(); ++r) {
        if (e.rules[r].counts) said.push_back(r);
      }
      EXPECT_EQ(said, recorder.rules) << name << ": " << raw;
      ++compared;
      counted += said.empty() ? 0 : 1;
    }
    EXPECT_GT(compared, 20) << name;
    if (std::string(name) == "constructed.txt") {
      EXPECT_GT(counted, 3) << name;
    }
  }
}

}  // namespace
}  // namespace relaywatch::app
