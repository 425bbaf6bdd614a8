// The Follower against the real daemontools multilog (/usr/bin/multilog), fed by a thread.
//
// Each line carries a sequence number; the tests assert every line arrives exactly once, in
// order. The feeder keeps at most kWindow lines ahead of the follower: with `n5` multilog keeps
// four archives, so a feeder running freely could make multilog prune files the follower has
// not even listed yet on a loaded machine — a loss the follower cannot prevent and the tests
// are not about. Waiting is on counters with deadlines, never on sleeps.
// Not tested here: multilog's `!processor`; several multilog dirs fed by one script (that is
// discovery's business; each dir is its own Follower).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "follower_test_util.h"
#include "multilog_process.h"
#include "relaywatch/follow/follower.h"
#include "relaywatch/stamp/tai64n.h"

namespace relaywatch::follow {
namespace {

using testing::MultilogProcess;
using testing::RunUntil;
using testing::TempDir;

constexpr int kWindow = 20;

// A line as the feeder writes it: a sequence number and a real chkuser text.
std::string Text(int seq) {
  char num[16];
  std::snprintf(num, sizeof num, "%08d", seq);
  return std::string("seq=") + num +
         " CHKUSER accepted sender: from <newinfotr@adv.strawberrynet.com::> remote "
         "<smtp156.strawberrynet.com:unknown:202.181.189.53> rcpt <> : sender accepted";
}

// The sequence number of a line multilog stamped, or -1 when it is not one of ours.
int SeqOf(std::string_view line) {
  if (line.size() < 26 + 12 || line[0] != '@' || line[25] != ' ') return -1;
  std::string_view text = line.substr(26);
  if (text.substr(0, 4) != "seq=") return -1;
  int seq = std::atoi(std::string(text.substr(4, 8)).c_str());
  return text == Text(seq) ? seq : -1;
}

double ThreadCpuSeconds() {
  timespec ts;
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

class MultilogFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::access(testing::kMultilog, X_OK), 0); }

  void StartFollower(StartFrom from = {}) {
    FollowerCallbacks c;
    c.on_line = [this](const decode::DecodedLine& decoded, const state::Position& after) {
      const std::string_view line = decoded.raw;
      int seq = SeqOf(line);
      if (seq < 0) bad_.emplace_back(line);
      seqs_.push_back(seq);
      first_lines_.emplace_back(line.substr(0, 25));
      after_.push_back(after);
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_seq_ = seq;
      }
      cv_.notify_all();
    };
    c.on_gap = [this](const Gap& g) { gaps_.push_back(g); };
    c.on_warning = [this](std::string_view w) { warnings_.emplace_back(w); };
    FollowerOptions o;
    o.safety_interval = std::chrono::hours(1);  // inotify only: the tick must not hide a bug
    follower_ = std::make_unique<Follower>(io_, Source{"smtp", dir_}, c, o);
    follower_->Start(std::move(from));
    // The start applies at the first listing; only lines written after it are sure to be read.
    ASSERT_TRUE(RunUntil(io_, [&] { return follower_->stats().scans > 0; }));
  }

  // Feeds lines [from, to) from a thread, at most kWindow ahead of the last line received.
  std::thread Feed(MultilogProcess& ml, int from, int to) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_seq_ = from - 1;
    }
    return std::thread([this, &ml, from, to] {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      for (int i = from; i < to; ++i) {
        std::unique_lock<std::mutex> lock(mu_);
        if (!cv_.wait_until(lock, deadline, [&] { return i - last_seq_ <= kWindow; })) {
          feed_failed_ = true;
          return;
        }
        lock.unlock();
        if (!ml.Write(Text(i) + "\n")) {
          feed_failed_ = true;
          return;
        }
      }
    });
  }
  // Feeds lines [from, to) at once, the follower not running.
  void FeedUnpaced(MultilogProcess& ml, int from, int to) {
    std::string all;
    for (int i = from; i < to; ++i) all += Text(i) + "\n";
    ASSERT_TRUE(ml.Write(all));
  }

  bool WaitLines(std::size_t n, std::chrono::seconds limit = std::chrono::seconds(20)) {
    return RunUntil(
               io_, [&] { return seqs_.size() >= n || feed_failed_; }, limit) &&
           !feed_failed_;
  }
  // seqs_ from index `at` on is exactly from, from+1, ..., to-1.
  void ExpectSeqs(std::size_t at, int from, int to) {
    std::vector<int> want;
    for (int i = from; i < to; ++i) want.push_back(i);
    std::vector<int> got(seqs_.begin() + static_cast<long>(std::min(at, seqs_.size())),
                         seqs_.end());
    // On a mismatch, show where it starts rather than two long lists.
    std::size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
    if (i < got.size() || i < want.size()) {
      std::string around;
      for (std::size_t j = i >= 3 ? i - 3 : 0; j < got.size() && j < i + 6; ++j) {
        around += std::to_string(got[j]) + " ";
      }
      std::string warnings;
      for (const std::string& w : warnings_) warnings += "\n  warning: " + w;
      ADD_FAILURE() << "got " << got.size() << " lines, want " << want.size()
                    << "; first difference at " << i << ", got there: " << around << "; "
                    << gaps_.size() << " gaps" << warnings;
    }
    EXPECT_THAT(bad_, ::testing::IsEmpty());
  }
  std::vector<std::string> MultilogArgs(const std::string& size = "s4096") {
    return {"t", size, "n5", dir_};
  }

  TempDir tmp_;
  std::string dir_ = tmp_.path() + "/log";
  net::io_context io_;
  std::unique_ptr<Follower> follower_;
  std::vector<int> seqs_;
  std::vector<std::string> first_lines_;  // the stamp of each line
  std::vector<state::Position> after_;
  std::vector<Gap> gaps_;
  std::vector<std::string> warnings_;
  std::vector<std::string> bad_;
  std::mutex mu_;
  std::condition_variable cv_;
  int last_seq_ = -1;
  std::atomic<bool> feed_failed_{false};
};

TEST_F(MultilogFollowerTest, DeliversEveryLineOnceInOrderThroughThreeHundredRotations) {
  constexpr int kLines = 4800;  // ~12 lines per 4 KiB file: about 390 rotations
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  StartFollower();
  MultilogProcess ml(MultilogArgs());
  ASSERT_TRUE(ml.ok());
  auto wall0 = std::chrono::steady_clock::now();
  double cpu0 = ThreadCpuSeconds();
  std::thread feeder = Feed(ml, 0, kLines);
  bool done = WaitLines(kLines);
  double cpu = ThreadCpuSeconds() - cpu0;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  feeder.join();
  ASSERT_TRUE(done) << "received " << seqs_.size() << " of " << kLines;
  ExpectSeqs(0, 0, kLines);
  EXPECT_GE(follower_->stats().files_finished, 300u);
  EXPECT_THAT(warnings_, ::testing::IsEmpty());
  std::printf(
      "[ measure  ] %d lines, %llu rotations in %.2f s: %.0f lines/s; follower thread "
      "CPU %.2f s (%.0f%% of one core, paced by a %d-line window)\n",
      kLines, static_cast<unsigned long long>(follower_->stats().files_finished), wall,
      kLines / wall, cpu, 100 * cpu / wall, kWindow);
}

TEST_F(MultilogFollowerTest, KeepsUpWithMultilogFedAsFastAsItCanWrite) {
  // Unpaced, so big files and many of them: multilog (not the follower) sets the pace here.
  constexpr int kLines = 100000;
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  StartFollower();
  MultilogProcess ml({"t", "s1000000", "n20", dir_});
  ASSERT_TRUE(ml.ok());
  auto wall0 = std::chrono::steady_clock::now();
  double cpu0 = ThreadCpuSeconds();
  std::thread feeder([&] {
    std::string chunk;
    for (int i = 0; i < kLines; ++i) {
      chunk += Text(i) + "\n";
      if (chunk.size() > 16384 || i + 1 == kLines) {
        if (!ml.Write(chunk)) feed_failed_ = true;
        chunk.clear();
      }
    }
  });
  bool done = WaitLines(kLines);
  double cpu = ThreadCpuSeconds() - cpu0;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  feeder.join();
  ASSERT_TRUE(done) << "received " << seqs_.size() << " of " << kLines;
  ExpectSeqs(0, 0, kLines);
  std::printf(
      "[ measure  ] unpaced: %d lines, %llu rotations in %.2f s: %.0f lines/s; follower "
      "thread CPU %.2f s (%.1f us/line)\n",
      kLines, static_cast<unsigned long long>(follower_->stats().files_finished), wall,
      kLines / wall, cpu, 1e6 * cpu / kLines);
}

TEST_F(MultilogFollowerTest, FollowsACurrentTruncatedUnderMultilog) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  StartFollower();
  MultilogProcess ml(MultilogArgs("s999999"));
  ASSERT_TRUE(ml.ok());
  std::thread a = Feed(ml, 0, 30);
  ASSERT_TRUE(WaitLines(30));
  a.join();
  ASSERT_EQ(::truncate((dir_ + "/current").c_str(), 0), 0);
  std::thread b = Feed(ml, 30, 60);
  ASSERT_TRUE(WaitLines(60));
  b.join();
  ExpectSeqs(0, 0, 60);
  EXPECT_EQ(follower_->stats().truncations, 1u);
}

TEST_F(MultilogFollowerTest, FollowsCurrentDeletedAndCreatedAgainByARestartedMultilog) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  StartFollower();
  {
    MultilogProcess ml(MultilogArgs());
    ASSERT_TRUE(ml.ok());
    std::thread a = Feed(ml, 0, 50);
    ASSERT_TRUE(WaitLines(50));
    a.join();
  }  // multilog exits at end of input
  ASSERT_EQ(::unlink((dir_ + "/current").c_str()), 0);
  MultilogProcess ml(MultilogArgs());
  ASSERT_TRUE(ml.ok());
  std::thread b = Feed(ml, 50, 100);
  ASSERT_TRUE(WaitLines(100));
  b.join();
  ExpectSeqs(0, 0, 100);
}

TEST_F(MultilogFollowerTest, FollowsTheUnfinishedFileOfAKilledMultilog) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  StartFollower();
  {
    MultilogProcess ml(MultilogArgs("s999999"));
    ASSERT_TRUE(ml.ok());
    std::thread a = Feed(ml, 0, 40);
    ASSERT_TRUE(WaitLines(40));
    a.join();
    ml.Kill(SIGKILL);
  }
  // Restarted, multilog archives the crashed current as @….u and begins a new one.
  MultilogProcess ml(MultilogArgs("s999999"));
  ASSERT_TRUE(ml.ok());
  std::thread b = Feed(ml, 40, 80);
  ASSERT_TRUE(WaitLines(80));
  b.join();
  ExpectSeqs(0, 0, 80);
  bool has_u = false;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    has_u |= e.path().extension() == ".u";
  }
  EXPECT_TRUE(has_u);
}

TEST_F(MultilogFollowerTest, PicksUpTheDirectoryMultilogCreatesAfterTheStart) {
  StartFollower();
  ASSERT_TRUE(RunUntil(io_, [&] { return !warnings_.empty(); }));
  MultilogProcess ml(MultilogArgs());  // multilog makes the directory
  ASSERT_TRUE(ml.ok());
  std::thread a = Feed(ml, 0, 100);
  ASSERT_TRUE(WaitLines(100));
  a.join();
  ExpectSeqs(0, 0, 100);
  EXPECT_THAT(warnings_, ::testing::ElementsAre("unable to watch " + dir_ +
                                                ": No such file or directory; waiting for it"));
}

TEST_F(MultilogFollowerTest, ResumesFromASavedPositionWithExactlyTheLinesWrittenWhileDown) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  StartFollower();
  MultilogProcess ml(MultilogArgs());
  ASSERT_TRUE(ml.ok());
  std::thread a = Feed(ml, 0, 200);
  ASSERT_TRUE(WaitLines(200));
  a.join();
  state::Position saved = after_.back();
  follower_.reset();
  // Down: about two and a half files more, rotated twice; multilog keeps four archives.
  FeedUnpaced(ml, 200, 230);
  std::size_t mark = seqs_.size();
  StartFollower(StartFrom{saved, std::nullopt});
  ASSERT_TRUE(WaitLines(mark + 30));  // caught up, so the feeder's window holds again
  std::thread b = Feed(ml, 230, 260);
  ASSERT_TRUE(WaitLines(mark + 60));
  b.join();
  ExpectSeqs(mark, 200, 260);
  EXPECT_THAT(gaps_, ::testing::IsEmpty());
}

TEST_F(MultilogFollowerTest, ReportsAGapWhenMultilogPrunedThePositionsFileWhileDown) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  StartFollower();
  MultilogProcess ml(MultilogArgs());
  ASSERT_TRUE(ml.ok());
  std::thread a = Feed(ml, 0, 50);
  ASSERT_TRUE(WaitLines(50));
  a.join();
  state::Position saved = after_.back();
  follower_.reset();
  FeedUnpaced(ml, 50, 200);  // a dozen files: the saved one is pruned
  ml.Close();
  ASSERT_NE(ml.Wait(), -1);
  std::size_t mark = seqs_.size();
  StartFollower(StartFrom{saved, std::nullopt});
  ASSERT_TRUE(RunUntil(io_, [&] { return !seqs_.empty() && seqs_.back() == 199; }));
  ASSERT_EQ(gaps_.size(), 1u);
  const Gap& g = gaps_[0];
  ASSERT_GT(seqs_.size(), mark);
  int first = seqs_[mark];
  EXPECT_GT(first, 50);
  ExpectSeqs(mark, first, 200);
  EXPECT_EQ(g.from, saved.last_stamp);
  EXPECT_EQ(g.to, stamp::ParseTai64nLabel(first_lines_[mark]));
  EXPECT_EQ(g.files_skipped, 1u);
  EXPECT_EQ(g.dir, dir_);
}

// Lines of Text() per file of `multilog t s4096`: it rotates once a write ending in '\n' takes
// the file to 4096 - 2000 bytes or more, and writes at most 512 bytes at a time.
constexpr int kLineBytes = 26 + 162 + 1;
constexpr int kMinLinesPerFile = (2096 + kLineBytes - 1) / kLineBytes;
constexpr int kMaxLinesPerFile = (2096 + 512) / kLineBytes;

TEST_F(MultilogFollowerTest, ReportsTheFilesMultilogPrunedWhileItWasNotRunning) {
  ASSERT_EQ(26 + Text(0).size() + 1, static_cast<std::size_t>(kLineBytes));
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  StartFollower();
  MultilogProcess ml(MultilogArgs());
  ASSERT_TRUE(ml.ok());
  std::thread a = Feed(ml, 0, 30);
  ASSERT_TRUE(WaitLines(30));
  a.join();
  // The follower's thread does not run (a stopped daemon) while multilog writes about 40 files
  // and keeps four archives: most are pruned before the follower can open them.
  FeedUnpaced(ml, 30, 500);
  ml.Close();
  ASSERT_NE(ml.Wait(), -1);
  ASSERT_TRUE(RunUntil(io_, [&] { return !seqs_.empty() && seqs_.back() == 499; }));
  ASSERT_EQ(gaps_.size(), 1u);
  const Gap& g = gaps_[0];
  EXPECT_EQ(g.seen, Gap::Seen::kPrunedUnread);
  EXPECT_EQ(follower_->stats().gaps, 1u);
  // What was delivered: 0 up to the end of the file held, then from the oldest file left.
  std::size_t cut = 0;
  while (cut + 1 < seqs_.size() && seqs_[cut + 1] == seqs_[cut] + 1) ++cut;
  ASSERT_LT(cut + 1, seqs_.size());
  const int last_read = seqs_[cut], resumed = seqs_[cut + 1];
  ExpectSeqs(cut + 1, resumed, 500);
  const int lost = resumed - last_read - 1;
  // Every line lost is in a file the gap counts, and the files it counts held them all.
  EXPECT_GE(lost, static_cast<int>(g.files_skipped) * kMinLinesPerFile)
      << g.files_skipped << " files";
  EXPECT_LE(lost, static_cast<int>(g.files_skipped) * kMaxLinesPerFile)
      << g.files_skipped << " files";
  // Its span: after the label of the file read last, which holds the last line read.
  ASSERT_TRUE(g.from && g.to);
  EXPECT_LE(*stamp::ParseTai64nLabel(first_lines_[cut]), *g.from);
  EXPECT_LT(*g.from, *g.to);
  EXPECT_LE(*g.to, *stamp::ParseTai64nLabel(first_lines_.back()));
}

TEST_F(MultilogFollowerTest, ReportsNoGapWhenMultilogPrunedOnlyWhatItHadRead) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  StartFollower();
  MultilogProcess ml(MultilogArgs());
  ASSERT_TRUE(ml.ok());
  std::thread a = Feed(ml, 0, 60);
  ASSERT_TRUE(WaitLines(60));
  a.join();
  // The follower's descriptor of a file, as stat sees it through /proc/self/fd: nullopt when it
  // holds none.
  auto held_stat = [&](std::uint64_t inode, std::uint64_t device) -> std::optional<struct stat> {
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
      struct stat st;
      if (::stat(e.path().c_str(), &st) == 0 && st.st_ino == inode && st.st_dev == device) {
        return st;
      }
    }
    return std::nullopt;
  };
  // The file held: `current`, once the follower has it open. Not simply the file of the last
  // line read: when line 59 filled its file, multilog rotated at once and the follower, done with
  // that file, let it go for the new `current` (this test then failed now and then).
  std::uint64_t held = 0, device = 0;
  ASSERT_TRUE(RunUntil(io_, [&] {
    struct stat current;
    if (::stat((dir_ + "/current").c_str(), &current) != 0) return false;
    held = current.st_ino;
    device = current.st_dev;
    return held_stat(held, device).has_value();
  })) << "the follower holds no current";
  // Whether the file is still in the directory under some name: its link count, read through the
  // descriptor the follower holds. A listing cannot tell: multilog renames current to previous,
  // links previous as @….s and unlinks previous, and a listing taken across those steps misses
  // the file that is still there (this test then failed now and then under the sanitizers).
  auto listed = [&](std::uint64_t inode) {
    const std::optional<struct stat> st = held_stat(inode, device);
    if (!st) ADD_FAILURE() << "the follower holds no descriptor of inode " << inode;
    return st && st->st_nlink > 0;
  };
  // The follower does not run while multilog rotates the file held until it prunes it (4
  // archives are kept after it: 5 rotations), and stops there, before the 6th would prune a file
  // not read: one line at a time, each seen in `current` before the next.
  int seq = 60;
  while (listed(held) && seq < 60 + 8 * kMaxLinesPerFile) {
    const std::string line = Text(seq++) + "\n";
    ASSERT_TRUE(ml.Write(line));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto ends_with_line = [&](const std::string& path) {
      std::ifstream in(path, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      const std::string text = ss.str();
      return text.size() >= line.size() &&
             text.compare(text.size() - line.size(), line.size(), line) == 0;
    };
    for (;;) {
      // In `current`, or, when it made multilog rotate, in the newest archive.
      std::string newest;
      for (const auto& e : std::filesystem::directory_iterator(dir_)) {
        std::string name = e.path().filename();
        if (name[0] == '@' && name > newest) newest = name;
      }
      if (ends_with_line(dir_ + "/current") ||
          (!newest.empty() && ends_with_line(dir_ + "/" + newest))) {
        break;
      }
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "multilog did not write " << seq;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  // multilog prunes after the rotation that the last line saw: give it that moment (slow under
  // the sanitizers).
  const auto prune_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (listed(held) && std::chrono::steady_clock::now() < prune_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(listed(held)) << "multilog did not prune the file held";
  ml.Close();
  ASSERT_NE(ml.Wait(), -1);
  ASSERT_TRUE(WaitLines(static_cast<std::size_t>(seq))) << gaps_.size() << " gaps";
  ExpectSeqs(0, 0, seq);
  EXPECT_THAT(gaps_, ::testing::IsEmpty());
}

TEST_F(MultilogFollowerTest, DeliversALineMultilogWroteInTwoPartsOnceItIsComplete) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  StartFollower();
  MultilogProcess ml(MultilogArgs("s999999"));
  ASSERT_TRUE(ml.ok());
  ASSERT_TRUE(ml.Write(Text(0) + "\n"));
  ASSERT_TRUE(WaitLines(1));
  // Past 1000 bytes multilog passes a line through as it comes, so its start reaches current.
  std::string first_part = Text(1) + std::string(1500, 'x');
  ASSERT_TRUE(ml.Write(first_part));
  std::uint64_t partial = after_[0].offset + 26 + first_part.size();
  ASSERT_TRUE(RunUntil(io_, [&] { return follower_->stats().bytes >= partial; }));
  EXPECT_EQ(seqs_.size(), 1u);
  EXPECT_EQ(follower_->position().offset, after_[0].offset);
  ASSERT_TRUE(ml.Write("yyy\n" + Text(2) + "\n"));
  ASSERT_TRUE(WaitLines(3));
  EXPECT_EQ(seqs_[1], -1);  // not a Text(): the long line, whole
  ASSERT_EQ(bad_.size(), 1u);
  EXPECT_EQ(bad_[0].substr(26), first_part + "yyy");
  EXPECT_EQ(seqs_[2], 2);
}

TEST_F(MultilogFollowerTest, ReconcilesAnInjectedOverflowAfterRotationsItWasNotToldAbout) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  StartFollower();
  MultilogProcess ml(MultilogArgs());
  ASSERT_TRUE(ml.ok());
  std::thread a = Feed(ml, 0, 100);
  ASSERT_TRUE(WaitLines(100));
  a.join();
  std::uint64_t finished = follower_->stats().files_finished;
  // The follower does not run while multilog writes and rotates about three times and exits.
  FeedUnpaced(ml, 100, 140);
  ml.Close();
  ASSERT_NE(ml.Wait(), -1);
  follower_->InjectOverflowForTest();
  ExpectSeqs(0, 0, 140);
  EXPECT_GE(follower_->stats().files_finished, finished + 2);
  EXPECT_EQ(follower_->stats().overflows, 1u);
  io_.restart();
  io_.poll();
  EXPECT_EQ(seqs_.size(), 140u);
}

}  // namespace
}  // namespace relaywatch::follow
