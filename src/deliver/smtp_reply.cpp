#include "relaywatch/deliver/smtp_reply.h"

#include <algorithm>

#include "relaywatch/deliver/detail_text.h"

namespace relaywatch::deliver {
namespace {

constexpr std::size_t kMaxMechanisms = 32;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::optional<SmtpReplyLine> ParseReplyLine(std::string_view line) {
  if (line.size() < 3) return std::nullopt;
  for (int i = 0; i < 3; ++i) {
    if (line[i] < '0' || line[i] > '9') return std::nullopt;
  }
  const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (code < 200 || code > 599) return std::nullopt;
  if (line.size() == 3) return SmtpReplyLine{code, true, {}};
  if (line[3] != ' ' && line[3] != '-') return std::nullopt;
  return SmtpReplyLine{code, line[3] == ' ', line.substr(4)};
}

std::string DescribeReply(const SmtpReply& reply) {
  std::string text = std::to_string(reply.code);
  for (std::size_t i = 0; i < reply.lines.size(); ++i) {
    text += i == 0 ? " " : " / ";
    text += reply.lines[i];
  }
  return EscapeDetail(text);
}

EhloExtensions ParseEhlo(const SmtpReply& reply) {
  EhloExtensions out;
  // The first line is the server's greeting name, not an extension.
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    std::string line = Upper(reply.lines[i]);
    if (line.starts_with("AUTH=")) line[4] = ' ';
    const std::vector<std::string_view> words = Words(line);
    if (words.empty()) continue;
    if (words[0] == "STARTTLS") out.starttls = true;
    if (words[0] == "8BITMIME") out.eightbitmime = true;
    if (words[0] != "AUTH") continue;
    for (std::size_t w = 1; w < words.size(); ++w) {
      if (words[w] == "PLAIN") out.auth_plain = true;
      if (words[w] == "LOGIN") out.auth_login = true;
      if (out.auth.size() < kMaxMechanisms &&
          std::find(out.auth.begin(), out.auth.end(), words[w]) == out.auth.end()) {
        out.auth.emplace_back(words[w]);
      }
    }
  }
  return out;
}

}  // namespace relaywatch::deliver
