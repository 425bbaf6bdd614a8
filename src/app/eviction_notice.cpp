#include "relaywatch/app/eviction_notice.h"

#include "relaywatch/core/text.h"

namespace relaywatch::app {

std::optional<std::string> EvictionNotice::Check(const detect::WindowStore& store,
                                                 const std::vector<detect::RuleSpec>& rules,
                                                 std::chrono::steady_clock::time_point now) {
  const std::uint64_t evicted = store.Evicted();
  if (evicted == warned_ || (last_ && now - *last_ < kEvery)) return std::nullopt;
  const std::uint64_t n = evicted - warned_;
  std::string full;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (store.RuleKeyCount(i) < rules[i].max_keys) continue;
    full += full.empty() ? "" : ", ";
    full +=
        core::EscapeForLog(rules[i].name) + " (max_keys " + std::to_string(rules[i].max_keys) + ")";
  }
  std::string msg = std::to_string(n) + (n == 1 ? " key" : " keys") + " evicted" +
                    (last_ ? " in the last " + std::to_string(kEvery.count()) + "s" : "") +
                    ": a full rule gave up the key idle longest, and its count, for a new one" +
                    (full.empty() ? "" : "; full now: " + full) +
                    ". So many distinct logins at once are likely forged (AUTH=); raise "
                    "max_keys if they are real";
  warned_ = evicted;
  last_ = now;
  return msg;
}

}  // namespace relaywatch::app
