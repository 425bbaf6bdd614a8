// Fuzzes the spooled-alert codec (state/alert_codec.h) two ways with each input:
//   - as text: DecodeSpooledAlert of the bytes as they are and resealed with a right checksum line
//     never crashes, and a document it accepts is canonical once re-encoded:
//     Decode(Encode(Decode(x))) == Decode(x);
//   - as a recipe: any SpooledAlert built from the bytes (any field bytes, numbers, times, kind,
//     state, unit) comes back field for field: Decode(Encode(s)) == s.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_alert.h"
#include "relaywatch/state/alert_codec.h"

namespace {

namespace core = relaywatch::core;
namespace state = relaywatch::state;
using relaywatch::fuzz::Check;

bool SameFinding(const relaywatch::detect::Finding& a, const relaywatch::detect::Finding& b) {
  return a.rule == b.rule && a.kind == b.kind && a.unit == b.unit && a.key == b.key &&
         a.count == b.count && a.limit == b.limit && a.window == b.window && a.first == b.first &&
         a.last == b.last && a.service == b.service && a.basis == b.basis && a.detail == b.detail &&
         a.sample.senders == b.sample.senders && a.sample.remote_ips == b.sample.remote_ips &&
         a.sample.recipients == b.sample.recipients;
}

bool Same(const state::SpooledAlert& a, const state::SpooledAlert& b) {
  return a.alert.id == b.alert.id && a.alert.state == b.alert.state &&
         a.alert.host == b.alert.host && SameFinding(a.alert.finding, b.alert.finding) &&
         a.alert.previous_count == b.alert.previous_count &&
         a.alert.digest_count == b.alert.digest_count &&
         a.alert.digest_text == b.alert.digest_text && a.attempts == b.attempts &&
         a.first_spooled == b.first_spooled && a.next_attempt == b.next_attempt &&
         a.last_error == b.last_error;
}

void CheckDecode(std::string_view text) {
  core::Result<state::SpooledAlert> first = state::DecodeSpooledAlert(text);
  if (!first) {
    Check(!first.error().message.empty(), "empty error message", text);
    return;
  }
  const std::string again = state::EncodeSpooledAlert(*first);
  core::Result<state::SpooledAlert> second = state::DecodeSpooledAlert(again);
  Check(second.ok(), "a re-encoded spooled alert does not decode", again);
  Check(Same(*first, *second), "Decode(Encode(Decode(x))) != Decode(x)", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = relaywatch::fuzz::AsText(data, size);
  CheckDecode(text);
  CheckDecode(relaywatch::fuzz::Reseal(text));

  FuzzedDataProvider in(data, size);
  state::SpooledAlert s;
  s.alert = relaywatch::fuzz::BuildAlert(in);
  s.attempts = in.ConsumeIntegral<std::uint32_t>();
  s.first_spooled = relaywatch::fuzz::AnyTime(in);
  s.next_attempt = relaywatch::fuzz::AnyTime(in);
  s.last_error = relaywatch::fuzz::AnyField(in);
  const std::string encoded = state::EncodeSpooledAlert(s);
  core::Result<state::SpooledAlert> back = state::DecodeSpooledAlert(encoded);
  Check(back.ok(), "an encoded spooled alert does not decode",
        back.ok() ? encoded : back.error().message + "\n" + encoded);
  Check(Same(s, *back), "Decode(Encode(s)) != s", encoded);
  return 0;
}
