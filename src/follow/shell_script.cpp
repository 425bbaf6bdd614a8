#include "relaywatch/follow/shell_script.h"

#include <cctype>
#include <utility>

namespace relaywatch::follow {
namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }
// Characters that end an unquoted word: blanks, newline, and the shell's operators.
bool EndsWord(char c) {
  return IsBlank(c) || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' ||
         c == '<' || c == '>';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<ShellCommand> Run() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\\' && Peek(1) == '\n') {  // continuation between words
        pos_ += 2;
        ++line_;
      } else if (IsBlank(c) || c == '\r') {
        ++pos_;
      } else if (c == '\n') {
        EndCommand();
        ++pos_;
        ++line_;
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
        EndCommand();
        ++pos_;
      } else if (AtRedirection()) {
        SkipRedirection();
      } else {
        ShellWord word = ReadWord();
        if (command_.words.empty()) command_.line = word.line;
        command_.words.push_back(std::move(word));
      }
    }
    EndCommand();
    return std::move(commands_);
  }

 private:
  char Peek(std::size_t ahead) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  void EndCommand() {
    if (!command_.words.empty()) commands_.push_back(std::move(command_));
    command_ = ShellCommand{};
  }

  // An unquoted word made only of digits followed by < or >, or a bare < or >.
  bool AtRedirection() const {
    std::size_t i = pos_;
    while (i < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i]))) ++i;
    return i < text_.size() && (text_[i] == '<' || text_[i] == '>');
  }

  // Drops "[n]op target": 2>&1, >/dev/null, >> file, <&-, 2>| f. A here-document body is not
  // skipped; run scripts do not use them, and a body would only add commands we ignore.
  void SkipRedirection() {
    while (std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    char op = text_[pos_++];
    bool dup = false;
    if (pos_ < text_.size()) {
      char next = text_[pos_];
      if (next == op || next == '|' || (op == '<' && next == '>')) {
        ++pos_;
      } else if (next == '&') {
        ++pos_;
        dup = true;
      }
    }
    if (!dup) {
      while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && !EndsWord(text_[pos_])) ReadWord();
  }

  void AddLiteral(ShellWord& word, std::string_view s, bool quoted) {
    if (!word.parts.empty() && word.parts.back().kind == ShellPart::Kind::kLiteral &&
        word.parts.back().quoted == quoted) {
      word.parts.back().text += s;
      return;
    }
    ShellPart part;
    part.text = std::string(s);
    part.quoted = quoted;
    word.parts.push_back(std::move(part));
  }

  void AddOpaque(ShellWord& word, std::string what, bool quoted) {
    ShellPart part;
    part.kind = ShellPart::Kind::kOpaque;
    part.text = std::move(what);
    part.quoted = quoted;
    word.parts.push_back(std::move(part));
  }

  // Advances past the character `close` that matches an opening one already consumed, counting
  // nesting and skipping quoted text; stops at the end of the script if there is none.
  void SkipBalanced(char open, char close) {
    int depth = 1;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '\n') ++line_;
      if (c == '\\' && pos_ < text_.size()) {
        if (text_[pos_] == '\n') ++line_;
        ++pos_;
      } else if (c == '\'' || c == '"') {
        while (pos_ < text_.size() && text_[pos_] != c) {
          if (text_[pos_] == '\n') ++line_;
          ++pos_;
        }
        if (pos_ < text_.size()) ++pos_;
      } else if (c == open && open != close) {
        ++depth;
      } else if (c == close && --depth == 0) {
        return;
      }
    }
  }

  // At '$'. Adds the expansion it starts, or a literal '$' when nothing follows.
  void ReadDollar(ShellWord& word, bool quoted) {
    ++pos_;
    char c = Peek(0);
    if (c == '{') {
      std::size_t start = ++pos_;
      SkipBalanced('{', '}');
      std::size_t end = pos_ > start && text_[pos_ - 1] == '}' ? pos_ - 1 : pos_;
      AddBraced(word, text_.substr(start, end - start), quoted);
    } else if (c == '(') {
      bool arithmetic = Peek(1) == '(';
      ++pos_;
      SkipBalanced('(', ')');
      AddOpaque(word, arithmetic ? "an arithmetic expansion" : "a command substitution", quoted);
    } else if (IsNameStart(c)) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
      ShellPart part;
      part.kind = ShellPart::Kind::kParameter;
      part.text = std::string(text_.substr(start, pos_ - start));
      part.quoted = quoted;
      word.parts.push_back(std::move(part));
    } else if (c != '\0' && (std::isdigit(static_cast<unsigned char>(c)) ||
                             std::string_view("@*#?$!-").find(c) != std::string_view::npos)) {
      ++pos_;
      AddOpaque(word, std::string("the special parameter $") + c, quoted);
    } else {
      AddLiteral(word, "$", quoted);
    }
  }

  // The inside of ${…}: NAME, NAME:-word, NAME-word, NAME:=word, NAME=word; anything else is
  // something only the shell can compute.
  void AddBraced(ShellWord& word, std::string_view inner, bool quoted) {
    std::size_t i = 0;
    if (i < inner.size() && IsNameStart(inner[i])) {
      while (i < inner.size() && IsNameChar(inner[i])) ++i;
    }
    ShellPart part;
    part.kind = ShellPart::Kind::kParameter;
    part.text = std::string(inner.substr(0, i));
    part.quoted = quoted;
    std::string_view rest = inner.substr(i);
    if (i > 0 && !rest.empty()) {
      bool colon = rest.front() == ':';
      if (colon) rest.remove_prefix(1);
      if (!rest.empty() && (rest.front() == '-' || rest.front() == '=')) {
        std::string fallback;
        for (char ch : rest.substr(1)) {
          if (ch != '\'' && ch != '"') fallback += ch;
        }
        part.fallback = std::move(fallback);
        part.fallback_if_empty = colon;
        rest = {};
      }
    }
    if (i == 0 || !rest.empty()) {
      AddOpaque(word, "the parameter expansion ${" + std::string(inner) + "}", quoted);
      return;
    }
    word.parts.push_back(std::move(part));
  }

  void ReadDoubleQuoted(ShellWord& word) {
    ++pos_;  // opening quote
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_];
      if (c == '\\' && std::string_view("$`\"\\\n").find(Peek(1)) != std::string_view::npos &&
          Peek(1) != '\0') {
        if (Peek(1) == '\n') {
          ++line_;
        } else {
          AddLiteral(word, text_.substr(pos_ + 1, 1), true);
        }
        pos_ += 2;
      } else if (c == '$') {
        ReadDollar(word, true);
      } else if (c == '`') {
        ++pos_;
        SkipBalanced('`', '`');
        AddOpaque(word, "a command substitution", true);
      } else {
        if (c == '\n') ++line_;
        AddLiteral(word, text_.substr(pos_, 1), true);
        ++pos_;
      }
    }
    if (pos_ < text_.size()) ++pos_;  // closing quote
  }

  ShellWord ReadWord() {
    ShellWord word;
    word.line = line_;
    std::size_t start = pos_;
    while (pos_ < text_.size() && !EndsWord(text_[pos_])) {
      char c = text_[pos_];
      if (c == '\\') {
        if (Peek(1) == '\n') {
          ++line_;
        } else if (Peek(1) != '\0') {
          AddLiteral(word, text_.substr(pos_ + 1, 1), true);
        }
        pos_ += 2;
      } else if (c == '\'') {
        std::size_t end = text_.find('\'', pos_ + 1);
        if (end == std::string_view::npos) end = text_.size();
        std::string_view inside = text_.substr(pos_ + 1, end - pos_ - 1);
        for (char ch : inside) {
          if (ch == '\n') ++line_;
        }
        if (inside.empty()) {
          AddLiteral(word, "", true);
        } else {
          AddLiteral(word, inside, true);
        }
        pos_ = end < text_.size() ? end + 1 : end;
      } else if (c == '"') {
        std::size_t before = word.parts.size();
        ReadDoubleQuoted(word);
        if (word.parts.size() == before) AddLiteral(word, "", true);  // "" is an empty word
      } else if (c == '$') {
        ReadDollar(word, false);
      } else if (c == '`') {
        ++pos_;
        SkipBalanced('`', '`');
        AddOpaque(word, "a command substitution", false);
      } else if (c == '\r' && Peek(1) == '\n') {
        ++pos_;  // a script saved with CR LF: the CR is not part of the word
      } else {
        AddLiteral(word, text_.substr(pos_, 1), false);
        ++pos_;
      }
    }
    word.raw = std::string(text_.substr(start, pos_ - start));
    return word;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  ShellCommand command_;
  std::vector<ShellCommand> commands_;
};

}  // namespace

std::vector<ShellCommand> ParseShellScript(std::string_view script) { return Lexer(script).Run(); }

}  // namespace relaywatch::follow
