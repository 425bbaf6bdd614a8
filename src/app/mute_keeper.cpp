#include "relaywatch/app/mute_keeper.h"

#include <algorithm>

#include "relaywatch/app/logging.h"
#include "relaywatch/core/text.h"
#include "relaywatch/store/safe_file.h"

namespace relaywatch::app {
namespace {

std::string Esc(std::string_view s) { return core::EscapeForLog(s); }

std::string RuleText(std::string_view rule) {
  return rule.empty() ? std::string("(all rules)") : "(rule " + Esc(rule) + ")";
}

}  // namespace

void MuteKeeper::Load(core::Timestamp now) {
  auto read = ReadMutesFile(path_);
  if (!read) {
    LogError(read.error().message + "; paging every alert, nothing is muted");
    if (auto aside = store::SetAsideBadFile(path_)) {
      LogWarning("set " + Esc(path_) + " aside as " + Esc(*aside));
    }
    return;
  }
  mutes_ = alerting::MuteList(std::move(*read));
  for (const alerting::Mute& m : mutes_.mutes()) {
    LogInfo("mute of " + Esc(m.key) + " " + RuleText(m.rule) +
            " restored: " + alerting::DescribeMute(m));
  }
  Prune(now);
}

const alerting::Mute* MuteKeeper::Match(std::string_view key, std::string_view rule,
                                        core::Timestamp now) {
  Prune(now);
  return mutes_.Match(key, rule, now);
}

const std::vector<alerting::Mute>& MuteKeeper::InForce(core::Timestamp now) {
  Prune(now);
  return mutes_.mutes();
}

// Drops the mutes that ended, logging each, and rewrites the file when any did.
void MuteKeeper::Prune(core::Timestamp now) {
  bool ended = false;
  for (const alerting::Mute& m : mutes_.mutes()) {
    if (now < m.until) continue;
    LogInfo("mute of " + Esc(m.key) + " " + RuleText(m.rule) + " ended at " +
            core::FormatLocal(m.until, core::LocalZone::Fixed(0)) + " UTC; paging again");
    ended = true;
  }
  if (!ended) return;
  mutes_.Prune(now);
  (void)Save();  // logged; the ended mutes are gone from memory either way
}

core::Status MuteKeeper::Save() {
  core::Status st = WriteMutesFile(path_, mutes_.mutes());
  if (!st) LogError(st.error().message);
  return st;
}

std::string MuteKeeper::Handle(const MuteRequest& r, const pipeline::Pipeline& pipeline,
                               core::Timestamp now) {
  Prune(now);
  const auto& rules = pipeline.detector().rules();
  if (!r.rule.empty() &&
      std::none_of(rules.begin(), rules.end(), [&](const auto& x) { return x.name == r.rule; })) {
    return "error: no rule named " + Esc(r.rule) + " in the running config\n";
  }
  const std::string which = Esc(r.key) + " " + RuleText(r.rule);
  const alerting::MuteList before = mutes_;
  if (!r.mute) {
    const std::size_t n = mutes_.Remove(r.key, r.rule, r.rule.empty());
    if (n == 0) return "error: no mute of " + which + " in force\n";
    if (!Save()) {
      mutes_ = before;
      return "error: unable to save the mutes; still muted\n";
    }
    LogInfo("unmuted " + which + ": paging again");
    return "ok: unmuted " + which + "\n";
  }
  alerting::Mute m{r.key, r.rule, now, now + std::chrono::seconds(r.seconds), "mute", r.reason};
  if (!mutes_.Add(m)) {
    return "error: " + std::to_string(alerting::kMaxMutes) + " mutes in force already\n";
  }
  if (!Save()) {
    mutes_ = before;
    return "error: unable to save the mutes; not muted\n";
  }
  LogInfo("muted " + which + ": " + alerting::DescribeMute(m));
  bool seen = false;
  for (std::size_t i = 0; i < rules.size() && !seen; ++i) {
    seen = pipeline.store().Count(i, r.key, now, rules[i].window) > 0;
  }
  std::string answer;
  if (!seen) answer = "warning: no key " + Esc(r.key) + " seen in the windows now; muted anyway\n";
  return answer + "ok: muted " + which + ": " + alerting::DescribeMute(m) + "\n";
}

}  // namespace relaywatch::app
