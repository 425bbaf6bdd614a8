#!/usr/bin/python3
"""slow_spool_test: a spool operation that never ends must not stop the daemon reading its log.

A FIFO named like an alert id sits in state_dir/spool/mail/ before the daemon starts: whatever
opens it for reading waits for a writer that never comes. Whether or not the spool reads it, the
thread that reads the log must never wait for it: it takes no lock that spool work holds. The test
writes 20,000 lines at 10,000 lines/s through real `multilog t` (s99999 n10) with 50 logins
crossing a limit, and fails unless `status` keeps answering within a second and counts every
line. The daemon is then stopped with SIGTERM, or SIGKILL when it does not exit within 10 s
(stopping waits for the spool work in progress); this test does not judge that.

usage: slow_spool_test.py RELAYWATCH_BINARY
"""

import os
import shutil
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import burst  # noqa: E402
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402


def timed_status(d):
    t0 = time.monotonic()
    st = d.status()
    return st, time.monotonic() - t0


def main():
    binary = rwtest.find_binary(sys.argv)
    tmp = tempfile.mkdtemp(prefix="rw-slow-spool-")
    t0 = time.monotonic()
    b = None
    try:
        # The FIFO goes where the channel's spool directory will be, before the daemon starts.
        fifo_dir = os.path.join(tmp, "burst", "state", "spool", "mail")
        os.makedirs(fifo_dir, mode=0o700)
        os.chmod(os.path.join(tmp, "burst", "state"), 0o700)
        os.mkfifo(os.path.join(fifo_dir, "low-0123456789abcdef-1"), 0o600)
        say("== a FIFO in spool/mail/; 10,000 lines/s for 2 s with 50 alerts")
        try:
            b = burst.Burst(binary, tmp, name="burst")
        except rwtest.TestFailure as e:
            check(False, "the daemon starts and status answers: %s" % str(e).splitlines()[0])
        written, _, _ = b.feed(10000, 2, 50)
        worst = 0.0
        deadline = time.monotonic() + 20
        st = None
        while time.monotonic() < deadline:
            st, took = timed_status(b.d)
            worst = max(worst, took)
            if st is None:
                check(False, "status answers (waited %.1fs)" % took)
            if rwtest.caught_up(b.d, st, b.logdir):
                break
            time.sleep(0.1)
        check(worst < 1.0, "every status query answered within a second (slowest %.3fs)" % worst)
        check(st["lines"]["total"] - b.base == written, "every line counted: %d of %d"
              % (st["lines"]["total"] - b.base, written))
        check(st["lines"]["relay"] == written, "every relaying line counted: %d of %d"
              % (st["lines"]["relay"], written))
        rwtest.check_status_json_valid()
        say("PASS slow_spool_test (%.1fs)" % (time.monotonic() - t0))
        return 0
    except rwtest.TestFailure as e:
        say("FAIL: %s" % e)
        if b is not None and getattr(b, "d", None) is not None:
            say(b.d.log_tail())
        return 1
    finally:
        if b is not None and getattr(b, "d", None) is not None and b.d.alive():
            b.d.signal(signal.SIGTERM)
            try:
                b.d.proc.wait(10)
            except Exception:  # noqa: BLE001 - any failure to stop: kill it
                b.d.stop_quietly()
        if b is not None and getattr(b, "ml", None) is not None and b.ml.proc.poll() is None:
            b.ml.proc.stdin.close()
            b.ml.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
