#include "relaywatch/parse/address.h"

namespace relaywatch::parse {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

AddressParts SplitAddress(std::string_view addr) {
  const std::size_t at = addr.rfind('@');
  if (at == std::string_view::npos) return AddressParts{addr, {}, false};
  return AddressParts{addr.substr(0, at), addr.substr(at + 1), true};
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

bool DomainEquals(std::string_view a, std::string_view b) { return EqualsIgnoreCase(a, b); }

std::string NormalizeLogin(std::string_view login) {
  std::string out(login);
  const std::size_t at = login.rfind('@');
  if (at == std::string_view::npos) return out;
  for (std::size_t i = at + 1; i < out.size(); ++i) out[i] = LowerAscii(out[i]);
  return out;
}

}  // namespace relaywatch::parse
