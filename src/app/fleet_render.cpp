#include "relaywatch/app/fleet_render.h"

#include <chrono>

#include "relaywatch/core/text.h"
#include "relaywatch/core/time.h"

namespace relaywatch::app {
namespace {

std::string Seconds(std::int64_t ms) {
  return std::to_string(ms / 1000) + "." + std::to_string((ms % 1000) / 100) + "s";
}

}  // namespace

void WriteFleetViewJson(core::JsonWriter& w, const redis::FleetView& view) {
  w.Key("now").String(core::FormatIso8601Utc(core::Timestamp(
      std::chrono::duration_cast<core::Duration>(std::chrono::milliseconds(view.now_ms)))));
  w.Key("nodes").BeginArray();
  for (const redis::FleetNode& n : view.nodes) {
    w.BeginObject().Key("node").String(n.name);
    w.Key("age_s").Double(static_cast<double>(n.age_ms) / 1000.0);
    w.Key("live").Bool(n.live).EndObject();
  }
  w.EndArray();
  w.Key("rules").BeginArray();
  for (const redis::FleetRuleView& r : view.rules) {
    w.BeginObject().Key("rule").String(r.rule).Key("window").Int(r.window_s);
    w.Key("distinct").Bool(r.distinct).Key("top").BeginArray();
    for (const redis::FleetKey& k : r.top) {
      w.BeginObject().Key("key").String(k.key).Key("count").Uint(k.count);
      w.Key("nodes").BeginObject();
      for (const auto& [node, n] : k.by_node) w.Key(node).Uint(n);
      w.EndObject().EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
}

void WriteFleetStatusJson(core::JsonWriter& w, const FleetStatus& s) {
  w.BeginObject();
  w.Key("node").String(s.node).Key("redis").String(s.address);
  w.Key("connected").Bool(s.link.connected);
  w.Key("error").String(s.link.error);
  w.Key("commands").Uint(s.link.commands).Key("batches").Uint(s.link.batches);
  w.Key("dropped").Uint(s.link.dropped).Key("connects").Uint(s.link.reconnects);
  w.Key("waiting").Uint(s.link.waiting);
  w.Key("claims").BeginObject();
  w.Key("won").Uint(s.link.claims_won).Key("lost").Uint(s.link.claims_lost);
  w.Key("unavailable").Uint(s.link.claims_unavailable).EndObject();
  w.Key("remote_keys").Uint(s.remote_keys);
  w.Key("view");
  if (s.link.view) {
    w.BeginObject();
    WriteFleetViewJson(w, *s.link.view);
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
}

std::string FleetViewText(const redis::FleetView& view) {
  std::string out = "  nodes:";
  for (std::size_t i = 0; i < view.nodes.size(); ++i) {
    const redis::FleetNode& n = view.nodes[i];
    out += std::string(i ? ", " : " ") + core::EscapeForLog(n.name) + " (" + Seconds(n.age_ms) +
           " ago" + (n.live ? "" : ", gone") + ")";
  }
  if (view.nodes.empty()) out += " none yet";
  out += "\n";
  for (const redis::FleetRuleView& r : view.rules) {
    out += "  rule " + core::EscapeForLog(r.rule) + ":" + (r.top.empty() ? " -" : "") + "\n";
    for (const redis::FleetKey& k : r.top) {
      std::string row = "    " + core::EscapeForLog(k.key);
      const std::string count = std::to_string(k.count);
      row = core::PadRight(std::move(row), 36) + " " + core::PadLeft(count, 6);
      for (std::size_t i = 0; i < k.by_node.size(); ++i) {
        row += std::string(i ? ", " : "   ") + core::EscapeForLog(k.by_node[i].first) + " " +
               std::to_string(k.by_node[i].second);
      }
      out += row + "\n";
    }
  }
  return out;
}

std::string FleetStatusText(const FleetStatus& s) {
  std::string out =
      "\nFLEET\n  node " + core::EscapeForLog(s.node) + ", redis " + s.address + ": " +
      (s.link.connected ? std::string("connected")
                        : "NOT CONNECTED (" + core::EscapeForLog(s.link.error) +
                              "; counting and paging on this node alone)") +
      "\n  " + std::to_string(s.link.commands) + " commands, claims won " +
      std::to_string(s.link.claims_won) + ", lost " + std::to_string(s.link.claims_lost) +
      ", unanswered " + std::to_string(s.link.claims_unavailable) + "\n";
  if (s.link.view) out += FleetViewText(*s.link.view);
  return out;
}

}  // namespace relaywatch::app
