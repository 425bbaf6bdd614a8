#include "relaywatch/alerting/render_email.h"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

#include "relaywatch/alerting/alert_text.h"
#include "relaywatch/alerting/histogram.h"
#include "relaywatch/alerting/investigate.h"
#include "relaywatch/alerting/render_sms.h"
#include "relaywatch/core/text.h"

namespace relaywatch::alerting {
namespace {

// Bounds for log fields in the body: whole addresses fit, a 10 KiB one does not flood the mail.
constexpr std::size_t kMaxKey = 256;
constexpr std::size_t kMaxDetail = 256;
constexpr std::size_t kMaxItem = 128;
constexpr std::size_t kMaxShort = 64;
constexpr std::size_t kMaxListed = 10;

std::string Clean(std::string_view s, std::size_t max) { return core::SanitizeField(s, max); }

std::string N(std::uint64_t n) { return std::to_string(n); }

// " in 1h", or nothing for a rule without a window.
std::string InWindow(const detect::Finding& f) {
  return f.window.count() > 0 ? " in " + core::FormatDuration(f.window) : "";
}

// What happened, in one sentence, for a kNew alert: the kind's email_sentence with its
// placeholders filled in. The values are not scanned again, so a login holding "{key}" stays as
// it is.
std::string Happened(const detect::Finding& f) {
  const detect::RuleKindInfo& kind = detect::RuleKindInfoOf(f.kind);
  std::string out;
  std::string_view rest = kind.email_sentence;
  while (!rest.empty()) {
    const std::size_t open = rest.find('{');
    const std::size_t close = open == std::string_view::npos ? open : rest.find('}', open);
    if (close == std::string_view::npos) {
      out += rest;
      break;
    }
    out += rest.substr(0, open);
    const std::string_view name = rest.substr(open + 1, close - open - 1);
    rest = rest.substr(close + 1);
    if (name == "key") {
      out += Clean(f.key, kMaxKey);
    } else if (name == "count") {
      out += N(f.count);
    } else if (name == "noun") {
      out += kind.counts_in_unit ? detect::CountUnitName(f.unit) : kind.email_noun;
    } else if (name == "in_window") {
      out += InWindow(f);
    } else if (name == "limit") {
      out += " (limit " + N(f.limit) + ")";
    } else if (name == "detail") {
      out += Clean(ShownDetail(f).value_or(""), kind.email_detail_max);
    } else {
      out += "{" + std::string(name) + "}";  // not a placeholder: kept, and a test finds it
    }
  }
  return out;
}

std::string Headline(const Alert& a) {
  const detect::Finding& f = a.finding;
  switch (a.state) {
    case AlertState::kNew:
      return Happened(f);
    case AlertState::kOngoing:
      return "Still going on: " + Happened(f) + " The last alert counted " + N(a.previous_count) +
             ".";
    case AlertState::kResolved:
      return std::string(KindWord(f.kind)) + " for " + Clean(f.key, kMaxKey) +
             " is over: " + N(f.count) + InWindow(f) + " now, under the limit of " + N(f.limit) +
             " (the last alert counted " + N(a.previous_count) + ").";
    case AlertState::kDigest:
      return N(a.digest_count) + " more alerts on " + Clean(a.host, 255) +
             " were held back by max_per_hour; log in to look at them.";
    case AlertState::kTest:
      return "This is a test alert from relaywatch on " + Clean(a.host, 255) + " (" +
             Clean(f.detail, kMaxShort) + "). No action needed.";
  }
  return "";
}

// How far to trust the login, by where it came from.
std::string Basis(std::string_view basis) {
  if (basis == "qlog") return "qlog (qmail-smtpd's authuser=, the SMTP AUTH login)";
  if (basis == "chkuser") {
    return "chkuser (its AUTHUSER field: the SMTP AUTH login when the session authenticated; "
           "for a client relaying by IP it can come from ident or MAIL FROM AUTH=)";
  }
  if (basis == "ip") return "ip (no login: the client relayed by its IP address, RELAYCLIENT)";
  return Clean(basis, kMaxShort);
}

class Body {
 public:
  void Line(std::string_view text = {}) {
    out_ += text;
    out_ += '\n';
  }
  // "Label:     value", the values aligned.
  void Field(std::string_view label, std::string_view value) {
    std::string line(label);
    line += ':';
    line.resize(std::max<std::size_t>(line.size() + 1, 11), ' ');
    Line(line + std::string(value));
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// "2026-11-28 03:55:26 +0100 (2026-11-28T02:55:26.029545444Z)": local for reading, UTC exact.
std::string When(core::Timestamp t, const core::LocalZone& zone) {
  std::int64_t offset = zone.offset_at ? zone.offset_at(t) : 0;
  const char sign = offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  char zone_text[16];
  std::snprintf(zone_text, sizeof zone_text, " %c%02lld%02lld", sign,
                static_cast<long long>(offset / 3600 % 100),
                static_cast<long long>(offset % 3600 / 60));
  return core::FormatLocal(t, zone) + zone_text + " (" + core::FormatIso8601Utc(t) + ")";
}

void Counted(Body& b, std::string_view title,
             const std::vector<std::pair<std::string, std::uint64_t>>& items) {
  if (items.empty()) return;
  b.Line();
  b.Line(title);
  for (std::size_t i = 0; i < items.size() && i < kMaxListed; ++i) {
    b.Line("  " + Clean(items[i].first, kMaxItem) + "  " + N(items[i].second));
  }
}

void Samples(Body& b, const detect::KeySample& s) {
  Counted(b, "Top senders (envelope MAIL FROM):", s.senders);
  Counted(b, "Top client IPs:", s.remote_ips);
  if (s.recipients.empty()) return;
  b.Line();
  b.Line("Sample recipients:");
  for (std::size_t i = 0; i < s.recipients.size() && i < kMaxListed; ++i) {
    b.Line("  " + Clean(s.recipients[i], kMaxItem));
  }
}

void Digest(Body& b, const Alert& a, const core::LocalZone& zone) {
  b.Field("First", When(a.finding.first, zone));
  b.Field("Last", When(a.finding.last, zone));
  b.Line();
  b.Line("Held alerts:");
  std::string_view rest = a.digest_text;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty()) b.Line("  " + Clean(line, kMaxSummaryLine));
  }
}

}  // namespace

EmailContent RenderEmail(const Alert& a, const core::LocalZone& zone) {
  const detect::Finding& f = a.finding;
  Body b;
  b.Line("relaywatch on " + Clean(a.host, 255) + ": " + Headline(a));
  b.Line();
  if (a.state == AlertState::kDigest) {
    Digest(b, a, zone);
  } else if (a.state == AlertState::kTest) {
    b.Field("Sent", When(f.last, zone));
  } else {
    b.Field("Rule",
            Clean(f.rule, kMaxShort) + " (" + std::string(detect::RuleKindName(f.kind)) + ")");
    b.Field("State", AlertStateName(a.state));
    b.Field("Key", Clean(f.key, kMaxKey));
    std::string count = N(f.count) + InWindow(f) + " (limit " + N(f.limit) + ")";
    if (a.state != AlertState::kNew) count += ", last alert counted " + N(a.previous_count);
    b.Field("Count", count);
    if (!f.slices.empty()) b.Field("History", SliceLine(f, /*unicode=*/true));
    b.Field("First", When(f.first, zone));
    b.Field("Last", When(f.last, zone));
    if (!f.service.empty()) b.Field("Service", Clean(f.service, kMaxShort));
    if (!f.basis.empty()) b.Field("Basis", Basis(f.basis));
    if (!f.detail.empty()) b.Field("Detail", Clean(f.detail, kMaxDetail));
    Samples(b, f.sample);
    b.Line();
    b.Line("Investigate:");
    const core::Result<std::string> command = InvestigateCommand(f);
    b.Line("  " +
           (command.ok() ? command.value() : "(no command: " + command.error().message + ")"));
  }
  b.Line();
  b.Field("Alert id", Clean(a.id, 128));
  return EmailContent{RenderSms(a), b.Take()};
}

}  // namespace relaywatch::alerting
