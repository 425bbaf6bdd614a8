// LoginKey: the Key a line is counted under.
//
// An authenticated line counts for its login, domain lowercased and local part as written
// ("Tom@EXAMPLE.com" -> "Tom@example.com"); an unauthenticated relaying line (RELAYCLIENT by IP)
// counts for "ip:ADDRESS". The detector and the report's per-login table both key by this.
#ifndef RELAYWATCH_DETECT_LOGIN_KEY_H_
#define RELAYWATCH_DETECT_LOGIN_KEY_H_

#include <string>
#include <string_view>

namespace relaywatch::detect {

std::string LoginKey(std::string_view auth_user, std::string_view remote_ip);

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_LOGIN_KEY_H_
