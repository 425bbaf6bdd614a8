#include "relaywatch/detect/login_key.h"

#include "relaywatch/parse/address.h"
#include "relaywatch/parse/auth_spelling.h"
#include "relaywatch/parse/ip_address.h"

namespace relaywatch::detect {
namespace {

// vpopmail's parse_email: the user ends at the first of its ATCHARS.
constexpr std::string_view kAtChars = "@%/";

}  // namespace

std::string LoginKey(std::string_view auth_user, std::string_view remote_ip,
                     std::string_view default_domain) {
  if (auth_user.empty()) {
    // One key per address, however the log spelt it ("2001:DB8::5" is "2001:db8::5").
    std::string key = "ip:";
    parse::AppendCanonicalIp(remote_ip, key);
    return key;
  }
  // The account vpopmail authenticates: user and domain lowercased (every vauth backend lowers
  // both), split at '@', '%' or '/'. "Dan", "DAN%Example.com" and "dan@example.com" are one
  // mailbox, so one key: a stolen password typed in three cases must not get three windows.
  std::string key = parse::LowerAscii(auth_user);
  const std::size_t at = key.find_first_of(kAtChars);
  if (at != std::string::npos) {
    key[at] = '@';
  } else if (!default_domain.empty()) {
    key.push_back('@');
    key += parse::LowerAscii(default_domain);
  }
  return key;
}

bool IsLoginKeyAsWritten(std::string_view auth_user, std::string_view default_domain) {
  // The parser's answer for a chkuser line's login (parse/auth_spelling.h), asked here of any.
  const parse::AuthSpelling spelling = parse::SpellingOf(auth_user);
  return spelling == parse::AuthSpelling::kKey ||
         (spelling == parse::AuthSpelling::kBareLogin && default_domain.empty());
}

}  // namespace relaywatch::detect
