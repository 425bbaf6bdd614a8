#include "relaywatch/deliver/envelope.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace relaywatch::deliver {
namespace {

TEST(IsSafeAddressTest, AcceptsOrdinaryAndGatewayAddresses) {
  EXPECT_TRUE(IsSafeAddress("relaywatch@example.com"));
  EXPECT_TRUE(IsSafeAddress("5551234567@vtext.com"));
  EXPECT_TRUE(IsSafeAddress("postmaster"));
  EXPECT_TRUE(IsSafeAddress("first.last+tag@sub.example.co.uk"));
}

TEST(IsSafeAddressTest, RefusesWhatCouldBreakOutOfACommandOrArgument) {
  for (const std::string& bad :
       std::vector<std::string>{"x@y\r\nBcc: victim@z", "x@y\nRCPT TO:<v@z>", "a b@c", "<a@b>",
                                "a@b>", "-oQ/tmp", std::string("a\0b@c", 5), "\xc3\xbc@example.com",
                                "a@b\x7f", std::string(255, 'a'), ""}) {
    EXPECT_FALSE(IsSafeAddress(bad)) << bad;
  }
  EXPECT_TRUE(IsSafeAddress(std::string(254, 'a')));
}

TEST(CheckEnvelopeTest, NamesTheFirstBadAddress) {
  EXPECT_TRUE(CheckEnvelope({"a@b", {"c@d"}}).ok());
  EXPECT_TRUE(CheckEnvelope({"", {"c@d"}}).ok());
  EXPECT_EQ(CheckEnvelope({"a@b", {"c@d", "e@f\r\nDATA"}}).error().message,
            "refusing envelope recipient \"e@f\\r\\nDATA\": an address must be printable ASCII "
            "without spaces, '<' or '>', not start with '-', and be at most 254 bytes");
  EXPECT_EQ(CheckEnvelope({"a@b", {}}).error().message, "refusing envelope without recipients");
}

}  // namespace
}  // namespace relaywatch::deliver
