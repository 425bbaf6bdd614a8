#include "relaywatch/detect/rule_spec.h"

#include <type_traits>

namespace relaywatch::detect {

RuleKind RuleSpec::kind() const {
  return std::visit([](const auto& p) { return std::decay_t<decltype(p)>::kKind; }, params);
}

}  // namespace relaywatch::detect
