// The command an admin pastes to look into an alert: `relaywatch report` over the alert's span.
//
// The key is attacker-chosen (a login can be `'; rm -rf / #`), so it is single-quoted for a POSIX
// shell, each ' inside written as '\'' , which leaves no character the shell interprets. A key
// that holds control characters, bytes that are not UTF-8 or bidi overrides, or is over 256 bytes
// (or 512 once quoted) is refused instead: what the terminal shows would not be what the shell
// runs, and a pasted newline would end the command. The refusal says why, for the alert body.
#ifndef RELAYWATCH_ALERTING_INVESTIGATE_H_
#define RELAYWATCH_ALERTING_INVESTIGATE_H_

#include <string>
#include <string_view>

#include "relaywatch/core/result.h"
#include "relaywatch/detect/finding.h"

namespace relaywatch::alerting {

// `s` as one POSIX shell word: '...' with each ' as '\''.
std::string ShellQuote(std::string_view s);

// "relaywatch report --user '<key>' --since <first> --until <last>", the times in UTC to the
// second: first rounded down, and the whole second after last, since report's --until is
// exclusive (a last line on a whole second stays in). An Error, worded for the admin, when the key
// cannot be quoted safely or the finding is not about a login (a gap).
core::Result<std::string> InvestigateCommand(const detect::Finding& f);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_INVESTIGATE_H_
