#include "relaywatch/follow/discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace relaywatch::follow {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Findings as "dir LINE PATH[ filtered]" / "problem LINE: MESSAGE", so a failure shows them
// readably.
std::vector<std::string> Describe(const std::vector<RunScriptFinding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) {
    if (const auto* d = std::get_if<DiscoveredDir>(&f)) {
      out.push_back("dir " + std::to_string(d->line) + " " + d->dir +
                    (d->filtered ? " filtered" : ""));
    } else {
      const auto& p = std::get<RunScriptProblem>(f);
      out.push_back("problem " + std::to_string(p.line) + ": " + p.message);
    }
  }
  return out;
}

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(RELAYWATCH_FIXTURES_DIR) + "/log-run/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << name;
  return ss.str();
}

std::vector<std::string> FromFixture(const std::string& name) {
  return Describe(DiscoverFromRunScript(Fixture(name)));
}

std::vector<std::string> FromScript(std::string_view script) {
  return Describe(DiscoverFromRunScript(script));
}

TEST(DiscoverFromRunScriptTest, FindsTheRelativeDirBehindEnvdirSoftlimitAndSetuidgid) {
  EXPECT_THAT(FromFixture("envdir-softlimit.run"), ElementsAre("dir 2 ./main"));
}

TEST(DiscoverFromRunScriptTest, FindsTheAbsoluteDirOfLifeWithQmailWithAbsoluteProgramPaths) {
  EXPECT_THAT(FromFixture("lwq-qmail-smtpd.run"), ElementsAre("dir 2 /var/log/qmail/smtpd"));
}

TEST(DiscoverFromRunScriptTest, FindsTheMainDirOfTheDotMainConvention) {
  EXPECT_THAT(FromFixture("main-relative.run"), ElementsAre("dir 2 ./main"));
}

TEST(DiscoverFromRunScriptTest, IgnoresCommandSubstitutionsThatOnlyFeedSizeAndCountActions) {
  EXPECT_THAT(FromFixture("qmailtoaster-submission.run"),
              ElementsAre("dir 4 /var/log/qmail/submission"));
}

TEST(DiscoverFromRunScriptTest, FindsBothDirsOfTheSmtpDebugScriptAcrossQuotedPatterns) {
  EXPECT_THAT(FromFixture("qmt-smtp-debug.run"), ElementsAre("dir 4 /var/log/qmail/smtptx filtered",
                                                             "dir 4 /var/log/qmail/smtp filtered"));
}

TEST(DiscoverFromRunScriptTest, ExpandsVariablesAssignedFromOtherVariables) {
  EXPECT_THAT(
      FromFixture("sagredo-smtpd-qlog.run"),
      ElementsAre("dir 6 /var/log/qmail/smtpd", "dir 6 /var/log/qmail/smtpd/qlog filtered"));
}

TEST(DiscoverFromRunScriptTest, FindsTheDirAfterTheDateAction) {
  EXPECT_THAT(FromFixture("sagredo-submission.run"),
              ElementsAre("dir 2 /var/log/qmail/submission"));
}

TEST(DiscoverFromRunScriptTest, ReportsADirThatDependsOnAnUnsetVariable) {
  EXPECT_THAT(FromScript("#!/bin/sh\nexec setuidgid qmaill multilog t $LOGDIR/smtpd\n"),
              ElementsAre("problem 2: multilog argument $LOGDIR/smtpd depends on the unset "
                          "variable LOGDIR; it may be a directory"));
  EXPECT_THAT(FromScript("exec multilog t /var/log/$SVC\n"),
              ElementsAre("problem 1: multilog directory /var/log/$SVC depends on the unset "
                          "variable SVC"));
}

TEST(DiscoverFromRunScriptTest, ReportsADirThatDependsOnACommandSubstitution) {
  EXPECT_THAT(FromScript("LOGDIR=`cat /var/qmail/control/logdir`\n"
                         "exec multilog t \"$LOGDIR\"\n"),
              ElementsAre("problem 2: multilog argument \"$LOGDIR\" depends on the variable "
                          "LOGDIR, set from a command substitution; it may be a directory"));
  EXPECT_THAT(FromScript("exec multilog t /var/log/$(hostname)\n"),
              ElementsAre("problem 1: multilog directory /var/log/$(hostname) depends on a "
                          "command substitution"));
}

TEST(DiscoverFromRunScriptTest, ReportsAScriptWithoutMultilog) {
  EXPECT_THAT(FromScript("#!/bin/sh\nexec /var/qmail/bin/splogger smtpd\n"),
              ElementsAre("problem 1: no multilog command found"));
}

TEST(DiscoverFromRunScriptTest, ReportsAMultilogThatNamesNoDirectory) {
  // A fuzzing finding: this gave neither a directory nor a problem.
  EXPECT_THAT(FromScript("#!/bin/sh\nexec setuidgid qmaill multilog t s1000000\n"),
              ElementsAre("problem 2: multilog names no log directory (an argument starting "
                          "with / or ., like ./main)"));
}

TEST(DiscoverFromRunScriptTest, UsesDefaultsOfUnsetVariables) {
  EXPECT_THAT(FromScript("exec multilog t ${LOGDIR:-/var/log/qmail/send} \"${X-./main}\"\n"),
              ElementsAre("dir 1 /var/log/qmail/send", "dir 1 ./main"));
  EXPECT_THAT(FromScript("LOGDIR=/var/log/a\nexec multilog t ${LOGDIR:-/var/log/b}\n"),
              ElementsAre("dir 2 /var/log/a"));
}

TEST(DiscoverFromRunScriptTest, SplitsUnquotedVariablesIntoSeveralArguments) {
  EXPECT_THAT(FromScript("OPTS='t s1000000 n20'\nDIRS=\"/var/log/a /var/log/b\"\n"
                         "exec multilog $OPTS $DIRS\n"),
              ElementsAre("dir 3 /var/log/a", "dir 3 /var/log/b"));
  EXPECT_THAT(FromScript("D='/var/log/with space'\nexec multilog t \"$D\"\n"),
              ElementsAre("dir 2 /var/log/with space"));
}

TEST(DiscoverFromRunScriptTest, SkipsEveryMultilogActionIncludingStatusFilesAndProcessors) {
  EXPECT_THAT(FromScript("exec multilog e t s99999 n10 '!tai64nlocal' '-*' '+*qlog*' =status "
                         "./qlog l900\n"),
              ElementsAre("problem 1: multilog runs each archive through tai64nlocal; relaywatch "
                          "reads the archives as it leaves them, and a compressed one holds no "
                          "line it can read",
                          "dir 1 ./qlog filtered"));
}

// "dir s=SIZE n=NUM" of each directory found ("?" for not known).
std::vector<std::string> Limits(std::string_view script) {
  std::vector<std::string> out;
  for (const auto& f : DiscoverFromRunScript(script)) {
    if (const auto* d = std::get_if<DiscoveredDir>(&f)) {
      out.push_back(d->dir + " s=" + (d->size ? std::to_string(*d->size) : "?") +
                    " n=" + (d->num ? std::to_string(*d->num) : "?"));
    }
  }
  return out;
}

TEST(DiscoverFromRunScriptTest, ReadsSizeAndCountAsMultilogDoes) {
  EXPECT_THAT(Limits("exec multilog t ./main\n"), ElementsAre("./main s=99999 n=10"));
  // The last before each directory holds for it; out of range, multilog's own bounds.
  EXPECT_THAT(
      Limits("exec multilog t s1000000 n20 ./a n5 s100 ./b s99999999 n1 ./c sx n ./d\n"),
      ElementsAre("./a s=1000000 n=20", "./b s=4096 n=5", "./c s=16777215 n=2", "./d s=4096 n=2"));
  EXPECT_THAT(Limits("OPTS='t s1000000 n20'\nexec multilog $OPTS /var/log/a\n"),
              ElementsAre("/var/log/a s=1000000 n=20"));
}

TEST(DiscoverFromRunScriptTest, LeavesSizeAndCountFromACommandSubstitutionUnknown) {
  EXPECT_THAT(Limits(Fixture("qmailtoaster-submission.run")),
              ElementsAre("/var/log/qmail/submission s=? n=?"));
  EXPECT_THAT(Limits("N=`cat /etc/n`\nexec multilog t n$N s5000 ./a s200000 ./b\n"),
              ElementsAre("./a s=5000 n=?", "./b s=200000 n=?"));
}

TEST(ArchiveBytesTest, IsSizeTimesTheArchivesBesidesCurrent) {
  DiscoveredDir d;
  EXPECT_EQ(ArchiveBytes(d), 99999u * 9);
  EXPECT_LT(*ArchiveBytes(d), kMinArchiveBytes);  // multilog's default keeps ~5 s at the peak
  d.size = 1000000;
  d.num = 12;
  EXPECT_EQ(ArchiveBytes(d), 11000000u);
  EXPECT_GE(*ArchiveBytes(d), kMinArchiveBytes);  // what `check` suggests is enough
  d.num = std::nullopt;
  EXPECT_EQ(ArchiveBytes(d), std::nullopt);
  d.num = UINT64_MAX;
  EXPECT_EQ(ArchiveBytes(d), UINT64_MAX);
}

TEST(DiscoverFromRunScriptTest, FollowsChainLoadersWithTheirOptions) {
  EXPECT_THAT(FromScript("exec env - PATH=/bin:/usr/bin nice -n 5 chpst -u qmaill -m 200000 "
                         "setlock -n ./lock s6-setuidgid qmaill softlimit -m20000 -d 300 "
                         "/usr/local/bin/multilog t ./main\n"),
              ElementsAre("dir 1 ./main"));
}

TEST(DiscoverFromRunScriptTest, IgnoresRedirectionsCommentsAndOtherCommands) {
  EXPECT_THAT(FromScript("#!/bin/sh\n"
                         "# multilog t /not/this\n"
                         "exec 2>&1\n"
                         "echo starting multilog t /nor/this >&2\n"
                         "[ -d ./main ] || mkdir ./main\n"
                         "exec 2> /dev/null multilog t ./main # not /this/either\n"),
              ElementsAre("dir 6 ./main"));
}

TEST(DiscoverFromRunScriptTest, JoinsContinuationLinesAndReportsTheLineWhereTheCommandStarts) {
  EXPECT_THAT(FromScript("\n\nexec \\\n  setuidgid qmaill \\\n  multilog t \\\n  ./main\n"),
              ElementsAre("dir 3 ./main"));
}

TEST(DiscoverFromRunScriptTest, ResolvesRelativeDirsAfterCd) {
  EXPECT_THAT(FromScript("cd /var/log/qmail\nexec multilog t ./smtpd\n"),
              ElementsAre("dir 2 /var/log/qmail/smtpd"));
  EXPECT_THAT(FromScript("cd ..\nexec multilog t ./main\n"), ElementsAre("dir 2 ../main"));
  EXPECT_THAT(FromScript("cd \"$(dirname $0)\"\nexec multilog t ./main /var/log/x\n"),
              ElementsAre("problem 2: multilog directory ./main is relative to a directory that "
                          "depends on a command substitution",
                          "dir 2 /var/log/x"));
}

TEST(DiscoverFromRunScriptTest, KnowsExportedAndUnsetVariables) {
  EXPECT_THAT(FromScript("export LOGDIR=/var/log/a\nexec multilog t $LOGDIR\n"),
              ElementsAre("dir 2 /var/log/a"));
  EXPECT_THAT(FromScript("LOGDIR=/var/log/a\nunset LOGDIR\nexec multilog t $LOGDIR\n"),
              ElementsAre("problem 3: multilog argument $LOGDIR depends on the unset variable "
                          "LOGDIR; it may be a directory"));
}

TEST(DiscoverFromRunScriptTest, DoesNotTakeACommandPrefixAssignmentAsAScriptVariable) {
  EXPECT_THAT(FromScript("LOGDIR=/var/log/a multilog t /var/log/b\nexec multilog t $LOGDIR\n"),
              ElementsAre("dir 1 /var/log/b",
                          "problem 2: multilog argument $LOGDIR depends on the unset variable "
                          "LOGDIR; it may be a directory"));
}

TEST(DiscoverFromRunScriptTest, FindsDirsInBothBranchesOfAnIf) {
  EXPECT_THAT(FromScript("if [ -f ./debug ]; then\n  exec multilog t ./debug\nelse\n"
                         "  exec multilog t ./main\nfi\n"),
              ElementsAre("dir 2 ./debug", "dir 4 ./main"));
}

TEST(DiscoverFromRunScriptTest, SeesThroughRunuserAndAOneLineExeclineFdmove) {
  EXPECT_THAT(FromScript("#!/bin/sh\nexec runuser -u qmaill -- multilog t ./main\n"),
              ElementsAre("dir 2 ./main"));
  EXPECT_THAT(FromScript("#!/command/execlineb -P\nfdmove -c 2 1 s6-setuidgid qmaill multilog t "
                         "./main\n"),
              ElementsAre("dir 2 ./main"));
}

TEST(DiscoverFromRunScriptTest, ReadsTheScriptOfShDashC) {
  EXPECT_THAT(FromScript("#!/bin/sh\nexec envdir ./env sh -c 'exec setuidgid qmaill multilog t "
                         "s\"$LOGMAX\" n\"$LOGNUM\" ./main'\n"),
              ElementsAre("dir 2 ./main"));
}

TEST(DiscoverFromRunScriptTest, SaysAnArchiveProcessorMakesArchivesUnreadable) {
  EXPECT_THAT(FromScript("exec multilog t '!/usr/bin/gzip -9' ./main\n"),
              ElementsAre("problem 1: multilog runs each archive through /usr/bin/gzip -9; "
                          "relaywatch reads the archives as it leaves them, and a compressed one "
                          "holds no line it can read",
                          "dir 1 ./main"));
}

TEST(DiscoverFromRunScriptTest, AcceptsCrLfScripts) {
  EXPECT_THAT(FromScript("#!/bin/sh\r\nexec setuidgid qmaill multilog t ./main\r\n"),
              ElementsAre("dir 2 ./main"));
}

// A supervise tree in a fresh temporary directory.
class DiscoverSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rw-discovery-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }

  // A service whose log/run is `script`, executable as supervise needs it.
  void Service(const std::string& name, const std::string& script) {
    fs::create_directories(root_ / name / "log");
    std::ofstream(root_ / name / "log" / "run") << script;
    fs::permissions(root_ / name / "log" / "run",
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec);
  }
  config::SourcesConfig Config() {
    config::SourcesConfig c;
    c.supervise_dir = root_.string();
    return c;
  }
  std::string Path(const std::string& rel) { return (root_ / rel).string(); }

  fs::path root_;
};

TEST_F(DiscoverSourcesTest, ResolvesRelativeDirsAgainstTheLogDirAndNamesTheService) {
  Service("submission", Fixture("envdir-softlimit.run"));
  Service("smtp", Fixture("qmt-smtp-debug.run"));
  Service("send", "#!/bin/sh\nexec multilog t ./../main/\n");
  DiscoveryResult r = DiscoverSources(Config());
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_THAT(r.sources, ElementsAre(Source{"send", Path("send/main")},
                                     Source{"smtp", "/var/log/qmail/smtptx"},
                                     Source{"smtp", "/var/log/qmail/smtp"},
                                     Source{"submission", Path("submission/log/main")}));
}

// sagredo's smtpd log/run writes every line to $LOGDIR and the qlog lines again to $LOGDIR/qlog:
// reading both would count each qlog line twice. QMT's smtp/smtptx split is disjoint: both read.
TEST_F(DiscoverSourcesTest, LeavesOutAFilteredCopyOfADirThatGetsEveryLine) {
  Service("smtpd", Fixture("sagredo-smtpd-qlog.run"));
  Service("smtp", Fixture("qmt-smtp-debug.run"));
  DiscoveryResult r = DiscoverSources(Config());
  EXPECT_THAT(r.sources, ElementsAre(Source{"smtp", "/var/log/qmail/smtptx"},
                                     Source{"smtp", "/var/log/qmail/smtp"},
                                     Source{"smtpd", "/var/log/qmail/smtpd"}));
  EXPECT_THAT(r.problems,
              ElementsAre(Path("smtpd/log/run") + ":6: /var/log/qmail/smtpd/qlog holds copies of "
                                                  "lines multilog also writes to "
                                                  "/var/log/qmail/smtpd; not read, so none counts "
                                                  "twice"));
  // Named explicitly, it is read: the admin asked for it.
  config::SourcesConfig c = Config();
  c.logs = {{"qlog", "/var/log/qmail/smtpd/qlog"}};
  EXPECT_EQ(DiscoverSources(c).sources.back(), (Source{"qlog", "/var/log/qmail/smtpd/qlog"}));
}

TEST_F(DiscoverSourcesTest, ADirNamedThroughASymlinkIsTheSameSource) {
  fs::create_directories(root_ / "logs" / "sub");
  fs::create_directory_symlink(root_ / "logs", root_ / "alias");
  Service("submission", "exec multilog t " + Path("logs/sub") + "\n");
  Service("again", "exec multilog t " + Path("alias/sub") + "\n");
  config::SourcesConfig c = Config();
  c.logs = {{"relay", Path("alias/sub/")}};
  DiscoveryResult r = DiscoverSources(c);
  // Found first under "again" (services in name order); the explicit entry names its service.
  EXPECT_THAT(r.sources, ElementsAre(Source{"relay", Path("alias/sub")}));
}

TEST_F(DiscoverSourcesTest, KeepsTheScriptAndLimitsOfEachDirFound) {
  Service("smtp", "#!/bin/sh\nexec setuidgid qmaill multilog t s4096 n3 ./main\n");
  DiscoveryResult r = DiscoverSources(Config());
  ASSERT_EQ(r.scripts.count(Path("smtp/log/main")), 1u);
  const auto& [where, dir] = r.scripts.at(Path("smtp/log/main"));
  EXPECT_EQ(where, Path("smtp/log/run") + ":2");
  EXPECT_EQ(dir.size, 4096u);
  EXPECT_EQ(dir.num, 3u);
}

TEST_F(DiscoverSourcesTest, KeepsOnlyListedServicesAndAddsExplicitLogs) {
  Service("smtp", Fixture("lwq-qmail-smtpd.run"));
  Service("submission", Fixture("sagredo-submission.run"));
  Service("pop3", "exec multilog t ./main\n");
  config::SourcesConfig c = Config();
  c.services = {"submission", "smtps"};
  c.logs = {{"smtp", "/var/log/qmail/smtpd/"}, {"relay", "/var/log/qmail/submission"}};
  DiscoveryResult r = DiscoverSources(c);
  EXPECT_THAT(r.sources, ElementsAre(Source{"relay", "/var/log/qmail/submission"},
                                     Source{"smtp", "/var/log/qmail/smtpd"}));
  EXPECT_THAT(r.problems,
              ElementsAre("sources.services: no " + Path("smtps/log/run") + " for service smtps"));
}

TEST_F(DiscoverSourcesTest, ReportsScriptProblemsWithPathAndLineAndKeepsTheRest) {
  Service("smtp", "#!/bin/sh\nexec multilog t $LOGDIR\n");
  Service("submission", "exec multilog t ./main\n");
  fs::create_directories(root_ / "qmail-send");  // no log/run: not a problem
  fs::create_directories(root_ / ".hidden" / "log");
  std::ofstream(root_ / ".hidden" / "log" / "run") << "exec multilog t /hidden\n";
  DiscoveryResult r = DiscoverSources(Config());
  EXPECT_THAT(r.sources, ElementsAre(Source{"submission", Path("submission/log/main")}));
  EXPECT_THAT(r.problems,
              ElementsAre(Path("smtp/log/run") + ":2: multilog argument $LOGDIR depends on the "
                                                 "unset variable LOGDIR; it may be a directory"));
}

TEST_F(DiscoverSourcesTest, FollowsServiceSymlinksLikeSlashService) {
  Service("real-smtp", "exec multilog t ./main\n");
  fs::path service_dir = root_ / "service";
  fs::create_directories(service_dir);
  fs::create_directory_symlink(root_ / "real-smtp", service_dir / "smtp");
  config::SourcesConfig c;
  c.supervise_dir = service_dir.string();
  DiscoveryResult r = DiscoverSources(c);
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_THAT(r.sources, ElementsAre(Source{"smtp", Path("service/smtp/log/main")}));
}

TEST_F(DiscoverSourcesTest, ReportsAMissingSuperviseDirAndStillAddsExplicitLogs) {
  config::SourcesConfig c;
  c.supervise_dir = Path("nope");
  c.logs = {{"submission", "/var/log/qmail/submission"}};
  DiscoveryResult r = DiscoverSources(c);
  EXPECT_THAT(r.problems,
              ElementsAre("unable to read " + Path("nope") + ": No such file or directory"));
  EXPECT_THAT(r.sources, ElementsAre(Source{"submission", "/var/log/qmail/submission"}));
}

TEST_F(DiscoverSourcesTest, ReportsAnUnreadableRunScript) {
  if (::geteuid() == 0) {
    // root reads any file: make the run script a directory instead, which read() refuses.
    fs::create_directories(root_ / "smtp" / "log" / "run");
  } else {
    Service("smtp", "exec multilog t ./main\n");
    ::chmod(Path("smtp/log/run").c_str(), 0);
  }
  DiscoveryResult r = DiscoverSources(Config());
  EXPECT_THAT(r.sources, IsEmpty());
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0],
              ::testing::StartsWith("unable to read " + Path("smtp/log/run") + ": "));
}

TEST_F(DiscoverSourcesTest, ACopyFilterFollowedByPlusStarLeavesOutTheFilteredDir) {
  // '+*' selects every line again: /var/log/qmail/smtpd gets them all, chkuser only copies.
  Service("smtpd",
          "exec setuidgid qmaill multilog t '-*' '+*CHKUSER*' /var/log/qmail/chkuser "
          "'+*' /var/log/qmail/smtpd\n");
  DiscoveryResult r = DiscoverSources(Config());
  EXPECT_THAT(r.sources, ElementsAre(Source{"smtpd", "/var/log/qmail/smtpd"}));
  EXPECT_THAT(r.problems,
              ElementsAre(Path("smtpd/log/run") +
                          ":1: /var/log/qmail/chkuser holds copies of lines "
                          "multilog also writes to /var/log/qmail/smtpd; not read, so none counts "
                          "twice"));
}

TEST_F(DiscoverSourcesTest, GoesUpFromTheRealLogDirOfASymlinkedService) {
  // /service/smtpd -> supervise/smtpd: multilog's "../../logs/smtpd" is under supervise/.
  Service("supervise/smtpd", "exec setuidgid qmaill multilog t ../../logs/smtpd\n");
  fs::create_directories(root_ / "service");
  fs::create_symlink(root_ / "supervise" / "smtpd", root_ / "service" / "smtpd");
  config::SourcesConfig c;
  c.supervise_dir = Path("service");
  DiscoveryResult r = DiscoverSources(c);
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_THAT(r.sources, ElementsAre(Source{"smtpd", Path("supervise/logs/smtpd")}));
}

TEST_F(DiscoverSourcesTest, LeavesOutRelaywatchsOwnServiceUnlessNamed) {
  Service("relaywatch", "exec setuidgid qmaill multilog t s1000000 n10 ./main\n");
  Service("smtp", "exec multilog t ./main\n");
  EXPECT_THAT(DiscoverSources(Config()).sources,
              ElementsAre(Source{"smtp", Path("smtp/log/main")}));
  config::SourcesConfig c = Config();
  c.services = {"relaywatch"};
  EXPECT_THAT(DiscoverSources(c).sources,
              ElementsAre(Source{"relaywatch", Path("relaywatch/log/main")}));
}

TEST_F(DiscoverSourcesTest, SaysWhatSuperviseCouldNotRunOrTwoServicesShare) {
  Service("smtp", "exec multilog t /var/log/qmail/smtpd\n");
  Service("submission", "exec multilog t /var/log/qmail/smtpd\n");
  Service("smtps", "exec multilog t ./main\n");
  fs::permissions(Path("smtps/log/run"), fs::perms::owner_read | fs::perms::owner_write);
  fs::create_directories(root_ / "pop3" / "log");
  fs::create_symlink(root_ / "nowhere" / "run", root_ / "pop3" / "log" / "run");
  DiscoveryResult r = DiscoverSources(Config());
  EXPECT_THAT(r.sources, ElementsAre(Source{"smtp", "/var/log/qmail/smtpd"},
                                     Source{"smtps", Path("smtps/log/main")}));
  EXPECT_THAT(
      r.problems,
      ElementsAre(Path("pop3/log/run") + ": a symlink to nothing (" + Path("nowhere/run") + ")",
                  Path("smtps/log/run") + ": not executable, so supervise cannot run it (chmod +x)",
                  "service submission logs to /var/log/qmail/smtpd like service smtp; "
                  "read once, as smtp"));
}

TEST_F(DiscoverSourcesTest, TurnsDiscoveryOffWithAnEmptySuperviseDir) {
  config::SourcesConfig c;
  c.supervise_dir = "";
  c.logs = {{"smtp", "/var/log/qmail/smtp"}};
  DiscoveryResult r = DiscoverSources(c);
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_THAT(r.sources, ElementsAre(Source{"smtp", "/var/log/qmail/smtp"}));
}

}  // namespace
}  // namespace relaywatch::follow
