#include "relaywatch/deliver/envelope.h"

#include "relaywatch/deliver/detail_text.h"

namespace relaywatch::deliver {
namespace {

core::Error Refuse(std::string_view role, std::string_view address) {
  return core::Error{"refusing envelope " + std::string(role) + " \"" + EscapeDetail(address, 80) +
                     "\": an address must be printable ASCII without spaces, '<' or '>', not "
                     "start with '-', and be at most 254 bytes"};
}

}  // namespace

bool IsSafeAddress(std::string_view address) {
  if (address.empty() || address.size() > kMaxAddressLength || address.front() == '-') {
    return false;
  }
  for (char ch : address) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>') return false;
  }
  return true;
}

core::Status CheckEnvelope(const Envelope& envelope) {
  if (!envelope.from.empty() && !IsSafeAddress(envelope.from)) {
    return Refuse("sender", envelope.from);
  }
  if (envelope.to.empty()) return core::Error{"refusing envelope without recipients"};
  for (const auto& rcpt : envelope.to) {
    if (!IsSafeAddress(rcpt)) return Refuse("recipient", rcpt);
  }
  return core::OkStatus();
}

}  // namespace relaywatch::deliver
