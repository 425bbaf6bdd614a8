// Config: the typed form of /etc/relaywatch/relaywatch.yaml, with its defaults.
//
// Pure data. config/loader.h fills it from YAML and validates it; every consumer reads only this.
// The key names are a contract (DESIGN.md "Config"); config/options.h lists them with their help.
#ifndef RELAYWATCH_CONFIG_CONFIG_H_
#define RELAYWATCH_CONFIG_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "relaywatch/core/time.h"
#include "relaywatch/detect/rule_spec.h"

namespace relaywatch::config {

inline constexpr const char* kDefaultConfigPath = "/etc/relaywatch/relaywatch.yaml";

struct LogSource {
  std::string service;
  std::string dir;
};

struct SourcesConfig {
  std::string supervise_dir = "/var/qmail/supervise";  // empty = no discovery
  std::vector<std::string> services;                   // empty = every discovered service
  std::vector<LogSource> logs;                         // explicit, in addition
};

enum class Startup { kWarm, kTail };

enum class ChannelFormat { kSms, kEmail, kJson };
enum class ChannelVia { kSendmail, kSmtp, kExec };

struct ChannelConfig {
  std::string name;
  ChannelFormat format = ChannelFormat::kEmail;
  ChannelVia via = ChannelVia::kSendmail;
  std::vector<std::string> command;  // sendmail, exec: argv, no shell
  std::string from;
  std::vector<std::string> to;
  // smtp
  std::string host = "127.0.0.1";
  std::uint16_t port = 25;
  bool starttls = false;              // require STARTTLS
  bool tls_verify = true;             // verify certificate and host name when starttls
  std::string ca_file;                // empty = system store
  std::string username;               // AUTH when set
  std::string password_file;          // 0600 file holding the password
  bool allow_plaintext_auth = false;  // username without starttls: the password goes in clear
  core::Duration timeout = std::chrono::seconds(30);
  std::optional<std::uint32_t> max_per_hour;  // overrides alerts.max_per_hour
};

struct AlertsConfig {
  std::optional<core::Duration> repeat;  // nullopt = the rule's window
  std::optional<double> escalate;        // re-alert within `repeat` only when grown by this factor
  bool resolved = false;                 // send a notice when the key falls back under its limit
  std::uint32_t max_per_hour = 20;       // per channel; the overflow becomes one digest
  core::Duration max_age = std::chrono::hours(48);
  std::vector<ChannelConfig> channels;
};

// metrics: the Prometheus text file for node_exporter's textfile collector. textfile "" = off.
struct MetricsConfig {
  std::string textfile;  // an absolute path ending in .prom
  core::Duration every = std::chrono::seconds(15);
  friend bool operator==(const MetricsConfig&, const MetricsConfig&) = default;
};

// fleet: several relaywatch nodes (one per mail server) sharing one count per login and one page
// per incident through Redis (fleet/ and README "Several mail servers"). Absent = each node alone.
struct FleetConfig {
  bool enabled = false;            // a fleet: section is present (fleet: {} included)
  std::string socket;              // from `redis: unix:PATH`; when set, host and port are not used
  std::string host = "127.0.0.1";  // from `redis: HOST:PORT` or `[IPv6]:PORT` (without brackets)
  std::uint16_t port = 6379;
  std::string username;                // Redis 6 ACL user; empty = AUTH with the password alone
  std::string password_file;           // 0600 file holding the password; empty = no AUTH
  std::string prefix = "relaywatch:";  // of every Redis key relaywatch writes
  std::string node;  // this node's name; the loader fills it when enabled (default: hostname)
  core::Duration timeout = std::chrono::milliseconds(500);     // connect and each command
  core::Duration sync_every = std::chrono::milliseconds(100);  // counts are sent this often
  core::Duration node_timeout = std::chrono::seconds(60);      // silent longer: left the fleet
  friend bool operator==(const FleetConfig&, const FleetConfig&) = default;
};

struct Config {
  std::string path;      // where it was loaded from (for messages)
  std::string hostname;  // default: the machine's name (filled by the loader)
  std::string state_dir = "/var/lib/relaywatch";
  Startup startup = Startup::kWarm;
  SourcesConfig sources;
  std::string default_domain;  // for logins without '@'; empty = none
  std::vector<detect::RuleSpec> rules;
  AlertsConfig alerts;
  MetricsConfig metrics;
  FleetConfig fleet;
};

}  // namespace relaywatch::config

#endif  // RELAYWATCH_CONFIG_CONFIG_H_
