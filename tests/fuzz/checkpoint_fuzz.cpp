// Fuzzes the checkpoint codec (state/checkpoint.h) two ways with each input:
//   - as text: DecodeCheckpoint of the bytes as they are and resealed with a right checksum line
//     (so mutations reach the record checks) never crashes, and a document it accepts is
//     canonical once re-encoded: Decode(Encode(Decode(x))) == Decode(x);
//   - as a recipe: a Checkpoint built from the bytes (any field bytes, times over the whole
//     Timestamp range, only the limits the header documents: positive windows, ascending bucket
//     indexes, fingerprint length <= kFingerprintBytes, distinct rule names) comes back equal:
//     Decode(Encode(c)) == c.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "relaywatch/state/checkpoint.h"

namespace {

namespace core = relaywatch::core;
namespace detect = relaywatch::detect;
namespace state = relaywatch::state;
using relaywatch::fuzz::Check;

bool Same(const state::Checkpoint& a, const state::Checkpoint& b) {
  return a.sources == b.sources && a.pipeline == b.pipeline;
}

void CheckDecode(std::string_view text) {
  core::Result<state::Checkpoint> first = state::DecodeCheckpoint(text);
  if (!first) {
    Check(!first.error().message.empty(), "empty error message", text);
    return;
  }
  const std::string again = state::EncodeCheckpoint(*first);
  core::Result<state::Checkpoint> second = state::DecodeCheckpoint(again);
  Check(second.ok(), "a re-encoded checkpoint does not decode", again);
  Check(Same(*first, *second), "Decode(Encode(Decode(x))) != Decode(x)", text);
}

core::Timestamp AnyTime(FuzzedDataProvider& in) {
  return core::Timestamp(core::Duration(in.ConsumeIntegral<std::int64_t>()));
}

core::Duration PositiveDuration(FuzzedDataProvider& in) {
  return core::Duration(in.ConsumeIntegralInRange<std::int64_t>(1, INT64_MAX));
}

detect::RuleKind AnyKind(FuzzedDataProvider& in) {
  return static_cast<detect::RuleKind>(
      in.ConsumeIntegralInRange<int>(0, static_cast<int>(detect::RuleKind::kGap)));
}

std::string AnyText(FuzzedDataProvider& in) { return in.ConsumeRandomLengthString(64); }

// The version 2 records: services (sorted, distinct), sessions, sample pages (sorted by key).
void BuildDetectorExtras(FuzzedDataProvider& in, detect::DetectorState& d) {
  std::set<std::string> services;
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) services.insert(AnyText(in));
  for (const std::string& name : services) {
    d.services.push_back({name, in.ConsumeBool(), AnyText(in)});
  }
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    d.sessions.pid_ip.emplace_back(AnyText(in), AnyText(in));
  }
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    d.sessions.ip_login.emplace_back(AnyText(in), AnyText(in));
  }
  std::set<std::string> keys;
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) keys.insert(AnyText(in));
  for (const std::string& key : keys) {
    detect::SamplePage page;
    page.key = key;
    for (int m = in.ConsumeIntegralInRange(0, 2); m > 0; --m) {
      page.senders.emplace_back(AnyText(in), in.ConsumeIntegral<std::uint64_t>());
    }
    for (int m = in.ConsumeIntegralInRange(0, 2); m > 0; --m) {
      page.ips.emplace_back(AnyText(in), in.ConsumeIntegral<std::uint64_t>());
    }
    for (int m = in.ConsumeIntegralInRange(0, 2); m > 0; --m)
      page.recipients.push_back(AnyText(in));
    page.last = AnyTime(in);
    d.samples.push_back(std::move(page));
  }
}

state::Checkpoint Build(FuzzedDataProvider& in) {
  state::Checkpoint c;
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    state::SourceCheckpoint s;
    s.service = AnyText(in);
    s.dir = AnyText(in);
    s.position.device = in.ConsumeIntegral<std::uint64_t>();
    s.position.inode = in.ConsumeIntegral<std::uint64_t>();
    s.position.fingerprint = in.ConsumeIntegral<std::uint64_t>();
    s.position.fingerprint_len = in.ConsumeIntegralInRange<std::uint32_t>(
        0, static_cast<std::uint32_t>(state::kFingerprintBytes));
    s.position.offset = in.ConsumeIntegral<std::uint64_t>();
    if (in.ConsumeBool()) s.position.last_stamp = AnyTime(in);
    c.sources.push_back(std::move(s));
  }
  std::set<std::string> names;
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    state::RuleWindows w;
    w.rule = AnyText(in);
    if (!names.insert(w.rule).second) continue;
    w.kind = AnyKind(in);
    w.window = PositiveDuration(in);
    for (int k = in.ConsumeIntegralInRange(0, 3); k > 0; --k) {
      detect::KeyWindowState key;
      key.key = AnyText(in);
      std::int64_t index = in.ConsumeIntegral<std::int64_t>();
      for (int b = in.ConsumeIntegralInRange(0, 3); b > 0; --b) {
        key.buckets.push_back({index, in.ConsumeIntegral<std::uint64_t>(), AnyTime(in)});
        const std::int64_t step = in.ConsumeIntegralInRange<std::int64_t>(1, 1000);
        if (index > INT64_MAX - step) break;
        index += step;
      }
      for (int d = in.ConsumeIntegralInRange(0, 3); d > 0; --d) {
        detect::DistinctEntry e;
        e.value = AnyText(in);
        e.last = AnyTime(in);
        e.first = AnyTime(in);
        key.distinct.push_back(std::move(e));
      }
      w.keys.push_back(std::move(key));
    }
    w.evicted = in.ConsumeIntegral<std::uint64_t>();
    c.pipeline.detector.windows.push_back(std::move(w));
  }
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    relaywatch::alerting::Ledger::Entry e;
    e.rule = AnyText(in);
    e.key = AnyText(in);
    e.last_alert = AnyTime(in);
    e.last_count = in.ConsumeIntegral<std::uint64_t>();
    e.period = core::Duration(in.ConsumeIntegral<std::int64_t>());
    e.open = in.ConsumeBool();
    e.kind = AnyKind(in);
    e.limit = in.ConsumeIntegral<std::uint64_t>();
    e.window = core::Duration(in.ConsumeIntegral<std::int64_t>());
    c.pipeline.ledger.push_back(std::move(e));
  }
  relaywatch::pipeline::Stats& st = c.pipeline.stats;
  for (std::uint64_t* v : {&st.lines, &st.relay, &st.chkuser, &st.malformed, &st.unstamped,
                           &st.long_lines, &st.findings, &st.alerts}) {
    *v = in.ConsumeIntegral<std::uint64_t>();
  }
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    st.malformed_by_reason[AnyText(in)] = in.ConsumeIntegral<std::uint64_t>();
  }
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    st.malformed_samples.push_back(AnyText(in));
  }
  BuildDetectorExtras(in, c.pipeline.detector);
  c.pipeline.maintenance_slot = in.ConsumeIntegral<std::int64_t>();
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = relaywatch::fuzz::AsText(data, size);
  CheckDecode(text);
  CheckDecode(relaywatch::fuzz::Reseal(text));

  FuzzedDataProvider in(data, size);
  const state::Checkpoint c = Build(in);
  const std::string encoded = state::EncodeCheckpoint(c);
  core::Result<state::Checkpoint> back = state::DecodeCheckpoint(encoded);
  Check(back.ok(), "an encoded checkpoint does not decode",
        back.ok() ? encoded : back.error().message + "\n" + encoded);
  Check(Same(c, *back), "Decode(Encode(c)) != c", encoded);
  return 0;
}
