#include "relaywatch/detect/login_key.h"

#include "relaywatch/parse/address.h"

namespace relaywatch::detect {

std::string LoginKey(std::string_view auth_user, std::string_view remote_ip) {
  if (auth_user.empty()) return "ip:" + std::string(remote_ip);
  return parse::NormalizeLogin(auth_user);
}

}  // namespace relaywatch::detect
