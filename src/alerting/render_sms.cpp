#include "relaywatch/alerting/render_sms.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "relaywatch/alerting/alert_text.h"
#include "relaywatch/core/text.h"
#include "relaywatch/core/time.h"

namespace relaywatch::alerting {
namespace {

// Shortest stub an attacker field is cut to ("bob@e..."): still a hint of what it was.
constexpr std::size_t kMinField = 8;

// Collects the message as fixed parts (ours: host, verdict, numbers) and fields (the log's), then
// cuts the longest fields until the whole fits.
class SmsBuilder {
 public:
  void Fixed(std::string_view text) { pieces_.push_back({std::string(text), {}, false}); }
  void Field(std::string_view raw) {
    std::string ascii = core::ToAsciiSafe(raw, kSmsMaxChars);
    if (ascii.empty()) ascii = "-";  // keep the message's shape readable
    pieces_.push_back({std::move(ascii), std::string(raw), true});
  }

  std::string Finish() {
    std::size_t total = 0;
    for (const Piece& p : pieces_) total += p.text.size();
    while (total > kSmsMaxChars) {
      Piece* longest = nullptr;
      for (Piece& p : pieces_) {
        if (p.field && p.text.size() > kMinField &&
            (longest == nullptr || p.text.size() > longest->text.size())) {
          longest = &p;
        }
      }
      if (longest == nullptr) break;
      // Down to the next-longest field (so the cut is shared), or by the whole excess.
      std::size_t next = 0;
      for (const Piece& p : pieces_) {
        if (p.field && &p != longest) {
          next = std::max(next, p.text.size());
        }
      }
      const std::size_t excess = total - kSmsMaxChars;
      std::size_t target = longest->text.size() > excess ? longest->text.size() - excess : 0;
      target = std::max({target, next, kMinField});
      if (target >= longest->text.size()) target = longest->text.size() - 1;
      total -= longest->text.size();
      longest->text = core::ToAsciiSafe(longest->raw, target);
      total += longest->text.size();
    }
    std::string out;
    for (const Piece& p : pieces_) out += p.text;
    // Only reachable if our own parts overflow; they are bounded well under the limit.
    if (out.size() > kSmsMaxChars) out.resize(kSmsMaxChars);
    return out;
  }

 private:
  struct Piece {
    std::string text;  // printable ASCII
    std::string raw;   // for a field: the original, to re-cut from
    bool field;
  };
  std::vector<Piece> pieces_;
};

std::string Window(const detect::Finding& f) {
  return f.window.count() > 0 ? "/" + core::FormatDuration(f.window) : "";
}

// "612 rcpt/1h", "x12/1d", "14 IPs/1h": the count in the words of the rule's kind.
std::string CountText(const detect::Finding& f) {
  const detect::RuleKindInfo& kind = detect::RuleKindInfoOf(f.kind);
  const std::string n = std::to_string(f.count);
  const std::string_view noun =
      kind.counts_in_unit ? detect::CountUnitSmsNoun(f.unit) : kind.sms_noun;
  if (noun.empty()) return "x" + n + Window(f);
  return n + " " + std::string(noun) + Window(f);
}

void Digest(const Alert& a, SmsBuilder& b) {
  b.Fixed("DIGEST " + std::to_string(a.digest_count) + " more alerts - log in");
  std::string list;
  std::string_view rest = a.digest_text;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (line.empty()) continue;
    if (!list.empty()) list += "; ";
    list += line;
    if (list.size() > kSmsMaxChars) break;  // the rest could never show
  }
  if (!list.empty()) {
    b.Fixed(": ");
    b.Field(list);
  }
}

}  // namespace

std::string ShortHostName(const std::string& host) {
  std::string ascii = core::ToAsciiSafe(host, 255);
  const bool address = ascii.find_first_not_of("0123456789.") == std::string::npos ||
                       ascii.find(':') != std::string::npos;
  if (!address) ascii = ascii.substr(0, ascii.find('.'));
  if (ascii.empty()) ascii = "relaywatch";
  return core::ToAsciiSafe(ascii, 32);
}

std::string RenderSms(const Alert& a) {
  const detect::Finding& f = a.finding;
  SmsBuilder b;
  b.Fixed(ShortHostName(a.host) + " ");
  if (a.state == AlertState::kDigest) {
    Digest(a, b);
    return b.Finish();
  }
  if (a.state == AlertState::kTest) {
    b.Fixed("TEST alert from relaywatch, no action needed");
    if (!f.detail.empty()) {
      b.Fixed(": ");
      b.Field(f.detail);
    }
    return b.Finish();
  }
  if (a.state == AlertState::kOngoing) b.Fixed("STILL ");
  if (a.state == AlertState::kResolved) b.Fixed("OK ");
  const detect::RuleKindInfo& kind = detect::RuleKindInfoOf(f.kind);
  b.Fixed(std::string(kind.verdict) + " ");
  b.Field(f.key);

  if (a.state == AlertState::kResolved) {
    b.Fixed(" now " + CountText(f) + " (limit " + std::to_string(f.limit) + ")");
    return b.Finish();
  }
  if (const std::optional<std::string> detail = ShownDetail(f)) {
    b.Fixed(kind.sms_detail_lead);
    b.Field(*detail);
  }
  if (kind.detail_last) return b.Finish();  // the detail says how much; no count to add
  b.Fixed(" " + CountText(f));
  if (a.state == AlertState::kOngoing) {
    b.Fixed(" (was " + std::to_string(a.previous_count) + ")");
  } else if (kind.counted) {
    b.Fixed(" (limit " + std::to_string(f.limit) + ")");
  }
  return b.Finish();
}

}  // namespace relaywatch::alerting
