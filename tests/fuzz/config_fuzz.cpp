// Fuzzes the config loader (config/loader.h) with any YAML text. Invariants: no crash, no
// exception escapes (yaml-cpp's are caught inside), and an error names the file it was given, as
// "fuzz.yaml:LINE:COL: ..." or "fuzz.yaml: ...". Run with -timeout: yaml-cpp 0.7's LoadAll never
// returned on some inputs (`,`, "valid\n---\n,\n"), which the loader no longer calls; those are
// the finding-* seeds of corpus/config (tests/fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "relaywatch/config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml = relaywatch::fuzz::AsText(data, size);
  const auto config = relaywatch::config::LoadConfigString(yaml, "fuzz.yaml");
  if (!config) {
    const std::string_view message = config.error().message;
    relaywatch::fuzz::Check(
        message.substr(0, 10) == "fuzz.yaml:", "a config error does not name the file", message);
  } else {
    relaywatch::fuzz::Check(config->path == "fuzz.yaml", "Config::path is not the file name",
                            config->path);
  }
  return 0;
}
