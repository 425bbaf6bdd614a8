// Spool::PutMany and WriteFilesAtomic: a batch of alerts committed together, each failing alone.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>
#include <string>
#include <vector>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/store/atomic_batch.h"
#include "relaywatch/store/spool.h"
#include "store_test_util.h"

namespace relaywatch::store {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::Mode;
using testing::Names;
using testing::ReadRaw;
using testing::TempDir;

const core::Timestamp kNow = core::Timestamp(seconds(1795836000));

alerting::Alert Volume(const std::string& key) {
  alerting::Alert a;
  a.host = "mx1.example.com";
  a.finding.rule = "hourly-volume";
  a.finding.kind = detect::RuleKind::kVolume;
  a.finding.key = key;
  a.finding.count = 2;
  a.finding.limit = 2;
  a.finding.window = hours(1);
  a.finding.first = kNow - minutes(10);
  a.finding.last = kNow - minutes(5);
  a.id = alerting::MakeAlertId(a.finding.rule, key, a.finding.last);
  return a;
}

TEST(SpoolBatchTest, PutManyWritesWhatPutWouldForEachAlert) {
  TempDir one, many;
  const std::vector<alerting::Alert> alerts = {Volume("a@example.com"), Volume("b@example.com"),
                                               Volume("c@example.com")};
  Spool single(one.path());
  Spool batch(many.path());
  std::vector<const alerting::Alert*> ptrs;
  for (const alerting::Alert& a : alerts) {
    ASSERT_TRUE(single.Put("phone", a, kNow));
    ptrs.push_back(&a);
  }
  EXPECT_EQ(batch.PendingNow("phone"), 0u);
  const std::vector<core::Status> st = batch.PutMany("phone", ptrs, kNow);
  ASSERT_EQ(st.size(), 3u);
  for (const core::Status& s : st) EXPECT_TRUE(s);
  EXPECT_EQ(Names(many / "spool/phone"), Names(one / "spool/phone"));  // no temporaries left
  for (const alerting::Alert& a : alerts) {
    EXPECT_EQ(ReadRaw(many / "spool/phone/" + a.id), ReadRaw(one / "spool/phone/" + a.id));
    EXPECT_EQ(Mode(many / "spool/phone/" + a.id), 0600u);
  }
  EXPECT_EQ(batch.PendingNow("phone"), 3u);
  EXPECT_EQ(batch.List("phone").size(), 3u);
}

TEST(SpoolBatchTest, PutManySkipsWhatIsPendingSentOrRepeatedInTheBatch) {
  TempDir dir;
  Spool spool(dir.path());
  const alerting::Alert a = Volume("a@example.com");
  const alerting::Alert b = Volume("b@example.com");
  const alerting::Alert c = Volume("c@example.com");
  ASSERT_TRUE(spool.Put("phone", a, kNow - minutes(1)));
  ASSERT_TRUE(spool.Put("phone", b, kNow - minutes(1)));
  ASSERT_TRUE(spool.Remove("phone", b.id, kNow));  // delivered
  const std::vector<core::Status> st = spool.PutMany("phone", {&a, &b, &c, &c}, kNow);
  for (const core::Status& s : st) EXPECT_TRUE(s);
  const std::vector<SpoolEntry> pending = spool.List("phone");
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].alert.id, a.id);
  EXPECT_EQ(pending[0].first_spooled, kNow - minutes(1));  // not rewritten
  EXPECT_EQ(pending[1].alert.id, c.id);
  EXPECT_EQ(spool.PendingNow("phone"), 2u);
}

TEST(SpoolBatchTest, AnAlertWhoseFileCannotBeWrittenFailsAloneAndIsNotPending) {
  TempDir dir;
  Spool spool(dir.path());
  const alerting::Alert a = Volume("a@example.com");
  const alerting::Alert b = Volume("b@example.com");
  ASSERT_TRUE(spool.PutMany("phone", {&a}, kNow)[0]);
  // A directory where b's temporary goes: its write fails (EISDIR) as a full disk's would.
  ASSERT_EQ(::mkdir((dir / "spool/phone/." + b.id + ".tmp").c_str(), 0700), 0);
  const alerting::Alert c = Volume("c@example.com");
  const std::vector<core::Status> st = spool.PutMany("phone", {&b, &c}, kNow);
  ASSERT_EQ(st.size(), 2u);
  ASSERT_FALSE(st[0]);
  EXPECT_EQ(st[0].error().message,
            "unable to write " + (dir / "spool/phone/" + b.id) + ": Is a directory");
  EXPECT_TRUE(st[1]);
  EXPECT_EQ(spool.PendingNow("phone"), 2u);
  std::set<std::string> ids;
  for (const SpoolEntry& e : spool.List("phone")) ids.insert(e.alert.id);
  EXPECT_EQ(ids, (std::set<std::string>{a.id, c.id}));
  // Retried once the obstacle is gone: written, pending.
  ASSERT_EQ(::rmdir((dir / "spool/phone/." + b.id + ".tmp").c_str()), 0);
  EXPECT_TRUE(spool.PutMany("phone", {&b}, kNow)[0]);
  EXPECT_EQ(spool.PendingNow("phone"), 3u);
}

TEST(SpoolBatchTest, RefusesUnsafeNamesLikePut) {
  TempDir dir;
  Spool spool(dir.path());
  alerting::Alert bad = Volume("a@example.com");
  bad.id = "../x";
  const alerting::Alert good = Volume("b@example.com");
  const std::vector<core::Status> st = spool.PutMany("phone", {&bad, &good}, kNow);
  ASSERT_FALSE(st[0]);
  EXPECT_EQ(st[0].error().message,
            "unable to spool alert ../x via phone: the alert id is not [a-z0-9-]");
  EXPECT_TRUE(st[1]);
  EXPECT_FALSE(spool.PutMany("../up", {&good}, kNow)[0]);
}

TEST(AtomicBatchTest, ReplacesEachFileAndLeavesNoTemporary) {
  TempDir dir;
  testing::WriteRaw(dir / "x", "old");
  const std::vector<core::Status> st =
      WriteFilesAtomic(dir.path(), {{"x", "new x"}, {"y", "new y"}}, 0640);
  ASSERT_EQ(st.size(), 2u);
  EXPECT_TRUE(st[0]);
  EXPECT_TRUE(st[1]);
  EXPECT_EQ(ReadRaw(dir / "x"), "new x");
  EXPECT_EQ(ReadRaw(dir / "y"), "new y");
  EXPECT_EQ(Mode(dir / "y"), 0640u);
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"x", "y"}));
}

}  // namespace
}  // namespace relaywatch::store
