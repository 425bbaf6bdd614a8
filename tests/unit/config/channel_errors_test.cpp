// Bad alert channels, with the exact messages. A channel is where attacker-influenced text leaves
// the machine, so what its via needs is checked before the daemon starts, not at the first alert.
#include <gtest/gtest.h>

#include <string>

#include "error_of.h"

namespace relaywatch::config {
namespace {

using test_support::ErrorOf;
using test_support::WithRule;

// kRule on line 1, "alerts:" and "channels:" on lines 2-3, the channel from line 4, column 7.
std::string Channel(std::string_view body) {
  return WithRule("alerts:\n  channels:\n    - " + std::string(body) + "\n");
}

constexpr std::string_view kSms =
    "{name: phone, format: sms, via: sendmail, command: [/var/qmail/bin/qmail-inject], "
    "from: rw@example.com, to: [5551234567@vtext.com]}";

TEST(ChannelErrorsTest, AcceptsTheChannelTheseCasesStartFrom) {
  EXPECT_EQ(ErrorOf(Channel(kSms)), "(loaded)");
}

TEST(ChannelErrorsTest, RequiresANameAndAVia) {
  EXPECT_EQ(ErrorOf(Channel("{via: exec, command: [/bin/true]}")),
            "relaywatch.yaml:4:7: alerts.channels[0]: missing key name");
  EXPECT_EQ(ErrorOf(Channel("{name: a, command: [/bin/true]}")),
            "relaywatch.yaml:4:7: alerts.channels[0]: missing key via (sendmail, smtp or exec)");
  EXPECT_EQ(ErrorOf(Channel("{name: a, via: pigeon}")),
            "relaywatch.yaml:4:22: alerts.channels[0].via: expected sendmail, smtp or exec, got "
            "\"pigeon\"");
}

TEST(ChannelErrorsTest, RejectsDuplicateChannelNames) {
  EXPECT_EQ(ErrorOf(WithRule("alerts:\n"
                             "  channels:\n"
                             "    - {name: hook, via: exec, command: [/bin/a]}\n"
                             "    - {name: hook, via: exec, command: [/bin/b]}\n")),
            "relaywatch.yaml:5:14: alerts.channels[1].name: duplicate channel name \"hook\" "
            "(alerts.channels[0] has it)");
}

TEST(ChannelErrorsTest, SendsJsonOnlyViaExec) {
  EXPECT_EQ(ErrorOf(Channel("{name: m, format: json, via: smtp, from: a@example.com, "
                            "to: [b@example.com]}")),
            "relaywatch.yaml:4:25: alerts.channels[0].format: json is only sent via exec (a "
            "program reads it on its standard input); use format email for mail");
  EXPECT_EQ(ErrorOf(Channel("{name: m, format: html, via: exec, command: [/bin/a]}")),
            "relaywatch.yaml:4:25: alerts.channels[0].format: expected sms, email or json, got "
            "\"html\"");
}

TEST(ChannelErrorsTest, RejectsKeysThatDoNotApplyToTheVia) {
  EXPECT_EQ(ErrorOf(Channel("{name: h, via: exec, command: [/bin/a], host: mail.example.com}")),
            "relaywatch.yaml:4:47: alerts.channels[0].host: not used by via exec (only by smtp)");
  EXPECT_EQ(ErrorOf(Channel("{name: h, via: exec, command: [/bin/a], to: [a@example.com]}")),
            "relaywatch.yaml:4:47: alerts.channels[0].to: not used by via exec (only by sendmail "
            "and smtp)");
  EXPECT_EQ(ErrorOf(Channel("{name: m, via: smtp, command: [/bin/a]}")),
            "relaywatch.yaml:4:28: alerts.channels[0].command: not used by via smtp (only by "
            "sendmail and exec)");
}

TEST(ChannelErrorsTest, RequiresACommandWhoseProgramIsAnAbsolutePath) {
  EXPECT_EQ(ErrorOf(Channel("{name: s, via: sendmail, from: a@example.com, to: [b@example.com]}")),
            "relaywatch.yaml:4:7: alerts.channels[0]: missing key command (via sendmail needs "
            "it)");
  EXPECT_EQ(ErrorOf(Channel("{name: h, via: exec, command: []}")),
            "relaywatch.yaml:4:37: alerts.channels[0].command: expected a program and its "
            "arguments like [/var/qmail/bin/qmail-inject], got an empty list");
  EXPECT_EQ(ErrorOf(Channel("{name: h, via: exec, command: [qmail-inject]}")),
            "relaywatch.yaml:4:38: alerts.channels[0].command[0]: expected an absolute path to a "
            "program, got \"qmail-inject\"");
  // No shell runs it, so a command line in one string cannot work.
  EXPECT_EQ(ErrorOf(Channel("{name: h, via: exec, command: /usr/sbin/sendmail -t}")),
            "relaywatch.yaml:4:37: alerts.channels[0].command: expected a list, got "
            "\"/usr/sbin/sendmail -t\"");
  EXPECT_EQ(ErrorOf(Channel("{name: h, via: exec, command: [/bin/a, \"x\\ny\"]}")),
            "relaywatch.yaml:4:46: alerts.channels[0].command[1]: expected an argument without "
            "control characters, got \"x\\ny\"");
}

TEST(ChannelErrorsTest, RefusesSendmailsDashT) {
  EXPECT_EQ(ErrorOf(Channel("{name: s, via: sendmail, command: [/usr/sbin/sendmail, -t], from: "
                            "a@example.com, to: [b@example.com]}")),
            "relaywatch.yaml:4:62: alerts.channels[0].command[1]: remove -t: relaywatch gives the "
            "recipients (to:) as arguments, and -t would also send to any address in the alert's "
            "headers");
  // An exec program's own -t is its business.
  EXPECT_EQ(ErrorOf(Channel("{name: h, via: exec, command: [/bin/a, -t]}")), "(loaded)");
}

TEST(ChannelErrorsTest, RequiresFromAndAtLeastOneToAddress) {
  EXPECT_EQ(ErrorOf(Channel("{name: m, via: smtp, to: [b@example.com]}")),
            "relaywatch.yaml:4:7: alerts.channels[0]: missing key from (via smtp needs it)");
  EXPECT_EQ(ErrorOf(Channel("{name: m, via: smtp, from: a@example.com}")),
            "relaywatch.yaml:4:7: alerts.channels[0]: missing key to (via smtp needs it)");
  EXPECT_EQ(ErrorOf(Channel("{name: m, via: smtp, from: a@example.com, to: []}")),
            "relaywatch.yaml:4:53: alerts.channels[0].to: expected at least one address, got an "
            "empty list");
  EXPECT_EQ(ErrorOf(Channel("{name: m, via: smtp, from: relaywatch, to: [b@example.com]}")),
            "relaywatch.yaml:4:34: alerts.channels[0].from: expected an address like "
            "admin@example.com, got \"relaywatch\"");
  EXPECT_EQ(ErrorOf(Channel("{name: m, via: smtp, from: a@example.com, to: b@example.com}")),
            "relaywatch.yaml:4:53: alerts.channels[0].to: expected a list, got \"b@example.com\"");
}

TEST(ChannelErrorsTest, RejectsAddressesThatCouldInjectAHeader) {
  EXPECT_EQ(ErrorOf(Channel("{name: m, via: smtp, from: a@example.com, "
                            "to: [\"b@example.com\\r\\nBcc: all@example.com\"]}")),
            "relaywatch.yaml:4:54: alerts.channels[0].to[0]: expected an address like "
            "admin@example.com, got \"b@example.com\\x0d\\nBcc: all@example.com\"");
  EXPECT_EQ(ErrorOf(Channel("{name: m, via: smtp, from: a@example.com, "
                            "to: [\"Admin <b@example.com>\"]}")),
            "relaywatch.yaml:4:54: alerts.channels[0].to[0]: expected an address like "
            "admin@example.com, got \"Admin <b@example.com>\"");
  EXPECT_EQ(ErrorOf(Channel("{name: m, via: smtp, from: \"a@example.com, c@example.com\", "
                            "to: [b@example.com]}")),
            "relaywatch.yaml:4:34: alerts.channels[0].from: expected an address like "
            "admin@example.com, got \"a@example.com, c@example.com\"");
}

TEST(ChannelErrorsTest, RejectsBadSmtpSettings) {
  const std::string head = "{name: m, via: smtp, from: a@example.com, to: [b@example.com], ";
  EXPECT_EQ(ErrorOf(Channel(head + "port: 0}")),
            "relaywatch.yaml:4:76: alerts.channels[0].port: expected a port number from 1 to "
            "65535, got \"0\"");
  EXPECT_EQ(ErrorOf(Channel(head + "port: 65536}")),
            "relaywatch.yaml:4:76: alerts.channels[0].port: expected a port number from 1 to "
            "65535, got \"65536\"");
  EXPECT_EQ(ErrorOf(Channel(head + "host: \"mail example com\"}")),
            "relaywatch.yaml:4:76: alerts.channels[0].host: expected a host name or IP address, "
            "got \"mail example com\"");
  EXPECT_EQ(ErrorOf(Channel(head + "starttls: sure}")),
            "relaywatch.yaml:4:80: alerts.channels[0].starttls: expected true or false, got "
            "\"sure\"");
  EXPECT_EQ(ErrorOf(Channel(head + "timeout: 30}")),
            "relaywatch.yaml:4:79: alerts.channels[0].timeout: expected a duration like 10m, got "
            "\"30\"");
  EXPECT_EQ(ErrorOf(Channel(head + "max_per_hour: -1}")),
            "relaywatch.yaml:4:84: alerts.channels[0].max_per_hour: expected a whole number of at "
            "least 1, got \"-1\"");
}

TEST(ChannelErrorsTest, TakesCredentialsOnlyAsUsernameWithPasswordFile) {
  const std::string head = "{name: m, via: smtp, from: a@example.com, to: [b@example.com], ";
  EXPECT_EQ(ErrorOf(Channel(head + "password_file: /etc/relaywatch/pw}")),
            "relaywatch.yaml:4:85: alerts.channels[0].password_file: only used with username");
  EXPECT_EQ(ErrorOf(Channel(head + "username: rw}")),
            "relaywatch.yaml:4:80: alerts.channels[0].username: needs password_file (the file "
            "holding the password)");
  EXPECT_EQ(ErrorOf(Channel(head + "username: rw, password_file: pw.txt}")),
            "relaywatch.yaml:4:99: alerts.channels[0].password_file: expected an absolute path, "
            "got \"pw.txt\"");
  EXPECT_EQ(ErrorOf(Channel(head + "ca_file: /etc/ssl/ca.pem}")),
            "relaywatch.yaml:4:79: alerts.channels[0].ca_file: only used with starttls: true");
}

// AUTH PLAIN and LOGIN send the password itself: without STARTTLS anyone on the path reads it.
TEST(ChannelErrorsTest, RefusesAuthWithoutStarttlsUnlessPlaintextIsAllowed) {
  const std::string head = "{name: m, via: smtp, from: a@example.com, to: [b@example.com], ";
  const std::string auth = "username: rw, password_file: /etc/relaywatch/pw";
  const std::string why =
      "alerts.channels[0].username: needs starttls: true (without it the password is sent in "
      "clear); set allow_plaintext_auth: true to send it in clear anyway";
  EXPECT_EQ(ErrorOf(Channel(head + auth + "}")), "relaywatch.yaml:4:80: " + why);
  EXPECT_EQ(ErrorOf(Channel(head + "starttls: false, " + auth + "}")),
            "relaywatch.yaml:4:97: " + why);
  EXPECT_EQ(ErrorOf(Channel(head + auth + ", allow_plaintext_auth: false}")),
            "relaywatch.yaml:4:80: " + why);
  EXPECT_EQ(ErrorOf(Channel(head + "starttls: true, " + auth + "}")), "(loaded)");
  EXPECT_EQ(ErrorOf(Channel(head + auth + ", allow_plaintext_auth: true}")), "(loaded)");
  EXPECT_EQ(ErrorOf(Channel(head + auth + ", allow_plaintext_auth: maybe}")),
            "relaywatch.yaml:4:141: alerts.channels[0].allow_plaintext_auth: expected true or "
            "false, got \"maybe\"");
  EXPECT_EQ(ErrorOf(Channel("{name: h, via: exec, command: [/bin/a], allow_plaintext_auth: true}")),
            "relaywatch.yaml:4:47: alerts.channels[0].allow_plaintext_auth: not used by via exec "
            "(only by smtp)");
}

}  // namespace
}  // namespace relaywatch::config
