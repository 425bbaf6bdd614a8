#include "relaywatch/app/cli.h"

#include <cstdio>

namespace relaywatch::app {

int RunCli(int, char**) {
  std::fputs("relaywatch: not yet\n", stderr);
  return kExitUsage;
}

}  // namespace relaywatch::app
