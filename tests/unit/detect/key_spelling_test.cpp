// Keys and distinct sets hold one spelling per client address, and a line without an address
// is no key at all.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detector_harness.h"
#include "relaywatch/detect/detector.h"
#include "relaywatch/detect/login_key.h"

namespace relaywatch::detect {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using testing::DetectorHarness;
using testing::RemoteIpsRule;
using testing::Tai;
using testing::VolumeRule;

const core::Timestamp kT = core::Timestamp(seconds(1795824000));  // 2026-11-28T00:00:00Z

std::string Relaying(core::Timestamp t, std::string_view auth, std::string_view remote) {
  return Tai(t) + " CHKUSER relaying rcpt: from <a@x.example:" + std::string(auth) + ":> remote <" +
         std::string(remote) + "> rcpt <r@gmail.example> : client allowed to relay";
}

std::string Envelope(core::Timestamp t, std::string_view ip) {
  return Tai(t) +
         " qlogenvelope: result=accepted code=250 reason=rcptto detail= helo=pc "
         "mailfrom=a@x.example rcptto=r@gmail.example relay=yes rcpthosts=no size= authuser= "
         "authtype= encrypted= sslverified=no localip=192.0.2.10 localport=25 remoteip=" +
         std::string(ip) + " remoteport=51234 remotehost=unknown qp= pid=4321";
}

const std::vector<std::string_view> kSpellings = {"2001:DB8::5", "2001:db8:0:0:0:0:0:5",
                                                  "2001:0db8::0005"};

TEST(LoginKeyTest, WritesEachAddressInItsOneSpelling) {
  for (std::string_view ip : kSpellings) EXPECT_EQ(LoginKey("", ip), "ip:2001:db8::5") << ip;
  EXPECT_EQ(LoginKey("", "0:0:0:0:0:FFFF:192.0.2.7"), "ip:192.0.2.7");
  EXPECT_EQ(LoginKey("", "192.0.2.7"), "ip:192.0.2.7");
  EXPECT_EQ(LoginKey("", "unknown"), "ip:unknown");  // qmail-smtpd's word, kept as written
}

TEST(KeySpellingTest, RelayingByIpFromOneAddressIsOneKeyHoweverSpelt) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 3)});
  std::vector<Finding> found;
  int n = 0;
  for (std::string_view ip : kSpellings) {
    found = h.Feed(Relaying(kT + seconds(n++), "", "pc:unknown:" + std::string(ip)));
  }
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].key, "ip:2001:db8::5");
  EXPECT_EQ(found[0].count, 3u);
  // The sample (lines from half the limit on) shows the one spelling.
  ASSERT_EQ(found[0].sample.remote_ips.size(), 1u);
  EXPECT_EQ(found[0].sample.remote_ips[0].first, "2001:db8::5");
}

TEST(KeySpellingTest, QlogRelayingByIpFromOneAddressIsOneKeyHoweverSpelt) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 3)});
  std::vector<Finding> found;
  int n = 0;
  for (std::string_view ip : kSpellings) found = h.Feed(Envelope(kT + seconds(n++), ip), "smtp");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].key, "ip:2001:db8::5");
  EXPECT_EQ(found[0].count, 3u);
}

TEST(KeySpellingTest, RemoteIpsCountsAnAddressOnceHoweverSpelt) {
  DetectorHarness h({RemoteIpsRule("many-ips", 2)});
  int n = 0;
  for (std::string_view ip : kSpellings) {
    EXPECT_TRUE(
        h.Feed(Relaying(kT + seconds(n++), "bob@example.com", "pc:unknown:" + std::string(ip)))
            .empty())
        << ip;
  }
  for (std::string_view ip : {"192.0.2.7", "0:0:0:0:0:ffff:192.0.2.7"}) {
    const std::vector<Finding> found =
        h.Feed(Relaying(kT + seconds(n++), "bob@example.com", "pc:unknown:" + std::string(ip)));
    ASSERT_EQ(found.size(), 1u) << ip;
    EXPECT_EQ(found[0].count, 2u) << ip;  // 2001:db8::5 and 192.0.2.7, nothing more
  }
  ASSERT_EQ(h.recipients().size(), 5u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(h.recipients()[i].client_ip, "2001:db8::5");
  for (std::size_t i = 3; i < 5; ++i) EXPECT_EQ(h.recipients()[i].client_ip, "192.0.2.7");
}

TEST(KeySpellingTest, ALineWithoutAClientAddressIsCountedForNoKey) {
  DetectorHarness h({VolumeRule("hourly-volume", hours(1), 1), RemoteIpsRule("many-ips", 1)});
  for (std::string_view remote : {"::", "pc:unknown:", ":unknown:"}) {
    EXPECT_TRUE(h.Feed(Relaying(kT, "", remote)).empty()) << remote;
    EXPECT_TRUE(h.Feed(Relaying(kT, "bob@example.com", remote)).empty()) << remote;
  }
  EXPECT_TRUE(h.Feed(Tai(kT) + " CHKUSER relaying rcpt: from <::> remote <::> rcpt <> : client "
                               "allowed to relay")
                  .empty());
  EXPECT_TRUE(h.Feed(Envelope(kT, "")).empty());
  EXPECT_TRUE(h.hits().empty());
  EXPECT_TRUE(h.recipients().empty());
  EXPECT_EQ(h.detector().CountNow(0, "ip:", kT), 0u);
  // A line with its address is counted as ever.
  const std::vector<Finding> found = h.Feed(Relaying(kT, "", "pc:unknown:203.0.113.80"));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].key, "ip:203.0.113.80");
}

}  // namespace
}  // namespace relaywatch::detect
