// QlogMarks: a routed report counts again on one thread when a qlogenvelope line comes on a service
// its reader had not marked first; a marked service, or one whose earlier qlogenvelope line made
// it known, is not such a case.
#include "relaywatch/app/qlog_marks.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "relaywatch/decode/line_decoder.h"

namespace relaywatch::app {
namespace {

const std::string kStamp = "@400000006b0aa62a00000000 ";
const std::string kChkuser = kStamp +
                             "CHKUSER relaying rcpt: from <a@example.com:a@example.com:> remote "
                             "<pc:unknown:192.0.2.1> rcpt <r@gmail.example> : client allowed";
const std::string kEnvelope =
    kStamp +
    "qlogenvelope: result=accepted code=250 reason=rcptto detail=chkuserrelay helo=pc "
    "mailfrom=a@example.com rcptto=r@gmail.example relay=yes rcpthosts=no size= "
    "authuser=a@example.com authtype=login encrypted= sslverified=no localip=192.0.2.10 "
    "localport=587 remoteip=192.0.2.1 remoteport=51234 remotehost=unknown qp= pid=4321";
const std::string kTcpserver = kStamp + "tcpserver: pid 100 from 192.0.2.1";

// Lines of inputs 0 and 1 (services "submission" and "smtps") and 2 (also "submission").
class QlogMarksTest : public ::testing::Test {
 protected:
  QlogMarks marks_{{"submission", "smtps", "submission"}};
  std::deque<std::string> texts_;  // the lines' bytes, kept for their views

  void See(std::size_t input, const std::string& text, bool mark = false) {
    const std::string& raw = texts_.emplace_back(text);
    decode::LineDecoder decoder(core::LocalZone::Fixed(0));
    follow::StoredLine from;
    from.input = input;
    from.raw = raw;
    from.line = decoder.Stamp(raw);
    from.qlog_from_here = mark;
    marks_.See(follow::ReadLine(from, raw, from.line));
  }
};

TEST_F(QlogMarksTest, AQlogenvelopeLineOfAServiceNotMarkedIsUnmarked) {
  See(0, kTcpserver);
  See(0, kChkuser);
  EXPECT_FALSE(marks_.unmarked());
  See(0, kEnvelope);
  EXPECT_TRUE(marks_.unmarked());
}

TEST_F(QlogMarksTest, AMarkBeforeOrOnTheLineMakesTheServiceKnown) {
  See(0, kChkuser, true);
  See(0, kEnvelope);
  See(1, kEnvelope, true);  // the mark on the qlogenvelope line itself
  See(1, kEnvelope);
  EXPECT_FALSE(marks_.unmarked());
}

TEST_F(QlogMarksTest, ServicesAreKnownByNameAndEachOnItsOwn) {
  See(2, kChkuser, true);  // input 2 is "submission"
  See(0, kEnvelope);       // so is input 0
  EXPECT_FALSE(marks_.unmarked());
  See(1, kEnvelope);  // "smtps" was never marked
  EXPECT_TRUE(marks_.unmarked());
}

}  // namespace
}  // namespace relaywatch::app
