// AuthSpelling: whether a login, as a client typed it, is already the Key it is counted under.
//
// detect::LoginKey lowercases a login and splits it at vpopmail's first '@', '%' or '/'; most
// logins on a relaying line are written that way already, and then the login is its own Key with
// no copy made. SpellingOf answers that in one pass, eight bytes at a time: the parser asks it
// once per chkuser line (ChkuserEvent::auth_spelling), detect::IsLoginKeyAsWritten for any other
// login, so the detector's shards need not ask again on every line.
#ifndef RELAYWATCH_PARSE_AUTH_SPELLING_H_
#define RELAYWATCH_PARSE_AUTH_SPELLING_H_

#include <cstdint>
#include <string_view>

namespace relaywatch::parse {

enum class AuthSpelling : std::uint8_t {
  kUnknown,    // not looked at (an event not made by ParseChkuser), or empty
  kOther,      // an uppercase byte, or '%' or '/' before any '@': not its own Key
  kKey,        // lowercase, with '@' before any '%' or '/': its own Key
  kBareLogin,  // lowercase, no '@', '%' nor '/': its own Key unless a default domain is added
};

// kUnknown for an empty login; bytes from 0x80 up (UTF-8) are no case.
AuthSpelling SpellingOf(std::string_view login);

}  // namespace relaywatch::parse

#endif  // RELAYWATCH_PARSE_AUTH_SPELLING_H_
