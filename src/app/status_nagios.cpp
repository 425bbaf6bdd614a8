#include "relaywatch/app/status_nagios.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace relaywatch::app {
namespace {

// The little of JSON the status document needs: objects, arrays, strings, numbers, literals.
struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject } type = Type::kNull;
  double number = 0;
  std::string text;
  std::vector<Json> items;
  std::map<std::string, Json, std::less<>> members;

  const Json* Get(std::string_view key) const {
    auto it = members.find(key);
    return it == members.end() ? nullptr : &it->second;
  }
  double Number(std::string_view key) const {
    const Json* v = Get(key);
    return v != nullptr && v->type == Type::kNumber ? v->number : 0;
  }
  std::string String(std::string_view key) const {
    const Json* v = Get(key);
    return v != nullptr && v->type == Type::kString ? v->text : std::string();
  }
};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::optional<Json> Document() {
    std::optional<Json> v = Value(0);
    Space();
    if (!v || i_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  bool Eat(char c) {
    Space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }

  std::optional<std::string> Str() {
    if (!Eat('"')) return std::nullopt;
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return std::nullopt;
      char e = s_[i_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u':
          if (i_ + 4 > s_.size()) return std::nullopt;
          i_ += 4;  // a code point: shown as '?', never needed to judge
          out += '?';
          break;
        default:
          out += e;
      }
    }
    if (i_ >= s_.size()) return std::nullopt;
    ++i_;
    return out;
  }

  std::optional<Json> Value(int depth) {
    if (depth > 32) return std::nullopt;
    Space();
    if (i_ >= s_.size()) return std::nullopt;
    Json v;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      v.type = Json::Type::kObject;
      if (Eat('}')) return v;
      do {
        std::optional<std::string> key = Str();
        if (!key || !Eat(':')) return std::nullopt;
        std::optional<Json> member = Value(depth + 1);
        if (!member) return std::nullopt;
        v.members[*key] = std::move(*member);
      } while (Eat(','));
      if (!Eat('}')) return std::nullopt;
    } else if (c == '[') {
      ++i_;
      v.type = Json::Type::kArray;
      if (Eat(']')) return v;
      do {
        std::optional<Json> item = Value(depth + 1);
        if (!item) return std::nullopt;
        v.items.push_back(std::move(*item));
      } while (Eat(','));
      if (!Eat(']')) return std::nullopt;
    } else if (c == '"') {
      std::optional<std::string> text = Str();
      if (!text) return std::nullopt;
      v.type = Json::Type::kString;
      v.text = std::move(*text);
    } else if (Word("null")) {
    } else if (Word("true") || Word("false")) {
      v.type = Json::Type::kBool;
    } else {
      const std::string rest(s_.substr(i_, 64));
      char* end = nullptr;
      v.number = std::strtod(rest.c_str(), &end);
      if (end == rest.c_str()) return std::nullopt;
      i_ += static_cast<std::size_t>(end - rest.c_str());
      v.type = Json::Type::kNumber;
    }
    return v;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

constexpr const char* kStateNames[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

// Nagios's output line: '|' starts the perfdata, so no text may hold one.
std::string Clean(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '|' || c == '\n' || c == '\r') ? '/' : c;
  return out;
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", s);
  return buf;
}

}  // namespace

NagiosVerdict JudgeStatus(std::string_view status_json, const NagiosThresholds& t) {
  std::optional<Json> doc = Parser(status_json).Document();
  if (!doc || doc->type != Json::Type::kObject || doc->Get("sources") == nullptr) {
    return NagiosUnknown("the daemon's answer is not its status document");
  }
  int code = kNagiosOk;
  std::vector<std::string> critical, warning;
  auto raise = [&code](int to) { code = std::max(code, to); };

  double max_lag = 0;
  std::string lag_source;
  std::size_t following = 0, sources = 0;
  if (const Json* list = doc->Get("sources"); list->type == Json::Type::kArray) {
    for (const Json& s : list->items) {
      ++sources;
      const std::string service = Clean(s.String("service"));
      const std::string state = s.String("state");
      if (state == "waiting") {
        warning.push_back("source " + service + " waiting (" + Clean(s.String("reason")) + ")");
      } else if (state == "gap") {
        warning.push_back("source " + service + " lost log before it was read (gap)");
      } else {
        ++following;
      }
      const Json* lag = s.Get("lag_seconds");
      if (lag != nullptr && lag->type == Json::Type::kNumber && lag->number > max_lag) {
        max_lag = lag->number;
        lag_source = service;
      }
    }
  }
  if (max_lag > t.lag_critical) {
    critical.push_back("source " + lag_source + " lags " + Seconds(max_lag) + "s (critical over " +
                       Seconds(t.lag_critical) + "s)");
  } else if (max_lag > t.lag_warning) {
    warning.push_back("source " + lag_source + " lags " + Seconds(max_lag) + "s (warning over " +
                      Seconds(t.lag_warning) + "s)");
  }
  double failed = 0, pending = 0;
  if (const Json* outbox = doc->Get("outbox"); outbox != nullptr) {
    for (const Json& c : outbox->items) {
      const double n = c.Number("in_failed") + c.Number("given_up");
      failed += n;
      pending += c.Number("pending");
      if (n > 0) {
        critical.push_back(Seconds(n) + " alerts failed on channel " + Clean(c.String("channel")) +
                           " (given up, or in its spool's failed/)");
      }
    }
  }
  const double unspooled = doc->Number("alerts_unspooled");
  if (unspooled > 0) warning.push_back(Seconds(unspooled) + " alerts not yet in the spool");
  if (!critical.empty()) raise(kNagiosCritical);
  if (!warning.empty()) raise(kNagiosWarning);

  std::string text;
  for (const auto* list : {&critical, &warning}) {
    for (const std::string& r : *list) text += (text.empty() ? "" : "; ") + r;
  }
  if (text.empty()) {
    text = std::to_string(following) + " of " + std::to_string(sources) +
           " sources following, max lag " + Seconds(max_lag) + "s, no failed alerts";
  }
  double lines = 0;
  if (const Json* l = doc->Get("lines"); l != nullptr) lines = l->Number("total");
  char perf[512];
  std::snprintf(
      perf, sizeof perf,
      "max_lag=%.0fs;%.0f;%.0f;0 gaps=%.0f;1 failed_alerts=%.0f;;1;0 pending_alerts=%.0f;;;0 "
      "unspooled_alerts=%.0f;;;0 lines=%.0fc",
      max_lag, t.lag_warning, t.lag_critical, doc->Number("gaps"), failed, pending, unspooled,
      lines);
  return {code, std::string("RELAYWATCH ") + kStateNames[code] + " - " + text + "|" + perf + "\n"};
}

NagiosVerdict NagiosUnreachable(std::string_view why) {
  return {kNagiosCritical, "RELAYWATCH CRITICAL - " + Clean(why) + "\n"};
}

NagiosVerdict NagiosUnknown(std::string_view why) {
  return {kNagiosUnknown, "RELAYWATCH UNKNOWN - " + Clean(why) + "\n"};
}

}  // namespace relaywatch::app
