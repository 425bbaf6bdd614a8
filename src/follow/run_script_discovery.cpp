// DiscoverFromRunScript: expansion of the script's words and recognition of multilog's arguments.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "relaywatch/follow/discovery.h"
#include "relaywatch/follow/shell_script.h"

namespace relaywatch::follow {
namespace {

// A variable's value, or why the script cannot tell it.
struct Value {
  std::string text;
  std::string unknown;  // non-empty: the value is not known, and this says why
};
using Vars = std::map<std::string, Value, std::less<>>;

// One word after expansion. Its first `known` characters are certain; when `unknown` is set the
// rest is not (it came from a command substitution or a variable the script never set).
struct Field {
  std::string text;
  std::size_t known = std::string::npos;
  std::string unknown;
  const ShellWord* word = nullptr;

  bool certain() const { return unknown.empty(); }
  void MarkUnknown(std::string why) {
    if (!unknown.empty()) return;
    known = text.size();
    unknown = std::move(why);
  }
};

bool IsName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// The value of a parameter part: known text, or the reason it is not known.
Value Resolve(const ShellPart& part, const Vars& vars) {
  auto it = vars.find(part.text);
  bool unset = it == vars.end();
  if (part.fallback && (unset || (part.fallback_if_empty && it->second.unknown.empty() &&
                                  it->second.text.empty()))) {
    return Value{*part.fallback, ""};
  }
  if (unset) return Value{"", "the unset variable " + part.text};
  return it->second;
}

// Expands `word` as sh does before running a command: parameters are substituted and, outside
// quotes, their values split at blanks. Pathname expansion is not done (run scripts do not glob).
std::vector<Field> Expand(const ShellWord& word, const Vars& vars) {
  std::vector<Field> fields;
  Field cur;
  cur.word = &word;
  bool started = false;
  auto finish = [&] {
    if (started) fields.push_back(std::move(cur));
    cur = Field{};
    cur.word = &word;
    started = false;
  };
  for (const ShellPart& part : word.parts) {
    switch (part.kind) {
      case ShellPart::Kind::kLiteral:
        cur.text += part.text;
        started = true;
        break;
      case ShellPart::Kind::kOpaque:
        cur.MarkUnknown(part.text);
        started = true;
        break;
      case ShellPart::Kind::kParameter: {
        Value v = Resolve(part, vars);
        if (!v.unknown.empty()) {
          cur.MarkUnknown(v.unknown);
          started = true;
        } else if (part.quoted) {
          cur.text += v.text;
          started = true;
        } else {
          for (char c : v.text) {
            if (c == ' ' || c == '\t' || c == '\n') {
              finish();
            } else {
              cur.text += c;
              started = true;
            }
          }
        }
        break;
      }
    }
  }
  finish();
  return fields;
}

// An assignment word: NAME=… with NAME unquoted. Returns the name and the value, unsplit.
std::optional<std::pair<std::string, Value>> AsAssignment(const ShellWord& word, const Vars& vars) {
  if (word.parts.empty()) return std::nullopt;
  const ShellPart& first = word.parts.front();
  if (first.kind != ShellPart::Kind::kLiteral || first.quoted) return std::nullopt;
  std::size_t eq = first.text.find('=');
  if (eq == std::string::npos || !IsName(std::string_view(first.text).substr(0, eq))) {
    return std::nullopt;
  }
  ShellWord rest;
  ShellPart tail = first;
  tail.text = first.text.substr(eq + 1);
  rest.parts.push_back(std::move(tail));
  rest.parts.insert(rest.parts.end(), word.parts.begin() + 1, word.parts.end());
  for (ShellPart& p : rest.parts) p.quoted = true;  // assignments are not field-split
  std::vector<Field> fields = Expand(rest, vars);
  std::string name = first.text.substr(0, eq);
  if (fields.empty()) return std::make_pair(name, Value{});
  Field& f = fields.front();
  Value v{f.text, ""};
  if (!f.certain()) {
    v.unknown = f.unknown.rfind("the unset variable ", 0) == 0
                    ? f.unknown
                    : "the variable " + name + ", set from " + f.unknown;
  }
  return std::make_pair(name, v);
}

// multilog's scan_ulong: the decimal digits at the start, 0 when none (saturating).
std::uint64_t LeadingNumber(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX : v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::string_view Basename(std::string_view path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// `rel` inside `dir` (as `cd` left it), lexically normal; `rel` untouched when no `cd` happened.
std::string Join(const std::string& dir, const std::string& rel) {
  if (dir.empty()) return rel;
  std::string joined = (std::filesystem::path(dir) / rel).lexically_normal().string();
  while (joined.size() > 1 && joined.back() == '/') joined.pop_back();
  return joined;
}

// Skips getopt-style options of a chain-loader: flags in `flags`, options taking an argument in
// `with_arg` (attached, "-m2000", or separate, "-m 2000"), stopping at "--" or a non-option.
std::size_t SkipOptions(const std::vector<Field>& f, std::size_t k, std::string_view with_arg) {
  while (k < f.size() && f[k].text.size() > 1 && f[k].text[0] == '-') {
    if (f[k].text == "--") return k + 1;
    bool takes_arg = with_arg.find(f[k].text[1]) != std::string_view::npos;
    k += (takes_arg && f[k].text.size() == 2) ? 2 : 1;
  }
  return k;
}

class Discoverer {
 public:
  std::vector<RunScriptFinding> Run(std::string_view script) {
    for (const ShellCommand& cmd : ParseShellScript(script)) Command(cmd);
    if (!found_multilog_) findings_.push_back(RunScriptProblem{1, "no multilog command found"});
    return std::move(findings_);
  }

 private:
  void Command(const ShellCommand& cmd) {
    std::size_t i = 0;
    std::vector<std::pair<std::string, Value>> assignments;
    while (i < cmd.words.size()) {
      auto a = AsAssignment(cmd.words[i], vars_);
      if (!a) break;
      assignments.push_back(std::move(*a));
      ++i;
    }
    if (i == cmd.words.size()) {  // only assignments: they set the script's variables
      for (auto& [name, value] : assignments) vars_[name] = std::move(value);
      return;
    }
    std::vector<Field> fields;
    for (; i < cmd.words.size(); ++i) {
      for (Field& f : Expand(cmd.words[i], vars_)) fields.push_back(std::move(f));
    }
    Program(fields, cmd.line);
  }

  // Walks the chain of programs that exec each other until multilog or something else.
  void Program(const std::vector<Field>& f, int line) {
    static const std::set<std::string, std::less<>> kReserved = {
        "!", "{", "}", "if", "then", "else", "elif", "do", "while", "until", "time"};
    std::size_t k = 0;
    while (k < f.size() && f[k].certain() && kReserved.count(f[k].text)) ++k;
    while (k < f.size() && f[k].certain()) {
      std::string_view prog = Basename(f[k].text);
      if (prog.rfind("s6-", 0) == 0) prog.remove_prefix(3);
      ++k;
      if (prog == "exec") {
        k = SkipOptions(f, k, "a");
      } else if (prog == "setuidgid" || prog == "envuidgid" || prog == "envdir") {
        k = SkipOptions(f, k, "") + 1;
      } else if (prog == "setlock") {
        k = SkipOptions(f, k, "") + 1;
      } else if (prog == "softlimit") {
        k = SkipOptions(f, k, "acdflmoprst");
      } else if (prog == "chpst") {
        k = SkipOptions(f, k, "ubUe/nlLmdopfcrt");
      } else if (prog == "nice") {
        k = SkipOptions(f, k, "n");
      } else if (prog == "runuser") {
        // runuser -u USER [--] PROGRAM (util-linux); the -l/-c shell form names no program here
        k = SkipOptions(f, k, "ugGw");
      } else if (prog == "fdmove") {
        // execline: fdmove [-c] TO FROM PROGRAM
        k = SkipOptions(f, k, "") + 2;
      } else if (prog == "env") {
        // env [-i] [-] [-u NAME] [NAME=VALUE]... PROGRAM
        for (;;) {
          k = SkipOptions(f, k, "u");
          if (k >= f.size() || !f[k].certain()) break;
          const std::string& t = f[k].text;
          std::size_t eq = t.find('=');
          if (t != "-" && (eq == std::string::npos || !IsName(std::string_view(t).substr(0, eq)))) {
            break;
          }
          ++k;
        }
      } else if (prog == "nohup" || prog == "fghack" || prog == "pgrphack" || prog == "command") {
        // no arguments of their own
      } else if (prog == "export" || prog == "readonly") {
        Export(f, k);
        return;
      } else if (prog == "unset") {
        for (; k < f.size(); ++k) vars_.erase(f[k].text);
        return;
      } else if (prog == "cd") {
        ChangeDir(f, k);
        return;
      } else if (prog == "multilog") {
        found_multilog_ = true;
        Multilog(f, k, line);
        return;
      } else if (prog == "sh" || prog == "bash" || prog == "dash") {
        // `envdir ./env sh -c 'exec setuidgid qmaill multilog t ./main'`: the string is a script.
        if (k + 1 < f.size() && f[k].certain() && f[k].text == "-c" && f[k + 1].certain()) {
          for (ShellCommand inner : ParseShellScript(f[k + 1].text)) {
            inner.line = line;
            Command(inner);
          }
        }
        return;
      } else {
        return;  // some other program: not a log writer we follow
      }
    }
  }

  void Export(const std::vector<Field>& f, std::size_t k) {
    for (; k < f.size(); ++k) {
      std::size_t eq = f[k].text.find('=');
      if (eq == std::string::npos || !IsName(std::string_view(f[k].text).substr(0, eq))) continue;
      Value v{f[k].text.substr(eq + 1), ""};
      if (!f[k].certain()) v.unknown = f[k].unknown;
      vars_[f[k].text.substr(0, eq)] = std::move(v);
    }
  }

  void ChangeDir(const std::vector<Field>& f, std::size_t k) {
    if (k >= f.size()) {
      cwd_unknown_ = "cd to $HOME";
      return;
    }
    if (!f[k].certain()) {
      cwd_unknown_ = f[k].unknown;
      return;
    }
    const std::string& to = f[k].text;
    cwd_ = (!to.empty() && to[0] == '/') ? to : Join(cwd_, to);
  }

  void Multilog(const std::vector<Field>& f, std::size_t k, int line) {
    // A '+'/'-' selection action came before: later dirs get some lines. '+*' selects every line
    // again (multilog's `'-*' '+*CHKUSER*' DIR1 '+*' DIR2`: DIR2 gets them all).
    bool filtered = false;
    DiscoveredDir limits;  // the s and n in effect, as multilog's c_init reads them
    const std::size_t found_before = findings_.size();
    for (; k < f.size(); ++k) {
      const Field& arg = f[k];
      const std::string& raw = arg.word->raw;
      if (arg.known == 0) {
        Problem(line, "multilog argument " + raw + " depends on " + arg.unknown +
                          "; it may be a directory");
        continue;
      }
      if (!arg.text.empty() && arg.text[0] == '!') {
        Problem(line, "multilog runs each archive through " + arg.text.substr(1) +
                          "; relaywatch reads the archives as it leaves them, and a compressed "
                          "one holds no line it can read");
        continue;
      }
      if (arg.text.empty() || (arg.text[0] != '/' && arg.text[0] != '.')) {  // an action
        if (!arg.text.empty() && (arg.text[0] == 's' || arg.text[0] == 'n')) {
          std::optional<std::uint64_t> value;
          if (arg.certain()) {
            value = LeadingNumber(std::string_view(arg.text).substr(1));
            if (arg.text[0] == 's') value = std::clamp<std::uint64_t>(*value, 4096, 16777215);
            if (arg.text[0] == 'n') value = std::max<std::uint64_t>(*value, 2);
          }
          (arg.text[0] == 's' ? limits.size : limits.num) = value;
        }
        if (arg.text == "+*") {
          filtered = false;
        } else if (!arg.text.empty() && (arg.text[0] == '+' || arg.text[0] == '-')) {
          filtered = true;
        }
        continue;
      }
      if (!arg.certain()) {
        Problem(line, "multilog directory " + raw + " depends on " + arg.unknown);
      } else if (arg.text[0] == '/') {
        findings_.push_back(DiscoveredDir{arg.text, line, filtered, limits.size, limits.num});
      } else if (!cwd_unknown_.empty()) {
        Problem(line, "multilog directory " + raw + " is relative to a directory that depends on " +
                          cwd_unknown_);
      } else {
        findings_.push_back(
            DiscoveredDir{Join(cwd_, arg.text), line, filtered, limits.size, limits.num});
      }
    }
    // `exec multilog t`: multilog then writes nowhere; said, so the service is not silently
    // left unfollowed.
    if (findings_.size() == found_before) {
      Problem(line,
              "multilog names no log directory (an argument starting with / or ., like "
              "./main)");
    }
  }

  void Problem(int line, std::string message) {
    findings_.push_back(RunScriptProblem{line, std::move(message)});
  }

  Vars vars_;
  std::string cwd_;          // relative to the log dir; empty = the log dir itself
  std::string cwd_unknown_;  // non-empty once a `cd` went somewhere the script cannot tell
  bool found_multilog_ = false;
  std::vector<RunScriptFinding> findings_;
};

}  // namespace

std::vector<RunScriptFinding> DiscoverFromRunScript(std::string_view script_text) {
  return Discoverer().Run(script_text);
}

std::optional<std::uint64_t> ArchiveBytes(const DiscoveredDir& dir) {
  if (!dir.size || !dir.num) return std::nullopt;
  const std::uint64_t archives = *dir.num - 1;
  if (archives > UINT64_MAX / std::max<std::uint64_t>(*dir.size, 1)) return UINT64_MAX;
  return *dir.size * archives;
}

}  // namespace relaywatch::follow
