#include "relaywatch/follow/shell_script.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace relaywatch::follow {
namespace {

using ::testing::ElementsAre;

// Each command as its words, each word as its parts: "lit", "$NAME", "?what", "$NAME:-fallback".
std::vector<std::vector<std::string>> Shape(std::string_view script) {
  std::vector<std::vector<std::string>> out;
  for (const ShellCommand& cmd : ParseShellScript(script)) {
    std::vector<std::string> words;
    for (const ShellWord& w : cmd.words) {
      std::string s;
      for (const ShellPart& p : w.parts) {
        if (!s.empty()) s += "+";
        switch (p.kind) {
          case ShellPart::Kind::kLiteral:
            s += (p.quoted ? "'" : "") + p.text + (p.quoted ? "'" : "");
            break;
          case ShellPart::Kind::kParameter:
            s += (p.quoted ? "\"$" : "$") + p.text;
            if (p.fallback) s += (p.fallback_if_empty ? ":-" : "-") + *p.fallback;
            break;
          case ShellPart::Kind::kOpaque:
            s += "?" + p.text;
            break;
        }
      }
      words.push_back(s);
    }
    out.push_back(words);
  }
  return out;
}

TEST(ParseShellScriptTest, SplitsCommandsAtNewlinesSemicolonsAndOperators) {
  EXPECT_THAT(Shape("a b; c && d || e | f & g\n( h )\n"),
              ElementsAre(ElementsAre("a", "b"), ElementsAre("c"), ElementsAre("d"),
                          ElementsAre("e"), ElementsAre("f"), ElementsAre("g"), ElementsAre("h")));
}

TEST(ParseShellScriptTest, RemovesQuotesAndKeepsWhatTheyProtect) {
  EXPECT_THAT(Shape("x 'a b' \"c $D ${E:-f g}\" h\\ i ''\n"),
              ElementsAre(ElementsAre("x", "'a b'", "'c '+\"$D+' '+\"$E:-f g", "h+' '+i", "''")));
}

TEST(ParseShellScriptTest, MarksWhatOnlyTheShellCanCompute) {
  EXPECT_THAT(
      Shape("a `cat x` $(cat \"y)\") $((1+2)) $1 ${#X} $$ $\n"),
      ElementsAre(ElementsAre("a", "?a command substitution", "?a command substitution",
                              "?an arithmetic expansion", "?the special parameter $1",
                              "?the parameter expansion ${#X}", "?the special parameter $$", "$")));
}

TEST(ParseShellScriptTest, DropsRedirectionsWithTheirTargets) {
  EXPECT_THAT(Shape("a 2>&1 b >/dev/null c 2> err d < in e >>log f <&- g\n"),
              ElementsAre(ElementsAre("a", "b", "c", "d", "e", "f", "g")));
}

TEST(ParseShellScriptTest, SkipsCommentsButNotHashesInsideWords) {
  EXPECT_THAT(Shape("#!/bin/sh\na#b # c d\n"), ElementsAre(ElementsAre("a#b")));
}

TEST(ParseShellScriptTest, CountsLinesAcrossContinuationsAndQuotedNewlines) {
  auto cmds = ParseShellScript("a \\\n b 'x\ny'\nc\n");
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0].line, 1);
  EXPECT_EQ(cmds[0].words[1].line, 2);
  EXPECT_EQ(cmds[0].words[2].raw, "'x\ny'");
  EXPECT_EQ(cmds[1].line, 4);
}

TEST(ParseShellScriptTest, SurvivesUnterminatedQuotesAndSubstitutions) {
  EXPECT_THAT(Shape("a 'b\n"), ElementsAre(ElementsAre("a", "'b\n'")));
  EXPECT_THAT(Shape("a $(b\n"), ElementsAre(ElementsAre("a", "?a command substitution")));
  EXPECT_THAT(Shape("a \"b"), ElementsAre(ElementsAre("a", "'b'")));
}

}  // namespace
}  // namespace relaywatch::follow
