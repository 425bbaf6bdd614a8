#include "relaywatch/parse/address.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>

#include "relaywatch/parse/ip_address.h"

namespace relaywatch::parse {
namespace {

TEST(SplitAddress, SplitsAtTheLastAt) {
  const AddressParts plain = SplitAddress("suzy@example.com");
  EXPECT_EQ(plain.local, "suzy");
  EXPECT_EQ(plain.domain, "example.com");
  EXPECT_TRUE(plain.has_at);
  const AddressParts quoted = SplitAddress("\"a@b\"@example.com");
  EXPECT_EQ(quoted.local, "\"a@b\"");
  EXPECT_EQ(quoted.domain, "example.com");
  const AddressParts bare = SplitAddress("postmaster");
  EXPECT_EQ(bare.local, "postmaster");
  EXPECT_EQ(bare.domain, "");
  EXPECT_FALSE(bare.has_at);
  const AddressParts empty = SplitAddress("");
  EXPECT_FALSE(empty.has_at);
  const AddressParts trailing = SplitAddress("user@");
  EXPECT_TRUE(trailing.has_at);
  EXPECT_EQ(trailing.domain, "");
}

TEST(DomainEquals, IgnoresAsciiCaseOnly) {
  EXPECT_TRUE(DomainEquals("EXAMPLE.com", "example.COM"));
  EXPECT_FALSE(DomainEquals("example.com", "example.net"));
  EXPECT_FALSE(DomainEquals("example.com", "example.com."));
  EXPECT_FALSE(DomainEquals("\xc3\x89xample.com", "\xc3\xa9xample.com"));  // no Unicode folding
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("a", ""));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));  // 0x5b and 0x7b differ by 0x20 but are not letters
}

TEST(NormalizeLogin, LowercasesTheDomainAndKeepsTheLocalPart) {
  EXPECT_EQ(NormalizeLogin("Tom@EXAMPLE.com"), "Tom@example.com");
  EXPECT_EQ(NormalizeLogin("tom@example.com"), "tom@example.com");
  EXPECT_EQ(NormalizeLogin("Tom"), "Tom");
  EXPECT_EQ(NormalizeLogin("\"A@B\"@X.Example"), "\"A@B\"@x.example");
}

TEST(IsIpAddress, AcceptsTheLiteralFormsAndNothingElse) {
  for (std::string_view ip :
       {"0.0.0.0", "192.0.2.1", "255.255.255.255", "::", "::1", "1::", "2001:db8::5",
        "::ffff:198.51.100.7", "fe80::1:2:3:4:5:6", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4",
        "2001:DB8::A", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"}) {
    EXPECT_TRUE(IsIpAddress(ip)) << ip;
  }
  for (std::string_view ip : {"",
                              "1.2.3",
                              "1.2.3.4.5",
                              "256.1.1.1",
                              "1.2.3.",
                              ".1.2.3",
                              "1..2.3",
                              "1234.1.1.1",
                              ":",
                              ":1",
                              "1:",
                              ":::",
                              "1:::2",
                              "1::2::3",
                              "1:2:3:4:5:6:7:8:9",
                              "1:2:3:4:5:6:7",
                              "12345::",
                              "g::1",
                              "::1.2.3",
                              "1.2.3.4::",
                              "::ffff:1.2.3.4:5",
                              "[::1]",
                              "fe80::1%eth0",
                              "unknown",
                              "(null)",
                              "1:2:3:4:5:6:7:1.2.3.4"}) {
    EXPECT_FALSE(IsIpAddress(ip)) << ip;
  }
}

TEST(FindIpSeparator, ReturnsTheColonBeforeTheLongestAddressSuffix) {
  EXPECT_EQ(FindIpSeparator("unknown:2001:db8::5"), 7u);
  EXPECT_EQ(FindIpSeparator("h:unknown:::ffff:1.2.3.4"), 9u);
  EXPECT_EQ(FindIpSeparator("x:192.0.2.1"), 1u);
  EXPECT_EQ(FindIpSeparator(":1.2.3.4"), 0u);
  EXPECT_EQ(FindIpSeparator("1.2.3.4"), std::nullopt);
  EXPECT_EQ(FindIpSeparator("h:unknown"), std::nullopt);
  EXPECT_EQ(FindIpSeparator(""), std::nullopt);
  // A long run of address characters costs no more than the longest address.
  const std::string long_helo = std::string(4000, ':') + "1.2.3.4";
  EXPECT_EQ(FindIpSeparator(long_helo), 3997u);  // "::1.2.3.4" is itself an IPv6 literal
}

// FindIpSeparator's definition, written out slowly: the first ':' of the trailing run of address
// characters (at most the longest address plus one) after which the rest is an address.
std::optional<std::size_t> ReferenceIpSeparator(std::string_view text) {
  auto ip_char = [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':';
  };
  std::size_t start = text.size();
  while (start > 0 && ip_char(text[start - 1])) --start;
  if (text.size() > 46) start = std::max(start, text.size() - 46);
  for (std::size_t i = start; i < text.size(); ++i) {
    if (text[i] == ':' && IsIpAddress(text.substr(i + 1))) return i;
  }
  return std::nullopt;
}

TEST(FindIpSeparator, AgreesWithItsDefinitionOnRandomRemoteFields) {
  // Host names ending in letters, hex digits, dots and colons, before IPv4 and IPv6 addresses.
  const char alphabet[] = "afgnx019.:";
  std::mt19937 rng(20261205);
  for (int n = 0; n < 200000; ++n) {
    std::string text;
    const int len = static_cast<int>(rng() % 24);
    for (int i = 0; i < len; ++i) text.push_back(alphabet[rng() % (sizeof alphabet - 1)]);
    if (rng() % 2) text += (rng() % 2) ? ":192.0.2.1" : ":2001:db8::5";
    const std::optional<std::size_t> want = ReferenceIpSeparator(text);
    ASSERT_EQ(FindIpSeparator(text), want) << text;
    // The overload that also reads the address's bits finds the same separator, and the bits
    // of the address after it.
    std::optional<std::uint32_t> bits = 7;
    ASSERT_EQ(FindIpSeparator(text, bits), want) << text;
    ASSERT_EQ(bits, want ? Ipv4Bits(std::string_view(text).substr(*want + 1)) : std::nullopt)
        << text;
  }
}

TEST(FindIpSeparator, GivesTheBitsOfACanonicalIpv4Address) {
  std::optional<std::uint32_t> bits;
  EXPECT_EQ(FindIpSeparator("pc:unknown:192.0.2.7", bits), 10u);
  EXPECT_EQ(bits, 0xc0000207u);
  EXPECT_EQ(FindIpSeparator("pc:cafe:192.0.2.7", bits), 7u);  // a host ending in a hex digit
  EXPECT_EQ(bits, 0xc0000207u);
  EXPECT_EQ(FindIpSeparator("pc:unknown:010.0.2.7", bits), 10u);  // an address, not canonical
  EXPECT_EQ(bits, std::nullopt);
  EXPECT_EQ(FindIpSeparator("h:unknown:::ffff:1.2.3.4", bits), 9u);
  EXPECT_EQ(bits, std::nullopt);
  EXPECT_EQ(FindIpSeparator("h:unknown", bits), std::nullopt);
  EXPECT_EQ(bits, std::nullopt);
}

}  // namespace
}  // namespace relaywatch::parse

namespace relaywatch::parse {
namespace {

TEST(WithoutV4MappingTest, GivesTheIpv4AddressOfAnIpv4MappedOneAndLeavesTheRest) {
  EXPECT_EQ(WithoutV4Mapping("::ffff:203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(WithoutV4Mapping("::FFFF:203.0.113.7"), "203.0.113.7");
  for (std::string_view same :
       {"203.0.113.7", "2001:db8::5", "::ffff:", "::ffff:1.2.3", "::ffff:c000:207", "::1", "",
        "unknown", ":ffff:1.2.3.4", "::fffe:1.2.3.4"}) {
    EXPECT_EQ(WithoutV4Mapping(same), same) << same;
  }
}

}  // namespace
}  // namespace relaywatch::parse
