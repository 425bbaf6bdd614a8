#include "relaywatch/deliver/sendmail_transport.h"

#include <utility>

#include "relaywatch/deliver/child_process.h"
#include "relaywatch/deliver/exit_status.h"
#include "relaywatch/deliver/line_ends.h"

namespace relaywatch::deliver {
namespace {

// The configured command sets the sender itself: "-f" (address in the next slot) or "-fuser@x".
// Long options ("--file=...") do not count.
bool IsSenderOption(const std::string& arg) {
  return arg.size() >= 2 && arg[0] == '-' && arg[1] == 'f';
}

}  // namespace

SendmailTransport::SendmailTransport(SendmailOptions options) : options_(std::move(options)) {}

core::Result<std::vector<std::string>> SendmailTransport::CommandFor(
    const Envelope& envelope) const {
  if (options_.command.empty() || options_.command[0].empty()) {
    return core::Error{"no sendmail command configured"};
  }
  bool has_sender = false;
  for (std::size_t i = 1; i < options_.command.size(); ++i) {
    const std::string& arg = options_.command[i];
    if (arg == "-t") {
      return core::Error{
          "refusing sendmail command with -t: relaywatch gives the recipients as "
          "arguments"};
    }
    if (IsSenderOption(arg)) has_sender = true;
  }
  if (auto checked = CheckEnvelope(envelope); !checked) return checked.error();

  std::vector<std::string> argv;
  argv.reserve(options_.command.size() + envelope.to.size() + 2);
  argv.push_back(options_.command[0]);
  if (!has_sender && !envelope.from.empty()) argv.push_back("-f" + envelope.from);
  argv.insert(argv.end(), options_.command.begin() + 1, options_.command.end());
  argv.push_back("--");
  argv.insert(argv.end(), envelope.to.begin(), envelope.to.end());
  return argv;
}

DeliveryResult SendmailTransport::Send(const Envelope& envelope, std::string_view message) {
  auto argv = CommandFor(envelope);
  if (!argv) return DeliveryResult{DeliveryStatus::kPermanent, argv.error().message};
  ChildRequest request;
  request.argv = std::move(*argv);
  request.input = ToLfLines(message);
  request.timeout = options_.timeout;
  return ResultOfChild(request, RunChild(request));
}

}  // namespace relaywatch::deliver
