#include "relaywatch/deliver/fake_channel.h"

#include <gtest/gtest.h>

namespace relaywatch::deliver {
namespace {

alerting::Alert AlertWithId(std::string id) {
  alerting::Alert alert;
  alert.id = std::move(id);
  return alert;
}

const core::Timestamp kNow{};

TEST(FakeChannelTest, DeliversEverythingUntilToldOtherwise) {
  FakeChannel channel("phone");
  EXPECT_EQ(channel.name(), "phone");
  EXPECT_EQ(channel.Deliver(AlertWithId("a"), kNow).status, DeliveryStatus::kOk);
  EXPECT_EQ(channel.Deliver(AlertWithId("b"), kNow).status, DeliveryStatus::kOk);
  ASSERT_EQ(channel.delivered().size(), 2u);
  EXPECT_EQ(channel.delivered()[1].id, "b");
  EXPECT_EQ(channel.calls(), 2u);
}

TEST(FakeChannelTest, FailsTheNthCallOnlyAndRecordsIt) {
  FakeChannel channel;
  channel.FailCall(2, DeliveryStatus::kTemporary, "451 try later");
  EXPECT_EQ(channel.Deliver(AlertWithId("a"), kNow).status, DeliveryStatus::kOk);
  const DeliveryResult second = channel.Deliver(AlertWithId("b"), kNow);
  EXPECT_EQ(second.status, DeliveryStatus::kTemporary);
  EXPECT_EQ(second.detail, "451 try later");
  EXPECT_EQ(channel.Deliver(AlertWithId("b"), kNow).status, DeliveryStatus::kOk);
  ASSERT_EQ(channel.attempts().size(), 3u);
  EXPECT_EQ(channel.attempts()[1].result.status, DeliveryStatus::kTemporary);
  ASSERT_EQ(channel.delivered().size(), 2u);
  EXPECT_EQ(channel.delivered()[1].id, "b");
}

TEST(FakeChannelTest, FailsTheNextKCallsThenRecovers) {
  FakeChannel channel;
  channel.FailNext(2, DeliveryStatus::kPermanent, "550 no");
  EXPECT_EQ(channel.Deliver(AlertWithId("a"), kNow).status, DeliveryStatus::kPermanent);
  EXPECT_EQ(channel.Deliver(AlertWithId("b"), kNow).status, DeliveryStatus::kPermanent);
  EXPECT_EQ(channel.Deliver(AlertWithId("c"), kNow).status, DeliveryStatus::kOk);
  ASSERT_EQ(channel.delivered().size(), 1u);
  EXPECT_EQ(channel.delivered()[0].id, "c");
}

}  // namespace
}  // namespace relaywatch::deliver
