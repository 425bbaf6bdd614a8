#include "relaywatch/app/report_tally.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "relaywatch/core/same_bytes.h"

namespace relaywatch::app {

ReportTally::ReportTally(const std::vector<detect::RuleSpec>& rules, core::Timestamp since)
    : rules_(rules.size()), since_(since) {}

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

void ReportTally::OnLine(const detect::LineHits& line) {
  if (line.time < since_) return;
  // The store's annex of the Key points at its row once the row is known: no lookup here.
  UserRow* known = line.annex != nullptr ? static_cast<UserRow*>(*line.annex) : nullptr;
  UserRow& row = known != nullptr ? *known : Row(line.key);
  if (line.annex != nullptr) *line.annex = &row;  // rows never move nor go
  for (const detect::Hit& hit : line.hits) {
    std::uint64_t& peak = row.peak[hit.rule];
    if (hit.count > peak) peak = hit.count;
  }
  if (!line.recipient) return;
  const detect::RecipientHit& r = *line.recipient;
  if (r.relaying) ++row.recipients;
  if (r.authenticated && !r.client_ip.empty() && row.RemoteIps() < kMaxIps &&
      (&row != last_ip_row_ || !core::SameBytes(r.client_ip, last_ip_))) {
    if (const std::optional<std::uint32_t> v4 = r.client_ipv4) {
      row.remote_ipv4.insert(*v4);
    } else {
      row.remote_ip_hashes.insert(std::hash<std::string_view>{}(r.client_ip));
    }
    last_ip_row_ = &row;
    last_ip_.assign(r.client_ip);
  }
  // Once per recipient, however many sender rules rejected its sender.
  if (!r.foreign_sender.empty()) AddForeignSender(row, r.foreign_sender);
}

void ReportTally::AddForeignSender(UserRow& row, std::string_view sender) {
  auto it = row.foreign_senders.find(std::string(sender));
  if (it != row.foreign_senders.end()) {
    ++it->second;
  } else if (row.foreign_senders.size() < kMaxForeignSenders) {
    row.foreign_senders.emplace(std::string(sender), 1);
  } else {
    ++row.foreign_senders["(other senders)"];
  }
}

}  // namespace relaywatch::app
