// ShellScript: the words of a daemontools `run` script, split the way /bin/sh splits them.
//
// Discovery needs multilog's arguments from `log/run` scripts without running them. This unit is
// the lexical half: it turns script text into simple commands made of words, each word a list of
// parts (literal text, a parameter like $LOGDIR or ${LOGDIR:-x}, or something only a shell can
// compute, such as a command substitution). It understands comments, quotes ('…', "…", \x),
// line continuations, command separators (newline ; & | && || ( ) and the reserved words around
// them stay words), and redirections (2>&1, >file, < file), which it drops. It never fails: text
// it does not understand becomes literal or opaque parts, so the caller decides what it can trust.
// Expansion (variables, field splitting) is the caller's job: see follow/discovery.h.
#ifndef RELAYWATCH_FOLLOW_SHELL_SCRIPT_H_
#define RELAYWATCH_FOLLOW_SHELL_SCRIPT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaywatch::follow {

struct ShellPart {
  enum class Kind {
    kLiteral,    // text as written, quotes and escapes removed
    kParameter,  // $NAME, ${NAME}, ${NAME:-word}, ${NAME-word}
    kOpaque,     // anything a shell must compute: $(…), `…`, $((…)), $1, ${X%y}…
  };
  Kind kind = Kind::kLiteral;
  std::string text;  // kLiteral: the text; kParameter: the name; kOpaque: what it is, for messages
  bool quoted = false;                  // inside quotes: no field splitting
  std::optional<std::string> fallback;  // kParameter with ":-"/"-": the word, quotes removed
  bool fallback_if_empty = false;       // ":-" (unset or empty) rather than "-" (unset only)
};

struct ShellWord {
  std::vector<ShellPart> parts;
  std::string raw;  // the word as written in the script, for messages
  int line = 1;     // 1-based line where the word starts
};

struct ShellCommand {
  std::vector<ShellWord> words;  // redirections removed
  int line = 1;                  // line of the first word
};

// Splits `script` into simple commands in order. Empty commands are left out.
std::vector<ShellCommand> ParseShellScript(std::string_view script);

}  // namespace relaywatch::follow

#endif  // RELAYWATCH_FOLLOW_SHELL_SCRIPT_H_
