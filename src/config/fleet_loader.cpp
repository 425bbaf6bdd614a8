#include "fleet_loader.h"

#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "relaywatch/fleet/fleet_keys.h"
#include "text_checks.h"

namespace relaywatch::config::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kRedisWhat =
    "HOST:PORT, [IPv6]:PORT or unix:/absolute/path like 127.0.0.1:6379";
constexpr std::string_view kPrefixWhat =
    "a key prefix of 1 to 64 letters, digits, ':', '.', '_' and '-', like relaywatch:";
constexpr std::string_view kNodeWhat =
    "a node name of 1 to 64 letters, digits, '.', '_' and '-', like mx1";
// sockaddr_un::sun_path is 108 bytes on Linux, its terminating NUL included.
constexpr std::size_t kMaxSocketPath = 107;

// Where Redis listens, as `redis:` gives it.
struct Endpoint {
  std::string socket;
  std::string host;
  std::uint16_t port = 0;
};

// Hex digits, ':' and '.' (an IPv4 tail, "::ffff:10.0.0.1"), with at least one ':'.
bool IsIpv6(std::string_view s) {
  return s.find(':') != std::string_view::npos &&
         s.find_first_not_of("0123456789abcdefABCDEF:.") == std::string_view::npos;
}

// "6379" -> 6379; plain digits in 1..65535 only.
std::optional<std::uint16_t> ParsePort(std::string_view s) {
  if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  unsigned value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  if (value < 1 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// "unix:/run/redis.sock", "[::1]:6380", "10.0.0.5:6379", "redis.example.com:6379". A bare IPv6
// address ("::1:6379") is refused: where its port starts is a guess.
std::optional<Endpoint> ParseEndpoint(std::string_view text) {
  Endpoint out;
  if (text.starts_with("unix:")) {
    std::string_view path = text.substr(5);
    if (!IsAbsolutePath(path) || path.size() == 1) return std::nullopt;
    out.socket = std::string(path);
    return out;
  }
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  std::optional<std::uint16_t> port = ParsePort(text.substr(colon + 1));
  if (!port) return std::nullopt;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (!IsIpv6(host)) return std::nullopt;
  } else if (!IsDomain(host)) {
    return std::nullopt;
  }
  out.host = std::string(host);
  out.port = *port;
  return out;
}

// A duration as core::ParseDuration reads it ("10s", "1m") or in milliseconds ("500ms"); the
// fleet's durations are the only ones below a second.
std::optional<core::Duration> ParseFineDuration(std::string_view text) {
  if (!text.ends_with("ms")) return core::ParseDuration(text);
  std::string_view digits = text.substr(0, text.size() - 2);
  if (digits.empty() || digits.size() > 12 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::int64_t n = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (n == 0) return std::nullopt;
  return milliseconds(n);
}

// A duration in [min, max]; `what` states the bounds and an example, as the error says them.
core::Result<core::Duration> ReadBoundedDuration(const Reporter& reporter, const Field& field,
                                                 core::Duration min, core::Duration max,
                                                 std::string_view what) {
  auto text = ReadScalar(reporter, field, what);
  if (!text) return text.error();
  std::optional<core::Duration> value = ParseFineDuration(*text);
  if (!value || *value < min || *value > max) return reporter.Expected(field, what);
  return *value;
}

core::Status ReadRedis(const Reporter& reporter, const Mapping& fleet, FleetConfig& out) {
  const Field* redis = fleet.Find("redis");
  if (redis == nullptr) return core::OkStatus();
  auto text = ReadScalar(reporter, *redis, kRedisWhat);
  if (!text) return text.error();
  std::optional<Endpoint> endpoint = ParseEndpoint(*text);
  if (!endpoint) return reporter.Expected(*redis, kRedisWhat);
  if (endpoint->socket.size() > kMaxSocketPath) {
    return reporter.At(*redis, "the socket path is " + std::to_string(endpoint->socket.size()) +
                                   " bytes long; a unix socket path holds at most " +
                                   std::to_string(kMaxSocketPath));
  }
  out.socket = std::move(endpoint->socket);
  if (out.socket.empty()) {
    out.host = std::move(endpoint->host);
    out.port = endpoint->port;
  }
  return core::OkStatus();
}

// username needs password_file; password_file alone is AUTH with the password only (Redis's
// requirepass, or the ACL user "default").
core::Status ReadCredentials(const Reporter& reporter, const Mapping& fleet, FleetConfig& out) {
  const Field* username = fleet.Find("username");
  const Field* password_file = fleet.Find("password_file");
  if (username != nullptr) {
    auto text = ReadChecked(reporter, *username, "a user name without spaces", IsLogin);
    if (!text) return text.error();
    if (password_file == nullptr) {
      return reporter.At(*username, "needs password_file (the file holding the password)");
    }
    out.username = std::move(*text);
  }
  if (password_file != nullptr) {
    auto path = ReadChecked(reporter, *password_file, "an absolute path", IsAbsolutePath);
    if (!path) return path.error();
    out.password_file = std::move(*path);
  }
  return core::OkStatus();
}

core::Status ReadNames(const Reporter& reporter, const Mapping& fleet, std::string_view hostname,
                       FleetConfig& out) {
  if (const Field* prefix = fleet.Find("prefix")) {
    auto text = ReadChecked(reporter, *prefix, kPrefixWhat, fleet::IsValidPrefix);
    if (!text) return text.error();
    out.prefix = std::move(*text);
  }
  if (const Field* node = fleet.Find("node")) {
    auto text = ReadChecked(reporter, *node, kNodeWhat, fleet::IsValidNodeName);
    if (!text) return text.error();
    out.node = std::move(*text);
  } else if (fleet::IsValidNodeName(hostname)) {
    out.node = std::string(hostname);
  } else {
    // The machine's name is not checked like a hostname setting, and a host name may be longer.
    return reporter.At(fleet.self(), "missing key node (the hostname " + Quote(hostname) +
                                         " is not " + std::string(kNodeWhat) + ")");
  }
  return core::OkStatus();
}

core::Status ReadDurations(const Reporter& reporter, const Mapping& fleet, FleetConfig& out) {
  if (const Field* timeout = fleet.Find("timeout")) {
    auto value = ReadBoundedDuration(reporter, *timeout, milliseconds(1), seconds(10),
                                     "a duration above 0 and at most 10s, like 500ms");
    if (!value) return value.error();
    out.timeout = *value;
  }
  if (const Field* sync_every = fleet.Find("sync_every")) {
    auto value = ReadBoundedDuration(reporter, *sync_every, milliseconds(10), seconds(10),
                                     "a duration from 10ms to 10s, like 100ms");
    if (!value) return value.error();
    out.sync_every = *value;
  }
  if (const Field* node_timeout = fleet.Find("node_timeout")) {
    auto value = ReadBoundedDuration(reporter, *node_timeout, seconds(1), core::Duration::max(),
                                     "a duration of at least 1s, like 60s");
    if (!value) return value.error();
    out.node_timeout = *value;
    // Otherwise every node would seem to leave the fleet between two of its own syncs. Only a
    // sync_every that is set can reach 1s, so its text is the one to quote.
    if (const Field* sync_every = fleet.Find("sync_every");
        sync_every != nullptr && out.node_timeout <= out.sync_every) {
      return reporter.At(*node_timeout,
                         "must be longer than sync_every (" + sync_every->node.Scalar() + ")");
    }
  }
  return core::OkStatus();
}

}  // namespace

core::Result<FleetConfig> ReadFleet(const Reporter& reporter, const Field& field,
                                    std::string_view hostname) {
  auto fleet = ReadMapping(reporter, field, "fleet");
  if (!fleet) return fleet.error();
  FleetConfig out;
  out.enabled = true;
  if (auto status = ReadRedis(reporter, *fleet, out); !status) return status.error();
  if (auto status = ReadCredentials(reporter, *fleet, out); !status) return status.error();
  if (auto status = ReadNames(reporter, *fleet, hostname, out); !status) return status.error();
  if (auto status = ReadDurations(reporter, *fleet, out); !status) return status.error();
  return out;
}

}  // namespace relaywatch::config::internal
