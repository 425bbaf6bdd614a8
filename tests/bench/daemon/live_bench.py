#!/usr/bin/python3
"""live_bench: `relaywatch run` on a live multilog. A benchmark: prints numbers, asserts little.

1. Latency, fresh line -> finding (first, while few keys keep each status query cheap): one line
   at a time that crosses a limit (a fresh login of @probe.example, whose override is 1); the
   write is timestamped; the size of `current` (multilog's share) and status.sock are polled until
   "findings" grows (p50/p99 over N samples), and the exec channel's recorder timestamps its start
   (write -> channel invoked, p50/p99).
2. Sustained ingest: a feeder writes chkuser lines (20,000 logins, the example config's rules) into
   `multilog t s1000000 n100` at fixed rates for a few seconds each, then as fast as it can; for
   each step: the rate achieved, how long the daemon needed after the last write to reach the end
   of `current` (it keeps up when that is short), and its CPU % over the step (/proc/PID/task/*/
   schedstat, all threads). Then the cost of one status query with those keys.
3. Idle CPU over 60 s (no status queries meanwhile); target < 0.1 %.
4. Memory with 100,000 logins active in a 24h window: a fresh daemon, 100,000 distinct logins once
   each; VmRSS, VmHWM, status keys, checkpoint size.
5. An alert wave (tests/integration/daemon/burst.py): a fresh daemon per rate reads a log written
   through real `multilog t` with its default s99999 n10 at 10k and then 30k lines/s for 20 s,
   while 3,000 distinct logins each cross a volume limit of 2 (3,000 alerts, sent through a
   sendmail-style script). For each: lines/s, lines written vs counted, gap findings, alerts
   fired/spooled/delivered (and how long that took), and the verdict: "every line counted" or
   "gap alert for exactly N lost lines" (or how many were lost without one).
6. With --sn: the same at 200k lines/s without alerts and then with the wave, for multilog
   s99999 n10, s1000000 n10 and s16777215 n10: which s x n keeps every line.
7. (--loss, alone) What multilog's s and n must be: a fresh daemon per `multilog t sS nN`, fed
   chkuser lines at fixed rates, then flat out (the feeder's best), for a few seconds each while
   it runs; then stopped (SIGSTOP) for a while at a fixed rate. For each step: lines fed, lines
   the daemon counted, the lines lost, and the gaps it raised (status: gaps, files_pruned_unread).

usage: live_bench.py RELAYWATCH_BINARY [--quick] [--alerts-only] [--sn] [--loss]
  --quick: shorter steps, 10 s idle, 20k logins, a 5 s wave of 750 alerts
  --alerts-only: only 5 (and 6 with --sn)
  --loss: only 7
"""

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration", "daemon"))
import burst  # noqa: E402
import rwtest  # noqa: E402

QUICK = "--quick" in sys.argv
ALERTS_ONLY = "--alerts-only" in sys.argv
SN = "--sn" in sys.argv
RULES = [
    {"name": "hourly-volume", "kind": "volume", "window": "1h", "limit": 300,
     "overrides": {"@probe.example": 1}},
    {"name": "daily-volume", "kind": "volume", "window": "24h", "limit": 1500},
    {"name": "foreign-sender", "kind": "sender", "window": "24h", "limit": 1,
     "policy": "same-domain"},
]


def say(msg):
    print(msg, flush=True)


def cpu_ns(pid):
    """CPU time of every thread of `pid`, in ns."""
    total = 0
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def proc_status(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])  # kB
    return 0


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def make_lines(n, logins, tag):
    out = []
    for i in range(n):
        u = "u%d@d%d.example" % (i % logins, i % logins % 13)
        out.append(rwtest.chkuser("relaying rcpt", u, u, "10.%d.%d.%d" % (i % 7, i % 251, i % 241),
                                  "%s%d@gmail.example" % (tag, i)))
    return out


class Bench:
    def __init__(self, binary, tmp, name):
        self.tmp = os.path.join(tmp, name)
        os.makedirs(self.tmp)
        self.logdir = os.path.join(self.tmp, "log")
        self.out = os.path.join(self.tmp, "alerts.jsonl")
        cfg = os.path.join(self.tmp, "relaywatch.yaml")
        rwtest.write_config(cfg, {
            "hostname": "bench.example", "state_dir": os.path.join(self.tmp, "state"),
            "startup": "warm",
            "sources": {"supervise_dir": "", "logs": [{"service": "submission",
                                                       "dir": self.logdir}]},
            "rules": RULES,
            "alerts": {"max_per_hour": 100000,
                       "channels": [rwtest.exec_channel(self.tmp, self.out)]}})
        self.ml = rwtest.Multilog(self.logdir, size=1000000, num=100)
        self.ml.write(["tcpserver: status: 0/100"])
        while not os.path.exists(os.path.join(self.logdir, "current")):
            time.sleep(0.01)
        self.d = rwtest.Daemon(binary, cfg, os.path.join(self.tmp, "daemon.log"),
                               os.path.join(self.tmp, "state"))
        self.d.start()
        self.d.wait_up()

    def caught_up(self, timeout=600):
        return self.d.wait_for(lambda s: rwtest.caught_up(self.d, s, self.logdir),
                               "caught up", timeout=timeout, interval=0.005)

    def close(self):
        self.d.stop_quietly()
        if self.ml.proc.poll() is None:
            self.ml.proc.stdin.close()
            self.ml.proc.wait()


def ingest(b):
    say("== 2. sustained ingest (multilog t s1000000 n100, 20,000 logins, example rules)")
    seconds = 2 if QUICK else 5
    block = make_lines(200000, 20000, "r")
    blob = [(l + "\n").encode() for l in block]
    pos = 0
    results = []
    for rate in (2000, 10000, 30000, 60000, None):
        n_total = (rate or 0) * seconds if rate else (100000 if QUICK else 400000)
        chunk = max(1, (rate or 0) // 100) if rate else 2000
        c0, w0 = cpu_ns(b.d.pid), time.monotonic()
        sent = 0
        i = 0
        while sent < n_total:
            k = min(chunk, n_total - sent)
            data = b"".join(blob[(pos + j) % len(blob)] for j in range(k))
            pos += k
            b.ml.proc.stdin.write(data)
            b.ml.proc.stdin.flush()
            sent += k
            i += 1
            if rate:
                delay = w0 + i * 0.01 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        w1 = time.monotonic()
        b.caught_up()
        w2 = time.monotonic()
        c2 = cpu_ns(b.d.pid)
        fed_rate = sent / (w1 - w0)
        cpu = (c2 - c0) / 1e9 / (w2 - w0) * 100
        results.append((rate, fed_rate, w2 - w1, sent / (w2 - w0), cpu))
        say("  target %-7s fed %8.0f lines/s for %5.2fs; caught up %6.3fs after the last write; "
            "daemon %8.0f lines/s end to end, CPU %5.1f %%"
            % (rate or "max", fed_rate, w1 - w0, w2 - w1, sent / (w2 - w0), cpu))
    st = b.d.status()
    say("  status: lines %d, findings %d, alerts %d, keys %d, checkpoints %d"
        % (st["lines"]["total"], st["findings"], st["alerts"], st["keys"], st["checkpoints"]))
    return results


def latency(b):
    n = 50 if QUICK else 250
    say("== 1. latency, fresh line -> finding (%d samples, one line at a time)" % n)
    st = b.d.wait_for(lambda s: rwtest.outbox_idle(s), "outbox idle", 120)
    base_alerts = len(rwtest.read_records(b.out))
    sock_path = os.path.join(b.tmp, "state", "status.sock")

    def findings():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock_path)
        s.sendall(b"json\n")
        data = b""
        while True:
            x = s.recv(65536)
            if not x:
                break
            data += x
        s.close()
        return rwtest.parse_status(data)["findings"]

    lat, writes, in_file = [], [], []
    cur = os.path.join(b.logdir, "current")
    f0 = findings()
    for i in range(n):
        line = rwtest.chkuser("relaying rcpt", "p%d@probe.example" % i, "p%d@probe.example" % i,
                              "10.1.1.1", "x%d@gmail.example" % i)
        size0 = os.stat(cur).st_size
        t_wall, t0 = time.time(), time.monotonic()
        b.ml.proc.stdin.write((line + "\n").encode())
        b.ml.proc.stdin.flush()
        writes.append(t_wall)
        seen = None
        while True:
            if seen is None and os.stat(cur).st_size > size0:
                seen = time.monotonic() - t0
            f = findings()
            if f > f0:
                break
            time.sleep(0.0002)
        lat.append(time.monotonic() - t0)
        in_file.append(seen if seen is not None else lat[-1])
        f0 = f
        time.sleep(0.02)
    b.d.wait_for(lambda s: rwtest.outbox_idle(s) and len(rwtest.read_records(b.out))
                 >= base_alerts + n, "probe alerts delivered", 120)
    recs = rwtest.read_records(b.out)[base_alerts:]
    at = {r["alert"]["user"]: r["at"] for r in recs}
    exec_lat = [at["p%d@probe.example" % i] - writes[i] for i in range(n)
                if "p%d@probe.example" % i in at]
    ms = [x * 1000 for x in lat]
    ems = [x * 1000 for x in exec_lat]
    fms = [x * 1000 for x in in_file]
    say("  write -> multilog wrote it:     p50 %.2f ms, p99 %.2f ms (multilog's share, CPU shared with the probes)"
        % (pct(fms, 50), pct(fms, 99)))
    say("  write -> status findings grew: p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)"
        % (pct(ms, 50), pct(ms, 99), max(ms), len(ms)))
    own = [a - b for a, b in zip(ms, fms)]
    say("  in file -> findings grew (the daemon's share): p50 %.2f ms, p99 %.2f ms"
        % (pct(own, 50), pct(own, 99)))
    say("  write -> exec channel started:  p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d; the "
        "recorder's python start-up included)"
        % (pct(ems, 50), pct(ems, 99), max(ems), len(ems)))
    return pct(ms, 50), pct(ms, 99), pct(ems, 50), pct(ems, 99)


def status_cost(b):
    ts = []
    for _ in range(20):
        t0 = time.monotonic()
        st = b.d.status()
        ts.append((time.monotonic() - t0) * 1000)
    say("  one status query with %d keys: p50 %.1f ms, max %.1f ms (the io thread computes the "
        "top keys)" % (st["keys"], pct(ts, 50), max(ts)))


def idle(b):
    secs = 10 if QUICK else 60
    say("== 3. idle CPU over %d s (multilog open, nothing written, no status queries)" % secs)
    b.d.wait_for(lambda s: rwtest.outbox_idle(s), "outbox idle", 120)
    time.sleep(1)
    c0, w0 = cpu_ns(b.d.pid), time.monotonic()
    time.sleep(secs)
    c1, w1 = cpu_ns(b.d.pid), time.monotonic()
    p = (c1 - c0) / 1e9 / (w1 - w0) * 100
    say("  daemon CPU while idle: %.4f %% (%.1f ms in %.0f s; target < 0.1 %%)"
        % (p, (c1 - c0) / 1e6, w1 - w0))
    return p


def memory(binary, tmp):
    n = 20000 if QUICK else 100000
    say("== 4. memory with %d logins active in a 24h window (fresh daemon)" % n)
    b = Bench(binary, tmp, "mem")
    try:
        rss0 = proc_status(b.d.pid, "VmRSS")
        lines = [rwtest.chkuser("relaying rcpt", "user%06d@dom%d.example" % (i, i % 50),
                                "user%06d@dom%d.example" % (i, i % 50), "10.%d.%d.%d"
                                % (i >> 16 & 255, i >> 8 & 255, i & 255), "r%d@gmail.example" % i)
                 for i in range(n)]
        t0 = time.monotonic()
        for k in range(0, n, 5000):
            b.ml.write(lines[k:k + 5000])
        st = b.caught_up()
        t1 = time.monotonic()
        # One more line, then a checkpoint that certainly holds every key.
        ck0 = st["checkpoints"]
        b.ml.write(["tcpserver: status: 1/100"])
        st = b.d.wait_for(lambda s: s["checkpoints"] > ck0, "a checkpoint after the feed", 60)
        rss, hwm = proc_status(b.d.pid, "VmRSS"), proc_status(b.d.pid, "VmHWM")
        ck = os.path.getsize(os.path.join(b.tmp, "state", "checkpoint"))
        say("  fed and read in %.2fs; status keys %d (logins x 2 volume rules); VmRSS %.1f MB "
            "(%.1f MB before), VmHWM %.1f MB; checkpoint %.1f MB"
            % (t1 - t0, st["keys"], rss / 1024, rss0 / 1024, hwm / 1024, ck / 1e6))
        return rss, hwm, st["keys"], ck
    finally:
        b.close()


def wave_line_report(r):
    say("  %6d lines/s target: fed %.0f lines/s for %gs; written %d, counted %d (relaying %d); "
        "gaps %d; caught up %.2fs after the last write"
        % (r["rate"], r["achieved"], r["seconds"], r["written"], r["counted"], r["relay_counted"],
           r["gaps"], r["caught_up_after"]))
    say("         alerts fired %s, spooled %s (all on disk %.1fs after the last write), "
        "unspooled %s, delivered %d (%d twice) %.1fs after the last write"
        % (r["alerts_fired"], r["alerts_spooled"], r["spooled_after"], r["alerts_unspooled"],
           r["delivered_ids"], r["delivered_twice"], r["delivered_after"]))
    say("         => " + burst.verdict(r))


def alert_wave(binary, tmp):
    secs, n = (5, 750) if QUICK else (20, 3000)
    say("== 5. alert wave: %d alerts in %d s, multilog t s99999 n10 (the default), a sendmail-style "
        "script channel" % (n, secs))
    out = []
    for rate in (10000, 30000):
        r = burst.run(binary, tmp, rate, secs, n, name="wave%d" % rate, delivery_timeout=60)
        wave_line_report(r)
        out.append(r)
    return out


def sn_at_200k(binary, tmp):
    secs = 5 if QUICK else 10
    say("== 6. 200k lines/s for %d s: which multilog s x n keeps every line" % secs)
    for size, num in ((99999, 10), (1000000, 10), (16777215, 10)):
        for alerts in (0, 3000 * secs // 20):
            r = burst.run(binary, tmp, 200000, secs, alerts, size=size, num=num,
                          name="sn%d-%d-%d" % (size, num, alerts), delivery_timeout=0)
            say("  s%d n%d (%.1f MB), %d alerts: fed %.0f lines/s; written %d, counted %d; gaps "
                "%d => %s" % (size, num, size * num / 1e6, alerts, r["achieved"], r["written"],
                              r["counted"], r["gaps"], burst.verdict(r)))


class LossBench:
    """A fresh daemon (startup: tail) on a fresh `multilog t sS nN` dir; counts what it fed."""

    def __init__(self, binary, tmp, size, num):
        self.tmp = os.path.join(tmp, "loss-s%d-n%d" % (size, num))
        os.makedirs(self.tmp)
        self.logdir = os.path.join(self.tmp, "log")
        cfg = os.path.join(self.tmp, "relaywatch.yaml")
        rwtest.write_config(cfg, {
            "hostname": "bench.example", "state_dir": os.path.join(self.tmp, "state"),
            "startup": "tail",
            "sources": {"supervise_dir": "", "logs": [{"service": "submission",
                                                       "dir": self.logdir}]},
            "rules": RULES,
            "alerts": {"max_per_hour": 100000,
                       "channels": [rwtest.exec_channel(self.tmp,
                                                        os.path.join(self.tmp, "a.jsonl"))]}})
        self.ml = rwtest.Multilog(self.logdir, size=size, num=num)
        self.ml.write(["tcpserver: status: 0/100"])
        while not os.path.exists(os.path.join(self.logdir, "current")):
            time.sleep(0.01)
        self.d = rwtest.Daemon(binary, cfg, os.path.join(self.tmp, "daemon.log"),
                               os.path.join(self.tmp, "state"))
        self.d.start()
        self.d.wait_up()
        self.pos = 0

    def source(self):
        st = self.d.status()
        return st, next(s for s in st["sources"] if s["dir"] == self.logdir)

    def feed(self, blob, rate, seconds):
        """Feeds `rate` lines/s (None: as fast as multilog takes them) for `seconds`."""
        chunk = max(1, rate // 100) if rate else 2000
        w0, i, sent = time.monotonic(), 0, 0
        while time.monotonic() - w0 < seconds:
            data = b"".join(blob[(self.pos + j) % len(blob)] for j in range(chunk))
            self.pos += chunk
            self.ml.proc.stdin.write(data)
            self.ml.proc.stdin.flush()
            sent += chunk
            i += 1
            if rate:
                delay = w0 + i * 0.01 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        return sent, time.monotonic() - w0

    def settle(self):
        """Waits until the daemon has read to the end of `current`."""
        self.d.wait_for(lambda s: rwtest.caught_up(self.d, s, self.logdir), "caught up", 900,
                        interval=0.05)
        time.sleep(1.1)  # a gap held back is reported within a second
        return self.source()

    def close(self):
        self.d.stop_quietly()
        if self.ml.proc.poll() is None:
            self.ml.proc.stdin.close()
            self.ml.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def loss(binary, tmp):
    secs = 2 if QUICK else 5
    block = make_lines(200000, 20000, "l")
    blob = [(l + "\n").encode() for l in block]
    line_bytes = 26 + sum(len(b) for b in blob) / len(blob)
    say("== 5. loss vs multilog s and n (chkuser lines of %.0f bytes with the stamp)" % line_bytes)
    configs = [(99999, 10), (1000000, 20), (16777215, 60)]
    for size, num in configs:
        say("  multilog t s%d n%d: keeps %d archives, %.1f MB" % (size, num, num - 1,
                                                                size * (num - 1) / 1e6))
        b = LossBench(binary, tmp, size, num)
        try:
            for rate in (2000, 10000, 30000, 60000, 100000, 200000, None):
                st0, src0 = b.source()
                sent, wall = b.feed(blob, rate, secs)
                st, src = b.settle()
                counted = src["lines"] - src0["lines"]
                lost = sent - counted
                say("    running, target %-7s fed %7.0f lines/s (%.1f MB/s) for %.1fs: lost %7d "
                    "(%5.1f %%), gaps +%d, files pruned unread +%d"
                    % (rate or "max", sent / wall, sent / wall * line_bytes / 1e6, wall, lost,
                       100.0 * lost / sent, st["gaps"] - st0["gaps"],
                       src["files_pruned_unread"] - src0["files_pruned_unread"]))
            for rate, stop in ((200, 30), (2000, 2), (2000, 5), (2000, 30)):
                if QUICK and stop > 5:
                    continue
                st0, src0 = b.source()
                b.d.signal(signal.SIGSTOP)
                try:
                    sent, wall = b.feed(blob, rate, stop)
                finally:
                    b.d.signal(signal.SIGCONT)
                st, src = b.settle()
                counted = src["lines"] - src0["lines"]
                lost = sent - counted
                say("    stopped %2ds at %5d lines/s (%.2f MB): lost %6d (%5.1f %%), gaps +%d, "
                    "files pruned unread +%d"
                    % (stop, rate, sent * line_bytes / 1e6, lost, 100.0 * lost / sent,
                       st["gaps"] - st0["gaps"],
                       src["files_pruned_unread"] - src0["files_pruned_unread"]))
        finally:
            b.close()


def main():
    binary = rwtest.find_binary([a for a in sys.argv if not a.startswith("--")])
    tmp = tempfile.mkdtemp(prefix="rw-daemon-bench-")
    say("live_bench: %s on %d CPUs, load %s" % (binary, os.cpu_count(),
                                                open("/proc/loadavg").read().split()[:3]))
    try:
        if "--loss" in sys.argv:
            loss(binary, tmp)
            return 0
        if not ALERTS_ONLY:
            b = Bench(binary, tmp, "live")
            try:
                latency(b)  # first, while few keys make each status query cheap
                ingest(b)
                status_cost(b)
                idle(b)
            finally:
                b.close()
            memory(binary, tmp)
        alert_wave(binary, tmp)
        if SN:
            sn_at_200k(binary, tmp)
        if rwtest.INVALID_STATUS:
            say("note: %d status answers were not valid JSON (bug B-daemon-1), repaired to read"
                % len(rwtest.INVALID_STATUS))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
