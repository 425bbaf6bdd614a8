// A relaying line without a client address ("remote <::>") is counted as malformed and pages
// nobody; one with its address, in the same run, still does.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "../detect/detector_harness.h"
#include "relaywatch/pipeline/pipeline.h"

namespace relaywatch::pipeline {
namespace {

using detect::testing::Tai;
using detect::testing::VolumeRule;
using std::chrono::hours;
using std::chrono::seconds;

const core::Timestamp kT = core::Timestamp(seconds(1795824000));  // 2026-11-28T00:00:00Z

TEST(NoClientAddressTest, AnEmptyAddressLineIsMalformedAndPagesNobody) {
  config::Config config;
  config.hostname = "mx1.example.com";
  config.rules = {VolumeRule("hourly-volume", hours(1), 1)};
  Pipeline pipe(config);
  decode::LineDecoder decoder(core::LocalZone::Fixed(0));
  auto feed = [&](std::size_t source, std::string_view raw) {
    decode::DecodedLine d;
    decoder.Decode(raw, /*cut=*/false, d);
    pipe.OnLine(source, d);
  };
  std::vector<alerting::Alert> alerts;
  pipe.set_alert_sink([&](alerting::Alert&& a) { alerts.push_back(std::move(a)); });
  const std::size_t src = pipe.AddSource("smtp");

  const std::vector<std::string> empty = {
      Tai(kT) + " CHKUSER relaying rcpt: from <::> remote <::> rcpt <> : client allowed to relay",
      Tai(kT + seconds(1)) +
          " CHKUSER relaying rcpt: from <a@x.example::> remote <pc:unknown:> rcpt "
          "<r@gmail.example> : client allowed to relay",
      Tai(kT + seconds(2)) +
          " CHKUSER relaying rcpt: from <a@x.example|remoteinfo/auth:|chkuser-identify:> remote "
          "<helo:pc|remotehostname:unknown|remotehostip:> rcpt <r@gmail.example> : client "
          "allowed to relay",
  };
  for (const std::string& line : empty) feed(src, line);
  EXPECT_EQ(pipe.stats().malformed, 3u);
  EXPECT_EQ(pipe.stats().malformed_by_reason,
            (std::map<std::string, std::uint64_t>{{"chkuser: remote: no client address", 3}}));
  EXPECT_EQ(pipe.stats().relay, 0u);
  EXPECT_EQ(pipe.stats().findings, 0u);
  EXPECT_TRUE(alerts.empty());

  feed(src, Tai(kT + seconds(3)) +
                " CHKUSER relaying rcpt: from <a@x.example::> remote "
                "<pc:unknown:203.0.113.80> rcpt <r@gmail.example> : client allowed to relay");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].finding.key, "ip:203.0.113.80");
  EXPECT_EQ(pipe.stats().malformed, 3u);
}

}  // namespace
}  // namespace relaywatch::pipeline
