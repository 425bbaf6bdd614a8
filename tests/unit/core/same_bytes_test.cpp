#include "relaywatch/core/same_bytes.h"

#include <gtest/gtest.h>

#include <string>

namespace relaywatch::core {
namespace {

// Every length up to 40, and a difference at every position: the word loads must cover each
// byte, the overlapping last word included.
TEST(SameBytesTest, AgreesWithStringEqualityAtEveryLengthAndPosition) {
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'x');
    for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<char>('a' + i % 26);
    EXPECT_TRUE(SameBytes(a, std::string(a))) << n;
    for (std::size_t i = 0; i < n; ++i) {
      std::string b = a;
      b[i] = static_cast<char>(b[i] ^ 0x01);
      EXPECT_FALSE(SameBytes(a, b)) << n << " at " << i;
    }
    EXPECT_FALSE(SameBytes(a, a + "y")) << n;
  }
}

TEST(SameBytesTest, ComparesBytesNotCharactersOrTerminators) {
  EXPECT_TRUE(SameBytes(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(SameBytes(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  EXPECT_FALSE(SameBytes("Suzy@example.com", "suzy@example.com"));  // case counts
  EXPECT_TRUE(SameBytes("", std::string_view()));
}

}  // namespace
}  // namespace relaywatch::core
