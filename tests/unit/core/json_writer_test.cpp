#include "relaywatch/core/json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace relaywatch::core {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(AppendJsonStringTest, PlainAsciiGoesInAsItIs) {
  EXPECT_EQ(Quoted(""), "\"\"");
  EXPECT_EQ(Quoted("u19482@dom3.example"), "\"u19482@dom3.example\"");
  EXPECT_EQ(Quoted(" !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~"),
            "\" !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~\"");
}

TEST(AppendJsonStringTest, QuotesBackslashesAndControlsAreEscapedWhereverTheyStand) {
  EXPECT_EQ(Quoted("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(Quoted("\\"), "\"\\\\\"");
  EXPECT_EQ(Quoted("x\ny\rz\t"), "\"x\\ny\\rz\\t\"");
  EXPECT_EQ(Quoted(std::string_view("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(Quoted("\"start"), "\"\\\"start\"");
  EXPECT_EQ(Quoted("end\\"), "\"end\\\\\"");
}

TEST(AppendJsonStringTest, ValidUtf8StaysAndOtherBytesBecomeTheReplacementCharacter) {
  EXPECT_EQ(Quoted("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xA7"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xA7\"");
  // A lone continuation byte, an overlong '/', a surrogate, a sequence cut at the end.
  EXPECT_EQ(Quoted("a\x80z"), "\"a\xEF\xBF\xBDz\"");
  EXPECT_EQ(Quoted("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(Quoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(Quoted("ok\xE2\x82"), "\"ok\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonWriterTest, NumbersAtTheirLimits) {
  JsonWriter w;
  w.BeginArray()
      .Uint(0)
      .Uint(std::numeric_limits<std::uint64_t>::max())
      .Int(std::numeric_limits<std::int64_t>::min())
      .Int(-1)
      .Int(42)
      .EndArray();
  EXPECT_EQ(w.str(), "[0,18446744073709551615,-9223372036854775808,-1,42]");
}

}  // namespace
}  // namespace relaywatch::core
