#include "relaywatch/parse/qmt_recv.h"

#include "scan.h"

namespace relaywatch::parse {

Event ParseQmtRecv(std::string_view text) {
  const auto rest = scan::After(text, "mail recv: ");
  if (!rest) return OtherEvent{};
  const auto after_pid = scan::After(*rest, "pid ");
  if (!after_pid) return MalformedEvent{"mail recv: no 'pid '"};
  const std::string_view digits = scan::LeadingDigits(*after_pid);
  const auto pid = scan::ParseUint32(digits);
  const auto after_from = scan::After(after_pid->substr(digits.size()), " from <");
  if (!pid || !after_from) return MalformedEvent{"mail recv: no 'pid N from <'"};
  const auto split = scan::SplitLast(*after_from, "> qp ");
  if (!split) return MalformedEvent{"mail recv: no '> qp ' (cut line)"};
  std::string_view qp_text = split->after;
  if (qp_text.ends_with('\r')) qp_text.remove_suffix(1);
  const auto qp = scan::ParseUint64(qp_text);
  if (!qp) return MalformedEvent{"mail recv: qp is not a number"};
  return QmtRecvEvent{*pid, split->before, *qp};
}

}  // namespace relaywatch::parse
