#!/usr/bin/python3
"""alert_burst_test: a wave of alerts must not make the daemon lose log lines.

The built daemon reads a log written at 10,000 lines/s through real `multilog t` with its default
s99999 n10 (ten files of ~100 KB: under a second of this log) for 3 s, while 600 distinct logins
each cross a volume limit of 2, so 600 alerts fire and go out through a sendmail-style script
(burst.py). Spooling an alert costs fsyncs; done on the thread that reads the log, a wave of them
stalls reading long enough for multilog to rotate and prune files never read, and those lines
were never counted and no gap was reported. The test fails unless every line written is counted
(status lines and relaying = written), or else a gap is reported for exactly the lines lost; and
unless each of the 600 alerts is spooled and delivered exactly once.

usage: alert_burst_test.py RELAYWATCH_BINARY
"""

import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import burst  # noqa: E402
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

RATE, SECONDS, ALERTS = 10000, 3, 600


def main():
    binary = rwtest.find_binary(sys.argv)
    tmp = tempfile.mkdtemp(prefix="rw-alert-burst-")
    t0 = time.monotonic()
    try:
        say("== %d lines/s for %ds through multilog t s99999 n10 while %d alerts fire"
            % (RATE, SECONDS, ALERTS))
        r = burst.run(binary, tmp, RATE, SECONDS, ALERTS, delivery_timeout=120)
        say("  written %d lines at %.0f lines/s; counted %d (relaying %d); gaps %d; alerts "
            "spooled %s, unspooled %s, delivered %d ids"
            % (r["written"], r["achieved"], r["counted"], r["relay_counted"], r["gaps"],
               r["alerts_spooled"], r["alerts_unspooled"], r["delivered_ids"]))
        v = burst.verdict(r)
        check(v == "every line counted" or v.startswith("gap alert for exactly"),
              "every line counted, or a gap alert for exactly the lines lost: " + v)
        check(r["relay_counted"] == r["relay_written"] or v.startswith("gap alert"),
              "relaying lines counted %d of %d" % (r["relay_counted"], r["relay_written"]))
        if v == "every line counted":
            check(r["wave_ids"] == ALERTS, "an alert for each of the %d logins that crossed the "
                  "limit was delivered (%d)" % (ALERTS, r["wave_ids"]))
            check(r["alerts_spooled"] == ALERTS, "status: %d alerts spooled (%s)"
                  % (ALERTS, r["alerts_spooled"]))
        check(r["delivered_twice"] == 0, "no alert delivered twice (%d were)"
              % r["delivered_twice"])
        check(r["alerts_unspooled"] == 0, "status: no alert left unspooled (%s)"
              % r["alerts_unspooled"])
        rwtest.check_status_json_valid()
        say("PASS alert_burst_test (%.1fs)" % (time.monotonic() - t0))
        return 0
    except rwtest.TestFailure as e:
        say("FAIL: %s" % e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
