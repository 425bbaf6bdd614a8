#include "relaywatch/follow/decode_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.h"

namespace relaywatch::follow {
namespace {

// A stamped chkuser line for login `i`; every 97th line is made 60 KiB long (batches also close
// on bytes), every 13th is unstamped.
std::string LineFor(std::size_t i) {
  std::string text = "CHKUSER relaying rcpt: from <u" + std::to_string(i) + "@example.com:u" +
                     std::to_string(i) + "@example.com:> remote <pc:unknown:192.0.2." +
                     std::to_string(i % 250 + 1) + "> rcpt <r" + std::to_string(i) +
                     "@gmail.example> : client allowed to relay";
  if (i % 97 == 0) text += std::string(60 * 1024, 'x');
  if (i % 13 == 0) return text;
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "@4000000069%014zx ", i);
  return stamp + text;
}

class DecodeThreadTest : public ::testing::Test {
 protected:
  relaywatch::testing::TempDir dir_{"rw-decode"};

  // Two inputs (their lines interleave by stamp), `n` lines in all.
  StoredLogReader Reader(std::size_t n) {
    std::ofstream a(dir_ / "a"), b(dir_ / "b");
    for (std::size_t i = 0; i < n; ++i) ((i / 5) % 2 ? b : a) << LineFor(i) << "\n";
    a.close();
    b.close();
    return StoredLogReader({{"submission", {dir_ / "a"}}, {"smtps", {dir_ / "b"}}},
                           core::LocalZone::Fixed(0), {}, {});
  }
};

// What the reader alone hands on, as the reference.
std::vector<std::string> Direct(StoredLogReader reader) {
  std::vector<std::string> out;
  reader.ForEach([&](const StoredLine& l) {
    const std::size_t input = l.input;
    const std::string_view raw = l.raw;
    out.push_back(std::to_string(input) + " " + std::string(raw));
  });
  return out;
}

TEST_F(DecodeThreadTest, HandsOnEveryLineInTheReadersOrderWithItsViewsIntact) {
  const std::size_t n = 3 * DecodeThread::kBatchLines + 777;
  const std::vector<std::string> want = Direct(Reader(n));
  ASSERT_EQ(want.size(), n);
  StoredLogReader reader = Reader(n);
  std::vector<std::string> inspected, consumed;
  std::size_t chkuser = 0;
  DecodeThread::Run(
      reader,
      [&](const ReadLine& d) {
        inspected.push_back(std::to_string(d.input) + " " + std::string(d.decoded.raw));
      },
      [&](const ReadLine& d) {
        consumed.push_back(std::to_string(d.input) + " " + std::string(d.decoded.raw));
        // The text and the event point into the batch's own copy of the line, still there.
        EXPECT_TRUE(d.decoded.raw.ends_with(d.decoded.line.text));
        const auto* c = std::get_if<parse::ChkuserEvent>(&d.decoded.event);
        ASSERT_NE(c, nullptr) << d.decoded.raw.substr(0, 80);
        EXPECT_EQ(c->verdict, parse::ChkuserVerdict::kRelayingRcpt);
        EXPECT_EQ("u" + std::string(c->rcpt.substr(1, c->rcpt.find('@') - 1)) + "@example.com",
                  c->auth_user);
        ++chkuser;
      });
  EXPECT_EQ(inspected, want);
  EXPECT_EQ(consumed, want);
  EXPECT_EQ(chkuser, n);
}

TEST_F(DecodeThreadTest, InspectsEachLineOnTheOtherThreadBeforeItIsConsumed) {
  StoredLogReader reader = Reader(DecodeThread::kBatchLines * 2);
  std::atomic<std::size_t> inspected{0};
  std::thread::id inspect_thread;
  std::size_t consumed = 0, early = 0;
  DecodeThread::Run(
      reader,
      [&](const ReadLine&) {
        inspect_thread = std::this_thread::get_id();
        inspected.fetch_add(1);
      },
      [&](const ReadLine&) {
        if (inspected.load() <= consumed) ++early;
        ++consumed;
      });
  EXPECT_EQ(consumed, DecodeThread::kBatchLines * 2);
  EXPECT_EQ(early, 0u);
  EXPECT_NE(inspect_thread, std::this_thread::get_id());
}

TEST_F(DecodeThreadTest, AnErrorWhileConsumingStopsTheReaderAndIsRethrown) {
  StoredLogReader reader = Reader(DecodeThread::kBatchLines * DecodeThread::kBatches * 4);
  std::atomic<std::size_t> inspected{0};
  std::size_t consumed = 0;
  EXPECT_THROW(DecodeThread::Run(
                   reader, [&](const ReadLine&) { inspected.fetch_add(1); },
                   [&](const ReadLine&) {
                     if (++consumed == 10) throw std::runtime_error("disk full");
                   }),
               std::runtime_error);
  EXPECT_EQ(consumed, 10u);
  // The reader stopped once the batches in flight were full, long before the end.
  EXPECT_LE(inspected.load(), DecodeThread::kBatchLines * (DecodeThread::kBatches + 1));
}

TEST_F(DecodeThreadTest, AnErrorWhileDecodingEndsTheRunAfterTheBatchesHandedOverAndIsRethrown) {
  StoredLogReader reader = Reader(5000);
  std::size_t inspected = 0, consumed = 0;
  EXPECT_THROW(DecodeThread::Run(
                   reader,
                   [&](const ReadLine&) {
                     if (++inspected == 4000) throw std::runtime_error("bad line");
                   },
                   [&](const ReadLine&) { ++consumed; }),
               std::runtime_error);
  // The batches full before line 4000 were counted; the one being filled was not.
  EXPECT_GT(consumed, 0u);
  EXPECT_LT(consumed, 3999u);
}

TEST_F(DecodeThreadTest, NoLinesNoCalls) {
  StoredLogReader reader({{"submission", {}}}, core::LocalZone::Fixed(0), {}, {});
  std::size_t calls = 0;
  DecodeThread::Run(
      reader, [&](const ReadLine&) { ++calls; }, [&](const ReadLine&) { ++calls; });
  EXPECT_EQ(calls, 0u);
}

TEST_F(DecodeThreadTest, SeveralConsumersEachGetEveryLineInOrderOnThreadsOfTheirOwn) {
  const std::size_t n = 5 * DecodeThread::kBatchLines + 123;
  const std::vector<std::string> want = Direct(Reader(n));
  StoredLogReader reader = Reader(n);
  constexpr std::size_t kConsumers = 3;
  std::vector<std::vector<std::string>> got(kConsumers);
  std::vector<std::thread::id> threads(kConsumers);
  std::vector<DecodeThread::Consumer> consumers;
  for (std::size_t c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c](const ReadLine& d) {
      threads[c] = std::this_thread::get_id();
      EXPECT_TRUE(d.decoded.raw.ends_with(d.decoded.line.text));
      got[c].push_back(std::to_string(d.input) + " " + std::string(d.decoded.raw));
      // The second consumer is slow: the others run ahead of it, and a batch it has not read
      // must not be reused under it (the views checked above would then point at other lines).
      if (c == 1 && got[c].size() % 512 == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  DecodeThread::Run(reader, nullptr, consumers);
  for (std::size_t c = 0; c < kConsumers; ++c) EXPECT_EQ(got[c], want) << "consumer " << c;
  EXPECT_EQ(threads[0], std::this_thread::get_id());
  EXPECT_NE(threads[1], threads[0]);
  EXPECT_NE(threads[2], threads[0]);
  EXPECT_NE(threads[2], threads[1]);
}

TEST_F(DecodeThreadTest, AnErrorInOneOfSeveralConsumersStopsThemAllAndIsRethrown) {
  StoredLogReader reader = Reader(DecodeThread::kBatchLines * DecodeThread::kBatches * 8);
  std::atomic<std::size_t> inspected{0};
  std::atomic<std::size_t> first{0}, second{0};
  std::vector<DecodeThread::Consumer> consumers = {[&](const ReadLine&) { first.fetch_add(1); },
                                                   [&](const ReadLine&) {
                                                     if (second.fetch_add(1) + 1 == 10)
                                                       throw std::runtime_error("disk full");
                                                   }};
  EXPECT_THROW(DecodeThread::Run(
                   reader, [&](const ReadLine&) { inspected.fetch_add(1); }, consumers),
               std::runtime_error);
  EXPECT_EQ(second.load(), 10u);
  // The first consumer and the reader stopped within the batches in flight (two consumers: twice
  // kBatches), long before the end.
  EXPECT_LE(first.load(), DecodeThread::kBatchLines * (2 * DecodeThread::kBatches + 1));
  EXPECT_LE(inspected.load(), DecodeThread::kBatchLines * (2 * DecodeThread::kBatches + 1));
}

// Each consumer's look-ahead sees, before each line, the line kLookAhead lines on while that one
// is in the same batch, and nullptr for the batch's last kLookAhead lines: every line but those
// once, in order, with its views intact.
TEST_F(DecodeThreadTest, TheLookAheadShowsEachConsumerTheLineKLookAheadOnWithinItsBatch) {
  const std::size_t n = 4 * DecodeThread::kBatchLines + 321;
  const std::vector<std::string> want = Direct(Reader(n));
  StoredLogReader reader = Reader(n);
  constexpr std::size_t kConsumers = 2;
  struct Seen {
    std::vector<std::string> consumed, ahead;
    std::vector<std::size_t> ahead_at;  // how many lines were consumed when each was shown
    std::size_t nulls = 0;
  };
  std::vector<Seen> seen(kConsumers);
  std::vector<DecodeThread::Consumer> consumers;
  std::vector<DecodeThread::LookAhead> look_ahead;
  for (std::size_t c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c](const ReadLine& d) {
      seen[c].consumed.push_back(std::to_string(d.input) + " " + std::string(d.decoded.raw));
    });
    look_ahead.emplace_back([&, c](const ReadLine* d) {
      if (d == nullptr) {
        ++seen[c].nulls;
        return;
      }
      EXPECT_TRUE(d->decoded.raw.ends_with(d->decoded.line.text));
      seen[c].ahead.push_back(std::to_string(d->input) + " " + std::string(d->decoded.raw));
      seen[c].ahead_at.push_back(seen[c].consumed.size());
    });
  }
  DecodeThread::Run(reader, nullptr, consumers, look_ahead);
  for (std::size_t c = 0; c < kConsumers; ++c) {
    const Seen& s = seen[c];
    ASSERT_EQ(s.consumed, want) << "consumer " << c;
    // One call per line; the lines not shown are each batch's first kLookAhead (nothing is
    // shown across a batch's end), as many as the nulls.
    EXPECT_EQ(s.ahead.size() + s.nulls, n);
    EXPECT_GE(s.nulls, DecodeThread::kLookAhead * (n / DecodeThread::kBatchLines));
    for (std::size_t i = 0; i < s.ahead.size(); ++i) {
      const std::size_t line = s.ahead_at[i] + DecodeThread::kLookAhead;
      ASSERT_LT(line, want.size());
      EXPECT_EQ(s.ahead[i], want[line])
          << "consumer " << c << ", shown before line " << s.ahead_at[i];
    }
  }
}

// Each consumer's done runs once, on that consumer's thread, after its every line: report's
// shards free their windows there, all at once.
TEST_F(DecodeThreadTest, EachConsumersDoneRunsOnItsThreadAfterItsLastLine) {
  const std::size_t n = 3 * DecodeThread::kBatchLines + 5;
  StoredLogReader reader = Reader(n);
  constexpr std::size_t kConsumers = 3;
  std::vector<std::size_t> lines(kConsumers, 0), lines_at_done(kConsumers, 0),
      done_calls(kConsumers, 0);
  std::vector<std::thread::id> consumer_thread(kConsumers), done_thread(kConsumers);
  std::vector<DecodeThread::Consumer> consumers;
  std::vector<DecodeThread::Done> done;
  for (std::size_t c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c](const ReadLine&) {
      ++lines[c];
      consumer_thread[c] = std::this_thread::get_id();
    });
    done.emplace_back([&, c] {
      ++done_calls[c];
      lines_at_done[c] = lines[c];
      done_thread[c] = std::this_thread::get_id();
    });
  }
  DecodeThread::Run(reader, nullptr, consumers, {}, done);
  for (std::size_t c = 0; c < kConsumers; ++c) {
    EXPECT_EQ(done_calls[c], 1u) << "consumer " << c;
    EXPECT_EQ(lines_at_done[c], n) << "consumer " << c;
    EXPECT_EQ(done_thread[c], consumer_thread[c]) << "consumer " << c;
  }
  EXPECT_EQ(done_thread[0], std::this_thread::get_id());  // the first on the calling thread
  EXPECT_NE(done_thread[1], done_thread[2]);
}

// A run that ends on an error ends no consumer's work as if it had had every line: here the
// reader fails after handing over the batches it filled, which both consumers take in full.
TEST_F(DecodeThreadTest, NoDoneRunsWhenTheRunEndsOnAnError) {
  StoredLogReader reader = Reader(4 * DecodeThread::kBatchLines);
  std::size_t inspected = 0;
  std::size_t consumed[2] = {0, 0};
  std::atomic<int> done_calls = 0;
  std::vector<DecodeThread::Consumer> consumers = {[&](const ReadLine&) { ++consumed[0]; },
                                                   [&](const ReadLine&) { ++consumed[1]; }};
  std::vector<DecodeThread::Done> done = {[&] { ++done_calls; }, [&] { ++done_calls; }};
  EXPECT_THROW(DecodeThread::Run(
                   reader,
                   [&](const ReadLine&) {
                     if (++inspected == 2 * DecodeThread::kBatchLines + 10) {
                       throw std::runtime_error("bad line");
                     }
                   },
                   consumers, {}, done),
               std::runtime_error);
  EXPECT_GT(consumed[0], 0u);
  EXPECT_EQ(consumed[0], consumed[1]);
  EXPECT_EQ(done_calls.load(), 0);
  std::vector<DecodeThread::Done> one = {[] {}};
  StoredLogReader again = Reader(10);
  EXPECT_THROW(DecodeThread::Run(again, nullptr, consumers, {}, one), std::logic_error);
}

TEST_F(DecodeThreadTest, ALookAheadForSomeConsumersOnlyIsAnError) {
  StoredLogReader reader = Reader(10);
  std::vector<DecodeThread::Consumer> consumers = {[](const ReadLine&) {}, [](const ReadLine&) {}};
  std::vector<DecodeThread::LookAhead> one = {[](const ReadLine*) {}};
  EXPECT_THROW(DecodeThread::Run(reader, nullptr, consumers, one), std::logic_error);
}

// The login number of a LineFor line.
std::size_t LoginOf(const ReadLine& d) {
  const auto& c = std::get<parse::ChkuserEvent>(d.decoded.event);
  return std::stoul(std::string(c.auth_user.substr(1, c.auth_user.find('@') - 1)));
}

// A routed run: each consumer gets whole the lines routed to it or to everyone, and the Brief
// of every other line (its stamp and the route's tag), all in the reader's order; its look-ahead
// is shown only its whole lines, each kLookAhead of them on.
TEST_F(DecodeThreadTest, ARoutedRunGivesEachConsumerItsLinesWholeAndTheOthersAsBriefs) {
  const std::size_t n = 3 * DecodeThread::kBatchLines + 555;
  StoredLogReader plain = Reader(n);
  std::vector<std::string> want;      // every line, as Direct
  std::vector<std::size_t> login;     // by line
  std::vector<core::Timestamp> time;  // by line
  DecodeThread::Run(plain, nullptr, [&](const ReadLine& d) {
    want.push_back(std::to_string(d.input) + " " + std::string(d.decoded.raw));
    login.push_back(LoginOf(d));
    time.push_back(d.decoded.line.time);
  });
  ASSERT_EQ(want.size(), n);
  constexpr std::size_t kConsumers = 3;
  // Login i goes to consumer i % 5 (3 and 4: everyone, nobody).
  auto owner_of = [](std::size_t i) -> std::uint8_t {
    const std::size_t k = i % 5;
    return k < kConsumers ? static_cast<std::uint8_t>(k)
           : k == 3       ? DecodeThread::kEveryone
                          : DecodeThread::kNoOne;
  };
  struct Seen {
    std::vector<std::size_t> whole, briefed, ahead, ahead_at;  // line numbers
    std::vector<std::string> text;                             // of the whole lines
    std::size_t nulls = 0;
  };
  std::vector<Seen> seen(kConsumers);
  std::vector<DecodeThread::Consumer> consumers;
  std::vector<DecodeThread::LookAhead> look_ahead;
  std::vector<DecodeThread::Skip> skips;
  // Each line's number is found from its login, which is its number in the order written; the
  // reader's order interleaves the two inputs, so a consumer keeps its own place in `login`.
  std::vector<std::size_t> at(kConsumers, 0);
  for (std::size_t c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c](const ReadLine& d) {
      EXPECT_EQ(LoginOf(d), login[at[c]]) << "consumer " << c;
      seen[c].whole.push_back(at[c]++);
      seen[c].text.push_back(std::to_string(d.input) + " " + std::string(d.decoded.raw));
    });
    skips.emplace_back([&, c](const DecodeThread::Brief& b) {
      const std::size_t line = at[c]++;
      ASSERT_LT(line, n);
      EXPECT_EQ(b.time, time[line]) << "consumer " << c << ", line " << line;
      EXPECT_EQ(b.tag, login[line] & 0x7f) << "consumer " << c << ", line " << line;
      EXPECT_EQ(b.owner, owner_of(login[line]));
      seen[c].briefed.push_back(line);
    });
    look_ahead.emplace_back([&, c](const ReadLine* d) {
      if (d == nullptr) {
        ++seen[c].nulls;
        return;
      }
      seen[c].ahead.push_back(LoginOf(*d));
      seen[c].ahead_at.push_back(seen[c].whole.size());
    });
  }
  DecodeThread::Routing routing{[&](const ReadLine& d) {
                                  DecodeThread::Brief b;
                                  b.owner = owner_of(LoginOf(d));
                                  b.tag = static_cast<std::uint8_t>(LoginOf(d) & 0x7f);
                                  return b;
                                },
                                skips};
  StoredLogReader reader = Reader(n);
  DecodeThread::Run(reader, nullptr, consumers, look_ahead, {}, routing);
  for (std::size_t c = 0; c < kConsumers; ++c) {
    const Seen& s = seen[c];
    EXPECT_EQ(at[c], n) << "consumer " << c;
    std::vector<std::size_t> whole, briefed;
    std::vector<std::string> text;
    for (std::size_t line = 0; line < n; ++line) {
      const std::uint8_t o = owner_of(login[line]);
      if (o == c || o == DecodeThread::kEveryone) {
        whole.push_back(line);
        text.push_back(want[line]);
      } else {
        briefed.push_back(line);
      }
    }
    EXPECT_EQ(s.whole, whole) << "consumer " << c;
    EXPECT_EQ(s.text, text) << "consumer " << c;
    EXPECT_EQ(s.briefed, briefed) << "consumer " << c;
    EXPECT_EQ(s.ahead.size() + s.nulls, whole.size()) << "consumer " << c;
    EXPECT_GT(s.ahead.size(), whole.size() / 2) << "consumer " << c;
    for (std::size_t i = 0; i < s.ahead.size(); ++i) {
      const std::size_t k = s.ahead_at[i] + DecodeThread::kLookAhead;  // in its whole lines
      ASSERT_LT(k, whole.size());
      EXPECT_EQ(s.ahead[i], login[whole[k]]) << "consumer " << c;
    }
  }
}

TEST_F(DecodeThreadTest, ARouteWithoutASkipForEveryConsumerIsAnError) {
  StoredLogReader reader = Reader(10);
  std::vector<DecodeThread::Consumer> consumers = {[](const ReadLine&) {}, [](const ReadLine&) {}};
  std::vector<DecodeThread::Skip> one = {[](const DecodeThread::Brief&) {}};
  DecodeThread::Routing routing{[](const ReadLine&) { return DecodeThread::Brief{}; }, one};
  EXPECT_THROW(DecodeThread::Run(reader, nullptr, consumers, {}, {}, routing), std::logic_error);
}

}  // namespace
}  // namespace relaywatch::follow
