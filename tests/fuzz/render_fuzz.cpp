// Fuzzes the renderers with any Alert (any bytes in every text field, any numbers and times,
// every kind and state) and any mail header fields. Invariants (see fuzz_alert.h): the SMS is
// 1..160 printable ASCII characters; the email subject is that text and its body is UTF-8 with no
// control byte and no line over 998 bytes; the messages BuildRfc5322 makes for the email and SMS
// channels have only CRLF line ends, header lines of printable ASCII within 998 bytes and encoded
// body lines within 76; the JSON parses (strict RFC 8259), is one line with no raw control byte,
// and gives the key and rule back as they were when they are UTF-8.
#include <cstddef>
#include <cstdint>

#include "fuzz_alert.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace core = relaywatch::core;
  FuzzedDataProvider in(data, size);
  const relaywatch::alerting::Alert alert = relaywatch::fuzz::BuildAlert(in);
  relaywatch::alerting::MailHeader header;
  header.from = relaywatch::fuzz::AnyField(in);
  for (int n = in.ConsumeIntegralInRange(0, 4); n > 0; --n) {
    header.to.push_back(relaywatch::fuzz::AnyField(in));
  }
  header.date = relaywatch::fuzz::AnyTime(in);
  header.date_utc_offset_seconds = in.ConsumeIntegral<std::int64_t>();
  header.message_id = relaywatch::fuzz::AnyField(in);
  const core::LocalZone zone =
      core::LocalZone::Fixed(in.ConsumeIntegralInRange<std::int64_t>(-14 * 3600, 14 * 3600));
  relaywatch::fuzz::CheckRenderers(alert, zone, header);
  return 0;
}
