// EvictionNotice: the daemon's warning that full rules are evicting keys (rules[].max_keys).
//
// A flood of forged logins evicts one key per line; the log gets the first eviction at once and
// then at most one line a minute with the count since the previous one, never a line per key.
#ifndef RELAYWATCH_APP_EVICTION_NOTICE_H_
#define RELAYWATCH_APP_EVICTION_NOTICE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "relaywatch/detect/rule_spec.h"
#include "relaywatch/detect/window_store.h"

namespace relaywatch::app {

class EvictionNotice {
 public:
  static constexpr std::chrono::seconds kEvery{60};

  // The warning to log at `now` about what `store` evicted since the last one, if it is time.
  std::optional<std::string> Check(const detect::WindowStore& store,
                                   const std::vector<detect::RuleSpec>& rules,
                                   std::chrono::steady_clock::time_point now);

 private:
  std::uint64_t warned_ = 0;  // store.Evicted() at the last warning
  std::optional<std::chrono::steady_clock::time_point> last_;
};

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_EVICTION_NOTICE_H_
