#include "relaywatch/app/fleet_report.h"

#include <cstdio>

#include "relaywatch/app/cli.h"
#include "relaywatch/app/fleet_render.h"
#include "relaywatch/core/json_writer.h"
#include "relaywatch/redis/connection.h"
#include "relaywatch/redis/fleet_view.h"

namespace relaywatch::app {
namespace {

constexpr std::size_t kTop = 20;

}  // namespace

int FleetReport(const config::Config& config, bool json) {
  if (!config.fleet.enabled) {
    std::fprintf(stderr, "relaywatch report: --fleet: %s has no fleet section\n",
                 config.path.c_str());
    return kExitBadInput;
  }
  auto conn = redis::Connection::Open(config.fleet);
  if (!conn) {
    std::fprintf(stderr, "relaywatch report: %s\n", conn.error().message.c_str());
    return kExitBadInput;
  }
  auto view = redis::FetchFleetView(**conn, config.fleet, redis::FleetRulesOf(config), kTop);
  if (!view) {
    std::fprintf(stderr, "relaywatch report: %s\n", view.error().message.c_str());
    return kExitBadInput;
  }
  std::string out;
  if (json) {
    core::JsonWriter w;
    w.BeginObject();
    w.Key("node").String(config.fleet.node).Key("redis").String(redis::Address(config.fleet));
    WriteFleetViewJson(w, *view);
    w.EndObject();
    out = w.Take() + "\n";
  } else {
    out = "FLEET (redis " + redis::Address(config.fleet) + ", seen from node " + config.fleet.node +
          ")\n" + FleetViewText(*view);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitInternal;
}

}  // namespace relaywatch::app
