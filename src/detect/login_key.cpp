#include "relaywatch/detect/login_key.h"

#include "relaywatch/parse/address.h"

namespace relaywatch::detect {

std::string LoginKey(std::string_view auth_user, std::string_view remote_ip,
                     std::string_view default_domain) {
  if (auth_user.empty()) return "ip:" + std::string(remote_ip);
  if (default_domain.empty() || auth_user.find('@') != std::string_view::npos) {
    return parse::NormalizeLogin(auth_user);
  }
  std::string key(auth_user);
  key.push_back('@');
  key.append(default_domain);
  return parse::NormalizeLogin(key);
}

bool IsLoginKeyAsWritten(std::string_view auth_user, std::string_view default_domain) {
  if (auth_user.empty() || parse::NeedsNormalization(auth_user)) return false;
  return default_domain.empty() || auth_user.find('@') != std::string_view::npos;
}

}  // namespace relaywatch::detect
