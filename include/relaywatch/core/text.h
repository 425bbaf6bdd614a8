// Hostile-text helpers: every field of a log line is attacker-controlled.
//
// A login, sender, HELO or recipient can hold CR, LF, NUL, terminal escapes, bidi overrides,
// invalid UTF-8 or ten kilobytes of padding. These functions turn such bytes into text that is
// safe where it goes: SanitizeField for alert bodies and subjects (valid UTF-8, no control
// characters, bounded), ToAsciiSafe for SMS (printable ASCII only, bounded), EscapeForLog for the
// daemon's own log lines and report text (reversible \xNN escapes, nothing hidden), and
// IsSafeFileName for names used under state_dir. None of them fails; all are pure.
//
// "Control" here means what can break a line or fool a reader: C0 (0x00-0x1F, TAB included),
// DEL (0x7F), the C1 range U+0080-U+009F, the line and paragraph separators U+2028/U+2029, and the
// bidirectional marks and overrides (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069).
#ifndef RELAYWATCH_CORE_TEXT_H_
#define RELAYWATCH_CORE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace relaywatch::core {

// Length (2..4) of the well-formed UTF-8 sequence starting at s[i], or 0 when the byte there
// does not start one (ASCII bytes, stray continuation bytes, overlongs, surrogates, code points
// past U+10FFFF and sequences cut by the end of `s` all give 0). Requires i < s.size().
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i);

// The code point of the well-formed sequence of length `n` at s[i] (as Utf8SequenceLength gave).
std::uint32_t Utf8Decode(std::string_view s, std::size_t i, std::size_t n);

// True for the code points listed above as "control".
bool IsControlCodePoint(std::uint32_t cp);

// Text for alert bodies and subjects: each control character, and each byte that is not part of
// well-formed UTF-8, replaced by '?' (never dropped: the text must not read as another address).
// When the result would exceed `max_len` bytes it is cut on a character boundary and ends in "..."
// (the "..." counts: the result is never longer than max_len; with max_len < 3 only as many dots as
// fit).
std::string SanitizeField(std::string_view s, std::size_t max_len);

// Text for SMS: like SanitizeField, but every non-ASCII character (and every byte that is not
// UTF-8) becomes one '?', so the result is printable ASCII (0x20-0x7E) only.
std::string ToAsciiSafe(std::string_view s, std::size_t max_len);

// Text for the daemon's own log lines and report output: printable ASCII and well-formed
// non-control UTF-8 pass unchanged, a backslash becomes "\\", and every other byte (controls, DEL,
// the bytes of C1/bidi characters, bytes that are not UTF-8) becomes "\xNN" in lowercase hex.
// Nothing is dropped, so the original can be recovered; the result never holds a control byte.
// Log messages follow djb: "warning: unable to open " + EscapeForLog(path) + ": reason; retrying
// in 5s".
std::string EscapeForLog(std::string_view s);

// True when `name` can be used as one file name in a directory relaywatch owns without any
// interpretation: 1..255 bytes of [A-Za-z0-9._@+-], not starting with '.' or '-' (so never ".",
// "..", a hidden file or an option-looking argument), no '/', no NUL.
bool IsSafeFileName(std::string_view name);

// Display columns of text made printable (EscapeForLog leaves printable UTF-8 as it is): its code
// points, so "…" is one column, not three bytes.
std::size_t Columns(std::string_view s);
// `s` with spaces after (PadRight) or before (PadLeft) it to `n` columns; wider text stays as it
// is. The text tables of report, explain and fleet status line up with these.
std::string PadRight(std::string s, std::size_t n);
std::string PadLeft(std::string_view s, std::size_t n);

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_TEXT_H_
