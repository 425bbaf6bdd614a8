#include "relaywatch/app/args.h"

#include <algorithm>
#include <cstdio>

#include "relaywatch/app/cli.h"

namespace relaywatch::app {

std::optional<std::string> ParsedArgs::get(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const {
  auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

core::Result<ParsedArgs> ParseArgs(const std::vector<OptionSpec>& specs,
                                   const std::vector<std::string>& argv) {
  ParsedArgs out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") {
      out.positional.insert(out.positional.end(), argv.begin() + static_cast<long>(i) + 1,
                            argv.end());
      break;
    }
    const OptionSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      auto it = std::find_if(specs.begin(), specs.end(),
                             [&](const OptionSpec& s) { return s.name == name; });
      if (it == specs.end()) return core::Error{"unknown option --" + name};
      spec = &*it;
    } else if (a.size() >= 2 && a[0] == '-' && a[1] != '-') {
      auto it = std::find_if(specs.begin(), specs.end(),
                             [&](const OptionSpec& s) { return s.short_name == a[1]; });
      if (it == specs.end()) return core::Error{"unknown option " + a.substr(0, 2)};
      spec = &*it;
      if (a.size() > 2) {
        // "-cFILE": the rest is the value; a flag takes none (no bundling: "-ha" is refused).
        if (!spec->takes_value) return core::Error{"option " + a.substr(0, 2) + " takes no value"};
        inline_value = a.substr(2);
      }
    } else {
      out.positional.push_back(a);
      continue;
    }
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
      } else {
        return core::Error{"option --" + spec->name + " needs a value (" + spec->value_name + ")"};
      }
    } else if (inline_value) {
      return core::Error{"option --" + spec->name + " takes no value"};
    }
    auto& slot = out.values[spec->name];
    if (!slot.empty() && !spec->repeatable && spec->takes_value) {
      return core::Error{"option --" + spec->name + " given twice"};
    }
    slot.push_back(value);
  }
  return out;
}

std::string OptionsHelp(const std::vector<OptionSpec>& specs) {
  std::string out;
  for (const OptionSpec& s : specs) {
    std::string left = "  ";
    left += s.short_name ? std::string("-") + s.short_name + ", " : "    ";
    left += "--" + s.name;
    if (s.takes_value) left += " " + s.value_name;
    if (left.size() < 30)
      left.resize(30, ' ');
    else
      left += "  ";
    out += left + s.help + "\n";
  }
  return out;
}

std::optional<ParsedArgs> ParseCommandArgs(std::string_view command,
                                           const std::vector<OptionSpec>& specs,
                                           const std::vector<std::string>& argv,
                                           std::string_view usage, int& exit_code) {
  auto args = ParseArgs(specs, argv);
  if (!args || !args->positional.empty()) {
    const std::string why =
        args ? "unexpected argument " + args->positional[0] : args.error().message;
    std::fprintf(stderr, "relaywatch %.*s: %s\n", static_cast<int>(command.size()), command.data(),
                 why.c_str());
    exit_code = kExitUsage;
    return std::nullopt;
  }
  if (args->has("help")) {
    std::printf("%.*s\n\n%s", static_cast<int>(usage.size()), usage.data(),
                OptionsHelp(specs).c_str());
    exit_code = kExitOk;
    return std::nullopt;
  }
  return std::move(*args);
}

}  // namespace relaywatch::app
