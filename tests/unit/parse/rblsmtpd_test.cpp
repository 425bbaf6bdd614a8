#include "relaywatch/parse/rblsmtpd.h"

#include <gtest/gtest.h>

#include "relaywatch/parse/vchkpw.h"

namespace relaywatch::parse {
namespace {

RblsmtpdEvent MustParse(std::string_view tag, std::string_view text) {
  const Event event = ParseRblsmtpd(tag, text);
  if (!std::holds_alternative<RblsmtpdEvent>(event)) {
    ADD_FAILURE() << "not an rblsmtpd event: " << text;
    return {};
  }
  return std::get<RblsmtpdEvent>(event);
}

TEST(ParseRblsmtpd, ReadsTheCurrentForm) {
  const RblsmtpdEvent event =
      MustParse("qmail",
                "rblsmtpd: 198.51.100.77 pid 19597 sbl-xbl.spamhaus.org: 451 "
                "http://www.spamhaus.org/query/bl?ip=198.51.100.77");
  EXPECT_EQ(event.remote_ip, "198.51.100.77");
  EXPECT_EQ(event.pid, 19597u);
  EXPECT_EQ(event.zone, "sbl-xbl.spamhaus.org");
  const RblsmtpdEvent plain = MustParse("", "rblsmtpd: 2001:db8::5 pid 12: 451 Blocked");
  EXPECT_EQ(plain.remote_ip, "2001:db8::5");
  EXPECT_EQ(plain.zone, "");
}

TEST(ParseRblsmtpd, ReadsTheOldBlockedFormUnderItsTag) {
  const RblsmtpdEvent event =
      MustParse("rblsmtpd", "relays.ordb.org blocked 193.111.120.47 ordb-test.null.dk -");
  EXPECT_EQ(event.zone, "relays.ordb.org");
  EXPECT_EQ(event.remote_ip, "193.111.120.47");
  EXPECT_EQ(event.pid, 0u);
  EXPECT_EQ(MustParse("", "rblsmtpd: relays.ordb.org blocked 193.111.120.47").zone,
            "relays.ordb.org");
}

TEST(ParseRblsmtpd, UnreadableTextIsOther) {
  for (std::string_view text : {"rblsmtpd: unable to parse", "rblsmtpd: 1.2.3 pid 4 z: x",
                                "rblsmtpd: 1.2.3.4 pid x z: x", "rblsmtpd: 1.2.3.4 pid 4 zone",
                                "rblsmtpd: a b blocked 1.2.3.4", "rblsmtpd: z blocked 1.2.3"}) {
    EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseRblsmtpd("", text))) << text;
  }
  EXPECT_TRUE(std::holds_alternative<OtherEvent>(
      ParseRblsmtpd("", "relays.ordb.org blocked 193.111.120.47")));
}

VchkpwEvent MustParseVchkpw(std::string_view text) {
  const Event event = ParseVchkpw(text);
  if (!std::holds_alternative<VchkpwEvent>(event)) {
    ADD_FAILURE() << "not a vchkpw event: " << text;
    return {};
  }
  return std::get<VchkpwEvent>(event);
}

TEST(ParseVchkpw, ReadsFailuresAndSuccesses) {
  const VchkpwEvent fail =
      MustParseVchkpw("vchkpw-pop3: password fail keith1@xxxx.com:219.136.100.198");
  EXPECT_EQ(fail.service, "pop3");
  EXPECT_TRUE(fail.failed);
  EXPECT_EQ(fail.user, "keith1@xxxx.com");
  EXPECT_EQ(fail.remote_ip, "219.136.100.198");
  const VchkpwEvent v6 =
      MustParseVchkpw("vchkpw-smtp: vpopmail user not found x@y.example:::ffff:192.0.2.4");
  EXPECT_EQ(v6.service, "smtp");
  EXPECT_TRUE(v6.failed);
  EXPECT_EQ(v6.user, "x@y.example");
  EXPECT_EQ(v6.remote_ip, "192.0.2.4");  // IPv4-mapped: the IPv4 address it is
  const VchkpwEvent ok = MustParseVchkpw("vchkpw-imap: login success a@b.example:192.0.2.1");
  EXPECT_FALSE(ok.failed);
  const VchkpwEvent no_ip = MustParseVchkpw("vchkpw-pop3: null password given");
  EXPECT_TRUE(no_ip.failed);
  EXPECT_EQ(no_ip.user, "");
  EXPECT_EQ(no_ip.remote_ip, "");
}

TEST(ParseVchkpw, OtherTextIsOther) {
  for (std::string_view text : {"vchkpw: x", "vchkpw-: x", "vchkpw-pop 3: x", "vchkpw-pop3 x"}) {
    EXPECT_TRUE(std::holds_alternative<OtherEvent>(ParseVchkpw(text))) << text;
  }
}

}  // namespace
}  // namespace relaywatch::parse
