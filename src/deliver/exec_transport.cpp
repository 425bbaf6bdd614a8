#include "relaywatch/deliver/exec_transport.h"

#include "relaywatch/deliver/child_process.h"
#include "relaywatch/deliver/exit_status.h"

namespace relaywatch::deliver {
namespace {

bool IsEnvName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

std::string SanitizeEnvValue(std::string_view value) {
  std::string out(value.substr(0, kMaxEnvValue));
  for (char& ch : out) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f) ch = '?';
  }
  return out;
}

ExecTransport::ExecTransport(ExecOptions options) : options_(std::move(options)) {}

std::vector<std::string> ExecTransport::Environment(const EnvVars& vars) {
  std::vector<std::string> env;
  env.reserve(vars.size() + 1);
  env.push_back("PATH=" + std::string(kExecPath));
  for (const auto& [name, value] : vars) {
    if (!IsEnvName(name) || name == "PATH") continue;
    env.push_back(name + "=" + SanitizeEnvValue(value));
  }
  return env;
}

DeliveryResult ExecTransport::Send(std::string_view json, const EnvVars& vars) {
  if (options_.command.empty() || options_.command[0].empty()) {
    return DeliveryResult{DeliveryStatus::kPermanent, "no exec command configured"};
  }
  ChildRequest request;
  request.argv = options_.command;
  request.env = Environment(vars);
  request.input = std::string(json);
  request.timeout = options_.timeout;
  return ResultOfChild(request, RunChild(request));
}

}  // namespace relaywatch::deliver
