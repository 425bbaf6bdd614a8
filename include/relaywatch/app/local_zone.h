// SystemLocalZone: the administrator's local time (the TZ environment variable, else
// /etc/localtime) as the core::LocalZone the pure stages take.
//
// Built on localtime_r and mktime, so it knows every rule the C library knows, DST included. A
// local wall time that the clocks skip (spring forward) has no instant and gives nullopt; one
// that happens twice (fall back) gives the earlier instant, deterministically. The zone is read
// once, when SystemLocalZone is called (tzset); set TZ before that.
#ifndef RELAYWATCH_APP_LOCAL_ZONE_H_
#define RELAYWATCH_APP_LOCAL_ZONE_H_

#include "relaywatch/core/time.h"

namespace relaywatch::app {

// The process's local zone. Thread-safe to call its functions (localtime_r, mktime).
core::LocalZone SystemLocalZone();

}  // namespace relaywatch::app

#endif  // RELAYWATCH_APP_LOCAL_ZONE_H_
