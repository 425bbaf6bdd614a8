#include "alerts_loader.h"

#include <charconv>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "channel_loader.h"
#include "text_checks.h"

namespace relaywatch::config::internal {
namespace {

constexpr std::string_view kCapWhat = "a whole number of at least 1";

// "2x" -> 2.0, "1.5x" -> 1.5: a factor above 1 (anything else would re-alert on every line).
std::optional<double> ParseFactor(std::string_view text) {
  if (text.size() < 2 || text.back() != 'x') return std::nullopt;
  std::string_view number = text.substr(0, text.size() - 1);
  if (number.find_first_not_of("0123456789.") != std::string_view::npos) return std::nullopt;
  if (number.front() == '.' || number.back() == '.') return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  if (!(value > 1.0 && value <= 1000.0)) return std::nullopt;
  return value;
}

core::Status ReadRepeatAndEscalate(const Reporter& reporter, const Mapping& alerts,
                                   AlertsConfig& out) {
  if (const Field* repeat = alerts.Find("repeat")) {
    constexpr std::string_view kWhat = "window or a duration like 6h";
    auto text = ReadScalar(reporter, *repeat, kWhat);
    if (!text) return text.error();
    if (*text != "window") {
      std::optional<core::Duration> duration = core::ParseDuration(*text);
      if (!duration) return reporter.Expected(*repeat, kWhat);
      out.repeat = *duration;
    }
  }
  if (const Field* escalate = alerts.Find("escalate")) {
    constexpr std::string_view kWhat = "a growth factor above 1 like 2x";
    auto text = ReadScalar(reporter, *escalate, kWhat);
    if (!text) return text.error();
    std::optional<double> factor = ParseFactor(*text);
    if (!factor) return reporter.Expected(*escalate, kWhat);
    out.escalate = *factor;
  }
  return core::OkStatus();
}

core::Result<std::vector<ChannelConfig>> ReadChannels(const Reporter& reporter,
                                                      const Field& field) {
  auto elements = ReadList(reporter, field);
  if (!elements) return elements.error();
  std::vector<ChannelConfig> channels;
  std::map<std::string, std::size_t> index_of_name;
  for (const Field& element : *elements) {
    auto channel = ReadChannel(reporter, element);
    if (!channel) return channel.error();
    auto [it, inserted] = index_of_name.emplace(channel->name, channels.size());
    if (!inserted) {
      Field name{element.path + ".name", element.node["name"], element.node["name"].Mark()};
      return reporter.At(name, "duplicate channel name " + Quote(channel->name) +
                                   " (alerts.channels[" + std::to_string(it->second) + "] has it)");
    }
    channels.push_back(std::move(*channel));
  }
  return channels;
}

}  // namespace

core::Result<AlertsConfig> ReadAlerts(const Reporter& reporter, const Field& field) {
  auto alerts = ReadMapping(reporter, field, "alerts");
  if (!alerts) return alerts.error();
  AlertsConfig out;
  if (auto status = ReadRepeatAndEscalate(reporter, *alerts, out); !status) return status.error();
  if (const Field* resolved = alerts->Find("resolved")) {
    auto value = ReadBool(reporter, *resolved);
    if (!value) return value.error();
    out.resolved = *value;
  }
  if (const Field* cap = alerts->Find("max_per_hour")) {
    auto value = ReadCount(reporter, *cap, 1, std::numeric_limits<std::uint32_t>::max(), kCapWhat);
    if (!value) return value.error();
    out.max_per_hour = static_cast<std::uint32_t>(*value);
  }
  if (const Field* max_age = alerts->Find("max_age")) {
    auto value = ReadDuration(reporter, *max_age);
    if (!value) return value.error();
    out.max_age = *value;
  }
  if (const Field* channels = alerts->Find("channels")) {
    auto value = ReadChannels(reporter, *channels);
    if (!value) return value.error();
    out.channels = std::move(*value);
  }
  return out;
}

}  // namespace relaywatch::config::internal
