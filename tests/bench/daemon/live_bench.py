#!/usr/bin/python3
"""live_bench: `relaywatch run` on a live multilog. A benchmark: prints numbers, asserts little.

Two shapes of population (--shape, the default friendly); every step's header names the shape its
numbers are from ([friendly shape] or [big shape]); with --shape big a summary at the end repeats
them.
  friendly  the lines this bench always fed (make_lines): chkuser relaying rcpt only, 20,000
            logins in turn, one relaying recipient per line; the rules below (RULES).
  big       report_bench.py's "big" shape of day, through its own line function (big_connection):
            one relaying recipient per connection from a fresh client address (random IPv4, 5 %
            IPv6), ~66 % relaying rcpt, ~12 % accepted and ~5 % rejected rcpt from outside
            senders, ~14 % tcpserver, ~3 % spamdyke; 3 % of the logins in upper case, 2 % of the
            senders forged; no line fed twice. Rules: tests/bench/big_site_rules.yaml's (volume 1h
            500 and 24h 5000, sender 24h, remote-ips 1h), read from that file, with the sender and
            remote-ips limits raised to 100,000 so the shape's background never pages (as
            fleet_bench.py does: its 2 % forged senders would page foreign-sender thousands of
            times, and a day's lines squeezed into minutes put more than 20 client addresses per
            login in one hour): counting and holding are measured, not paging; hourly-volume gets
            the probes' override of 1. Steps 1-4 run on it (in about 2.5 minutes); the alert
            wave (5), --sn (6) and --loss (7) stay on the friendly shape: 5 is skipped with
            --shape big, and --alerts-only, --sn or --loss with it is a usage error.

1. Latency, fresh line -> finding (first, while few keys keep each status query cheap): one line
   at a time that crosses a limit (a fresh login of @probe.example, whose override is 1); the
   write is timestamped; the size of `current` (multilog's share) and status.sock are polled until
   "findings" grows (p50/p99 over N samples), and the exec channel's recorder timestamps its start
   (write -> channel invoked, p50/p99). With --shape big the probes are the same, but the daemon
   first reads 200,000 big-shape lines (20,000 logins, ~170,000 client addresses; step "0.") and
   holds their keys and windows while it is probed; the cost of one status query with those keys
   is printed before the probes: each probe polls status, and with ~62,000 keys a query takes
   tens of ms, so both the "findings grew" and the "multilog wrote it" numbers (checked between
   queries) carry that granularity. So the same number of probes runs again with no status
   query: the exec recorder's file and `current` polled by size (write -> multilog wrote it,
   write -> channel started), the probes during which state/checkpoint was replaced counted apart
   (an alert is spooled by the thread that writes the checkpoint), and the slowest five.
2. Sustained ingest: a feeder writes chkuser lines (20,000 logins, the example config's rules) into
   `multilog t s1000000 n100` at fixed rates for a few seconds each, then as fast as it can; for
   each step: the rate achieved, how long the daemon needed after the last write to reach the end
   of `current` (it keeps up when that is short), and its CPU % over the step (/proc/PID/task/*/
   schedstat, all threads). Then the cost of one status query with those keys. With --shape big
   the lines fed are big-shape lines (20,000 logins, fresh addresses, big_site_rules), after the
   200,000 of step 1, and the lines the daemon counted are checked against the lines written.
3. Idle CPU over 60 s (no status queries meanwhile); target < 0.1 %. Also its CPU per 10 s, per
   thread name, and the checkpoints written in the window (one status query after it). The window
   starts once the checkpoint that follows the last lines of step 2 is written (their tail). With
   --shape big, the daemon holds the big-shape population of steps 1-2 (about 1.1M lines, 20,000
   logins, ~72,000 keys over 4 rules).
4. Memory with 100,000 logins active in a 24h window: a fresh daemon, 100,000 distinct logins once
   each; VmRSS, VmHWM, status keys, checkpoint size. With --shape big: 100,000 distinct logins,
   each with --mem-conns (5) relaying connections, each from a fresh client address, in rounds
   (every login once per round), among the shape's other lines (accepted/rejected rcpt, tcpserver,
   spamdyke: about 755,000 lines), on big_site_rules: each login holds two volume windows, a
   sender window and a remote-ips window of 5 addresses; VmRSS and VmHWM against the 100 MiB
   target, keys per rule and evictions (max_keys is 100,000 per rule).
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

usage: live_bench.py RELAYWATCH_BINARY [--shape friendly|big] [--quick] [--alerts-only] [--sn]
                     [--loss] [--mem-conns K]
  --shape big: steps 1-4 on report_bench.py's big shape and big_site_rules.yaml (see above)
  --quick: shorter steps, 10 s idle, 20k logins in 4 (either shape), a 5 s wave of 750 alerts
  --alerts-only: only 5 (and 6 with --sn)
  --loss: only 7
  --mem-conns K: (--shape big) relaying connections per login in 4 (default 5)
"""

import os
import random
import re
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
sys.path.insert(0, os.path.join(HERE, ".."))
import burst  # noqa: E402
import report_bench  # noqa: E402
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
SHAPE = "friendly"  # set by main from --shape
BIG_RULES_FILE = os.path.join(HERE, "..", "big_site_rules.yaml")
BIG_QUIET_LIMIT = 100000  # the sender and remote-ips limits of the big shape: nothing pages
BIG_PRELOAD = 200000      # big-shape lines the daemon holds before the probes of step 1
MAX_KEYS = 100000         # rules[].max_keys' default


def shape_tag():
    return "[%s shape]" % SHAPE


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


def cpu_by_thread(pid):
    """{thread name: CPU ns} of `pid`'s threads (names summed)."""
    out = {}
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                name = f.read().strip()
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                out[name] = out.get(name, 0) + int(f.read().split()[0])
        except OSError:
            pass
    return out


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


def big_site_rules():
    """tests/bench/big_site_rules.yaml's rules (its `- {name: .., kind: .., ..}` lines, read with
    no YAML library) as config rules: the sender and remote-ips limits raised to BIG_QUIET_LIMIT
    (nothing pages), the 1h volume rule with the probes' override. Returns (rules, the file's)."""
    found, in_rules = [], False
    with open(BIG_RULES_FILE) as f:
        for raw in f:
            line = raw.split("#", 1)[0].rstrip()
            if not line:
                continue
            if not line[0].isspace():
                in_rules = line.startswith("rules:")
                continue
            m = re.match(r"\s*-\s*\{(.*)\}$", line)
            if in_rules and m:
                r = {}
                for kv in m.group(1).split(","):
                    k, v = (x.strip() for x in kv.split(":", 1))
                    r[k] = int(v) if v.isdigit() else v
                found.append(r)
    kinds = sorted((r["kind"], r["window"]) for r in found)
    if kinds != [("remote-ips", "1h"), ("sender", "24h"), ("volume", "1h"), ("volume", "24h")]:
        raise SystemExit("%s: expected volume 1h and 24h, sender 24h, remote-ips 1h; read %s"
                         % (BIG_RULES_FILE, kinds))
    rules = []
    for r in found:
        r = dict(r)
        if r["kind"] in ("sender", "remote-ips"):
            r["limit"] = BIG_QUIET_LIMIT
        if r["kind"] == "volume" and r["window"] == "1h":
            r["overrides"] = {"@probe.example": 1}
        rules.append(r)
    return rules, found


def big_lines(n, seed, pid=1000):
    """n lines of report_bench.py's big shape (its big_connection and its 20,000 logins)."""
    rnd = random.Random(seed)
    users = ["u%05d@dom%d.example" % (i, i % 10) for i in range(20000)]
    out = []
    while len(out) < n:
        pid += 1
        out.extend(report_bench.big_connection(rnd, users, pid))
    return out[:n]


def big_lines_per_login(n_logins, conns, seed):
    """report_bench.py's big shape, where `conns` rounds each give every one of n_logins distinct
    logins exactly one relaying connection (from a fresh client address, as every connection of
    the shape): big_connection is asked with that one login as its users until it draws a
    relaying line; what it draws on the way (accepted/rejected rcpt, spamdyke, tcpserver) is fed
    too. Returns (lines, relaying lines)."""
    rnd = random.Random(seed)
    logins = ["user%06d@dom%d.example" % (i, i % 50) for i in range(n_logins)]
    out, pid, relay = [], 5000000, 0
    for _ in range(conns):
        for login in logins:
            users = [login]
            while True:
                pid += 1
                lines = report_bench.big_connection(rnd, users, pid)
                out.extend(lines)
                if any(l.startswith("CHKUSER relaying rcpt") for l in lines):
                    relay += 1
                    break
    return out, relay


def rule_keys(st):
    """'name keys/evicted, ...' of status' rules."""
    return ", ".join("%s %d%s" % (r["name"], r.get("keys", 0),
                                  " (evicted %d)" % r["evicted"] if r.get("evicted") else "")
                     for r in st.get("rules", []))


class Bench:
    def __init__(self, binary, tmp, name, rules=None):
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
            "rules": RULES if rules is None else rules,
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


INGEST_RATES = (2000, 10000, 30000, 60000, None)


def ingest_seconds():
    return 2 if QUICK else 5


def ingest_max_lines():
    return 100000 if QUICK else 400000


def ingest_total():
    """Lines step 2 feeds over all its rates."""
    return sum(r * ingest_seconds() for r in INGEST_RATES if r) + ingest_max_lines()


def ingest(b, block=None):
    """block: the lines to feed, in a circle (the big shape gives ingest_total() of them: none
    fed twice); None: make_lines' 200,000 of the friendly shape."""
    if block is None:
        say("== 2. %s sustained ingest (multilog t s1000000 n100, 20,000 logins, example rules)"
            % shape_tag())
        block = make_lines(200000, 20000, "r")
    else:
        say("== 2. %s sustained ingest (multilog t s1000000 n100, report_bench's big shape: 20,000 "
            "logins, a fresh client address per connection, no line fed twice; big_site_rules)"
            % shape_tag())
    seconds = ingest_seconds()
    blob = [(l + "\n").encode() for l in block]
    pos = 0
    results = []
    lines0 = b.d.status()["lines"]["total"]
    for rate in INGEST_RATES:
        n_total = (rate or 0) * seconds if rate else ingest_max_lines()
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
    if SHAPE == "big":
        say("  lines written in this step %d, counted %d; gaps %d; keys per rule: %s"
            % (pos, st["lines"]["total"] - lines0, st["gaps"], rule_keys(st)))
    b.last_read = time.time()  # every line is read: a later checkpoint holds them all
    return results


def latency(b):
    n = 50 if QUICK else 250
    say("== 1. %s latency, fresh line -> finding (%d samples, one line at a time)"
        % (shape_tag(), n))
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
    if SHAPE == "big":
        slow = sorted(range(n), key=lambda i: -ms[i])[:5]
        say("  slowest probes (write -> findings grew): %s"
            % ", ".join("#%d %.2f ms (in file %.2f ms)" % (i, ms[i], fms[i]) for i in slow))
        quiet_probes(b, n)
    return pct(ms, 50), pct(ms, 99), pct(ems, 50), pct(ems, 99)


def quiet_probes(b, n):
    """The same probes with no status query: each waits for its alert in the exec recorder's file
    (polled by size, as `current` is), so the daemon's io thread computes no top keys meanwhile.
    A probe during which the checkpoint file was replaced (a new inode) is counted apart."""
    time.sleep(0.5)
    base = len(rwtest.read_records(b.out))
    cur = os.path.join(b.logdir, "current")
    ckp = os.path.join(b.tmp, "state", "checkpoint")

    def ck_ino():
        try:
            return os.stat(ckp).st_ino
        except OSError:
            return None
    writes, in_file, with_ck, size = [], [], set(), os.path.getsize(b.out)
    for i in range(n):
        line = rwtest.chkuser("relaying rcpt", "q%d@probe.example" % i, "q%d@probe.example" % i,
                              "10.1.1.1", "y%d@gmail.example" % i)
        ino0, size0 = ck_ino(), os.stat(cur).st_size
        t_wall, t0 = time.time(), time.monotonic()
        b.ml.proc.stdin.write((line + "\n").encode())
        b.ml.proc.stdin.flush()
        writes.append(t_wall)
        seen = None
        deadline = t0 + 10
        while os.path.getsize(b.out) == size and time.monotonic() < deadline:
            if seen is None and os.stat(cur).st_size > size0:
                seen = time.monotonic() - t0
            time.sleep(0.0002)
        in_file.append((seen if seen is not None else time.monotonic() - t0) * 1000)
        if ck_ino() != ino0:
            with_ck.add(i)
        time.sleep(0.02)
        size = os.path.getsize(b.out)
    recs = rwtest.read_records(b.out)[base:]
    at = {r["alert"]["user"]: r["at"] for r in recs}
    got = [i for i in range(n) if "q%d@probe.example" % i in at]
    ems = {i: (at["q%d@probe.example" % i] - writes[i]) * 1000 for i in got}
    e = list(ems.values())
    say("  the same %d probes with no status polling (exec recorder's file and `current` polled "
        "by size): write -> multilog wrote it p50 %.2f ms, p99 %.2f ms; write -> exec channel "
        "started p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)"
        % (n, pct(in_file, 50), pct(in_file, 99), pct(e, 50), pct(e, 99), max(e), len(e)))
    ck = [ems[i] for i in got if i in with_ck]
    rest = [ems[i] for i in got if i not in with_ck]
    if ck:
        say("    %d of them saw a checkpoint written (a new state/checkpoint, %.1f MB): exec started "
            "p50 %.1f ms, max %.1f ms; the other %d: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
            % (len(ck), os.path.getsize(ckp) / 1e6, pct(ck, 50), max(ck), len(rest),
               pct(rest, 50), pct(rest, 99), max(rest)))
    slow = sorted(got, key=lambda i: -ems[i])[:5]
    say("    slowest: %s" % ", ".join("#%d %.1f ms%s" % (i, ems[i], " (checkpoint)"
                                                       if i in with_ck else "") for i in slow))


def status_cost(b):
    ts = []
    for _ in range(20):
        t0 = time.monotonic()
        st = b.d.status()
        ts.append((time.monotonic() - t0) * 1000)
    say("  one status query with %d keys: p50 %.1f ms, max %.1f ms (the io thread computes the "
        "top keys)" % (st["keys"], pct(ts, 50), max(ts)))
    return pct(ts, 50)


def idle(b):
    secs = 10 if QUICK else 60
    say("== 3. %s idle CPU over %d s (multilog open, nothing written, no status queries)"
        % (shape_tag(), secs))
    ca, wa = cpu_ns(b.d.pid), time.monotonic()
    st = b.d.wait_for(lambda s: rwtest.outbox_idle(s), "outbox idle", 120)
    # The checkpoint that follows the last lines is their tail, not idling: it comes up to 10x the
    # previous one's cost after them (with the big shape's keys, seconds), so wait for it (the
    # file replaced after ingest's last line was read) before the window.
    ckp = os.path.join(b.tmp, "state", "checkpoint")
    deadline = time.monotonic() + 30
    while (hasattr(b, "last_read") and time.monotonic() < deadline
           and (not os.path.exists(ckp) or os.stat(ckp).st_mtime < b.last_read)):
        time.sleep(0.05)
    st = b.d.status() or st  # the last query before the window
    time.sleep(1)
    c0, w0, th0 = cpu_ns(b.d.pid), time.monotonic(), cpu_by_thread(b.d.pid)
    say("  before the window: %.1f s for the outbox to be idle and the checkpoint after the last "
        "lines to be written (%.1f s after they were read), %.1f ms of daemon CPU meanwhile "
        "(its status queries included)"
        % (w0 - wa, os.stat(ckp).st_mtime - b.last_read if hasattr(b, "last_read")
           and os.path.exists(ckp) else 0,
           (c0 - ca) / 1e6))
    slices, c = [], c0
    for k in range(secs // 10):  # reading /proc costs the daemon nothing
        time.sleep(w0 + (k + 1) * 10 - time.monotonic())
        c, prev = cpu_ns(b.d.pid), c
        slices.append((c - prev) / 1e6)
    time.sleep(max(0, w0 + secs - time.monotonic()))
    c1, w1, th1 = cpu_ns(b.d.pid), time.monotonic(), cpu_by_thread(b.d.pid)
    p = (c1 - c0) / 1e9 / (w1 - w0) * 100
    say("  daemon CPU while idle: %.4f %% (%.1f ms in %.0f s; target < 0.1 %%) holding %d keys, "
        "%d lines read; VmRSS %.1f MiB"
        % (p, (c1 - c0) / 1e6, w1 - w0, st["keys"], st["lines"]["total"],
           proc_status(b.d.pid, "VmRSS") / 1024))
    st1 = b.d.status() or st  # after the window
    say("  per 10 s: %s ms; by thread: %s; checkpoints written in the window: %d"
        % (" ".join("%.1f" % x for x in slices),
           ", ".join("%s %.1f ms" % (n, (th1[n] - th0.get(n, 0)) / 1e6)
                     for n in sorted(th1, key=lambda n: th0.get(n, 0) - th1[n])),
           st1["checkpoints"] - st["checkpoints"]))
    return p


def feed_then_measure(b, lines, settle_every=None):
    """Feeds `lines` to b's multilog in blocks of 5,000 (waiting for the daemon every
    `settle_every` lines), then one more line and a checkpoint that certainly holds every key;
    returns (status, end of feed, start of feed, VmRSS kB, VmHWM kB, checkpoint bytes)."""
    t0 = time.monotonic()
    for k in range(0, len(lines), 5000):
        b.ml.write(lines[k:k + 5000])
        if settle_every and (k + 5000) % settle_every == 0:
            b.caught_up()
    st = b.caught_up()
    t1 = time.monotonic()
    ck0 = st["checkpoints"]
    b.ml.write(["tcpserver: status: 1/100"])
    st = b.d.wait_for(lambda s: s["checkpoints"] > ck0, "a checkpoint after the feed", 60)
    rss, hwm = proc_status(b.d.pid, "VmRSS"), proc_status(b.d.pid, "VmHWM")
    ck = os.path.getsize(os.path.join(b.tmp, "state", "checkpoint"))
    return st, t1, t0, rss, hwm, ck


def memory(binary, tmp):
    n = 20000 if QUICK else 100000
    say("== 4. %s memory with %d logins active in a 24h window (fresh daemon)" % (shape_tag(), n))
    b = Bench(binary, tmp, "mem")
    try:
        rss0 = proc_status(b.d.pid, "VmRSS")
        lines = [rwtest.chkuser("relaying rcpt", "user%06d@dom%d.example" % (i, i % 50),
                                "user%06d@dom%d.example" % (i, i % 50), "10.%d.%d.%d"
                                % (i >> 16 & 255, i >> 8 & 255, i & 255), "r%d@gmail.example" % i)
                 for i in range(n)]
        st, t1, t0, rss, hwm, ck = feed_then_measure(b, lines)
        say("  fed and read in %.2fs; status keys %d (logins x 2 volume rules); VmRSS %.1f MB "
            "(%.1f MB before), VmHWM %.1f MB; checkpoint %.1f MB"
            % (t1 - t0, st["keys"], rss / 1024, rss0 / 1024, hwm / 1024, ck / 1e6))
        return rss, hwm, st["keys"], ck
    finally:
        b.close()


MIB_TARGET_KB = 100 * 1024  # 100 MiB


def target(kb):
    return "%.1f MiB: %s" % (kb / 1024, "under 100 MiB" if kb < MIB_TARGET_KB else
                             "OVER the 100 MiB target")


def memory_big(binary, tmp, rules, conns):
    n = 20000 if QUICK else 100000
    t0 = time.monotonic()
    lines, relay = big_lines_per_login(n, conns, seed=11)
    say("== 4. %s memory with %d logins active in a 24h window (fresh daemon; each login %d "
        "relaying connections from %d fresh client addresses; %d lines, %d relaying, generated in "
        "%.1fs)" % (shape_tag(), n, conns, conns, len(lines), relay, time.monotonic() - t0))
    b = Bench(binary, tmp, "mem", rules)
    try:
        rss0 = proc_status(b.d.pid, "VmRSS")
        lines0 = b.d.status()["lines"]["total"]
        # multilog keeps 100 files of 1 MB (~6,600 lines each): the daemon reads along.
        st, t1, t0, rss, hwm, ck = feed_then_measure(b, lines, settle_every=100000)
        counted = st["lines"]["total"] - lines0 - 1
        say("  fed and read in %.2fs (%d lines, the daemon counted %d; gaps %d); status keys %d, "
            "keys_evicted %d; per rule (max_keys %d each): %s"
            % (t1 - t0, len(lines), counted, st["gaps"], st["keys"],
               st.get("keys_evicted", 0), MAX_KEYS, rule_keys(st)))
        say("  VmRSS %s (%.1f MiB before the feed); VmHWM %s; checkpoint %.1f MB; findings %d"
            % (target(rss), rss0 / 1024, target(hwm), ck / 1e6, st["findings"]))
        return rss, hwm, st["keys"], ck
    finally:
        b.close()


def preload_big(b, lines):
    """Step 1's population on the big shape: `lines` read and held before the probes."""
    say("== 0. %s the population the probes run against: %d big-shape lines" % (shape_tag(),
                                                                                len(lines)))
    rss0 = proc_status(b.d.pid, "VmRSS")
    t0 = time.monotonic()
    for k in range(0, len(lines), 5000):
        b.ml.write(lines[k:k + 5000])
    st = b.caught_up()
    t1 = time.monotonic()
    st = b.d.wait_for(lambda s: rwtest.outbox_idle(s), "outbox idle", 120)
    say("  fed and read in %.2fs; status lines %d, findings %d, alerts %d, keys %d (%s); "
        "VmRSS %.1f MiB (%.1f before)"
        % (t1 - t0, st["lines"]["total"], st["findings"], st["alerts"], st["keys"], rule_keys(st),
           proc_status(b.d.pid, "VmRSS") / 1024, rss0 / 1024))
    time.sleep(0.5)
    status_cost(b)


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
    say("== 5. [friendly shape] alert wave: %d alerts in %d s, multilog t s99999 n10 (the default), a sendmail-style "
        "script channel" % (n, secs))
    out = []
    for rate in (10000, 30000):
        r = burst.run(binary, tmp, rate, secs, n, name="wave%d" % rate, delivery_timeout=60)
        wave_line_report(r)
        out.append(r)
    return out


def sn_at_200k(binary, tmp):
    secs = 5 if QUICK else 10
    say("== 6. [friendly shape] 200k lines/s for %d s: which multilog s x n keeps every line" % secs)
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
    say("== 7. [friendly shape] loss vs multilog s and n (chkuser lines of %.0f bytes with the stamp)" % line_bytes)
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


def run_big(binary, tmp, mem_conns, t_start):
    """Steps 1-4 on the big shape (--shape big), then a summary."""
    rules, found = big_site_rules()
    say("rules: %s's %s; the sender and remote-ips limits raised to %d (the file's: %s) "
        "so nothing of the shape pages; hourly-volume overrides @probe.example: 1"
        % (os.path.relpath(BIG_RULES_FILE, os.path.join(HERE, "..", "..", "..")),
           ", ".join("%s %s %s %d" % (r["name"], r["kind"], r["window"], r["limit"])
                     for r in found),
           BIG_QUIET_LIMIT,
           ", ".join("%s %d" % (r["name"], r["limit"]) for r in found
                     if r["kind"] in ("sender", "remote-ips"))))
    t0 = time.monotonic()
    pool = big_lines(BIG_PRELOAD + ingest_total(), seed=7)
    say("generated %d big-shape lines for steps 1-2 in %.1fs (report_bench.big_connection)"
        % (len(pool), time.monotonic() - t0))
    summary = {}
    b = Bench(binary, tmp, "live", rules)
    try:
        preload_big(b, pool[:BIG_PRELOAD])
        summary["latency"] = latency(b)
        summary["ingest"] = ingest(b, pool[BIG_PRELOAD:])
        summary["status"] = status_cost(b)
        summary["idle"] = idle(b)
    finally:
        b.close()
    del pool
    summary["memory"] = memory_big(binary, tmp, rules, mem_conns)
    lat, ing, mem = summary["latency"], summary["ingest"], summary["memory"]
    flat = ing[-1]
    say("== summary [big shape] (%.0fs; load now %s)" % (
        time.monotonic() - t_start, open("/proc/loadavg").read().split()[:3]))
    say("  latency write -> finding p50 %.2f ms, p99 %.2f ms (target p99 < 100 ms); "
        "write -> exec channel p50 %.1f ms, p99 %.1f ms" % lat)
    say("  ingest flat out %.0f lines/s end to end at %.1f %% CPU; caught up %.3fs after "
        "the last write; 60k lines/s at %.1f %% CPU"
        % (flat[3], flat[4], flat[2], ing[-2][4]))
    say("  idle CPU %.4f %% (target < 0.1 %%); status query p50 %.1f ms"
        % (summary["idle"], summary["status"]))
    say("  memory: %d keys, VmRSS %s, VmHWM %s, checkpoint %.1f MB"
        % (mem[2], target(mem[0]), target(mem[1]), mem[3] / 1e6))


def parse_args(argv):
    """(binary args as find_binary takes them, shape, mem_conns); exits with the usage on a bad one."""
    shape, conns, rest, i = "friendly", 5, [argv[0]], 1
    while i < len(argv):
        a = argv[i]
        if a in ("--shape", "--mem-conns") and i + 1 < len(argv):
            v, i = argv[i + 1], i + 2
        elif a.startswith("--shape=") or a.startswith("--mem-conns="):
            a, v = a.split("=", 1)
            i += 1
        else:
            if not a.startswith("--"):
                rest.append(a)
            i += 1
            continue
        if a == "--shape":
            shape = v
        elif v.isdigit() and int(v) > 0:
            conns = int(v)
        else:
            shape = None
    if shape not in ("friendly", "big"):
        sys.exit("usage: live_bench.py RELAYWATCH_BINARY [--shape friendly|big] [--quick] "
                 "[--alerts-only] [--sn] [--loss] [--mem-conns K]")
    if shape == "big" and (ALERTS_ONLY or SN or "--loss" in argv):
        sys.exit("live_bench.py: --alerts-only, --sn and --loss run on the friendly shape only")
    return rest, shape, conns


def main():
    global SHAPE
    args, SHAPE, mem_conns = parse_args(sys.argv)
    binary = rwtest.find_binary(args)
    tmp = tempfile.mkdtemp(prefix="rw-daemon-bench-")
    t_start = time.monotonic()
    say("live_bench: %s on %d CPUs, load %s; shape %s%s" % (
        binary, os.cpu_count(), open("/proc/loadavg").read().split()[:3], SHAPE,
        " (quick)" if QUICK else ""))
    try:
        if "--loss" in sys.argv:
            loss(binary, tmp)
            return 0
        if SHAPE == "big":
            run_big(binary, tmp, mem_conns, t_start)
        elif not ALERTS_ONLY:
            b = Bench(binary, tmp, "live")
            try:
                latency(b)  # first, while few keys make each status query cheap
                ingest(b)
                status_cost(b)
                idle(b)
            finally:
                b.close()
            memory(binary, tmp)
        if SHAPE != "big":
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
