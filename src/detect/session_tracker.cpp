#include "relaywatch/detect/session_tracker.h"

#include <algorithm>

namespace relaywatch::detect {

std::string SessionTracker::Join(std::string_view service, std::string_view rest) {
  std::string k;
  k.reserve(service.size() + 1 + rest.size());
  k.append(service).push_back('\0');
  k.append(rest);
  return k;
}

void SessionTracker::OnConnection(std::string_view service, std::uint32_t pid,
                                  std::string_view ip) {
  // Losing the map on overflow loses attribution (messages fall back to ip: keys), never counts.
  if (pid_ip_.size() >= kMaxEntries) pid_ip_.clear();
  pid_ip_[Join(service, std::to_string(pid))] = std::string(ip);
}

void SessionTracker::OnDisconnect(std::string_view service, std::uint32_t pid) {
  pid_ip_.erase(Join(service, std::to_string(pid)));
}

void SessionTracker::OnLogin(std::string_view service, std::string_view ip,
                             std::string_view login) {
  std::string k = Join(service, ip);
  auto it = ip_login_.find(k);
  if (it != ip_login_.end()) {
    if (it->second != login) it->second.assign(login);
    return;
  }
  if (ip_login_.size() >= kMaxEntries) ip_login_.clear();
  ip_login_.emplace(std::move(k), std::string(login));
}

std::string_view SessionTracker::IpOfPid(std::string_view service, std::uint32_t pid) const {
  auto it = pid_ip_.find(Join(service, std::to_string(pid)));
  return it == pid_ip_.end() ? std::string_view() : std::string_view(it->second);
}

std::string_view SessionTracker::LoginOfIp(std::string_view service, std::string_view ip) const {
  auto it = ip_login_.find(Join(service, ip));
  return it == ip_login_.end() ? std::string_view() : std::string_view(it->second);
}

namespace {

std::vector<std::pair<std::string, std::string>> Sorted(
    const std::unordered_map<std::string, std::string>& m) {
  std::vector<std::pair<std::string, std::string>> v(m.begin(), m.end());
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

SessionState SessionTracker::Snapshot() const { return {Sorted(pid_ip_), Sorted(ip_login_)}; }

void SessionTracker::Restore(SessionState state) {
  pid_ip_.clear();
  ip_login_.clear();
  for (auto& [k, v] : state.pid_ip) pid_ip_.emplace(std::move(k), std::move(v));
  for (auto& [k, v] : state.ip_login) ip_login_.emplace(std::move(k), std::move(v));
}

}  // namespace relaywatch::detect
