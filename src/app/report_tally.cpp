#include "relaywatch/app/report_tally.h"

#include <cstdint>

#include "relaywatch/detect/login_key.h"
#include "relaywatch/parse/address.h"

namespace relaywatch::app {

ReportTally::ReportTally(const std::vector<detect::RuleSpec>& rules,
                         std::string_view default_domain, core::Timestamp since)
    : rules_(rules.size()), default_domain_(default_domain), since_(since) {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].kind() == detect::RuleKind::kSender && first_sender_rule_ == SIZE_MAX) {
      first_sender_rule_ = i;
    }
  }
}

UserRow& ReportTally::Row(std::string_view key) {
  if (UserRow* known = recent_.Get(key)) return *known;
  auto it = users_.find(key);
  if (it == users_.end()) {
    it = users_.emplace(std::string(key), UserRow{}).first;
    it->second.user = std::string(key);
    it->second.peak.assign(rules_, 0);
  }
  recent_.Remember(key, &it->second);  // the tally never erases a row
  return it->second;
}

void ReportTally::OnLine(const pipeline::LineView& view) {
  const auto* c = std::get_if<parse::ChkuserEvent>(&view.event);
  if (!c) return;
  bool relaying = c->verdict == parse::ChkuserVerdict::kRelayingRcpt;
  bool delivery = relaying || c->verdict == parse::ChkuserVerdict::kAcceptedRcpt ||
                  c->verdict == parse::ChkuserVerdict::kAcceptedAnyRcpt;
  bool authenticated = !c->auth_user.empty();
  if (!relaying && !(authenticated && delivery)) return;
  UserRow& row = detect::IsLoginKeyAsWritten(c->auth_user, default_domain_)
                     ? Row(c->auth_user)
                     : Row(detect::LoginKey(c->auth_user, c->remote_ip, default_domain_));
  if (relaying) {
    ++row.recipients;
    row.relayed = true;
  }
  if (authenticated && !c->remote_ip.empty() && row.remote_ips.size() < kMaxIps) {
    row.remote_ips.insert(std::hash<std::string_view>{}(c->remote_ip));
  }
}

void ReportTally::OnHit(const detect::Hit& hit) {
  if (hit.time < since_) return;
  UserRow& row = Row(hit.key);
  std::uint64_t& peak = row.peak[hit.rule];
  if (hit.count > peak) peak = hit.count;
  if (hit.rule == first_sender_rule_ && !hit.detail.empty()) {
    auto it = row.foreign_senders.find(std::string(hit.detail));
    if (it != row.foreign_senders.end()) {
      ++it->second;
    } else if (row.foreign_senders.size() < kMaxForeignSenders) {
      row.foreign_senders.emplace(std::string(hit.detail), 1);
    } else {
      ++row.foreign_senders["(other senders)"];
    }
  }
}

}  // namespace relaywatch::app
