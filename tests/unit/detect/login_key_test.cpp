// IsLoginKeyAsWritten against its definition: LoginKey(auth_user) == auth_user.
#include "relaywatch/detect/login_key.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace relaywatch::detect {
namespace {

TEST(IsLoginKeyAsWrittenTest, AcceptsOnlyALoginThatIsItsOwnKey) {
  EXPECT_TRUE(IsLoginKeyAsWritten("dan@example.com", "example.com"));
  EXPECT_TRUE(IsLoginKeyAsWritten("dan@example.com/x%y", "example.com"));   // marks after '@'
  EXPECT_TRUE(IsLoginKeyAsWritten("dan", ""));                              // no domain to add
  EXPECT_TRUE(IsLoginKeyAsWritten("d\xc3\xa9j\xc3\xa0@example.com", "x"));  // UTF-8 is no case
  EXPECT_FALSE(IsLoginKeyAsWritten("", ""));
  EXPECT_FALSE(IsLoginKeyAsWritten("dan", "example.com"));              // gets "@example.com"
  EXPECT_FALSE(IsLoginKeyAsWritten("Dan@example.com", "example.com"));  // lowercased
  EXPECT_FALSE(IsLoginKeyAsWritten("dan@example.coM", "example.com"));  // in the 8th byte on
  EXPECT_FALSE(IsLoginKeyAsWritten("dan%example.com", "example.com"));  // '%' is vpopmail's '@'
  EXPECT_FALSE(IsLoginKeyAsWritten("averylongname/example.com", ""));   // in the second word
  EXPECT_FALSE(IsLoginKeyAsWritten("dan%x@example.com", ""));
}

TEST(IsLoginKeyAsWrittenTest, AgreesWithLoginKeyOnRandomLogins) {
  // Every byte class the eight-at-a-time test tells apart, at every place of a word: the
  // letters at both ends of the upper case range and just outside it, the three marks, bytes
  // from 0x80 up, and a zero byte (a login is bytes, not a C string).
  const std::string alphabet = std::string("az@@%/AZ[`@?\x80\xc3\xff.0-", 18) + '\0';
  std::mt19937 rng(11);
  std::size_t as_written = 0;
  for (int n = 0; n < 200000; ++n) {
    std::string login;
    const std::size_t length = 1 + rng() % 24;
    for (std::size_t i = 0; i < length; ++i) {
      login.push_back(rng() % 4 ? "abcdefgh0123."[rng() % 13] : alphabet[rng() % alphabet.size()]);
    }
    for (const std::string domain : {"", "example.com"}) {
      const bool want = LoginKey(login, "192.0.2.7", domain) == login;
      ASSERT_EQ(IsLoginKeyAsWritten(login, domain), want) << "'" << login << "' '" << domain << "'";
      as_written += want;
    }
  }
  EXPECT_GT(as_written, 20000u);  // both answers are common
  EXPECT_LT(as_written, 380000u);
}

}  // namespace
}  // namespace relaywatch::detect
