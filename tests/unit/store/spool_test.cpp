#include "relaywatch/store/spool.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/core/text.h"
#include "relaywatch/store/dir_ops.h"
#include "store_test_util.h"

namespace relaywatch::store {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::Exists;
using testing::Mode;
using testing::Names;
using testing::ReadRaw;
using testing::TempDir;
using testing::WriteRaw;

// Wall time of spooling: 2026-11-28T03:20:00Z.
const core::Timestamp kNow = core::Timestamp(seconds(1795836000));

alerting::Alert Volume(const std::string& key, core::Timestamp last = kNow - minutes(5)) {
  alerting::Alert a;
  a.host = "mx1.example.com";
  a.finding.rule = "hourly-volume";
  a.finding.kind = detect::RuleKind::kVolume;
  a.finding.key = key;
  a.finding.count = 500;
  a.finding.limit = 500;
  a.finding.window = hours(1);
  a.finding.first = last - minutes(40);
  a.finding.last = last;
  a.id = alerting::MakeAlertId(a.finding.rule, key, last);
  return a;
}

struct Logged {
  std::vector<std::string> lines;
  LogFn fn() {
    return [this](std::string_view level, std::string_view m) {
      lines.push_back(std::string(level) + ": " + std::string(m));
    };
  }
};

TEST(SpoolTest, PutWritesOnePrivateFileNamedByTheAlertIdDueAtOnce) {
  TempDir dir;
  Spool spool(dir.path());
  const alerting::Alert a = Volume("bob@example.com");
  ASSERT_TRUE(spool.Put("phone", a, kNow));
  EXPECT_EQ(Mode(dir / "spool"), 0700u);
  EXPECT_EQ(Mode(dir / "spool/phone"), 0700u);
  EXPECT_EQ(Names(dir / "spool/phone"), std::vector<std::string>{a.id});
  EXPECT_EQ(Mode(dir / "spool/phone/" + a.id), 0600u);

  core::Result<SpoolEntry> on_disk =
      state::DecodeSpooledAlert(ReadRaw(dir / "spool/phone/" + a.id));
  ASSERT_TRUE(on_disk) << on_disk.error().message;
  EXPECT_EQ(on_disk->alert.finding.key, "bob@example.com");
  EXPECT_EQ(on_disk->attempts, 0u);
  EXPECT_EQ(on_disk->first_spooled, kNow);
  EXPECT_EQ(on_disk->next_attempt, kNow);

  std::vector<SpoolEntry> listed = spool.List("phone");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].alert.id, a.id);
  EXPECT_EQ(spool.Pending("phone"), 1u);
  EXPECT_EQ(spool.Pending("admins"), 0u);
  EXPECT_TRUE(spool.List("admins").empty());
}

TEST(SpoolTest, SpoolingTheSameAlertAgainKeepsOneEntryAndItsDeliveryState) {
  TempDir dir;
  Spool spool(dir.path());
  const alerting::Alert a = Volume("bob@example.com");
  ASSERT_TRUE(spool.Put("phone", a, kNow));
  ASSERT_TRUE(spool.Reschedule("phone", a.id, 2, kNow + minutes(1), "421 try later"));
  ASSERT_TRUE(spool.Put("phone", a, kNow + minutes(3)));
  // After a restart too: a new Spool over the same directory.
  Spool restarted(dir.path());
  ASSERT_TRUE(restarted.Put("phone", a, kNow + minutes(4)));
  for (Spool* s : {&spool, &restarted}) {
    std::vector<SpoolEntry> listed = s->List("phone");
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].attempts, 2u);
    EXPECT_EQ(listed[0].first_spooled, kNow);
    EXPECT_EQ(listed[0].next_attempt, kNow + minutes(1));
    EXPECT_EQ(listed[0].last_error, "421 try later");
  }
  EXPECT_EQ(Names(dir / "spool/phone"), std::vector<std::string>{a.id});
}

TEST(SpoolTest, ARestartedSpoolListsThePendingAlertsOldestFirst) {
  TempDir dir;
  {
    Spool spool(dir.path());
    ASSERT_TRUE(spool.Put("phone", Volume("c@example.com"), kNow + seconds(2)));
    ASSERT_TRUE(spool.Put("phone", Volume("a@example.com"), kNow + seconds(1)));
    ASSERT_TRUE(spool.Put("phone", Volume("b@example.com"), kNow + seconds(1)));
    ASSERT_TRUE(spool.Put("admins", Volume("a@example.com"), kNow));
  }
  Spool spool(dir.path());
  std::vector<SpoolEntry> listed = spool.List("phone");
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[2].alert.finding.key, "c@example.com");
  // Same time: by id, which is stable.
  EXPECT_LT(listed[0].alert.id, listed[1].alert.id);
  EXPECT_EQ(spool.List("admins").size(), 1u);
}

TEST(SpoolTest, ARemovedAlertIsNotSpooledAgainEvenAfterARestart) {
  TempDir dir;
  const alerting::Alert a = Volume("bob@example.com");
  {
    Spool spool(dir.path());
    ASSERT_TRUE(spool.Put("phone", a, kNow));
    ASSERT_TRUE(spool.Remove("phone", a.id, kNow + seconds(3)));
    EXPECT_TRUE(spool.List("phone").empty());
    EXPECT_EQ(ReadRaw(dir / "spool/phone/sent/" + a.id), "sent 1795836003000000000\n");
    ASSERT_TRUE(spool.Put("phone", a, kNow + seconds(4)));  // the daemon replays after a crash
    EXPECT_TRUE(spool.List("phone").empty());
  }
  Spool restarted(dir.path());
  ASSERT_TRUE(restarted.Put("phone", a, kNow + minutes(1)));
  EXPECT_TRUE(restarted.List("phone").empty());
  EXPECT_EQ(Names(dir / "spool/phone"), std::vector<std::string>{"sent"});
  // The same alert for another channel is its own entry.
  ASSERT_TRUE(restarted.Put("admins", a, kNow + minutes(1)));
  EXPECT_EQ(restarted.List("admins").size(), 1u);
}

TEST(SpoolTest, FinishesARemoveThatACrashCutAfterTheMarker) {
  TempDir dir;
  const alerting::Alert a = Volume("bob@example.com");
  {
    Spool spool(dir.path());
    ASSERT_TRUE(spool.Put("phone", a, kNow));
  }
  ASSERT_TRUE(EnsureDir(dir / "spool/phone/sent"));
  WriteRaw(dir / "spool/phone/sent/" + a.id, "sent 1795836003000000000\n");
  Spool restarted(dir.path());
  EXPECT_TRUE(restarted.List("phone").empty());
  EXPECT_FALSE(Exists(dir / "spool/phone/" + a.id));
}

TEST(SpoolTest, GivingUpMovesTheAlertToFailedWhereItStays) {
  TempDir dir;
  Spool spool(dir.path());
  const alerting::Alert a = Volume("bob@example.com");
  ASSERT_TRUE(spool.Put("phone", a, kNow));
  ASSERT_TRUE(spool.GiveUp("phone", a.id));
  EXPECT_TRUE(spool.List("phone").empty());
  EXPECT_TRUE(Exists(dir / "spool/phone/failed/" + a.id));
  EXPECT_EQ(Mode(dir / "spool/phone/failed"), 0700u);
  ASSERT_TRUE(spool.Put("phone", a, kNow + seconds(1)));
  EXPECT_TRUE(spool.List("phone").empty());
  core::Status again = spool.GiveUp("phone", a.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message,
            "unable to give up alert " + a.id + " via phone: it is not in the spool");
}

TEST(SpoolTest, ReschedulesOnlyWhatIsPending) {
  TempDir dir;
  Spool spool(dir.path());
  core::Status s = spool.Reschedule("phone", "hourly-volume-1-2", 1, kNow, "x");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "unable to reschedule alert hourly-volume-1-2 via phone: it is not in the spool");
}

TEST(SpoolTest, RefusesNamesThatAreNotSafeAsFileNames) {
  TempDir dir;
  Spool spool(dir.path());
  alerting::Alert a = Volume("bob@example.com");
  core::Status s = spool.Put("../etc", a, kNow);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "unable to spool alert " + a.id +
                                   " via ../etc: the channel name is not a safe file name");
  EXPECT_EQ(spool.Put("", a, kNow).error().message,
            "unable to spool alert " + a.id + " via : the channel name is not a safe file name");
  for (const std::string& id :
       std::vector<std::string>{"../../checkpoint", "Upper-1", "-rf", "a.b", "", "a b",
                                std::string(81, 'a'), std::string("a\nb")}) {
    a.id = id;
    s = spool.Put("phone", a, kNow);
    ASSERT_FALSE(s) << id;
    EXPECT_EQ(s.error().message, "unable to spool alert " + core::EscapeForLog(id) +
                                     " via phone: the alert id is not [a-z0-9-]");
  }
  EXPECT_FALSE(Exists(dir / "spool/phone"));
  EXPECT_FALSE(Exists(dir / "checkpoint"));
}

TEST(SpoolTest, KeepsHostileLogTextInAnAlertByteForByte) {
  TempDir dir;
  Spool spool(dir.path());
  const std::string key = std::string("x@y\r\nBcc: victim@z\0\xff", 21);
  alerting::Alert a = Volume(key);
  a.finding.sample.recipients = {"../../etc/passwd", "a\nb"};
  ASSERT_TRUE(spool.Put("phone", a, kNow));
  std::vector<SpoolEntry> listed = Spool(dir.path()).List("phone");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].alert.finding.key, key);
  EXPECT_EQ(listed[0].alert.finding.sample.recipients, a.finding.sample.recipients);
}

TEST(SpoolTest, SetsACorruptOrMisnamedFileAsideAndSaysWhere) {
  TempDir dir;
  const alerting::Alert a = Volume("bob@example.com");
  const alerting::Alert b = Volume("suzy@example.com");
  {
    Spool spool(dir.path());
    ASSERT_TRUE(spool.Put("phone", a, kNow));
    ASSERT_TRUE(spool.Put("phone", b, kNow));
  }
  const std::string pa = dir / "spool/phone/" + a.id;
  const std::string text = ReadRaw(pa);
  WriteRaw(pa, text.substr(0, text.size() / 2));
  // A good file under a name that is not its id.
  WriteRaw(dir / "spool/phone/hourly-volume-0-0", ReadRaw(dir / "spool/phone/" + b.id));
  Logged log;
  Spool spool(dir.path(), log.fn());
  std::vector<SpoolEntry> listed = spool.List("phone");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].alert.id, b.id);
  ASSERT_EQ(log.lines.size(), 2u);
  EXPECT_EQ(log.lines[0], "warning: unable to read alert " + dir / "spool/phone/hourly-volume-0-0" +
                              ": it holds alert " + b.id + "; moved it to " +
                              dir / "spool/phone/failed/hourly-volume-0-0.corrupt");
  EXPECT_EQ(log.lines[1], "warning: unable to read alert " + pa +
                              ": line 12: missing checksum line: the file was cut short; moved it "
                              "to " +
                              dir / "spool/phone/failed/" + a.id + ".corrupt");
  EXPECT_EQ(ReadRaw(dir / "spool/phone/failed/" + a.id + ".corrupt"),
            text.substr(0, text.size() / 2));
}

TEST(SpoolTest, RemovesStaleTemporariesAndReportsForeignFilesOnce) {
  TempDir dir;
  ASSERT_TRUE(EnsureDir(dir / "spool/phone"));
  WriteRaw(dir / "spool/phone/.hourly-volume-1-2.tmp", "relaywatch-alert 1\nid hou");
  WriteRaw(dir / "spool/phone/README.txt", "notes");
  Logged log;
  Spool spool(dir.path(), log.fn());
  EXPECT_TRUE(spool.List("phone").empty());
  EXPECT_TRUE(spool.List("phone").empty());
  EXPECT_FALSE(Exists(dir / "spool/phone/.hourly-volume-1-2.tmp"));
  EXPECT_TRUE(Exists(dir / "spool/phone/README.txt"));
  EXPECT_EQ(log.lines,
            std::vector<std::string>{"warning: ignoring " + dir / "spool/phone/README.txt" +
                                     ": not an alert id"});
}

TEST(SpoolTest, PrunesOnlyTheMarkersOlderThanTheCutoff) {
  TempDir dir;
  Spool spool(dir.path());
  const alerting::Alert old_one = Volume("a@example.com");
  const alerting::Alert new_one = Volume("b@example.com");
  ASSERT_TRUE(spool.Remove("phone", old_one.id, kNow - hours(100)));
  ASSERT_TRUE(spool.Remove("phone", new_one.id, kNow));
  WriteRaw(dir / "spool/phone/sent/junk", "not a marker");
  EXPECT_EQ(spool.Prune("phone", kNow - hours(96)), 2u);
  EXPECT_EQ(Names(dir / "spool/phone/sent"), std::vector<std::string>{new_one.id});
  EXPECT_EQ(spool.Prune("nothing-here", kNow), 0u);
}

TEST(SpoolTest, TakesPutsFromOneThreadWhileAnotherListsAndRemoves) {
  TempDir dir;
  Spool spool(dir.path());
  constexpr int kAlerts = 20;
  std::thread producer([&] {
    for (int i = 0; i < kAlerts; ++i) {
      EXPECT_TRUE(spool.Put("phone", Volume("u" + std::to_string(i) + "@example.com"), kNow));
    }
  });
  int removed = 0;
  while (removed < kAlerts) {
    for (const SpoolEntry& e : spool.List("phone")) {
      ASSERT_TRUE(spool.Remove("phone", e.alert.id, kNow));
      ++removed;
    }
  }
  producer.join();
  EXPECT_EQ(removed, kAlerts);
  EXPECT_EQ(spool.Pending("phone"), 0u);
  EXPECT_EQ(Names(dir / "spool/phone/sent").size(), static_cast<std::size_t>(kAlerts));
}

}  // namespace
}  // namespace relaywatch::store
