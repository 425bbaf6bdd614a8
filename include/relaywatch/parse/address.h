// Mail addresses and logins: splitting and comparing them the way mail servers do.
//
// Domains compare ASCII case-insensitively, local parts exactly as written (DESIGN.md). These
// helpers are pure; all but NormalizeLogin and LowerAscii(string) are allocation-free and return
// views into their input, so detect can call them on every line.
#ifndef RELAYWATCH_PARSE_ADDRESS_H_
#define RELAYWATCH_PARSE_ADDRESS_H_

#include <string>
#include <string_view>

namespace relaywatch::parse {

struct AddressParts {
  std::string_view local;   // everything before the last '@' (the whole text when there is none)
  std::string_view domain;  // everything after the last '@'; empty when there is none
  bool has_at = false;
};

// Splits at the last '@', as qmail and chkuser do: a quoted local part may contain '@'.
AddressParts SplitAddress(std::string_view addr);

// ASCII case-insensitive equality; bytes outside A-Z compare exactly.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// True when two domains are the same domain: ASCII case-insensitive.
bool DomainEquals(std::string_view a, std::string_view b);

// ASCII lowercase: of one byte, and of a string (bytes outside A-Z as they are).
char LowerAscii(char c);
std::string LowerAscii(std::string_view s);

// The login with its domain lowercased and its local part as written ("Tom@EXAMPLE.com" ->
// "Tom@example.com"); a login without '@' is returned unchanged.
std::string NormalizeLogin(std::string_view login);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_ADDRESS_H_
