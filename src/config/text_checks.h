// Text checks for config values: names, logins, addresses, domains, paths, and the helpers the
// loader's messages need (quoting what was written, "did you mean", "a, b or c").
//
// Pure functions over strings. They decide what the loader accepts; the loader decides what to
// say. Anything that ends up in a mail header or an argv (addresses, host names, commands) is
// checked here to hold no whitespace or control bytes.
#ifndef RELAYWATCH_SRC_CONFIG_TEXT_CHECKS_H_
#define RELAYWATCH_SRC_CONFIG_TEXT_CHECKS_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace relaywatch::config::internal {

// A rule or channel name: a letter or digit, then letters, digits, '.', '_', '-'; at most 64.
bool IsName(std::string_view s);
// A domain or host name: letters, digits, '-', '_', and '.' between labels ("example.com").
bool IsDomain(std::string_view s);
// A login as vpopmail writes it: "bob" or "bob@example.com" (one '@', both sides non-empty);
// printable, no whitespace, none of the delimiters chkuser and mail headers use.
bool IsLogin(std::string_view s);
// "@example.com": every login of a domain.
bool IsDomainKey(std::string_view s);
// A mail address for from/to: local@domain, printable, no whitespace or header delimiters.
bool IsAddress(std::string_view s);
// A service name as a supervise directory has it ("submission", "qmail-smtpd").
bool IsServiceName(std::string_view s);
// An absolute path with no control bytes.
bool IsAbsolutePath(std::string_view s);
// True when `s` holds no control bytes (CR, LF, TAB, DEL, ...).
bool HasNoControlBytes(std::string_view s);

// `s` in double quotes, with '"', '\' and control bytes escaped (\n, \xNN) and anything past 60
// bytes cut to "...", so a message quoting it stays on one readable line.
std::string Quote(std::string_view s);

// The candidate closest to `word` (case-insensitive edit distance at most 2, and less than half
// the word), or nullopt.
std::optional<std::string_view> ClosestMatch(std::string_view word,
                                             std::span<const std::string_view> candidates);

// "a", "a or b", "a, b or c" (with `last_word` "or"); "and" likewise.
std::string JoinWords(std::span<const std::string_view> words, std::string_view last_word);

// Lowercases the domain part of "bob@Example.COM" and "@Example.com"; domains compare
// case-insensitively, local parts as written.
std::string LowercaseDomain(std::string_view login);

}  // namespace relaywatch::config::internal

#endif  // RELAYWATCH_SRC_CONFIG_TEXT_CHECKS_H_
