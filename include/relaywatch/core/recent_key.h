// RecentKey: the value a map lookup found last, remembered by its key.
//
// A message's recipients are consecutive log lines of one login, and one line's rules all ask
// about the same login, so most lookups ask for the key asked for just before: then this one
// string comparison replaces a hash lookup. The pointer is into a map whose values stay put when
// others are inserted (node-based, or core::KeyTable); whoever erases from that map, or replaces
// it, must Forget().
#ifndef RELAYWATCH_CORE_RECENT_KEY_H_
#define RELAYWATCH_CORE_RECENT_KEY_H_

#include <string>
#include <string_view>

#include "relaywatch/core/same_bytes.h"

namespace relaywatch::core {

template <typename V>
class RecentKey {
 public:
  // The value remembered for `key`; nullptr when the last lookup was of another key.
  V* Get(std::string_view key) const {
    return value_ != nullptr && SameBytes(key, key_) ? value_ : nullptr;
  }
  void Remember(std::string_view key, V* value) {
    key_.assign(key);
    value_ = value;
  }
  void Forget() { value_ = nullptr; }

 private:
  std::string key_;
  V* value_ = nullptr;
};

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_RECENT_KEY_H_
