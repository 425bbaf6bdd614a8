#include "relaywatch/app/fleet_render.h"

#include <gtest/gtest.h>

#include <string>

namespace relaywatch::app {
namespace {

// FleetViewText's table: the Key left-aligned to column 36, the count right-aligned in the next
// seven (at least one space before it, however long), then each node's part.
TEST(FleetViewTextTest, LinesUpKeysCountsAndNodeParts) {
  redis::FleetView view;
  view.nodes = {{"mx1", 1500, true}, {"mx2", 61000, false}};
  redis::FleetRuleView hourly{"hourly-volume", 3600, false, {}};
  hourly.top = {{"dan@example.com", 1234, {{"mx1", 1000}, {"mx2", 234}}},
                {"a-very-long-login-name-indeed@example.com", 12345678, {{"mx1", 12345678}}}};
  view.rules = {hourly, {"foreign-sender", 86400, false, {}}};
  EXPECT_EQ(FleetViewText(view),
            "  nodes: mx1 (1.5s ago), mx2 (61.0s ago, gone)\n"
            "  rule hourly-volume:\n"
            "    dan@example.com                    1234   mx1 1000, mx2 234\n"
            "    a-very-long-login-name-indeed@example.com 12345678   mx1 12345678\n"
            "  rule foreign-sender: -\n");
}

TEST(FleetViewTextTest, CountsColumnsNotBytesOfAKeyInUtf8) {
  redis::FleetView view;
  redis::FleetRuleView r{"r", 60, false, {}};
  r.top = {{"j\xC3\xB6rg@example.com", 7, {}}};  // "jörg": 4 columns, 5 bytes
  view.rules = {r};
  const std::string text = FleetViewText(view);
  EXPECT_NE(text.find("    j\xC3\xB6rg@example.com" + std::string(36 - 4 - 16, ' ') + "      7\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace relaywatch::app
