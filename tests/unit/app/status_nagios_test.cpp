// JudgeStatus: `relaywatch status --nagios`'s verdict on the daemon's status document.
#include "relaywatch/app/status_nagios.h"

#include <gtest/gtest.h>

#include <string>

namespace relaywatch::app {
namespace {

std::string Doc(const std::string& state, double lag, int in_failed, int unspooled = 0) {
  return R"({"version":"1","sources":[{"service":"submission","dir":"/l","state":")" + state +
         R"(",)" + (state == "waiting" ? R"("reason":"unable to watch /l: No such file",)" : "") +
         R"("lag_seconds":)" + std::to_string(lag) +
         R"(},{"service":"smtps","dir":"/m","state":"following","lag_seconds":null}],)"
         R"("lines":{"total":12,"relay":3},"gaps":0,"alerts_unspooled":)" +
         std::to_string(unspooled) +
         R"(,"outbox":[{"channel":"pager","pending":2,"given_up":0,"in_failed":)" +
         std::to_string(in_failed) + "}]}\n";
}

TEST(StatusNagiosTest, OkWithPerfdata) {
  NagiosVerdict v = JudgeStatus(Doc("following", 5, 0), {});
  EXPECT_EQ(v.code, kNagiosOk);
  EXPECT_TRUE(v.line.starts_with("RELAYWATCH OK - 2 of 2 sources following, max lag 5s")) << v.line;
  EXPECT_NE(v.line.find("|max_lag=5s;60;300;0 gaps=0;1 failed_alerts=0;;1;0 pending_alerts=2"),
            std::string::npos)
      << v.line;
  EXPECT_NE(v.line.find("lines=12c\n"), std::string::npos) << v.line;
}

TEST(StatusNagiosTest, WarningOnLagGapWaitingOrUnspooled) {
  EXPECT_EQ(JudgeStatus(Doc("following", 61, 0), {}).code, kNagiosWarning);
  EXPECT_EQ(JudgeStatus(Doc("following", 30, 0), {.lag_warning = 20, .lag_critical = 40}).code,
            kNagiosWarning);
  NagiosVerdict gap = JudgeStatus(Doc("gap", 1, 0), {});
  EXPECT_EQ(gap.code, kNagiosWarning);
  EXPECT_TRUE(gap.line.starts_with("RELAYWATCH WARNING - source submission lost log")) << gap.line;
  NagiosVerdict waiting = JudgeStatus(Doc("waiting", 1, 0), {});
  EXPECT_EQ(waiting.code, kNagiosWarning);
  EXPECT_NE(waiting.line.find("unable to watch /l"), std::string::npos) << waiting.line;
  EXPECT_EQ(JudgeStatus(Doc("following", 1, 0, 3), {}).code, kNagiosWarning);
}

TEST(StatusNagiosTest, CriticalOnLagOrFailedAlertsAndWhenUnreachable) {
  EXPECT_EQ(JudgeStatus(Doc("following", 301, 0), {}).code, kNagiosCritical);
  NagiosVerdict failed = JudgeStatus(Doc("gap", 1, 2), {});
  EXPECT_EQ(failed.code, kNagiosCritical);
  // the worst first, then the rest
  EXPECT_TRUE(failed.line.starts_with("RELAYWATCH CRITICAL - 2 alerts failed on channel pager"))
      << failed.line;
  EXPECT_NE(failed.line.find("; source submission lost log"), std::string::npos) << failed.line;
  NagiosVerdict down = NagiosUnreachable("unable to reach the daemon at /s|x");
  EXPECT_EQ(down.code, kNagiosCritical);
  EXPECT_EQ(down.line, "RELAYWATCH CRITICAL - unable to reach the daemon at /s/x\n");
}

TEST(StatusNagiosTest, UnknownOnAnAnswerThatIsNotTheDocument) {
  EXPECT_EQ(JudgeStatus("busy\n", {}).code, kNagiosUnknown);
  EXPECT_EQ(JudgeStatus(R"({"sources":[)", {}).code, kNagiosUnknown);
  EXPECT_EQ(JudgeStatus("[]", {}).code, kNagiosUnknown);
}

}  // namespace
}  // namespace relaywatch::app
