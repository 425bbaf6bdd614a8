#include "relaywatch/alerting/test_alert.h"

#include <gtest/gtest.h>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/core/text.h"

namespace relaywatch::alerting {
namespace {

const core::Timestamp kNow = core::Timestamp(std::chrono::seconds(1795836000));

TEST(MakeTestAlertTest, IsATestStateAlertNamedAfterTheChannelAndTime) {
  const Alert a = MakeTestAlert("mx1.example.com", "phone", kNow);
  EXPECT_EQ(a.state, AlertState::kTest);
  EXPECT_EQ(a.id, MakeAlertId("test", "phone", kNow));
  EXPECT_TRUE(core::IsSafeFileName(a.id));
  EXPECT_EQ(a.host, "mx1.example.com");
  EXPECT_EQ(a.finding.rule, "test");
  EXPECT_EQ(a.finding.key, "");
  EXPECT_EQ(a.finding.detail, "via phone");
  EXPECT_EQ(a.finding.last, kNow);
  EXPECT_NE(a.id, MakeTestAlert("mx1.example.com", "admins", kNow).id);
}

}  // namespace
}  // namespace relaywatch::alerting
