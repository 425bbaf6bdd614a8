#include "channel_loader.h"

#include <array>
#include <limits>
#include <string>
#include <utility>

#include "text_checks.h"

namespace relaywatch::config::internal {
namespace {

constexpr std::array<std::pair<std::string_view, ChannelFormat>, 3> kFormats = {{
    {"sms", ChannelFormat::kSms},
    {"email", ChannelFormat::kEmail},
    {"json", ChannelFormat::kJson},
}};

constexpr std::array<std::pair<std::string_view, ChannelVia>, 3> kVias = {{
    {"sendmail", ChannelVia::kSendmail},
    {"smtp", ChannelVia::kSmtp},
    {"exec", ChannelVia::kExec},
}};

constexpr std::string_view kAddressWhat = "an address like admin@example.com";
constexpr std::string_view kPathWhat = "an absolute path";

std::string_view ViaName(ChannelVia via) {
  for (const auto& [name, value] : kVias) {
    if (value == via) return name;
  }
  return "";
}

bool IsHost(std::string_view s) {
  // A name, an IPv4 address, or an IPv6 address (hex digits, ':' and '.').
  if (IsDomain(s)) return true;
  return !s.empty() && s.find(':') != std::string_view::npos &&
         s.find_first_not_of("0123456789abcdefABCDEF:.") == std::string_view::npos;
}

bool IsArgument(std::string_view s) { return HasNoControlBytes(s); }

core::Error Missing(const Reporter& reporter, const Mapping& channel, std::string_view key,
                    ChannelVia via) {
  return reporter.At(channel.self(), "missing key " + std::string(key) + " (via " +
                                         std::string(ViaName(via)) + " needs it)");
}

core::Status ReadCommand(const Reporter& reporter, const Mapping& channel, ChannelConfig& out) {
  const Field* command = channel.Find("command");
  if (command == nullptr) return Missing(reporter, channel, "command", out.via);
  auto elements = ReadList(reporter, *command);
  if (!elements) return elements.error();
  if (elements->empty()) {
    return reporter.Expected(*command,
                             "a program and its arguments like [/var/qmail/bin/qmail-inject]");
  }
  for (std::size_t i = 0; i < elements->size(); ++i) {
    const Field& element = (*elements)[i];
    auto text =
        i == 0
            ? ReadChecked(reporter, element, "an absolute path to a program", IsAbsolutePath)
            : ReadChecked(reporter, element, "an argument without control characters", IsArgument);
    if (!text) return text.error();
    // Refused at every delivery otherwise, and each alert lost to this channel.
    if (i > 0 && out.via == ChannelVia::kSendmail && *text == "-t") {
      return reporter.At(element,
                         "remove -t: relaywatch gives the recipients (to:) as arguments, and "
                         "-t would also send to any address in the alert's headers");
    }
    out.command.push_back(std::move(*text));
  }
  return core::OkStatus();
}

core::Status ReadAddresses(const Reporter& reporter, const Mapping& channel, ChannelConfig& out) {
  const Field* from = channel.Find("from");
  if (from == nullptr) return Missing(reporter, channel, "from", out.via);
  auto from_text = ReadChecked(reporter, *from, kAddressWhat, IsAddress);
  if (!from_text) return from_text.error();
  out.from = std::move(*from_text);
  const Field* to = channel.Find("to");
  if (to == nullptr) return Missing(reporter, channel, "to", out.via);
  auto to_list = ReadCheckedList(reporter, *to, kAddressWhat, IsAddress);
  if (!to_list) return to_list.error();
  if (to_list->empty()) return reporter.Expected(*to, "at least one address");
  out.to = std::move(*to_list);
  return core::OkStatus();
}

core::Status ReadSmtp(const Reporter& reporter, const Mapping& channel, ChannelConfig& out) {
  if (const Field* host = channel.Find("host")) {
    auto text = ReadChecked(reporter, *host, "a host name or IP address", IsHost);
    if (!text) return text.error();
    out.host = std::move(*text);
  }
  if (const Field* port = channel.Find("port")) {
    auto value = ReadCount(reporter, *port, 1, 65535, "a port number from 1 to 65535");
    if (!value) return value.error();
    out.port = static_cast<std::uint16_t>(*value);
  }
  if (const Field* starttls = channel.Find("starttls")) {
    auto value = ReadBool(reporter, *starttls);
    if (!value) return value.error();
    out.starttls = *value;
  }
  if (const Field* verify = channel.Find("tls_verify")) {
    auto value = ReadBool(reporter, *verify);
    if (!value) return value.error();
    out.tls_verify = *value;
  }
  if (const Field* ca_file = channel.Find("ca_file")) {
    if (!out.starttls) return reporter.At(*ca_file, "only used with starttls: true");
    auto text = ReadChecked(reporter, *ca_file, kPathWhat, IsAbsolutePath);
    if (!text) return text.error();
    out.ca_file = std::move(*text);
  }
  const Field* username = channel.Find("username");
  const Field* password_file = channel.Find("password_file");
  if (password_file != nullptr && username == nullptr) {
    return reporter.At(*password_file, "only used with username");
  }
  if (username != nullptr) {
    auto text = ReadChecked(reporter, *username, "a user name without spaces", IsLogin);
    if (!text) return text.error();
    out.username = std::move(*text);
    if (password_file == nullptr) {
      return reporter.At(*username, "needs password_file (the file holding the password)");
    }
    auto path = ReadChecked(reporter, *password_file, kPathWhat, IsAbsolutePath);
    if (!path) return path.error();
    out.password_file = std::move(*path);
  }
  if (const Field* plaintext = channel.Find("allow_plaintext_auth")) {
    auto value = ReadBool(reporter, *plaintext);
    if (!value) return value.error();
    out.allow_plaintext_auth = *value;
  }
  // AUTH PLAIN and LOGIN send the password itself: without TLS, anyone on the path reads it.
  if (username != nullptr && !out.starttls && !out.allow_plaintext_auth) {
    return reporter.At(*username,
                       "needs starttls: true (without it the password is sent in clear); set "
                       "allow_plaintext_auth: true to send it in clear anyway");
  }
  return core::OkStatus();
}

}  // namespace

core::Result<ChannelConfig> ReadChannel(const Reporter& reporter, const Field& field) {
  auto channel = ReadMapping(reporter, field, "alerts.channels[]");
  if (!channel) return channel.error();
  ChannelConfig out;
  const Field* name = channel->Find("name");
  if (name == nullptr) return reporter.At(field, "missing key name");
  auto name_text =
      ReadChecked(reporter, *name, "a name of letters, digits, '.', '_' and '-'", IsName);
  if (!name_text) return name_text.error();
  out.name = std::move(*name_text);

  const Field* via = channel->Find("via");
  if (via == nullptr) {
    return reporter.At(field,
                       "missing key via (" + ExpectedChoice(ChoiceNames<ChannelVia>(kVias)) + ")");
  }
  auto via_value = ReadChoice<ChannelVia>(reporter, *via, kVias);
  if (!via_value) return via_value.error();
  out.via = *via_value;
  if (auto scope = CheckScope(reporter, *channel, "alerts.channels[]", "via", ViaName(out.via));
      !scope) {
    return scope.error();
  }
  if (const Field* format = channel->Find("format")) {
    auto value = ReadChoice<ChannelFormat>(reporter, *format, kFormats);
    if (!value) return value.error();
    out.format = *value;
    if (out.format == ChannelFormat::kJson && out.via != ChannelVia::kExec) {
      return reporter.At(*format,
                         "json is only sent via exec (a program reads it on its standard input); "
                         "use format email for mail");
    }
  }

  core::Status status = core::OkStatus();
  if (out.via == ChannelVia::kSendmail || out.via == ChannelVia::kExec) {
    status = ReadCommand(reporter, *channel, out);
    if (!status) return status.error();
  }
  if (out.via == ChannelVia::kSendmail || out.via == ChannelVia::kSmtp) {
    status = ReadAddresses(reporter, *channel, out);
    if (!status) return status.error();
  }
  if (out.via == ChannelVia::kSmtp) {
    status = ReadSmtp(reporter, *channel, out);
    if (!status) return status.error();
  }
  if (const Field* timeout = channel->Find("timeout")) {
    auto value = ReadDuration(reporter, *timeout);
    if (!value) return value.error();
    out.timeout = *value;
  }
  if (const Field* cap = channel->Find("max_per_hour")) {
    auto value = ReadCount(reporter, *cap, 1, std::numeric_limits<std::uint32_t>::max(),
                           "a whole number of at least 1");
    if (!value) return value.error();
    out.max_per_hour = static_cast<std::uint32_t>(*value);
  }
  return out;
}

}  // namespace relaywatch::config::internal
