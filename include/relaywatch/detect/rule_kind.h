// RuleKind and its descriptor: one row per kind of everything that differs between kinds outside
// the counting itself (detector.cpp) and the config parameters (config/rules_loader.cpp).
//
// A row says the kind's name (config, JSON, checkpoint), whether it counts up to a limit and its
// default window, what its count counts, and the words alerts use for it: the SMS and summary
// verdict ("FRAUD"), where its Finding::detail goes and the email's one-sentence account. The
// renderers in alerting/ read these rows and hold no per-kind code, so a new kind is a new row
// here, a parameter reader in the config loader and its counting in the detector.
#ifndef RELAYWATCH_DETECT_RULE_KIND_H_
#define RELAYWATCH_DETECT_RULE_KIND_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "relaywatch/core/time.h"

namespace relaywatch::detect {

enum class RuleKind { kVolume, kSender, kRemoteIps, kServicePolicy, kRcptLimit, kGap };

// What a volume rule counts (`count:` in the config).
enum class CountUnit { kRecipients, kMessages };

// Whether alerts show a Finding's detail, and what stands in for an empty one.
enum class DetailShown {
  kNever,        // the kind leaves detail empty
  kWhenPresent,  // shown when not empty (sender: the foreign sender; gap: what was lost)
  kOrService,    // always shown; an empty detail shows the Finding's service (service-policy)
};

struct RuleKindInfo {
  RuleKind kind = RuleKind::kVolume;
  std::string_view name = "";  // config, JSON and checkpoint name: "remote-ips"

  // A counted kind alerts when its count reaches `limit`: the config must give window and limit,
  // and alerts show the limit. The others alert at their first hit (their limit defaults to 1).
  bool counted = false;
  core::Duration default_window = std::chrono::hours(1);
  std::uint64_t default_limit = 1;

  // What `count` counts. With counts_in_unit the words are the rule's CountUnit's (volume);
  // otherwise sms_noun ("14 IPs/1h"; empty: "x12/1d") and email_noun ("14 different client IPs").
  bool counts_in_unit = false;
  std::string_view sms_noun = "";
  std::string_view email_noun = "times";

  // The upper-case verdict an SMS and a summary line lead with: "FRAUD".
  std::string_view verdict = "";

  // Finding::detail in alerts. The SMS writes sms_detail_lead then the detail after the key; a
  // summary line writes summary_detail_lead then at most summary_detail_max bytes of it. With
  // detail_last the SMS ends with the detail instead of the count, and the summary line puts it
  // after the count (gap: the detail says how much was lost).
  DetailShown detail = DetailShown::kNever;
  std::string_view sms_detail_lead = "";
  std::string_view summary_detail_lead = "";
  std::size_t summary_detail_max = 0;
  bool detail_last = false;

  // The email's account of a new alert, one sentence. Placeholders: {key}, {count}, {noun} (the
  // email noun), {in_window} (" in 1h", or nothing without a window), {limit} (" (limit 500)"),
  // {detail} (at most email_detail_max bytes of it).
  std::string_view email_sentence = "{key}.";
  std::size_t email_detail_max = 256;

  // The key is a login (or ip:ADDRESS) that `relaywatch report --user` can look at; a gap's key
  // is a log source.
  bool key_is_login = true;
};

// Every kind, in RuleKind order.
std::span<const RuleKindInfo> RuleKinds();

// The row of `kind`; an out-of-range value gets a row named "unknown" with verdict "ALERT".
const RuleKindInfo& RuleKindInfoOf(RuleKind kind);

// "volume", "sender", "remote-ips", "service-policy", "rcpt-limit", "gap".
std::string_view RuleKindName(RuleKind kind);
std::optional<RuleKind> RuleKindFromName(std::string_view name);

// The words of a CountUnit: SMS "rcpt" / "msgs", email and config "recipients" / "messages".
std::string_view CountUnitSmsNoun(CountUnit unit);
std::string_view CountUnitName(CountUnit unit);

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_RULE_KIND_H_
