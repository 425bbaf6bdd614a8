#include "relaywatch/config/options.h"

#include <array>

namespace relaywatch::config {
namespace {

// Keep in step with config/relaywatch.yaml (a test checks that every key appears there) and with
// the defaults in config.h and the loader (a test checks the ones that are values).
constexpr std::array kOptions = std::to_array<Option>({
    {"hostname", "string", "the machine's name", "",
     "Name of this server, shown in every alert so you know which relay it is about."},
    {"state_dir", "path", "/var/lib/relaywatch", "",
     "Directory for the checkpoint (log positions, window counts, alerts sent) and the spool of "
     "alerts waiting to go out. It must belong to the user relaywatch runs as and be writable "
     "by no one else (created 0700 when missing; an existing one is refused, never chmod-ed)."},
    {"startup", "warm|tail", "warm", "",
     "Where to start reading when there is no checkpoint yet: warm reads the logs that are "
     "already there to fill the windows (history older than alerts.max_age is counted but never "
     "alerted), tail starts at the end of each log."},
    {"sources", "section", "", "", "Which qmail logs to follow."},
    {"sources.supervise_dir", "path", "/var/qmail/supervise", "",
     "Where the supervised qmail services live: relaywatch reads each */log/run to find the "
     "multilog directories. \"\" turns discovery off."},
    {"sources.services", "list of service names", "every discovered service", "",
     "Which discovered services to follow, by directory name (submission, smtps, smtp). "
     "Unless named here, relaywatch's own service (relaywatch) is left out."},
    {"sources.logs", "list of log directories", "none", "",
     "Multilog directories to follow in addition to the discovered ones."},
    {"sources.logs[].service", "service name", "required", "",
     "The service the directory belongs to, as findings and service-policy rules name it."},
    {"sources.logs[].dir", "path", "required", "",
     "The multilog directory (the one holding current)."},
    {"default_domain", "domain", "none", "",
     "Domain of logins written without one (vpopmail's default domain), so that bob and "
     "bob@example.com count as one login."},
    {"rules", "list of rules", "required", "",
     "What to watch for; at least one rule. Several rules may have the same kind."},
    {"rules[].name", "name", "required", "",
     "Unique name of the rule (letters, digits, '.', '_', '-'), shown in alerts and reports."},
    {"rules[].kind", "volume|sender|remote-ips|service-policy|rcpt-limit", "required", "",
     "volume: recipients relayed per login; sender: a login sending as an address it may not "
     "use; remote-ips: distinct client IPs per login; service-policy: authenticated relaying on a "
     "service where it is not allowed; rcpt-limit: how often a login hits chkuser's "
     "per-connection recipient limit."},
    {"rules[].window", "duration", "required (sender: 24h, service-policy: 1h)", "",
     "Length of the sliding window counts are kept over (30s, 15m, 1h, 7d). For service-policy: "
     "how long one alert covers a login."},
    {"rules[].limit", "integer", "required (sender: 1)", "volume sender remote-ips rcpt-limit",
     "The rule fires when the count within the window reaches this (at least 1)."},
    {"rules[].count", "recipients|messages", "recipients", "volume",
     "What a volume rule counts: relayed recipients or messages."},
    {"rules[].overrides", "mapping: login or @domain -> integer", "none", "volume",
     "Limits for single logins or whole domains in place of limit; 0 means unlimited. A login's "
     "entry wins over its domain's."},
    {"rules[].policy", "same-domain|same-address", "same-domain", "sender",
     "Which senders a login may use besides those allowed below: any address of its own domain, "
     "or only its own address."},
    {"rules[].allow", "mapping: login or @domain -> list of patterns", "none", "sender",
     "More senders a login (or every login of @domain) may use, as patterns: * any run, ? one "
     "character, [a-z] one of a class."},
    {"rules[].domain_aliases", "list of lists of domains", "none", "sender",
     "Groups of domains that count as one, e.g. [[example.com, example.net]]."},
    {"rules[].exempt", "list of logins", "none", "sender",
     "Logins this rule never judges, such as a mailing-list robot."},
    {"rules[].allowed_services", "list of service names", "required", "service-policy",
     "The services on which authenticated relaying is allowed; relaying by a login on any other "
     "followed service fires the rule."},
    {"rules[].max_keys", "integer", "100000", "",
     "Most logins (and ip:ADDRESS keys) the rule keeps counts for. Clients choose both (a forged "
     "AUTH= login per message costs them nothing), so past this a new key takes the place of the "
     "one idle longest, whose count is lost; status counts these evictions and the log warns. "
     "100,000 keys cost the daemon about 65 MB."},
    {"alerts", "section", "", "", "How findings become alerts, and where alerts go."},
    {"alerts.repeat", "window or duration", "window", "",
     "How often the same rule may alert about the same login: once per the rule's window, or "
     "once per the given duration."},
    {"alerts.escalate", "factor like 2x", "off", "",
     "Alert again before repeat has passed when the count has grown by this factor since the "
     "last alert (2x: doubled)."},
    {"alerts.resolved", "boolean", "false", "",
     "Also send a notice when a login falls back under a rule's limit."},
    {"alerts.max_per_hour", "integer", "20", "",
     "Most alerts one channel sends in an hour; the rest go out together as one digest."},
    {"alerts.max_age", "duration", "2d", "",
     "Stop retrying an alert after this long, and never alert about log lines older than this."},
    {"alerts.channels", "list of channels", "none", "",
     "Where alerts are sent. Without channels findings only show in relaywatch status and "
     "report."},
    {"alerts.channels[].name", "name", "required", "",
     "Unique name of the channel, for relaywatch test-alert --channel."},
    {"alerts.channels[].format", "sms|email|json", "email", "",
     "sms: one short text for an email-to-SMS gateway; email: a full report; json: the alert as "
     "JSON on the program's standard input (via exec only)."},
    {"alerts.channels[].via", "sendmail|smtp|exec", "required", "",
     "sendmail: hand the mail to a sendmail-like program such as qmail-inject; smtp: send it to a "
     "mail server; exec: run a program with the alert."},
    {"alerts.channels[].command", "list of strings", "required", "sendmail exec",
     "The program (an absolute path) and its arguments, run directly, never through a shell. "
     "With via sendmail, relaywatch adds -fFROM (unless an argument starts with -f), then -- and "
     "the to addresses; a -t argument is refused, since the recipients come from to, never from "
     "the alert's headers."},
    {"alerts.channels[].from", "address", "required", "sendmail smtp",
     "Sender address of the alert mails."},
    {"alerts.channels[].to", "list of addresses", "required", "sendmail smtp",
     "Recipients of the alert mails, at least one (for SMS: the gateway address of the phone)."},
    {"alerts.channels[].host", "host name or IP address", "127.0.0.1", "smtp",
     "Mail server to send through."},
    {"alerts.channels[].port", "integer", "25", "smtp", "Its port (1-65535)."},
    {"alerts.channels[].starttls", "boolean", "false", "smtp",
     "Require STARTTLS: the alert is never sent in clear."},
    {"alerts.channels[].tls_verify", "boolean", "true", "smtp",
     "Check the server's certificate and name when using STARTTLS."},
    {"alerts.channels[].ca_file", "path", "the system's CA store", "smtp",
     "CA certificates to check the server against (only with starttls)."},
    {"alerts.channels[].username", "string", "none", "smtp",
     "Log in (SMTP AUTH) as this user; needs password_file, and starttls: true unless "
     "allow_plaintext_auth is set."},
    {"alerts.channels[].password_file", "path", "none", "smtp",
     "File holding the password on its first line, mode 0600 (any group or other bit and it is "
     "refused: the alert waits, retried, until chmod 600). Read at each delivery. Only with "
     "username."},
    {"alerts.channels[].allow_plaintext_auth", "boolean", "false", "smtp",
     "Let username log in without starttls, sending the password in clear: only for a mail "
     "server on this machine or a network you trust. relaywatch check warns about it."},
    {"alerts.channels[].timeout", "duration", "30s", "",
     "Give up one delivery attempt after this long; it is tried again later."},
    {"alerts.channels[].max_per_hour", "integer", "alerts.max_per_hour", "",
     "This channel's own hourly cap, in place of alerts.max_per_hour."},
    {"metrics", "section", "off", "",
     "Write relaywatch's counters and gauges (relaywatch_*) in the Prometheus text format for "
     "node_exporter's textfile collector."},
    {"metrics.textfile", "path", "required", "",
     "The file to write, an absolute path ending in .prom, in the collector's directory "
     "(--collector.textfile.directory). Written whole to a temporary file beside it, then "
     "renamed: the collector never reads half a file. Mode 0644."},
    {"metrics.every", "duration", "15s", "", "How often to write it."},
    {"fleet", "section", "off", "",
     "Counts and the alert ledger shared by several relaywatch nodes through Redis, one count per "
     "login and one page per incident: a login sending through several mail servers is counted "
     "across all of them, and an incident pages once, not once per server. Give the section on "
     "each node (fleet: {} for every default); without it this node counts and alerts alone."},
    {"fleet.redis", "HOST:PORT, [IPv6]:PORT or unix:PATH", "127.0.0.1:6379", "",
     "The Redis server every node of the fleet uses: a host name or IPv4 address and port, an "
     "IPv6 address in brackets and port (quoted: \"[::1]:6379\"), or unix: and the absolute "
     "path of its socket (unix:/run/redis/redis.sock)."},
    {"fleet.username", "string", "none", "",
     "Log in to Redis 6 or later as this ACL user; needs password_file."},
    {"fleet.password_file", "path", "none", "",
     "File holding the Redis password on its first line, mode 0600; read at each connect, and "
     "checked by relaywatch check. Without username, relaywatch logs in with the password alone "
     "(requirepass)."},
    {"fleet.prefix", "string", "relaywatch:", "",
     "Put in front of every Redis key relaywatch writes, so one Redis can hold several fleets "
     "or other data: 1 to 64 letters, digits, ':', '.', '_' and '-'. Quote it when it ends in "
     "':' (prefix: \"relaywatch:\"). Every node of a fleet must have the same."},
    {"fleet.node", "name", "hostname", "",
     "This node's name in the fleet, different on each node: 1 to 64 letters, digits, '.', '_' "
     "and '-'."},
    {"fleet.timeout", "duration", "500ms", "",
     "Give up connecting to Redis, or waiting for one answer, after this long (above 0, at most "
     "10s). Durations here may also be given in milliseconds (500ms)."},
    {"fleet.sync_every", "duration", "100ms", "",
     "How often this node sends its counts to Redis (10ms to 10s)."},
    {"fleet.node_timeout", "duration", "60s", "",
     "A node not heard from for this long has left the fleet (at least 1s, and longer than "
     "sync_every)."},
});

// The key without its last component: "rules[].window" -> "rules[]", "hostname" -> "".
std::string_view ParentOf(std::string_view key) {
  std::size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
}

std::string_view LastComponent(std::string_view key) {
  std::size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

void AppendWrapped(std::string& out, std::string_view text, std::string_view indent,
                   std::size_t width) {
  std::size_t column = 0;
  while (!text.empty()) {
    std::size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (word.empty()) continue;
    if (column > 0 && column + 1 + word.size() > width) {
      out += '\n';
      column = 0;
    }
    if (column == 0) {
      out += indent;
      column = indent.size();
    } else {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  out += '\n';
}

}  // namespace

std::span<const Option> Options() { return kOptions; }

const Option* FindOption(std::string_view key) {
  for (const Option& option : kOptions) {
    if (option.key == key) return &option;
  }
  return nullptr;
}

std::vector<std::string_view> ChildKeys(std::string_view parent) {
  std::vector<std::string_view> keys;
  for (const Option& option : kOptions) {
    if (ParentOf(option.key) == parent) keys.push_back(LastComponent(option.key));
  }
  return keys;
}

bool AppliesTo(const Option& option, std::string_view kind_or_via) {
  if (option.scope.empty()) return true;
  std::string_view rest = option.scope;
  while (!rest.empty()) {
    std::size_t space = rest.find(' ');
    if (rest.substr(0, space) == kind_or_via) return true;
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  return false;
}

std::string OptionsReference() {
  std::string out;
  for (const Option& option : kOptions) {
    out += option.key;
    out += " (";
    out += option.type;
    if (!option.default_value.empty()) {
      out += option.default_value.starts_with("required") ? "; " : "; default: ";
      out += option.default_value;
    }
    if (!option.scope.empty()) {
      out += option.key.starts_with("rules[]") ? "; kinds: " : "; via: ";
      for (char c : option.scope) {
        if (c == ' ') {
          out += ", ";
        } else {
          out += c;
        }
      }
    }
    out += ")\n";
    AppendWrapped(out, option.help, "    ", 80);
  }
  return out;
}

}  // namespace relaywatch::config
