#include "relaywatch/redis/fleet_view.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "relaywatch/detect/bucket_window.h"
#include "relaywatch/detect/rule_kind.h"
#include "relaywatch/fleet/fleet_keys.h"

namespace relaywatch::redis {
namespace {

std::int64_t ToInt(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

core::Error Unexpected(const Connection& conn, const std::string& what) {
  return core::Error{"redis " + conn.address() + ": unexpected reply to " + what};
}

}  // namespace

std::vector<fleet::FleetRule> FleetRulesOf(const config::Config& config) {
  std::vector<fleet::FleetRule> out;
  for (const detect::RuleSpec& r : config.rules) {
    out.push_back(
        {fleet::RuleId(r.name, r.window), r.window, r.kind() == detect::RuleKind::kRemoteIps});
  }
  return out;
}

core::Result<FleetView> FetchFleetView(Connection& conn, const config::FleetConfig& fleet,
                                       const std::vector<fleet::FleetRule>& rules, std::size_t n) {
  FleetView view;
  std::vector<std::vector<std::string>> first = {
      {"TIME"}, {"ZRANGE", fleet::NodesKey(fleet.prefix), "0", "-1", "WITHSCORES"}};
  for (const fleet::FleetRule& r : rules) {
    first.push_back({"ZREVRANGE", fleet::TopKey(fleet.prefix, r.id), "0",
                     std::to_string(n == 0 ? 0 : n - 1), "WITHSCORES"});
  }
  auto replies = conn.Run(first);
  if (!replies) return replies.error();
  const Reply& time = (*replies)[0];
  if (time.type != Reply::Type::kArray || time.elements.size() != 2) {
    return Unexpected(conn, "TIME");
  }
  view.now_ms = ToInt(time.elements[0].text) * 1000 + ToInt(time.elements[1].text) / 1000;
  const auto timeout_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(fleet.node_timeout).count();
  const Reply& nodes = (*replies)[1];
  for (std::size_t i = 0; i + 1 < nodes.elements.size(); i += 2) {
    FleetNode node;
    node.name = nodes.elements[i].text;
    node.age_ms = std::max<std::int64_t>(0, view.now_ms - ToInt(nodes.elements[i + 1].text));
    node.live = node.age_ms <= timeout_ms;
    view.nodes.push_back(std::move(node));
  }
  std::sort(view.nodes.begin(), view.nodes.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });

  // Then every top Key's counts, in one round trip.
  std::vector<std::vector<std::string>> second;
  std::vector<std::pair<std::size_t, std::string>> asked;  // (rule, Key hex)
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const Reply& top = (*replies)[2 + r];
    if (top.is_error()) return core::Error{"redis " + conn.address() + ": " + top.text};
    for (std::size_t i = 0; i + 1 < top.elements.size(); i += 2) {
      const std::string& hex = top.elements[i].text;
      auto key = fleet::Unhex(hex);
      if (!key) continue;
      second.push_back({"HGETALL", rules[r].distinct
                                       ? fleet::DistinctKey(fleet.prefix, rules[r].id, *key)
                                       : fleet::CountKey(fleet.prefix, rules[r].id, *key)});
      asked.emplace_back(r, hex);
    }
  }
  for (const fleet::FleetRule& r : rules) {
    FleetRuleView rv;
    const std::size_t dot = r.id.rfind('.');
    rv.rule = fleet::Unhex(r.id.substr(0, dot)).value_or(r.id);
    rv.window_s = std::chrono::duration_cast<std::chrono::seconds>(r.window).count();
    rv.distinct = r.distinct;
    view.rules.push_back(std::move(rv));
  }
  if (second.empty()) return view;
  auto counts = conn.Run(second);
  if (!counts) return counts.error();
  std::vector<std::vector<std::string>> stale;
  const core::Timestamp now{std::chrono::milliseconds(view.now_ms)};
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const auto& [r, hex] = asked[i];
    const Reply& h = (*counts)[i];
    const std::int64_t oldest = detect::SliceIndex(now, rules[r].window) - detect::kSlices;
    FleetKey k;
    k.key = *fleet::Unhex(hex);
    std::map<std::string, std::uint64_t> by_node;
    for (std::size_t j = 0; j + 1 < h.elements.size(); j += 2) {
      const std::string& field = h.elements[j].text;
      const std::int64_t value = ToInt(h.elements[j + 1].text);
      if (rules[r].distinct) {
        if (value >= oldest) ++k.count;
        continue;
      }
      const std::size_t colon = field.find(':');
      if (colon == std::string::npos || ToInt(field.substr(0, colon)) < oldest) continue;
      k.count += static_cast<std::uint64_t>(value);
      by_node[field.substr(colon + 1)] += static_cast<std::uint64_t>(value);
    }
    if (k.count == 0) {
      stale.push_back({"ZREM", fleet::TopKey(fleet.prefix, rules[r].id), hex});
      continue;
    }
    k.by_node.assign(by_node.begin(), by_node.end());
    std::stable_sort(k.by_node.begin(), k.by_node.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    view.rules[r].top.push_back(std::move(k));
  }
  for (FleetRuleView& rv : view.rules) {
    std::stable_sort(rv.top.begin(), rv.top.end(),
                     [](const auto& a, const auto& b) { return a.count > b.count; });
  }
  if (!stale.empty()) (void)conn.Run(stale);  // best effort: the next view tries again
  return view;
}

}  // namespace relaywatch::redis
