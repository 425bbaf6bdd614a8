// LoginKey: the Key a line is counted under.
//
// An authenticated line counts for the account vpopmail authenticated: the login lowercased and
// split at vpopmail's first '@', '%' or '/' ("Tom@EXAMPLE.com" and "tom%example.com" ->
// "tom@example.com"). A login written without a domain is vpopmail's default domain: with
// `default_domain` set, "bob" counts as "bob@<default_domain>" (one login, however the client
// typed it); without it, "bob" stays as it is (lowercased). An unauthenticated relaying line
// (RELAYCLIENT by IP) counts for "ip:ADDRESS", the address in its one canonical spelling
// (parse::AppendCanonicalIp: "2001:DB8:0::5" -> "ip:2001:db8::5"). The detector, the sender
// policy's lists and the report's per-login table all key by this.
#ifndef RELAYWATCH_DETECT_LOGIN_KEY_H_
#define RELAYWATCH_DETECT_LOGIN_KEY_H_

#include <string>
#include <string_view>

namespace relaywatch::detect {

std::string LoginKey(std::string_view auth_user, std::string_view remote_ip,
                     std::string_view default_domain = {});

// True when LoginKey(auth_user, …, default_domain) is `auth_user` itself (the common case, which
// then costs no copy).
bool IsLoginKeyAsWritten(std::string_view auth_user, std::string_view default_domain);

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_LOGIN_KEY_H_
