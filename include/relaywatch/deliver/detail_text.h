// DetailText: a transport's own words (an SMTP reply, a program's stderr) made safe for a log line.
//
// What a server or a program says is untrusted: it may hold control bytes, ANSI escapes, invalid
// UTF-8 or megabytes of noise. EscapeDetail keeps printable ASCII, writes everything else as a C
// escape (\n, \r, \t, \\, \xHH), and cuts the result at a byte limit with "...", so a
// DeliveryResult's detail is always one bounded line.
#ifndef RELAYWATCH_DELIVER_DETAIL_TEXT_H_
#define RELAYWATCH_DELIVER_DETAIL_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace relaywatch::deliver {

inline constexpr std::size_t kDetailLimit = 512;

// `text` with trailing whitespace dropped and non-printable bytes escaped; at most `limit` bytes,
// ending in "..." when cut (an escape is never cut in half).
std::string EscapeDetail(std::string_view text, std::size_t limit = kDetailLimit);

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_DETAIL_TEXT_H_
