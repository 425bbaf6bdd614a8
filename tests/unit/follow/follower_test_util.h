// Test support for follower tests: a temporary multilog-like directory, a Follower whose
// callbacks record everything, stamped lines numbered n, and waiting on counters with a deadline
// (never a bare sleep).
#ifndef RELAYWATCH_TESTS_UNIT_FOLLOW_FOLLOWER_TEST_UTIL_H_
#define RELAYWATCH_TESTS_UNIT_FOLLOW_FOLLOWER_TEST_UTIL_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relaywatch/follow/follower.h"
#include "relaywatch/stamp/log_files.h"
#include "relaywatch/stamp/tai64n.h"
#include "temp_dir.h"

namespace relaywatch::follow::testing {

// What a Follower reported, in order.
struct Recorder {
  std::vector<std::string> lines;
  std::vector<state::Position> after;  // with each line
  std::vector<state::Position> batches;
  std::vector<Gap> gaps;
  std::vector<std::string> warnings;

  FollowerCallbacks Callbacks() {
    FollowerCallbacks c;
    c.on_line = [this](const decode::DecodedLine& decoded, const state::Position& p) {
      const std::string_view line = decoded.raw;
      lines.emplace_back(line);
      after.push_back(p);
    };
    c.on_batch_end = [this](const state::Position& p) { batches.push_back(p); };
    c.on_gap = [this](const Gap& g) { gaps.push_back(g); };
    c.on_warning = [this](std::string_view w) { warnings.emplace_back(w); };
    return c;
  }
};

// A TempDir named rw-follow-XXXXXX.
class TempDir : public relaywatch::testing::TempDir {
 public:
  TempDir() : relaywatch::testing::TempDir("rw-follow") {}
};

// Appends `text` to `path` with one write(2), as multilog does.
inline void Append(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

// Runs `io` until `done` holds or `limit` passes; false on timeout.
inline bool RunUntil(net::io_context& io, const std::function<bool()>& done,
                     std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_one_for(std::chrono::milliseconds(20));
  }
  return true;
}

// 2026-11-28T03:15:22Z; line n is stamped n seconds later.
inline constexpr std::int64_t kBase = 1795835722;
inline core::Timestamp At(std::int64_t n) {
  return core::Timestamp(std::chrono::seconds(kBase + n));
}

// A line as multilog `t` writes it, the text taken from tests/fixtures/real.txt.
inline std::string L(int n) {
  return stamp::FormatTai64nLabel(At(n)) +
         " CHKUSER accepted sender: from <newinfotr@adv.strawberrynet.com::> remote "
         "<smtp156.strawberrynet.com:unknown:202.181.189.53> rcpt <> : sender accepted " +
         std::to_string(n);
}
inline std::string Lines(int from, int to) {  // lines from..to-1, each with its '\n'
  std::string s;
  for (int i = from; i < to; ++i) s += L(i) + "\n";
  return s;
}
inline std::vector<std::string> Expect(int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i < to; ++i) v.push_back(L(i));
  return v;
}

// A Follower on a temporary directory, its io_context run by the test thread.
class FollowerTest : public ::testing::Test {
 protected:
  std::string P(const std::string& name) const { return dir_.path() + "/" + name; }
  std::string Archive(int label, char kind = 's') const {
    return stamp::ArchiveName(At(label), kind == 'u');
  }
  // multilog's rotation: current -> previous, a new empty current, previous -> @label.s.
  void Rotate(int label) {
    ASSERT_EQ(::rename(P("current").c_str(), P("previous").c_str()), 0);
    Append(P("current"), "");
    ASSERT_EQ(::link(P("previous").c_str(), P(Archive(label)).c_str()), 0);
    ASSERT_EQ(::unlink(P("previous").c_str()), 0);
  }
  FollowerOptions Options() {
    FollowerOptions o;
    o.safety_interval = std::chrono::hours(1);  // tests rely on inotify, not on the tick
    return o;
  }
  void Start(StartFrom from = {}, std::optional<FollowerOptions> options = std::nullopt,
             const std::string& dir = "") {
    follower_ =
        std::make_unique<Follower>(io_, Source{"submission", dir.empty() ? dir_.path() : dir},
                                   rec_.Callbacks(), options ? *options : Options());
    follower_->Start(std::move(from));
  }
  // The start has been applied: the first Position was reported.
  bool Settled() {
    return RunUntil(io_, [&] { return !rec_.batches.empty(); });
  }
  bool WaitLines(std::size_t n) {
    return RunUntil(io_, [&] { return rec_.lines.size() >= n; });
  }
  // Waits until the follower has read `bytes` in all.
  bool WaitBytes(std::uint64_t bytes) {
    return RunUntil(io_, [&] { return follower_->stats().bytes >= bytes; });
  }
  // The follower's position is the end of `current`.
  bool AtEndOfCurrent() {
    struct stat st;
    return ::stat(P("current").c_str(), &st) == 0 &&
           follower_->position().inode == static_cast<std::uint64_t>(st.st_ino) &&
           follower_->position().offset == static_cast<std::uint64_t>(st.st_size);
  }
  std::uint64_t SizeOf(const std::string& name) { return std::filesystem::file_size(P(name)); }

  TempDir dir_;
  net::io_context io_;
  Recorder rec_;
  std::unique_ptr<Follower> follower_;
};

}  // namespace relaywatch::follow::testing

#endif  // RELAYWATCH_TESTS_UNIT_FOLLOW_FOLLOWER_TEST_UTIL_H_
