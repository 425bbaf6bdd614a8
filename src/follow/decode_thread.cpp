#include "relaywatch/follow/decode_thread.h"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "relaywatch/core/prefetch.h"

namespace relaywatch::follow {
namespace {

struct Batch {
  std::unique_ptr<char[]> bytes{new char[DecodeThread::kBatchBytes]};
  std::size_t used = 0;
  std::vector<ReadLine> lines;
  std::vector<DecodeThread::Brief> briefs;  // by line, when the run routes
  std::size_t pending = 0;  // consumers not yet done with it (Handoff's, under its mutex)
  Batch() { lines.reserve(DecodeThread::kBatchLines); }
  void Clear() {
    used = 0;
    lines.clear();
    briefs.clear();
  }
};

// `part`, a view into `from`, moved to the same place in the copy at `to`.
std::string_view Rebase(std::string_view part, std::string_view from, const char* to) {
  if (part.empty()) return {};
  return {to + (part.data() - from.data()), part.size()};
}

// Thrown through StoredLogReader::ForEach when the consumer has stopped.
struct Stopped {};

// The batches between the reader and the consumers: full ones to every consumer, in order; a
// batch every consumer is done with goes back to the reader. Consumers take batches by their
// number (the n-th batch made full), so each keeps its own place.
class Handoff {
 public:
  // Several consumers get twice the batches one has, whatever their number: room for one to run
  // a little ahead of another, and memory that does not grow with the shards.
  explicit Handoff(std::size_t consumers)
      : batches_(DecodeThread::kBatches * (consumers > 1 ? 2 : 1)), next_(consumers, 0) {}

  // Producer: an empty batch, made or reused; nullptr once a consumer has stopped.
  std::unique_ptr<Batch> TakeEmpty() {
    std::unique_lock lock(m_);
    if (stopped_) return nullptr;
    if (made_ < batches_ && empty_.empty()) {
      ++made_;
      lock.unlock();
      return std::make_unique<Batch>();
    }
    cv_.wait(lock, [&] { return stopped_ || !empty_.empty(); });
    if (stopped_) return nullptr;
    auto b = std::move(empty_.front());
    empty_.pop_front();
    return b;
  }
  void PutFull(std::unique_ptr<Batch> b) {
    {
      std::lock_guard lock(m_);
      b->pending = next_.size();
      full_.push_back(std::move(b));
    }
    cv_.notify_all();
  }
  void Finish(std::exception_ptr error) {
    {
      std::lock_guard lock(m_);
      finished_ = true;
      error_ = error;
    }
    cv_.notify_all();
  }
  // Consumer c: its next full batch, in order; nullptr when the producer has finished and c has
  // had them all, or a consumer has stopped.
  Batch* TakeFull(std::size_t c) {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return stopped_ || finished_ || next_[c] < first_ + full_.size(); });
    if (stopped_ || next_[c] >= first_ + full_.size()) return nullptr;
    return full_[next_[c] - first_].get();
  }
  // Consumer c is done with the batch TakeFull gave it last.
  void Done(std::size_t c) {
    bool freed = false;
    {
      std::lock_guard lock(m_);
      --full_[next_[c] - first_]->pending;
      ++next_[c];
      // Every consumer goes in order, so the batches all are done with are at the front.
      while (!full_.empty() && full_.front()->pending == 0) {
        std::unique_ptr<Batch> b = std::move(full_.front());
        full_.pop_front();
        ++first_;
        b->Clear();
        empty_.push_back(std::move(b));
        freed = true;
      }
    }
    if (freed) cv_.notify_all();
  }
  void Stop() {
    {
      std::lock_guard lock(m_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  bool stopped() {
    std::lock_guard lock(m_);
    return stopped_;
  }
  std::exception_ptr error() {
    std::lock_guard lock(m_);
    return error_;
  }

 private:
  const std::size_t batches_;  // in flight at most
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> full_, empty_;
  std::size_t first_ = 0;          // the number of full_.front()
  std::vector<std::size_t> next_;  // per consumer: the number of its next batch
  std::size_t made_ = 0;
  bool finished_ = false;
  bool stopped_ = false;
  std::exception_ptr error_;
};

void Produce(StoredLogReader& reader, const DecodeThread::Consumer& inspect,
             const DecodeThread::Route& route, Handoff& handoff) {
  std::unique_ptr<Batch> batch;
  reader.ForEach([&](const StoredLine& from) {
    const std::string_view raw = from.raw;
    const stamp::Line& line = from.line;
    if (raw.size() > DecodeThread::kBatchBytes) {
      throw std::logic_error("a line longer than a decode batch; the reader cuts lines shorter");
    }
    if (!batch || batch->used + raw.size() > DecodeThread::kBatchBytes ||
        batch->lines.size() == DecodeThread::kBatchLines) {
      if (batch) handoff.PutFull(std::move(batch));
      batch = handoff.TakeEmpty();
      if (!batch) throw Stopped{};
    }
    char* copy = batch->bytes.get() + batch->used;
    if (!raw.empty()) std::memcpy(copy, raw.data(), raw.size());
    batch->used += raw.size();
    stamp::Line moved = line;
    moved.tag = Rebase(line.tag, raw, copy);
    moved.text = Rebase(line.text, raw, copy);
    const ReadLine& d = batch->lines.emplace_back(from, std::string_view(copy, raw.size()), moved);
    if (inspect) inspect(d);
    if (route) {
      DecodeThread::Brief brief = route(d);
      brief.time = d.decoded.line.time;
      batch->briefs.push_back(brief);
    }
  });
  if (batch && !batch->lines.empty()) handoff.PutFull(std::move(batch));
}

// One batch for consumer c of a routed run: the lines routed to c (or to everyone) whole, in
// order, each after the look-ahead shown the one kLookAhead such lines later; the others' Briefs
// to skip, in their places. Only the Briefs are read to know which is which.
void ConsumeRouted(const Batch& batch, std::size_t c, const DecodeThread::Consumer& consume,
                   const DecodeThread::LookAhead* look_ahead, const DecodeThread::Skip& skip,
                   std::vector<std::uint32_t>& whole) {
  const std::vector<DecodeThread::Brief>& briefs = batch.briefs;
  whole.clear();
  for (std::size_t i = 0; i < briefs.size(); ++i) {
    const std::uint8_t owner = briefs[i].owner;
    if (owner == c || owner == DecodeThread::kEveryone) {
      whole.push_back(static_cast<std::uint32_t>(i));
    }
  }
  constexpr std::size_t kAhead = DecodeThread::kLookAhead;
  std::size_t next = 0;  // in whole
  for (std::size_t i = 0; i < briefs.size(); ++i) {
    if (next < whole.size() && whole[next] == i) {
      // Every whole line was written on the decoding thread's core, and a consumer's are no
      // longer one after another, which the hardware's prefetch follows: the record is asked
      // for 3 * kAhead lines ahead, its bytes (read through the record) 2 * kAhead, before the
      // look-ahead reads them. Without this, routing was no faster than every consumer reading
      // every line (big site's day: 0.90 s against 0.91 s, 9 alternated pairs).
      if (next + 3 * kAhead < whole.size()) {
        core::PrefetchBytes(&batch.lines[whole[next + 3 * kAhead]], sizeof(ReadLine));
      }
      if (next + 2 * kAhead < whole.size()) {
        const std::string_view raw = batch.lines[whole[next + 2 * kAhead]].decoded.raw;
        core::PrefetchBytes(raw.data(), raw.size());
      }
      if (look_ahead != nullptr) {
        (*look_ahead)(next + kAhead < whole.size() ? &batch.lines[whole[next + kAhead]] : nullptr);
      }
      consume(batch.lines[i]);
      ++next;
    } else {
      skip(briefs[i]);
    }
  }
}

}  // namespace

void DecodeThread::Run(StoredLogReader& reader, const Consumer& inspect, const Consumer& consume) {
  Run(reader, inspect, std::span<const Consumer>(&consume, 1));
}

void DecodeThread::Run(StoredLogReader& reader, const Consumer& inspect,
                       std::span<const Consumer> consumers, std::span<const LookAhead> look_ahead,
                       std::span<const Done> done, const Routing& routing) {
  if (consumers.empty()) throw std::logic_error("DecodeThread::Run without a consumer");
  if (!look_ahead.empty() && look_ahead.size() != consumers.size()) {
    throw std::logic_error("DecodeThread::Run: one look-ahead per consumer, or none");
  }
  if (!done.empty() && done.size() != consumers.size()) {
    throw std::logic_error("DecodeThread::Run: one done per consumer, or none");
  }
  if (routing.route && (routing.skip.size() != consumers.size() || consumers.size() > kMaxRouted)) {
    throw std::logic_error("DecodeThread::Run: a route needs one skip per consumer");
  }
  Handoff handoff(consumers.size());
  std::thread producer([&] {
    try {
      Produce(reader, inspect, routing.route, handoff);
      handoff.Finish(nullptr);
    } catch (const Stopped&) {
      handoff.Finish(nullptr);
    } catch (...) {
      handoff.Finish(std::current_exception());
    }
  });
  std::vector<std::exception_ptr> failed(consumers.size());
  auto consume = [&](std::size_t c) {
    std::vector<std::uint32_t> whole;  // routed: the lines of a batch consumer c gets whole
    try {
      while (const Batch* batch = handoff.TakeFull(c)) {
        const std::vector<ReadLine>& lines = batch->lines;
        if (routing.route) {
          ConsumeRouted(*batch, c, consumers[c], look_ahead.empty() ? nullptr : &look_ahead[c],
                        routing.skip[c], whole);
        } else if (look_ahead.empty()) {
          for (const ReadLine& d : lines) consumers[c](d);
        } else {
          for (std::size_t i = 0; i < lines.size(); ++i) {
            look_ahead[c](i + kLookAhead < lines.size() ? &lines[i + kLookAhead] : nullptr);
            consumers[c](lines[i]);
          }
        }
        handoff.Done(c);
      }
      // Every line, unless another consumer or the reader stopped the run: then there is an
      // error to rethrow, and nothing of this consumer's is used.
      if (!done.empty() && !handoff.stopped() && !handoff.error()) done[c]();
    } catch (...) {
      failed[c] = std::current_exception();
      handoff.Stop();
    }
  };
  std::vector<std::thread> others;
  try {
    for (std::size_t c = 1; c < consumers.size(); ++c) others.emplace_back(consume, c);
  } catch (...) {  // no thread to be had: stop what started, then say so
    handoff.Stop();
    for (std::thread& t : others) t.join();
    producer.join();
    throw;
  }
  consume(0);
  for (std::thread& t : others) t.join();
  producer.join();
  for (const std::exception_ptr& e : failed) {
    if (e) std::rethrow_exception(e);
  }
  if (auto error = handoff.error()) std::rethrow_exception(error);
}

}  // namespace relaywatch::follow
