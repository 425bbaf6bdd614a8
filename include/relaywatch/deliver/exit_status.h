// ExitStatus: how a program's end becomes a DeliveryResult, the qmail way (qmail-inject(8),
// error_temp(3), sysexits.h).
//
// Exit 0 is kOk. Exit 111 (qmail's temporary failure) is kTemporary, and so are the sysexits codes
// Sendmail itself queues on (markfailure() in deliver.c): 75 EX_TEMPFAIL, 74 EX_IOERR and 71
// EX_OSERR; msmtp, for one, exits 74 when the server times out. 100 (qmail's permanent failure)
// and every other non-zero exit are kPermanent. A program killed by a signal,
// killed at the deadline, or that could not be started at all (a missing or unreadable program is
// a local problem the admin fixes; the Spool keeps the Alert until then) is kTemporary.
#ifndef RELAYWATCH_DELIVER_EXIT_STATUS_H_
#define RELAYWATCH_DELIVER_EXIT_STATUS_H_

#include "relaywatch/deliver/channel.h"
#include "relaywatch/deliver/child_process.h"

namespace relaywatch::deliver {

inline constexpr int kExitOsErr = 71;     // EX_OSERR
inline constexpr int kExitIoErr = 74;     // EX_IOERR
inline constexpr int kExitTempFail = 75;  // EX_TEMPFAIL
inline constexpr int kExitQmailTemporary = 111;
inline constexpr int kExitQmailPermanent = 100;

DeliveryStatus StatusOfChild(const ChildOutcome& outcome);

// StatusOfChild with DescribeOutcome as the detail.
DeliveryResult ResultOfChild(const ChildRequest& request, const ChildOutcome& outcome);

}  // namespace relaywatch::deliver

#endif  // RELAYWATCH_DELIVER_EXIT_STATUS_H_
