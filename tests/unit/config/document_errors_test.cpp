// Problems with the file as a whole: nothing in it, not a mapping, YAML syntax errors (yaml-cpp's
// own message at its position), duplicate keys (which yaml-cpp accepts silently), more than one
// document.
#include <gtest/gtest.h>

#include <string>

#include "error_of.h"

namespace relaywatch::config {
namespace {

using test_support::ErrorOf;
using test_support::WithRule;

TEST(DocumentErrorsTest, SaysAnEmptyFileHoldsNoSettings) {
  const std::string empty =
      "relaywatch.yaml:1:1: no settings (the file is empty or holds only "
      "comments)";
  EXPECT_EQ(ErrorOf(""), empty);
  EXPECT_EQ(ErrorOf("\n\n"), empty);
  EXPECT_EQ(ErrorOf("# rules:\n#   - {name: v, kind: volume}\n"), empty);
  EXPECT_EQ(ErrorOf("~\n"), empty);
}

TEST(DocumentErrorsTest, RequiresAMappingAtTheTop) {
  EXPECT_EQ(ErrorOf("- rules\n- alerts\n"),
            "relaywatch.yaml:1:1: expected a mapping of settings (key: value), got a list");
  EXPECT_EQ(ErrorOf("relaywatch\n"),
            "relaywatch.yaml:1:1: expected a mapping of settings (key: value), got "
            "\"relaywatch\"");
}

TEST(DocumentErrorsTest, ReportsYamlSyntaxErrorsAtTheirPosition) {
  EXPECT_EQ(ErrorOf("rules: [a, b\n"), "relaywatch.yaml:2:1: end of sequence flow not found");
  EXPECT_EQ(ErrorOf("rules:\n  - name: a\n   kind: volume\n"),
            "relaywatch.yaml:3:4: end of sequence not found");
  EXPECT_EQ(ErrorOf("state_dir: a: b\n"), "relaywatch.yaml:1:13: illegal map value");
  EXPECT_EQ(ErrorOf("rules: *volume\n"),
            "relaywatch.yaml:1:8: the referenced anchor is not defined");
}

TEST(DocumentErrorsTest, SaysWhenATabIndentsALine) {
  EXPECT_EQ(ErrorOf("rules:\n\t- name: a\n"),
            "relaywatch.yaml:2:2: illegal block entry (this line is indented with a tab; YAML "
            "allows only spaces)");
}

TEST(DocumentErrorsTest, RejectsAKeyGivenTwice) {
  EXPECT_EQ(ErrorOf("state_dir: /a\nstate_dir: /b\n"),
            "relaywatch.yaml:2:1: state_dir: duplicate key (first given on line 1)");
  EXPECT_EQ(ErrorOf("rules:\n"
                    "  - name: hourly\n"
                    "    kind: volume\n"
                    "    window: 1h\n"
                    "    limit: 5\n"
                    "    limit: 6\n"),
            "relaywatch.yaml:6:5: rules[0].limit: duplicate key (first given on line 5)");
  EXPECT_EQ(ErrorOf(WithRule("alerts: {max_per_hour: 5, max_per_hour: 6}\n")),
            "relaywatch.yaml:2:27: alerts.max_per_hour: duplicate key (first given on line 2)");
}

TEST(DocumentErrorsTest, RejectsKeysThatAreNotPlainText) {
  EXPECT_EQ(ErrorOf("? [a, b]\n: 1\n"), "relaywatch.yaml:1:3: expected a plain key, got a list");
}

TEST(DocumentErrorsTest, RejectsASecondDocument) {
  EXPECT_EQ(ErrorOf(WithRule("---\nstate_dir: /srv/relaywatch\n")),
            "relaywatch.yaml:3:1: more than one YAML document ('---'); the config is one "
            "document");
}

TEST(DocumentErrorsTest, QuotesWhatWasWrittenReadably) {
  // Control bytes are escaped and a long value is cut, so the message stays one line.
  EXPECT_EQ(ErrorOf(WithRule("startup: \"wa\\trm\\u0001\"\n")),
            "relaywatch.yaml:2:10: startup: expected warm or tail, got \"wa\\trm\\x01\"");
  EXPECT_EQ(ErrorOf(WithRule("startup: " + std::string(70, 'w') + "\n")),
            "relaywatch.yaml:2:10: startup: expected warm or tail, got \"" + std::string(60, 'w') +
                "...\"");
  EXPECT_EQ(ErrorOf(WithRule("startup: 'say \"warm\" \\ or tail'\n")),
            "relaywatch.yaml:2:10: startup: expected warm or tail, got \"say \\\"warm\\\" \\\\ "
            "or tail\"");
}

}  // namespace
}  // namespace relaywatch::config
