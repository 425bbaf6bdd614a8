// IP address text: recognising IPv4 and IPv6 literals as qmail tools print them.
//
// tcpserver, qmail-smtpd, chkuser and simscan print the client address in fields that are
// themselves separated by ':', and an IPv6 address ("2001:db8::5", "::ffff:192.0.2.7") is full of
// ':'. These pure functions let the parsers find where an address starts without splitting on ':'.
// They never allocate and accept only the literal forms (no zone ids, no brackets, no ports).
#ifndef RELAYWATCH_PARSE_IP_ADDRESS_H_
#define RELAYWATCH_PARSE_IP_ADDRESS_H_

#include <cstddef>
#include <optional>
#include <string_view>

namespace relaywatch::parse {

// True for a dotted quad "a.b.c.d" with each part 0-255 written in 1 to 3 digits.
bool IsIpv4(std::string_view text);

// True for an RFC 4291 IPv6 text address: up to eight groups of 1-4 hex digits, at most one "::",
// optionally ending in a dotted quad ("::ffff:192.0.2.7").
bool IsIpv6(std::string_view text);

// True when `text` is an IPv4 or IPv6 literal.
bool IsIpAddress(std::string_view text);

// An IPv4-mapped IPv6 address ("::ffff:192.0.2.7", as an IPv6 tcpserver logs an IPv4 client) as
// the IPv4 address it is ("192.0.2.7"), so one client is one address whichever service it used;
// anything else as it is. A view into `ip`.
std::string_view WithoutV4Mapping(std::string_view ip);

// For "PREFIX:ADDRESS" where ADDRESS may itself contain ':', returns the index of the ':' that
// starts the longest suffix that is an IP literal, or nullopt when no suffix after a ':' is one.
// "unknown:2001:db8::5" gives 7; "h:unknown:::ffff:1.2.3.4" gives 9.
std::optional<std::size_t> FindIpSeparator(std::string_view text);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_IP_ADDRESS_H_
