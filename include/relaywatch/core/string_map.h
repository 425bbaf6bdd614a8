// StringMap, StringSet: hash containers keyed by std::string and looked up by std::string_view.
//
// Logins, services and addresses come out of a log line as views into it; looking them up must
// not build a std::string per line. These containers hash and compare a view against the stored
// strings directly (C++20 heterogeneous lookup).
#ifndef RELAYWATCH_CORE_STRING_MAP_H_
#define RELAYWATCH_CORE_STRING_MAP_H_

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace relaywatch::core {

struct StringViewHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <typename V>
using StringMap = std::unordered_map<std::string, V, StringViewHash, std::equal_to<>>;
using StringSet = std::unordered_set<std::string, StringViewHash, std::equal_to<>>;

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_STRING_MAP_H_
