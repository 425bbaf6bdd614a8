// The parser's AuthSpelling and auth_hash against their definitions: LoginKey (a login spelt as
// its own Key is the Key LoginKey makes of it), the KeyHash a Key is filed and sharded under,
// and the bytes an AUTH field may hold. The detector trusts the parser's answer instead of
// asking again, so they must never disagree.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <variant>

#include "relaywatch/detect/login_key.h"
#include "relaywatch/detect/window_store.h"
#include "relaywatch/parse/chkuser.h"

namespace relaywatch::detect {
namespace {

using parse::AuthSpelling;

bool IsAuthByte(unsigned char u) { return u > ' ' && u != 0x7f && u != '<' && u != '>'; }

TEST(AuthSpellingTest, AgreesWithLoginKeyAndKeyHashOnRandomLogins) {
  // The byte classes the parser's eight-at-a-time masks tell apart, at every place of a word:
  // both ends of the upper case range and just outside it, the three marks, bytes from 0x80
  // up, and bytes no AUTH field holds.
  const std::string alphabet("az@@%/AZ[`@?\x80\xc3\xff.0- \x7f<>\x01", 23);
  std::mt19937 rng(5);
  std::size_t parsed = 0, keys = 0, bare = 0, other = 0;
  for (int n = 0; n < 100000; ++n) {
    std::string login;
    const std::size_t length = 1 + rng() % 24;
    for (std::size_t i = 0; i < length; ++i) {
      login.push_back(rng() % 5 ? "abcdefgh0123."[rng() % 13] : alphabet[rng() % alphabet.size()]);
    }
    const std::string line = "CHKUSER relaying rcpt: from <s@example.com:" + login +
                             ":> remote <pc:unknown:192.0.2.7> rcpt <r@example.net> : client "
                             "allowed to relay";
    const parse::Event event = parse::ParseChkuser(line);
    bool valid = true;
    for (char c : login) valid = valid && IsAuthByte(static_cast<unsigned char>(c));
    const auto* c = std::get_if<parse::ChkuserEvent>(&event);
    ASSERT_EQ(c != nullptr, valid) << "'" << login << "'";
    if (c == nullptr) continue;
    ++parsed;
    ASSERT_EQ(c->auth_user, login);
    for (const std::string domain : {"", "example.com"}) {
      const bool as_written = c->auth_spelling == AuthSpelling::kKey ||
                              (c->auth_spelling == AuthSpelling::kBareLogin && domain.empty());
      ASSERT_EQ(as_written, LoginKey(login, "192.0.2.7", domain) == login)
          << "'" << login << "' '" << domain << "'";
    }
    ASSERT_NE(c->auth_spelling, AuthSpelling::kUnknown);
    if (c->auth_spelling != AuthSpelling::kOther) {
      ASSERT_EQ(c->auth_hash, WindowStore::KeyHash(login)) << "'" << login << "'";
    }
    keys += c->auth_spelling == AuthSpelling::kKey;
    bare += c->auth_spelling == AuthSpelling::kBareLogin;
    other += c->auth_spelling == AuthSpelling::kOther;
  }
  // Every answer is common, and so are lines rejected for their AUTH bytes.
  EXPECT_GT(keys, 5000u);
  EXPECT_GT(bare, 5000u);
  EXPECT_GT(other, 5000u);
  EXPECT_LT(parsed, 90000u);
}

TEST(AuthSpellingTest, AnUnauthenticatedLineHasNoSpellingAndALoginItsHash) {
  const parse::Event none = parse::ParseChkuser(
      "CHKUSER accepted rcpt: from <a@example.net::> remote <mx:unknown:192.0.2.9> rcpt "
      "<b@example.com> : found existing recipient");
  ASSERT_TRUE(std::holds_alternative<parse::ChkuserEvent>(none));
  EXPECT_EQ(std::get<parse::ChkuserEvent>(none).auth_spelling, AuthSpelling::kUnknown);
  const parse::Event upper = parse::ParseChkuser(
      "CHKUSER relaying rcpt: from <a@example.com:Dan@Example.com:> remote <pc:unknown:192.0.2.9> "
      "rcpt <b@example.net> : client allowed to relay");
  ASSERT_TRUE(std::holds_alternative<parse::ChkuserEvent>(upper));
  EXPECT_EQ(std::get<parse::ChkuserEvent>(upper).auth_spelling, AuthSpelling::kOther);
}

}  // namespace
}  // namespace relaywatch::detect
