// Args: the option parser `report` (and every subcommand) uses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "relaywatch/app/args.h"

namespace relaywatch::app {
namespace {

const std::vector<OptionSpec>& Specs() {
  static const std::vector<OptionSpec> kSpecs = {
      {"config", 'c', true, false, "FILE", "config file"},
      {"dir", 0, true, true, "DIR", "a multilog directory (repeatable)"},
      {"all", 0, false, false, "", "every login"},
      {"format", 0, true, false, "text|json", "output format"},
      {"help", 'h', false, false, "", "show this help"},
  };
  return kSpecs;
}

std::string ErrorOf(const std::vector<std::string>& argv) {
  auto r = ParseArgs(Specs(), argv);
  return r ? std::string("(ok)") : r.error().message;
}

TEST(ParseArgsTest, TakesValuesAfterTheOptionOrAfterAnEqualsSign) {
  auto r = ParseArgs(Specs(), {"--config", "/etc/rw.yaml", "--format=json"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->get("config"), "/etc/rw.yaml");
  EXPECT_EQ(r->get("format"), "json");
  EXPECT_FALSE(r->has("dir"));
  EXPECT_EQ(r->get("dir"), std::nullopt);
  EXPECT_TRUE(r->all("dir").empty());
}

TEST(ParseArgsTest, ShortOptionsTakeTheirValueFromTheNextArgument) {
  auto r = ParseArgs(Specs(), {"-c", "x.yaml", "-h"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get("config"), "x.yaml");
  EXPECT_TRUE(r->has("help"));
}

TEST(ParseArgsTest, AnEqualsSignValueMayBeEmptyOrHoldMoreEqualsSigns) {
  auto r = ParseArgs(Specs(), {"--config=", "--format=a=b"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get("config"), "");
  EXPECT_EQ(r->get("format"), "a=b");
}

TEST(ParseArgsTest, AValueThatLooksLikeAnOptionIsStillTheValue) {
  auto r = ParseArgs(Specs(), {"--config", "--all"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get("config"), "--all");
  EXPECT_FALSE(r->has("all"));
}

TEST(ParseArgsTest, FlagsAreRecordedWithAnEmptyValue) {
  auto r = ParseArgs(Specs(), {"--all"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->has("all"));
  EXPECT_EQ(r->all("all"), (std::vector<std::string>{""}));
}

TEST(ParseArgsTest, RepeatableOptionsCollectEveryValueInOrder) {
  auto r = ParseArgs(Specs(), {"--dir", "/a", "--dir=/b", "--dir", "/c"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->all("dir"), (std::vector<std::string>{"/a", "/b", "/c"}));
  EXPECT_EQ(r->get("dir"), "/c");
}

TEST(ParseArgsTest, DoubleDashEndsOptionsAndTheRestIsPositional) {
  auto r = ParseArgs(Specs(), {"one", "--all", "--", "--format", "-c"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->positional, (std::vector<std::string>{"one", "--format", "-c"}));
  EXPECT_TRUE(r->has("all"));
  EXPECT_FALSE(r->has("format"));
}

TEST(ParseArgsTest, ALoneDashIsPositional) {
  auto r = ParseArgs(Specs(), {"-"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->positional, (std::vector<std::string>{"-"}));
}

TEST(ParseArgsTest, UsageErrorsNameTheOption) {
  EXPECT_EQ(ErrorOf({"--colour"}), "unknown option --colour");
  EXPECT_EQ(ErrorOf({"--colour=red"}), "unknown option --colour");
  EXPECT_EQ(ErrorOf({"-x"}), "unknown option -x");
  EXPECT_EQ(ErrorOf({"--config"}), "option --config needs a value (FILE)");
  EXPECT_EQ(ErrorOf({"-c"}), "option --config needs a value (FILE)");
  EXPECT_EQ(ErrorOf({"--format"}), "option --format needs a value (text|json)");
  EXPECT_EQ(ErrorOf({"--all=yes"}), "option --all takes no value");
  EXPECT_EQ(ErrorOf({"--format", "json", "--format=text"}), "option --format given twice");
  EXPECT_EQ(ErrorOf({"-c", "a", "--config", "b"}), "option --config given twice");
}

TEST(ParseArgsTest, NoArgumentsIsFine) {
  auto r = ParseArgs(Specs(), {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->values.empty());
  EXPECT_TRUE(r->positional.empty());
}

TEST(OptionsHelpTest, ListsEachOptionWithItsShortNameValueAndHelpInAColumn) {
  EXPECT_EQ(OptionsHelp(Specs()),
            "  -c, --config FILE           config file\n"
            "      --dir DIR               a multilog directory (repeatable)\n"
            "      --all                   every login\n"
            "      --format text|json      output format\n"
            "  -h, --help                  show this help\n");
}

TEST(OptionsHelpTest, ALongOptionPushesItsHelpTwoSpacesFurther) {
  const std::vector<OptionSpec> specs = {
      {"a-very-long-option-name", 0, true, false, "VALUE", "help"}};
  EXPECT_EQ(OptionsHelp(specs), "      --a-very-long-option-name VALUE  help\n");
}

}  // namespace
}  // namespace relaywatch::app
