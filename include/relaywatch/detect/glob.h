// Glob patterns for allow-lists: '*' any run, '?' one character, "[abc]"/"[a-z]"/"[!x]" a class.
//
// Matching is case-insensitive in ASCII, because the patterns are addresses and domains compare
// case-insensitively; local parts that differ only in case are rare enough to accept.
#ifndef RELAYWATCH_DETECT_GLOB_H_
#define RELAYWATCH_DETECT_GLOB_H_

#include <optional>
#include <string>
#include <string_view>

namespace relaywatch::detect {

// Why `pattern` is not a valid glob (e.g. "unclosed '['"), or nullopt when it is.
std::optional<std::string> GlobError(std::string_view pattern);

// True when `text` matches the whole of `pattern`. An invalid pattern matches nothing.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_GLOB_H_
