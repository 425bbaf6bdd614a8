#!/usr/bin/python3
"""forged_logins_bench: what a flood of forged logins costs `relaywatch run`. A benchmark: prints
numbers, asserts nothing.

A client chooses its own login (chkuser's AUTH field can be the MAIL FROM AUTH= parameter) and
its own ip: key, so a flood of distinct ones is free to send. A fresh daemon with live_bench's
rules (hourly-volume 1h, daily-volume 24h, foreign-sender 24h; max_keys left at its default, or
--max-keys N on every rule) reads N distinct logins (default 1,000,000), one relaying recipient
each, through `multilog t`; then: VmRSS and VmHWM, status keys and keys_evicted, the checkpoint's
size and how long one takes, and the time from SIGTERM to exit (the final checkpoint).

usage: forged_logins_bench.py RELAYWATCH_BINARY [--logins N] [--max-keys N]
Runs against a binary without rules[].max_keys too (leave --max-keys out): the numbers before it.
"""

import os
import shutil
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration", "daemon"))
import rwtest  # noqa: E402
import live_bench  # noqa: E402


def arg(name, default):
    if name in sys.argv:
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


def main():
    binary = rwtest.find_binary([sys.argv[0]] + [a for a in sys.argv[1:2]])
    n = arg("--logins", 1000000)
    max_keys = arg("--max-keys", 0)
    if max_keys:
        live_bench.RULES = [dict(r, max_keys=max_keys) for r in live_bench.RULES]
    tmp = tempfile.mkdtemp(prefix="rw-forged-bench-")
    say = live_bench.say
    say("forged_logins_bench: %s, %d distinct logins, max_keys %s; load %s"
        % (binary, n, max_keys or "default", open("/proc/loadavg").read().split()[:3]))
    b = live_bench.Bench(binary, tmp, "flood")
    try:
        pid = b.d.pid
        rss0 = live_bench.proc_status(pid, "VmRSS")
        t0 = time.monotonic()
        block = 20000
        for k in range(0, n, block):
            lines = []
            for i in range(k, min(n, k + block)):
                login = "f%07d@forged%d.example" % (i, i % 97)
                lines.append(rwtest.chkuser("relaying rcpt", login, login, "10.%d.%d.%d" % (
                    i >> 16 & 255, i >> 8 & 255, i & 255), "r%d@gmail.example" % i))
            b.ml.write(lines)
            if (k + block) % 200000 == 0:
                b.caught_up(timeout=1800)  # multilog keeps 100 files of 1 MB: never fall behind
        st = b.caught_up(timeout=1800)
        t1 = time.monotonic()
        ck0 = st["checkpoints"]
        b.ml.write(["tcpserver: status: 1/100"])
        st = b.d.wait_for(lambda s: s["checkpoints"] > ck0, "a checkpoint after the feed", 300)
        rss, hwm = live_bench.proc_status(pid, "VmRSS"), live_bench.proc_status(pid, "VmHWM")
        ck = os.path.getsize(os.path.join(b.tmp, "state", "checkpoint"))
        # How long one checkpoint takes: the next one after one more line.
        ck1 = st["checkpoints"]
        w0 = time.monotonic()
        b.ml.write(["tcpserver: status: 2/100"])
        b.d.wait_for(lambda s: s["checkpoints"] > ck1, "one more checkpoint", 300, interval=0.01)
        ck_time = time.monotonic() - w0
        say("  fed and read in %.1fs; status keys %d, keys_evicted %s"
            % (t1 - t0, st["keys"], st.get("keys_evicted", "(not reported)")))
        say("  VmRSS %.1f MB (%.1f MB before), VmHWM %.1f MB; checkpoint %.1f MB, one more "
            "line to the next checkpoint %.2fs"
            % (rss / 1024, rss0 / 1024, hwm / 1024, ck / 1e6, ck_time))
        s0 = time.monotonic()
        b.d.proc.send_signal(signal.SIGTERM)
        b.d.proc.wait(600)
        say("  SIGTERM to exit: %.2fs (exit %d)" % (time.monotonic() - s0, b.d.proc.returncode))
    finally:
        b.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
