// IP address text: recognising IPv4 and IPv6 literals as qmail tools print them.
//
// tcpserver, qmail-smtpd, chkuser and simscan print the client address in fields that are
// themselves separated by ':', and an IPv6 address ("2001:db8::5", "::ffff:192.0.2.7") is full of
// ':'. These pure functions let the parsers find where an address starts without splitting on ':'.
// They accept only the literal forms (no zone ids, no brackets, no ports).
//
// One address has many spellings ("2001:DB8::5", "2001:db8:0:0:0:0:0:5", "2001:0db8::0005"), and
// a Key or a distinct set must hold one: CanonicalIp gives the RFC 5952 text (lowercase hex,
// leading zeros dropped, the longest run of two or more zero groups -- the first of equals --
// written "::"). An IPv4-mapped address ("::ffff:1.2.3.4" or "::ffff:102:304") is the IPv4
// address it maps, as WithoutV4Mapping gives it, so one client is one address whichever service
// it used. An IPv4 part written with leading zeros ("010.1.2.3", never written by tcpserver,
// whose TCPREMOTEIP qmail logs) is read as decimal, as IsIpv4 accepts it: "10.1.2.3".
// Only IsCanonicalIp's "no" costs more than a scan: the usual IPv4 text is checked in one pass
// and nothing here allocates unless it appends.
#ifndef RELAYWATCH_PARSE_IP_ADDRESS_H_
#define RELAYWATCH_PARSE_IP_ADDRESS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace relaywatch::parse {

// True for a dotted quad "a.b.c.d" with each part 0-255 written in 1 to 3 digits.
bool IsIpv4(std::string_view text);

// The 32 bits of an IPv4 address in its canonical text (four parts 0-255 without leading
// zeros, as AppendCanonicalIp writes it: "192.0.2.7"); nullopt for anything else, so distinct
// texts never give the same bits. Ipv4Text is the way back.
std::optional<std::uint32_t> Ipv4Bits(std::string_view canonical);
std::string Ipv4Text(std::uint32_t bits);

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
// The same, and Ipv4Bits of the address found (on the usual chkuser line, a canonical IPv4
// address after a host name, read once where checking it and then reading its bits read it
// twice); nullopt when none is found.
std::optional<std::size_t> FindIpSeparator(std::string_view text,
                                           std::optional<std::uint32_t>& ipv4);

// True when AppendCanonicalIp would append `ip` unchanged: an address already in its canonical
// form, or text that is no address at all ("unknown", "(null)"). Allocates nothing.
bool IsCanonicalIp(std::string_view ip);

// Appends the canonical text of the address `ip` to `out`; text that is no address as it is.
void AppendCanonicalIp(std::string_view ip, std::string& out);

// The canonical text of `ip`, for one address at a time, with no copy in the usual case: a view
// of `ip` itself when IsCanonicalIp(ip), else of a buffer reused from call to call (valid until
// the next call).
class CanonicalIpText {
 public:
  std::string_view Of(std::string_view ip);

 private:
  std::string buffer_;
};

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_IP_ADDRESS_H_
