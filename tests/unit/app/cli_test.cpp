// The command line: "-cFILE", options before the command, "help COMMAND".
#include "relaywatch/app/cli.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "relaywatch/app/args.h"

namespace relaywatch::app {
namespace {

using Argv = std::vector<std::string>;

TEST(ParseArgsShortTest, AShortOptionTakesAnAttachedValue) {
  const std::vector<OptionSpec> specs = {{"config", 'c', true, false, "FILE", ""},
                                         {"help", 'h', false, false, "", ""}};
  auto r = ParseArgs(specs, {"-c/etc/rw.yaml"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->get("config"), "/etc/rw.yaml");
  EXPECT_TRUE(r->positional.empty());
  auto flag = ParseArgs(specs, {"-hx"});
  ASSERT_FALSE(flag);
  EXPECT_EQ(flag.error().message, "option -h takes no value");
  auto unknown = ParseArgs(specs, {"-zfoo"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown option -z");
  auto dash = ParseArgs(specs, {"-"});  // stdin, as a positional argument
  ASSERT_TRUE(dash);
  EXPECT_EQ(dash->positional, Argv{"-"});
}

TEST(SplitCommandLineTest, TheConfigOptionMayComeBeforeTheCommand) {
  for (const Argv& argv :
       {Argv{"-c", "F", "check", "--x"}, Argv{"--config", "F", "check", "--x"}}) {
    auto r = SplitCommandLine(argv);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->command, "check");
    EXPECT_EQ(r->args, (Argv{argv[0], "F", "--x"}));
    EXPECT_FALSE(r->help);
  }
  auto attached = SplitCommandLine({"-cF", "report", "--all"});
  ASSERT_TRUE(attached);
  EXPECT_EQ(attached->command, "report");
  EXPECT_EQ(attached->args, (Argv{"-cF", "--all"}));
  auto eq = SplitCommandLine({"--config=F", "check"});
  ASSERT_TRUE(eq);
  EXPECT_EQ(eq->args, Argv{"--config=F"});
}

TEST(SplitCommandLineTest, OtherOptionsBeforeTheCommandAreUsageErrors) {
  auto r = SplitCommandLine({"--all", "report"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "option --all must follow the command (only -c FILE may precede it)");
  auto missing = SplitCommandLine({"-c"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "option -c needs a value (FILE)");
  auto none = SplitCommandLine({"-c", "F"});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "no command given after -c");
}

TEST(SplitCommandLineTest, HelpCommandIsTheCommandsHelp) {
  auto r = SplitCommandLine({"help", "report"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->command, "report");
  EXPECT_EQ(r->args, Argv{"--help"});
  EXPECT_TRUE(r->help);
  auto bare = SplitCommandLine({"help"});
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->help);
  EXPECT_EQ(bare->command, "");
  auto unknown = SplitCommandLine({"help", "frobnicate"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "help: unknown command 'frobnicate'");
  auto plain = SplitCommandLine({"check", "-c", "F"});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->command, "check");
  EXPECT_EQ(plain->args, (Argv{"-c", "F"}));
}

}  // namespace
}  // namespace relaywatch::app
