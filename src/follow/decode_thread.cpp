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

namespace relaywatch::follow {
namespace {

struct Batch {
  std::unique_ptr<char[]> bytes{new char[DecodeThread::kBatchBytes]};
  std::size_t used = 0;
  std::vector<ReadLine> lines;
  Batch() { lines.reserve(DecodeThread::kBatchLines); }
};

// `part`, a view into `from`, moved to the same place in the copy at `to`.
std::string_view Rebase(std::string_view part, std::string_view from, const char* to) {
  if (part.empty()) return {};
  return {to + (part.data() - from.data()), part.size()};
}

// Thrown through StoredLogReader::ForEach when the consumer has stopped.
struct Stopped {};

// The batches between the two threads: full ones to the consumer, used ones back.
class Handoff {
 public:
  // Producer: an empty batch, made or reused; nullptr once the consumer has stopped.
  std::unique_ptr<Batch> TakeEmpty() {
    std::unique_lock lock(m_);
    if (stopped_) return nullptr;
    if (made_ < DecodeThread::kBatches && empty_.empty()) {
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
  // Consumer: the next full batch in order; nullptr when the producer has finished.
  std::unique_ptr<Batch> TakeFull() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return finished_ || !full_.empty(); });
    if (full_.empty()) return nullptr;
    auto b = std::move(full_.front());
    full_.pop_front();
    return b;
  }
  void PutEmpty(std::unique_ptr<Batch> b) {
    b->used = 0;
    b->lines.clear();
    {
      std::lock_guard lock(m_);
      empty_.push_back(std::move(b));
    }
    cv_.notify_all();
  }
  void Stop() {
    {
      std::lock_guard lock(m_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  std::exception_ptr error() {
    std::lock_guard lock(m_);
    return error_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> full_, empty_;
  std::size_t made_ = 0;
  bool finished_ = false;
  bool stopped_ = false;
  std::exception_ptr error_;
};

void Produce(StoredLogReader& reader, const DecodeThread::Consumer& inspect, Handoff& handoff) {
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
  });
  if (batch && !batch->lines.empty()) handoff.PutFull(std::move(batch));
}

}  // namespace

void DecodeThread::Run(StoredLogReader& reader, const Consumer& inspect, const Consumer& consume) {
  Handoff handoff;
  std::thread producer([&] {
    try {
      Produce(reader, inspect, handoff);
      handoff.Finish(nullptr);
    } catch (const Stopped&) {
      handoff.Finish(nullptr);
    } catch (...) {
      handoff.Finish(std::current_exception());
    }
  });
  try {
    while (auto batch = handoff.TakeFull()) {
      for (const ReadLine& d : batch->lines) consume(d);
      handoff.PutEmpty(std::move(batch));
    }
  } catch (...) {
    handoff.Stop();
    producer.join();
    throw;
  }
  producer.join();
  if (auto error = handoff.error()) std::rethrow_exception(error);
}

}  // namespace relaywatch::follow
