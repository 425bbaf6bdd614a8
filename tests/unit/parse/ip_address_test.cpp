#include "relaywatch/parse/ip_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace relaywatch::parse {
namespace {

std::string Canonical(std::string_view ip) {
  std::string out = "x";  // appends: what was there stays
  AppendCanonicalIp(ip, out);
  EXPECT_EQ(out[0], 'x');
  return out.substr(1);
}

TEST(CanonicalIp, GivesEverySpellingOfAnAddressOneText) {
  struct Case {
    std::string_view canonical;
    std::vector<std::string_view> spellings;
  };
  const std::vector<Case> cases = {
      {"2001:db8::5",
       {"2001:DB8::5", "2001:db8:0:0:0:0:0:5", "2001:0db8::0005", "2001:db8::0:5",
        "2001:0DB8:0000:0000:0000:0000:0000:0005", "2001:db8:0:0::0:5", "2001:db8::0.0.0.5"}},
      // IPv4-mapped, however written: the IPv4 address it maps (WithoutV4Mapping's answer).
      {"192.0.2.7",
       {"::ffff:192.0.2.7", "::FFFF:192.0.2.7", "0:0:0:0:0:ffff:192.0.2.7", "::ffff:c000:207",
        "0000:0000:0000:0000:0000:FFFF:C000:0207", "192.000.002.007"}},
      // RFC 5952 4.2.3: the longest run, the first of equal runs; 4.2.2: a single 0 stays.
      {"2001:0:0:1::1", {"2001:0:0:1:0:0:0:1", "2001::1:0:0:0:1"}},
      {"2001:db8::1:0:0:1", {"2001:db8:0:0:1:0:0:1", "2001:db8:0:0:1::1"}},
      {"2001:db8:0:1:1:1:1:1", {"2001:db8::1:1:1:1:1", "2001:DB8:0000:1:1:1:1:1"}},
      {"::", {"0:0:0:0:0:0:0:0", "::0", "0::", "0:0::0:0"}},
      {"::1", {"0:0:0:0:0:0:0:1", "::0:1", "0::1"}},
      {"1::", {"1:0:0:0:0:0:0:0", "1::0"}},
      {"1:2:3:4:5:6:7:0", {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:00"}},
      {"fe80:0:1:2:3:4:5:6", {"FE80::1:2:3:4:5:6", "fe80::1:2:3:4:5:6"}},
      // Only IPv4-mapped addresses keep a dotted quad: "::1.2.3.4" is hex.
      {"::102:304", {"::1.2.3.4", "0:0:0:0:0:0:1.2.3.4"}},
      {"64:ff9b::c000:207", {"64:ff9b::192.0.2.7"}},
      // Leading zeros in a dotted quad are read as decimal (tcpserver never writes them).
      {"10.1.2.3", {"010.001.002.003", "10.01.2.03"}},
      {"0.0.0.0", {"000.0.00.0"}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Canonical(c.canonical), c.canonical);
    EXPECT_TRUE(IsCanonicalIp(c.canonical)) << c.canonical;
    for (std::string_view spelling : c.spellings) {
      EXPECT_EQ(Canonical(spelling), c.canonical) << spelling;
      EXPECT_FALSE(IsCanonicalIp(spelling)) << spelling;
    }
  }
}

TEST(CanonicalIp, LeavesTheUsualTextAndNonAddressesAsTheyAre) {
  for (std::string_view same :
       {"192.0.2.1", "203.0.113.5", "0.0.0.0", "255.255.255.255", "2001:db8::5", "::1", "fe80::1",
        "2001:db8:1:2:3:4:5:6",
        // No address: kept as written.
        "unknown", "(null)", "", "999.1.1.1", "1.2.3", "UNKNOWN", "2001:DB8::5::1", "01"}) {
    EXPECT_TRUE(IsCanonicalIp(same)) << same;
    EXPECT_EQ(Canonical(same), same);
  }
}

TEST(CanonicalIpText, ReturnsTheArgumentItselfWhenCanonicalAndItsBufferOtherwise) {
  CanonicalIpText text;
  const std::string v4 = "203.0.113.5";
  EXPECT_EQ(text.Of(v4).data(), v4.data());  // no copy on the usual path
  const std::string v6 = "2001:db8::5";
  EXPECT_EQ(text.Of(v6).data(), v6.data());
  const std::string upper = "2001:DB8::5";
  const std::string_view got = text.Of(upper);
  EXPECT_EQ(got, "2001:db8::5");
  EXPECT_NE(got.data(), upper.data());
  EXPECT_EQ(text.Of("::ffff:192.0.2.7"), "192.0.2.7");  // the buffer is reused
  EXPECT_EQ(text.Of("unknown"), "unknown");
}

// The text glibc's inet_ntop writes, which follows RFC 5952 except that it also writes a dotted
// quad for the deprecated IPv4-compatible addresses (::a.b.c.d); the caller skips those.
std::string InetNtop(const std::array<std::uint16_t, 8>& words) {
  unsigned char bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[2 * i] = static_cast<unsigned char>(words[i] >> 8);
    bytes[2 * i + 1] = static_cast<unsigned char>(words[i]);
  }
  char text[INET6_ADDRSTRLEN];
  EXPECT_NE(inet_ntop(AF_INET6, bytes, text, sizeof text), nullptr);
  return text;
}

TEST(CanonicalIp, AgreesWithInetNtopOnRandomSpellingsOfRandomAddresses) {
  std::mt19937 rng(20261128);
  auto pick = [&](unsigned n) { return static_cast<unsigned>(rng() % n); };
  constexpr char kLower[] = "0123456789abcdef";
  constexpr char kUpper[] = "0123456789ABCDEF";
  int checked = 0;
  for (int n = 0; n < 100000; ++n) {
    std::array<std::uint16_t, 8> w{};
    for (auto& word : w) {
      const unsigned kind = pick(4);
      word = kind < 2 ? 0 : kind == 2 ? static_cast<std::uint16_t>(pick(16)) : pick(65536);
    }
    const bool low_zero = w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0;
    if (low_zero && (w[5] == 0xffff || (w[5] == 0 && w[6] != 0))) continue;  // tested above
    // One spelling: any one run of zero groups (even a single one) as "::", hex in either
    // case with up to four digits, and sometimes the last two groups as a dotted quad.
    const bool dotted = pick(8) == 0;
    const int groups = dotted ? 6 : 8;
    int gap_start = -1;
    int gap_end = -1;
    if (pick(4) != 0) {
      std::vector<std::pair<int, int>> runs;
      for (int i = 0; i < groups;) {
        if (w[i] != 0) {
          ++i;
          continue;
        }
        int j = i;
        while (j < groups && w[j] == 0) ++j;
        runs.emplace_back(i, j);
        i = j;
      }
      if (!runs.empty()) {
        auto [s, e] = runs[pick(static_cast<unsigned>(runs.size()))];
        gap_start = s + static_cast<int>(pick(static_cast<unsigned>(e - s)));
        gap_end = gap_start + 1 + static_cast<int>(pick(static_cast<unsigned>(e - gap_start)));
      }
    }
    std::string text;
    for (int i = 0; i < groups; ++i) {
      if (i == gap_start) {
        text += "::";
        i = gap_end - 1;
        continue;
      }
      if (i > 0 && i != gap_end) text += ':';
      const char* digits = pick(2) ? kUpper : kLower;
      std::string hex;
      for (unsigned v = w[i]; v != 0; v >>= 4) hex.insert(hex.begin(), digits[v & 0xf]);
      if (hex.empty()) hex = "0";
      hex.insert(0, pick(4 - static_cast<unsigned>(hex.size()) + 1), '0');
      text += hex;
    }
    if (dotted) {
      if (gap_end != groups) text += ':';
      text += std::to_string(w[6] >> 8) + "." + std::to_string(w[6] & 0xff) + "." +
              std::to_string(w[7] >> 8) + "." + std::to_string(w[7] & 0xff);
    }
    ASSERT_TRUE(IsIpv6(text)) << text;
    const std::string want = InetNtop(w);
    ASSERT_EQ(Canonical(text), want) << text;
    ASSERT_EQ(IsCanonicalIp(text), text == want) << text;
    ++checked;
  }
  EXPECT_GT(checked, 90000);
}

// Near-addresses (an address with one character inserted, removed or replaced): text IsIpv6
// refuses is left as it is, and text it accepts gets inet_ntop's answer.
TEST(CanonicalIp, ReadsExactlyWhatIsIpv6AcceptsOnNearAddresses) {
  std::mt19937 rng(20261207);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::vector<std::string> seeds = {
      "2001:db8::5", "::1", "1:2:3:4:5:6:7:8",     "::ffff:1.2.3.4",
      "fe80::1:2",   "1::", "a:b:c:d:e:f:1.2.3.4", "0:0:0:0:0:0:0:0"};
  constexpr char kAlphabet[] = "0123456789abcdefABCDEFg:.";
  int valid = 0;
  for (int n = 0; n < 200000; ++n) {
    std::string text = seeds[pick(seeds.size())];
    const std::size_t at = pick(text.size() + 1);
    const char c = kAlphabet[pick(sizeof kAlphabet - 1)];
    switch (pick(3)) {
      case 0:
        text.insert(at, 1, c);
        break;
      case 1:
        if (at < text.size()) text.erase(at, 1);
        break;
      default:
        if (at < text.size()) text[at] = c;
        break;
    }
    if (!IsIpv6(text)) {
      if (!IsIpv4(text)) {
        ASSERT_EQ(Canonical(text), text) << text;
      }
      continue;
    }
    unsigned char bytes[16];
    if (inet_pton(AF_INET6, text.c_str(), bytes) != 1) continue;  // leading zeros in a quad
    std::array<std::uint16_t, 8> w{};
    for (int i = 0; i < 8; ++i)
      w[i] = static_cast<std::uint16_t>(bytes[2 * i] << 8 | bytes[2 * i + 1]);
    const bool low_zero = w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0;
    std::string want = InetNtop(w);
    if (low_zero && w[5] == 0xffff) {
      want = std::to_string(bytes[12]) + "." + std::to_string(bytes[13]) + "." +
             std::to_string(bytes[14]) + "." + std::to_string(bytes[15]);
    } else if (low_zero && w[5] == 0 && w[6] != 0) {
      continue;  // inet_ntop's ::a.b.c.d
    }
    ASSERT_EQ(Canonical(text), want) << text;
    ++valid;
  }
  EXPECT_GT(valid, 10000);
}

TEST(Ipv4Bits, AreTheAddressOfItsCanonicalTextOnly) {
  EXPECT_EQ(Ipv4Bits("192.0.2.7"), 0xC0000207u);
  EXPECT_EQ(Ipv4Bits("0.0.0.0"), 0u);
  EXPECT_EQ(Ipv4Bits("255.255.255.255"), 0xFFFFFFFFu);
  for (const char* other :
       {"256.0.0.1", "010.0.0.1", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.4 ",
        "", "::ffff:1.2.3.4", "2001:db8::1", "1.2.3.1000", "unknown"}) {
    EXPECT_FALSE(Ipv4Bits(other)) << other;
  }
  for (std::uint32_t v : {0u, 1u, 0x0A000001u, 0xC0000207u, 0xFFFFFFFFu, 0x01020304u}) {
    EXPECT_EQ(Ipv4Bits(Ipv4Text(v)), v) << Ipv4Text(v);
  }
  EXPECT_EQ(Ipv4Text(0x0A000001u), "10.0.0.1");
}

// The definition, a byte at a time: four dot-separated parts of one to three digits, no leading
// zero, none above 255, nothing else.
std::optional<std::uint32_t> Ipv4BitsByDefinition(std::string_view s) {
  std::uint32_t out = 0, part = 0;
  int dots = 0, digits = 0;
  for (char c : s) {
    if (c == '.') {
      if (digits == 0 || ++dots > 3) return std::nullopt;
      out = (out << 8) | part;
      part = 0;
      digits = 0;
    } else if (c >= '0' && c <= '9' && digits < 3 && !(digits == 1 && part == 0)) {
      part = part * 10 + static_cast<std::uint32_t>(c - '0');
      if (part > 255) return std::nullopt;
      ++digits;
    } else {
      return std::nullopt;
    }
  }
  if (dots != 3 || digits == 0) return std::nullopt;
  return (out << 8) | part;
}

TEST(Ipv4Bits, AgreeWithTheDefinitionOnRandomTextsOfDigitsAndDots) {
  std::mt19937 rng(7);
  const std::string_view alphabet = "0123456789....:/ ";
  std::size_t addresses = 0;
  for (int n = 0; n < 300000; ++n) {
    std::string s;
    const std::size_t length = rng() % 17;
    for (std::size_t i = 0; i < length; ++i) {
      // Mostly digits and dots, so that many are addresses, or nearly.
      s.push_back(rng() % 8 ? alphabet[rng() % 14] : alphabet[rng() % alphabet.size()]);
    }
    const std::optional<std::uint32_t> want = Ipv4BitsByDefinition(s);
    ASSERT_EQ(Ipv4Bits(s), want) << "'" << s << "'";
    addresses += want.has_value();
  }
  EXPECT_GT(addresses, 500u);
}

}  // namespace
}  // namespace relaywatch::parse
