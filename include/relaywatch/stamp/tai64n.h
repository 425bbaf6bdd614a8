// TAI64N labels: the "@4000000069f6a1b2…" stamps multilog's `t` action writes and names its
// archives with.
//
// A label is '@' and exactly 24 hex digits: 16 for the TAI64 seconds (2^62 + TAI seconds since
// 1970), 8 for the nanoseconds. Like daemontools' tai64nlocal we take TAI - UTC as 10 s, so
// Unix seconds = label seconds - 2^62 - 10; unlike it we never misread a bad label (tai64nlocal
// reads any number of digits and crashes on an out-of-range one). Upper- and lowercase hex are
// both accepted (multilog writes lowercase). A label is rejected when its nanoseconds are
// >= 10^9 or its instant is outside Timestamp's range (1677-09-21 .. 2262-04-11); labels before
// 1970 (below 2^62 + 10) are TAI64's own and accepted, so Parse and Format are inverses over
// the whole Timestamp range: ParseTai64nLabel(FormatTai64nLabel(t)) == t for every t.
#ifndef RELAYWATCH_STAMP_TAI64N_H_
#define RELAYWATCH_STAMP_TAI64N_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "relaywatch/core/time.h"

namespace relaywatch::stamp {

// Length of a label: '@' + 24 hex digits.
inline constexpr std::size_t kTai64nLabelSize = 25;

// The instant of `label`, which must be exactly a label (no text before or after).
// Returns nullopt for anything else: 23 or 25 digits, a non-hex digit, nanoseconds >= 10^9,
// an instant Timestamp cannot hold.
std::optional<core::Timestamp> ParseTai64nLabel(std::string_view label);

// The lowercase label of `t`, as multilog would write it; always kTai64nLabelSize bytes.
std::string FormatTai64nLabel(core::Timestamp t);

}  // namespace relaywatch::stamp

#endif  // RELAYWATCH_STAMP_TAI64N_H_
