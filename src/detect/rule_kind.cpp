#include "relaywatch/detect/rule_kind.h"

#include <array>

namespace relaywatch::detect {
namespace {

constexpr std::array<RuleKindInfo, 6> kKinds = {{
    {
        .kind = RuleKind::kVolume,
        .name = "volume",
        .counted = true,
        .counts_in_unit = true,
        .verdict = "VOLUME",
        .email_sentence = "{key} relayed {count} {noun}{in_window}{limit}.",
    },
    {
        .kind = RuleKind::kSender,
        .name = "sender",
        .default_window = std::chrono::hours(24),
        .verdict = "FRAUD",
        .detail = DetailShown::kWhenPresent,
        .sms_detail_lead = " as ",
        .summary_detail_lead = " as ",
        .summary_detail_max = 64,
        .email_sentence =
            "{key} sent as {detail}, an address it may not use ({count} {noun}{in_window}).",
    },
    {
        .kind = RuleKind::kRemoteIps,
        .name = "remote-ips",
        .counted = true,
        .sms_noun = "IPs",
        .email_noun = "different client IPs",
        .verdict = "IPS",
        .email_sentence = "{key} relayed from {count} {noun}{in_window}{limit}.",
    },
    {
        .kind = RuleKind::kServicePolicy,
        .name = "service-policy",
        .verdict = "PORT25",
        .detail = DetailShown::kOrService,
        .sms_detail_lead = " auth relay on ",
        .summary_detail_lead = " on ",
        .summary_detail_max = 24,
        .email_sentence = "{key} relayed authenticated mail through {detail}, which the rule does "
                          "not allow ({count} {noun}{in_window}).",
        .email_detail_max = 64,
    },
    {
        .kind = RuleKind::kRcptLimit,
        .name = "rcpt-limit",
        .counted = true,
        .sms_noun = "hits",
        .verdict = "RCPTLIMIT",
        .email_sentence =
            "{key} hit chkuser's recipient limit per connection {count} {noun}{in_window}{limit}.",
    },
    {
        .kind = RuleKind::kGap,
        .name = "gap",
        .verdict = "GAP",
        .detail = DetailShown::kWhenPresent,
        .sms_detail_lead = " ",
        .summary_detail_lead = " ",
        .summary_detail_max = 40,
        .detail_last = true,
        .email_sentence = "Log lines of {key} were lost: {detail}.",
        .key_is_login = false,
    },
}};

constexpr bool InEnumOrder() {
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    if (kKinds[i].kind != static_cast<RuleKind>(i)) return false;
  }
  return true;
}
static_assert(InEnumOrder(), "kKinds must hold one row per RuleKind, in RuleKind order");

constexpr RuleKindInfo kUnknown = {
    .kind = RuleKind::kVolume, .name = "unknown", .verdict = "ALERT"};

}  // namespace

std::span<const RuleKindInfo> RuleKinds() { return kKinds; }

const RuleKindInfo& RuleKindInfoOf(RuleKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < kKinds.size() ? kKinds[i] : kUnknown;
}

std::string_view RuleKindName(RuleKind kind) { return RuleKindInfoOf(kind).name; }

std::optional<RuleKind> RuleKindFromName(std::string_view name) {
  for (const RuleKindInfo& info : kKinds) {
    if (info.name == name) return info.kind;
  }
  return std::nullopt;
}

std::string_view CountUnitSmsNoun(CountUnit unit) {
  return unit == CountUnit::kMessages ? "msgs" : "rcpt";
}

std::string_view CountUnitName(CountUnit unit) {
  return unit == CountUnit::kMessages ? "messages" : "recipients";
}

}  // namespace relaywatch::detect
