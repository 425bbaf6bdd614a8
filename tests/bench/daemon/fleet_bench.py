#!/usr/bin/python3
"""fleet_bench: what a fleet (config fleet:, nodes sharing per-login counts and one page per
incident through Redis) costs `relaywatch run`, and how soon a page comes when the lines of one
login land on several nodes. A benchmark: prints numbers, asserts only correctness (the counts
the fleet holds, exactly one page per incident; a wrong one is printed as MISMATCH / FLAGGED).

Everything runs against a redis-server of its own: a unix socket, requirepass, no persistence
(--save "" --appendonly no), emptied (FLUSHALL) before each fleet. Each node is a real
`relaywatch run` following its own real multilog, with its own state dir, node name and exec
channel (tests/integration/daemon/rwtest.py's recorder, which logs the time it started).

1. Ingest cost, on 2 nodes (the machine this was written on has 2 CPUs, which the 2 daemons, 2
   multilogs, the feeder and Redis share: a third node would measure the scheduler). Each node's
   `multilog t s1000000 n100` is fed by a thread of this script with report_bench.py's "big" shape
   (its line functions: 20,000 logins, one relaying recipient per connection from a fresh client
   address, ~66 % relaying rcpt, ~12 % accepted and ~5 % rejected rcpt from outside senders, ~14 %
   tcpserver, ~3 % spamdyke; each node its own seed), at 10k and then 100k lines/s per node for
   --seconds (8) each: first without the fleet section (the floor), then, with fresh daemons and
   state, with it (sync_every 100ms, the default). Rules: big_site_rules.yaml's four (volume 1h
   and 24h, sender 24h, remote-ips 1h) with the sender and remote-ips limits raised so nothing
   pages: counting and syncing are measured, not paging. A step ends when every node has read to
   the end of `current` and, with the fleet, its link has gone quiet (Redis ran no more EVALSHA
   than the heartbeats for 0.3 s: every batch the nodes queued is sent; batches that wait are
   merged, so a node that outruns Redis syncs less often and shows a tail here, not "dropped"). Per step and node: lines/s fed, lines
   the daemon counted (status), how long after its last write it reached the end of `current`
   (it keeps up when that is short), its CPU % over the step (all threads, /proc/PID/task/*/
   schedstat, as live_bench.py) and CPU us per line, multilog's CPU %, VmRSS, and the status
   "fleet" counters of `relaywatch status -c CFG --format json` (commands, batches, dropped; the
   step's share). Per step: Redis commands/s (delta of INFO stats total_commands_processed, which
   counts the commands the Lua scripts run as well) and EVALSHA/s (INFO commandstats) over the
   step, Redis commands per line fed, redis-server's CPU %, how long the link took to go quiet
   after the nodes caught up, how busy the machine was (/proc/stat) and how much of that was
   not this bench's processes (a WARNING above 20 %: the wall-time numbers are then shared with
   whatever else ran). Then fleet / no-fleet
   of daemon CPU per line. Last, the check: the top-10 keys of every rule in status' fleet view
   against the counts of what was fed (hourly-volume: the fleet total and each node's part;
   many-ips: distinct client addresses over both nodes).
2. Latency across 3 nodes (fresh daemons, rule volume limit 30 in 1h, sync_every 100ms, the
   exec recorder on every node): --probes (40) fresh logins each, three ways:
   a. 29 lines spread over the three nodes, a 300 ms wait (every node has sent its counts; a
      node learns the others' counts of a Key only in the answer to its own push of it), then the
      crossing line on node i % 3, the write timestamped: write -> the page's recorder started;
   b. 10 lines to each of the three nodes at the same instant (nothing crosses on one node):
      first write -> the page's recorder started.
   c. (the claim race) 30 lines to each of the three nodes at once: every node crosses on its
      own counts and claims; one page is expected all the same. First write -> page.
   p50/p99/max and a 25 ms histogram; the claims won/lost/unavailable of each way (over the 3
   nodes); 2 s after the last probe, the pages of each probe over every node's channel
   (exactly 1 each; a probe with 0 or 2+ is flagged with its pages), which node paged and the
   count it paged with; then each node's claims won/lost/unavailable.

usage: fleet_bench.py RELAYWATCH_BINARY [--quick] [--seconds S] [--probes N]
  --quick: 3 s steps, 10 probes, 100,000 generated lines per node
Needs redis-server and redis-cli (packaging/install-deps.sh --test) and multilog. About 3 minutes.
"""

import collections
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration", "daemon"))
sys.path.insert(0, os.path.join(HERE, ".."))
import rwtest  # noqa: E402
import live_bench  # noqa: E402
import report_bench  # noqa: E402

say = live_bench.say
cpu_ns = live_bench.cpu_ns
pct = live_bench.pct


def arg(name, default):
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


QUICK = "--quick" in sys.argv
SECONDS = arg("--seconds", 3 if QUICK else 8)
PROBES = arg("--probes", 10 if QUICK else 40)
GEN_LINES = 100_000 if QUICK else 400_000
RATES = (10_000, 100_000)
PASSWORD = "fleet-bench-secret"
# big_site_rules.yaml's rules; sender and remote-ips limits raised so the big shape never pages.
INGEST_RULES = [
    {"name": "hourly-volume", "kind": "volume", "window": "1h", "limit": 500},
    {"name": "daily-volume", "kind": "volume", "window": "24h", "limit": 5000},
    {"name": "foreign-sender", "kind": "sender", "window": "24h", "limit": 100000},
    {"name": "many-ips", "kind": "remote-ips", "window": "1h", "limit": 100000},
]
LIMIT = 30
LAT_RULES = [{"name": "volume", "kind": "volume", "window": "1h", "limit": LIMIT}]


# ---------------------------------------------------------------------------------------------
# Redis

class Redis:
    """A redis-server of this bench: unix socket, requirepass, no persistence."""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "redis")
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "redis.sock")
        self.pwfile = os.path.join(self.dir, "password")
        with open(self.pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(self.pwfile, 0o600)
        self.log = open(os.path.join(self.dir, "redis.log"), "w")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--unixsocketperm", "700",
             "--requirepass", PASSWORD, "--save", "", "--appendonly", "no", "--dir", self.dir],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited %d" % self.proc.returncode)
            if os.path.exists(self.sock):
                try:
                    if self.cli("PING").strip() == "PONG":
                        break
                except subprocess.CalledProcessError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not answer within 10 s")
            time.sleep(0.05)

    @property
    def pid(self):
        return self.proc.pid

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-s", self.sock, "-a", PASSWORD, "--no-auth-warning"]
                              + list(args), capture_output=True, text=True, check=True,
                              timeout=20).stdout

    def stats(self):
        """(total_commands_processed, EVALSHA calls)."""
        total, evalsha = 0, 0
        for line in self.cli("INFO", "stats", "commandstats").splitlines():
            if line.startswith("total_commands_processed:"):
                total = int(line.split(":", 1)[1])
            elif line.startswith("cmdstat_evalsha:"):
                evalsha = int(line.split("calls=", 1)[1].split(",", 1)[0])
        return total, evalsha

    def fleet_config(self, node, prefix="fb:"):
        return {"redis": "unix:" + self.sock, "password_file": self.pwfile, "prefix": prefix,
                "node": node, "sync_every": "100ms"}

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# ---------------------------------------------------------------------------------------------
# Nodes

class Node(live_bench.Bench):
    """live_bench's Bench (a daemon on its own multilog t s1000000 n100; caught_up, close) with
    the rules, the fleet section and the node name given."""

    def __init__(self, binary, tmp, name, rules, fleet=None):  # noqa: super().__init__ not called
        self.name = name
        self.tmp = os.path.join(tmp, name)
        os.makedirs(self.tmp)
        self.logdir = os.path.join(self.tmp, "log")
        self.out = os.path.join(self.tmp, "alerts.jsonl")
        self.cfg = os.path.join(self.tmp, "relaywatch.yaml")
        doc = {"hostname": name + ".example", "state_dir": os.path.join(self.tmp, "state"),
               "startup": "tail",
               "sources": {"supervise_dir": "", "logs": [{"service": "submission",
                                                          "dir": self.logdir}]},
               "rules": rules,
               "alerts": {"max_per_hour": 100000,
                          "channels": [rwtest.exec_channel(self.tmp, self.out)]}}
        if fleet is not None:
            doc["fleet"] = fleet
        rwtest.write_config(self.cfg, doc)
        self.ml = rwtest.Multilog(self.logdir, size=1000000, num=100)
        self.ml.write(["tcpserver: status: 0/100"])
        while not os.path.exists(os.path.join(self.logdir, "current")):
            time.sleep(0.01)
        self.d = rwtest.Daemon(binary, self.cfg, os.path.join(self.tmp, "daemon.log"),
                               os.path.join(self.tmp, "state"))

    def start(self):
        self.d.start()

    def lines_counted(self, st=None):
        st = st or self.d.status()
        return next(s["lines"] for s in st["sources"] if s["dir"] == self.logdir)

    def fleet_counts(self):
        """The "fleet" object of `relaywatch status -c CFG --format json`."""
        return self.d.status_cli().get("fleet") or {}


def start_nodes(nodes):
    for n in nodes:
        n.start()
    for n in nodes:
        n.d.wait_up()
        n.d.wait_started()


def wait_fleet_connected(nodes, timeout=30):
    for n in nodes:
        n.d.wait_for(lambda s: (s.get("fleet") or {}).get("connected"), "fleet connected",
                     timeout)


def close_all(nodes):
    for n in nodes:
        try:
            n.close()
        except Exception as e:  # noqa: BLE001 - cleanup goes on
            say("  (closing %s: %s)" % (n.name, e))


# ---------------------------------------------------------------------------------------------
# The feed: report_bench's big shape, one block per node, fed in a circle

class Feed:
    def __init__(self, seed, n):
        rnd = random.Random(seed)
        users = [f"u{i:05d}@dom{i % 10}.example" for i in range(20_000)]
        lines, pid = [], 1000 + seed * 10_000_000
        while len(lines) < n:
            pid += 1
            lines.extend(report_bench.big_connection(rnd, users, pid))
        lines = lines[:n]
        self.n = n
        enc = [(l + "\n").encode() for l in lines]
        self.blob = b"".join(enc)
        self.off = [0]
        for e in enc:
            self.off.append(self.off[-1] + len(e))
        # The independent model's view of each line: (key, client ip) of a relaying rcpt line.
        self.relay = [None] * n
        for i, l in enumerate(lines):
            m = rwtest.CHKUSER_RE.match(l)
            if m and m.group(1) == "relaying rcpt":
                self.relay[i] = (rwtest.normalize_login(m.group(3)),
                                 m.group(5).split(":", 2)[2])
        self.pos = 0          # lines taken so far (absolute)
        self.ranges = []      # (first absolute line, count) of each step fed
        self.kinds = collections.Counter(l.split(":", 1)[0].split("[")[0] for l in lines)

    def take(self, k):
        a = self.pos % self.n
        b = a + k
        self.pos += k
        if b <= self.n:
            return self.blob[self.off[a]:self.off[b]]
        return self.blob[self.off[a]:] + self.blob[:self.off[b - self.n]]

    def volume(self):
        """Counter key -> relaying lines fed so far."""
        c = collections.Counter()
        for first, count in self.ranges:
            full, rest = divmod(count, self.n)
            if full:
                block = collections.Counter(r[0] for r in self.relay if r)
                for k in block:
                    block[k] *= full
                c.update(block)
            a = first % self.n
            for lo, hi in ((a, min(self.n, a + rest)), (0, max(0, a + rest - self.n))):
                c.update(r[0] for r in self.relay[lo:hi] if r)
        return c

    def ips(self, keys):
        """key -> set of client addresses of the relaying lines fed so far, for `keys`."""
        covered = bytearray(self.n)
        for first, count in self.ranges:
            if count >= self.n:
                covered = bytearray(b"\1" * self.n)
                break
            a = first % self.n
            for i in range(a, a + count):
                covered[i % self.n] = 1
        out = collections.defaultdict(set)
        for i, r in enumerate(self.relay):
            if r and covered[i] and r[0] in keys:
                out[r[0]].add(r[1])
        return out


def feeder(node, feed, rate, seconds, res):
    """`rate` lines/s into node's multilog, a write every 10 ms; catches up when late."""
    chunk = rate // 100
    ticks = int(seconds * 100)
    first = feed.pos
    w0 = time.monotonic()
    stdin = node.ml.proc.stdin
    for i in range(ticks):
        stdin.write(feed.take(chunk))
        stdin.flush()
        delay = w0 + (i + 1) * 0.01 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    res.update(w0=w0, w1=time.monotonic(), sent=ticks * chunk)
    feed.ranges.append((first, ticks * chunk))


def machine_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def wait_link_quiet(redis, nodes, timeout=90):
    """Until Redis ran (nearly) no EVALSHA for 0.3 s: every batch the nodes queued is sent (each
    node's heartbeat, once a second, is one). Asks Redis, not the daemons: a status query with
    80,000 keys would cost the daemons CPU of its own. Returns False on the deadline."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        now = redis.stats()[1]
        if last is not None and now - last <= len(nodes):
            return True
        last = now
        time.sleep(0.3)
    return False


def ingest_step(nodes, feeds, redis, rate, fleet):
    lines0 = [n.lines_counted() for n in nodes]
    f0 = [n.fleet_counts() for n in nodes] if fleet else [{} for _ in nodes]
    r0 = redis.stats()
    rc0 = cpu_ns(redis.pid)
    dc0 = [cpu_ns(n.d.pid) for n in nodes]
    mc0 = [cpu_ns(n.ml.proc.pid) for n in nodes]
    b0 = machine_busy()
    s0 = cpu_ns(os.getpid())
    res = [{} for _ in nodes]
    threads = [threading.Thread(target=feeder, args=(n, f, rate, SECONDS, r))
               for n, f, r in zip(nodes, feeds, res)]
    w0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    caught = []
    for n, r in zip(nodes, res):
        n.d.wait_for(lambda s: rwtest.caught_up(n.d, s, n.logdir), "caught up", 600, 0.1)
        caught.append(time.monotonic() - r["w1"])
    w_caught = time.monotonic()
    quiet = wait_link_quiet(redis, nodes) if fleet else True
    w3 = time.monotonic()
    dc3 = [cpu_ns(n.d.pid) for n in nodes]
    mc3 = [cpu_ns(n.ml.proc.pid) for n in nodes]
    rc3 = cpu_ns(redis.pid)
    r3 = redis.stats()
    b3 = machine_busy()
    s3 = cpu_ns(os.getpid())
    wall = w3 - w0
    rows = []
    f3 = [n.fleet_counts() for n in nodes] if fleet else [{} for _ in nodes]
    for i, n in enumerate(nodes):
        counted = n.lines_counted() - lines0[i]
        sent = res[i]["sent"]
        fed_wall = res[i]["w1"] - res[i]["w0"]
        rows.append({
            "node": n.name, "fed": sent / fed_wall, "sent": sent, "counted": counted,
            "caught": caught[i], "cpu": (dc3[i] - dc0[i]) / 1e9 / wall * 100,
            "us_line": (dc3[i] - dc0[i]) / 1e3 / sent,
            "ml_cpu": (mc3[i] - mc0[i]) / 1e9 / wall * 100,
            "rss": live_bench.proc_status(n.d.pid, "VmRSS") / 1024,
            "fleet": {k: f3[i].get(k, 0) - f0[i].get(k, 0) for k in ("commands", "batches",
                                                                     "dropped")},
            "fleet_total": {k: f3[i].get(k, 0) for k in ("commands", "batches", "dropped")},
            "remote_keys": f3[i].get("remote_keys"), "connected": f3[i].get("connected")})
    lines = sum(r["sent"] for r in rows)
    step = {"rate": rate, "rows": rows, "wall": wall, "quiet_after": w3 - w_caught,
            "quiet": quiet, "redis_cmds": (r3[0] - r0[0]) / wall,
            "redis_evalsha": (r3[1] - r0[1]) / wall, "redis_per_line": (r3[0] - r0[0]) / lines,
            "redis_cpu": (rc3 - rc0) / 1e9 / wall * 100,
            "busy": (b3[0] - b0[0]) / max(1, b3[1] - b0[1]) * 100 * os.cpu_count(),
            "self": (s3 - s0) / 1e9 / wall * 100}
    ours = step["redis_cpu"] + step["self"] + sum(r["cpu"] + r["ml_cpu"] for r in rows)
    step["others"] = max(0.0, step["busy"] - ours)  # processes not of this bench
    if step["others"] > 20:
        say("  WARNING: processes outside this bench used %.0f %% of the machine during this step:"
            " what depends on wall time (caught up, link quiet, rates) is not this bench's alone"
            % step["others"])
    return step


def print_step(mode, st, fleet):
    for r in st["rows"]:
        ok = "" if r["counted"] == r["sent"] else "  MISMATCH: counted != written"
        fl = ("  fleet: +%d commands, +%d batches, +%d dropped (total %d/%d/%d)%s"
              % (r["fleet"]["commands"], r["fleet"]["batches"], r["fleet"]["dropped"],
                 r["fleet_total"]["commands"], r["fleet_total"]["batches"],
                 r["fleet_total"]["dropped"], "" if r["connected"] else " NOT CONNECTED")
              if fleet else "")
        say("  %-8s %6dk/s %s: fed %7.0f lines/s, counted %d/%d, caught up %6.3fs after its last "
            "write; daemon CPU %5.1f %% = %5.2f us/line; multilog CPU %5.1f %%; RSS %5.1f MB%s%s"
            % (mode, st["rate"] // 1000, r["node"], r["fed"], r["counted"], r["sent"], r["caught"],
               r["cpu"], r["us_line"], r["ml_cpu"], r["rss"], fl, ok))
    say("  %-8s %6dk/s step: %.2fs wall; Redis %8.0f commands/s (%.2f per line fed), %7.0f "
        "EVALSHA/s, CPU %5.1f %%; link quiet %s; feeder CPU %.0f %%; machine busy %.0f %% "
        "of %d00 %%, %.0f %% of it outside this bench"
        % (mode, st["rate"] // 1000, st["wall"], st["redis_cmds"], st["redis_per_line"],
           st["redis_evalsha"], st["redis_cpu"],
           ("%.2fs after the nodes caught up" % st["quiet_after"]) if st["quiet"]
           else "NOT within %.0fs" % st["quiet_after"], st["self"], st["busy"],
           os.cpu_count(), st["others"]))


def check_view(nodes, feeds):
    """The fleet view's top keys against what was fed."""
    time.sleep(2.5)  # the link reads the view every 2 s
    f = nodes[0].fleet_counts()
    view = f.get("view")
    if not view:
        say("  MISMATCH: no fleet view in status of %s" % nodes[0].name)
        return False
    per_node = {n.name: fd.volume() for n, fd in zip(nodes, feeds)}
    total = collections.Counter()
    for c in per_node.values():
        total.update(c)
    ok = True
    for rv in view["rules"]:
        top = rv["top"]
        if rv["rule"] in ("hourly-volume", "daily-volume"):
            bad = []
            for k in top:
                want = total.get(k["key"], 0)
                parts = {n: per_node[n].get(k["key"], 0) for n in per_node}
                got_parts = {n: k["nodes"].get(n, 0) for n in per_node}
                if k["count"] != want or got_parts != parts:
                    bad.append("%s: fleet %d %s, fed %d %s" % (k["key"], k["count"], got_parts,
                                                             want, parts))
            best = total.most_common(1)[0][1] if total else 0
            top_ok = not top or top[0]["count"] == best
            say("  check %s: top %d keys (highest %s, fed highest %d): %s%s"
                % (rv["rule"], len(top), top[0]["count"] if top else "-", best,
                   "fleet count = fed count, each node's part too" if not bad
                   else "MISMATCH " + "; ".join(bad[:5]),
                   "" if top_ok else "; MISMATCH: the top key is not the most fed"))
            ok = ok and not bad and top_ok
        elif rv["rule"] == "many-ips":
            keys = {k["key"] for k in top}
            ips = collections.defaultdict(set)
            for fd in feeds:
                for k, s in fd.ips(keys).items():
                    ips[k] |= s
            bad = ["%s: fleet %d, fed %d" % (k["key"], k["count"], len(ips[k["key"]]))
                   for k in top if k["count"] != len(ips[k["key"]])]
            say("  check many-ips: top %d keys (highest %s): %s"
                % (len(top), top[0]["count"] if top else "-",
                   "distinct addresses = fed, over both nodes" if not bad
                   else "MISMATCH " + "; ".join(bad[:5])))
            ok = ok and not bad
        else:
            say("  %s: top %d keys (highest %s)" % (rv["rule"], len(top),
                                                   top[0]["count"] if top else "-"))
    return ok


def ingest(binary, tmp, redis):
    say("== 1. ingest cost: 2 nodes (2 CPUs here, shared by 2 daemons, 2 multilogs, the feeder "
        "and Redis), big shape, %d s per step, multilog t s1000000 n100" % SECONDS)
    t0 = time.monotonic()
    feeds = [Feed(seed, GEN_LINES) for seed in (1, 2)]
    k = feeds[0].kinds
    say("  generated %d lines per node in %.1fs: %s" % (
        GEN_LINES, time.monotonic() - t0,
        ", ".join("%s %.1f %%" % (n, 100.0 * c / GEN_LINES) for n, c in k.most_common())))
    results = {}
    for mode in ("no-fleet", "fleet"):
        fleet = mode == "fleet"
        redis.cli("FLUSHALL")
        nodes = [Node(binary, os.path.join(tmp, "ingest-" + mode), "n%d" % (i + 1), INGEST_RULES,
                      redis.fleet_config("n%d" % (i + 1)) if fleet else None) for i in range(2)]
        for fd in feeds:
            fd.ranges = []
        try:
            start_nodes(nodes)
            if fleet:
                wait_fleet_connected(nodes)
            for rate in RATES:
                st = ingest_step(nodes, feeds, redis, rate, fleet)
                results[(mode, rate)] = st
                print_step(mode, st, fleet)
            if fleet:
                check_view(nodes, feeds)
                for n in nodes:
                    bad = [l for l in n.d.log_text().splitlines()
                           if "fleet: " in l and not l.startswith("info:")]
                    if bad:
                        say("  %s logged %d fleet warnings, e.g.: %s" % (n.name, len(bad),
                                                                         " | ".join(bad[:3])))
        finally:
            close_all(nodes)
    say("  fleet / no-fleet, daemon CPU per line (mean of the 2 nodes):")
    for rate in RATES:
        a = [r["us_line"] for r in results[("no-fleet", rate)]["rows"]]
        b = [r["us_line"] for r in results[("fleet", rate)]["rows"]]
        ma, mb = sum(a) / len(a), sum(b) / len(b)
        say("    %6d lines/s per node: %.2f us with the fleet vs %.2f us without = %.2fx (+%.2f us "
            "per line); Redis %.0f commands/s, %.0f %% CPU"
            % (rate, mb, ma, mb / ma, mb - ma, results[("fleet", rate)]["redis_cmds"],
               results[("fleet", rate)]["redis_cpu"]))
    return results


# ---------------------------------------------------------------------------------------------
# 2. latency across nodes

def probe_line(login, k, ip):
    return rwtest.chkuser("relaying rcpt", login, login, ip, "r%d@far.example" % k)


def wait_page(nodes, login, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for n in nodes:
            for r in rwtest.read_records(n.out):
                if r["alert"].get("user") == login:
                    return r
        time.sleep(0.002)
    return None


def latency(binary, tmp, redis):
    say("== 2. line -> page latency across 3 nodes (fleet sync_every 100ms, volume limit %d/1h, "
        "%d probes each way; the exec recorder's python start-up included)" % (LIMIT, PROBES))
    redis.cli("FLUSHALL")
    nodes = [Node(binary, os.path.join(tmp, "latency"), "n%d" % (i + 1), LAT_RULES,
                  redis.fleet_config("n%d" % (i + 1), prefix="lat:")) for i in range(3)]
    try:
        start_nodes(nodes)
        wait_fleet_connected(nodes)
        time.sleep(0.5)
        probes = []  # (variant, login, write time, crossing node or None)

        def claims():
            out = collections.Counter()
            for n in nodes:
                out.update((n.fleet_counts().get("claims") or {}))
            return out
        claims_at = [claims()]
        for i in range(PROBES):
            login = "w%03d@probe.example" % i
            for j, n in enumerate(nodes):
                n.ml.write([probe_line(login, k, "192.0.2.%d" % (j + 1))
                            for k in range(LIMIT - 1) if k % 3 == j])
            time.sleep(0.3)
            n = nodes[i % 3]
            t = time.time()
            n.ml.write([probe_line(login, LIMIT, "192.0.2.%d" % (i % 3 + 1))])
            probes.append(("a", login, t, n.name))
            wait_page(nodes, login)
            time.sleep(0.05)
        time.sleep(0.3)
        claims_at.append(claims())

        def all_at_once(variant, prefix, net, shared):
            """Every node gets its lines of each probe at once: a third of the LIMIT lines each
            (shared), or all LIMIT lines each (every node crosses alone)."""
            for i in range(PROBES):
                login = "%s%03d@probe.example" % (prefix, i)
                batch = [[probe_line(login, k, "%s.%d" % (net, j + 1)) for k in range(LIMIT)
                          if not shared or k % 3 == j] for j in range(3)]
                t = time.time()
                for n, b in zip(nodes, batch):
                    n.ml.write(b)
                probes.append((variant, login, t, None))
                wait_page(nodes, login)
                time.sleep(0.1)

        all_at_once("b", "s", "198.51.100", shared=True)
        time.sleep(0.3)
        claims_at.append(claims())
        all_at_once("c", "c", "203.0.113", shared=False)
        time.sleep(2)
        claims_at.append(claims())
        pages = collections.defaultdict(list)
        for n in nodes:
            for r in rwtest.read_records(n.out):
                pages[r["alert"]["user"]].append(dict(r, node=n.name))
        for v, (variant, what) in enumerate((("a", "29 lines over 3 nodes, 300 ms, crossing line on node i%3: "
                                    "crossing write -> page"),
                              ("b", "10 lines on each node at once: first write -> page"),
                              ("c", "%d lines on each node at once (every node crosses on its "
                                    "own and claims): first write -> page" % LIMIT))):
            ps = [p for p in probes if p[0] == variant]
            lat, hist, flagged, by, counts, own = [], collections.Counter(), [], \
                collections.Counter(), collections.Counter(), 0
            for _, login, t, crossing in ps:
                got = sorted(pages.get(login, []), key=lambda r: r["at"])
                hist[len(got)] += 1
                if len(got) != 1:
                    flagged.append("%s: %d pages %s" % (login, len(got), [
                        (r["node"], r["alert"]["count"], r["alert"]["id"],
                         "%.0f ms" % ((r["at"] - t) * 1000)) for r in got]))
                if got:
                    lat.append((got[0]["at"] - t) * 1000)
                    by[got[0]["node"]] += 1
                    counts[got[0]["alert"]["count"]] += 1
                    own += crossing == got[0]["node"]
            say("  %s. %s" % (variant, what))
            if lat:
                say("     p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d); by 25 ms: %s"
                    % (pct(lat, 50), pct(lat, 99), max(lat), len(lat), " ".join(
                        "<%d:%d" % (25 * (b + 1), c) for b, c in
                        sorted(collections.Counter(int(x // 25) for x in lat).items()))))
            say("     pages per probe: %s; paged by %s; with count %s%s"
                % (", ".join("%d page%s: %d probes" % (k, "" if k == 1 else "s", v)
                             for k, v in sorted(hist.items())),
                   dict(sorted(by.items())), dict(sorted(counts.items())),
                   "; by the node of the crossing line %d of %d" % (own, len(ps))
                   if variant == "a" else ""))
            dc = claims_at[v + 1] - claims_at[v]
            say("     claims over the 3 nodes: won %d, lost %d, unavailable %d (%d probes)"
                % (dc["won"], dc["lost"], dc["unavailable"], len(ps)))
            for f in flagged:
                say("     FLAGGED " + f)
        for n in nodes:
            f = n.fleet_counts()
            c = f.get("claims", {})
            say("  %s: claims won %d, lost %d, unavailable %d; commands %d, batches %d, dropped %d"
                % (n.name, c.get("won", 0), c.get("lost", 0), c.get("unavailable", 0),
                   f.get("commands", 0), f.get("batches", 0), f.get("dropped", 0)))
    finally:
        close_all(nodes)


def main():
    binary = rwtest.find_binary([sys.argv[0]] + sys.argv[1:2])
    for tool in ("redis-server", "redis-cli", "multilog"):
        if shutil.which(tool) is None:
            say("fleet_bench: %s not found (packaging/install-deps.sh --test)" % tool)
            return 2
    tmp = tempfile.mkdtemp(prefix="rw-fleet-bench-")
    ver = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    say("fleet_bench: %s on %d CPUs, load %s; %s" % (
        binary, os.cpu_count(), open("/proc/loadavg").read().split()[:3],
        ver.split(" sha=")[0].strip()))
    redis = None
    t0 = time.monotonic()
    try:
        redis = Redis(tmp)
        ingest(binary, tmp, redis)
        latency(binary, tmp, redis)
        if rwtest.INVALID_STATUS:
            say("note: %d status answers were not valid JSON, repaired to read"
                % len(rwtest.INVALID_STATUS))
    finally:
        if redis is not None:
            redis.close()
        shutil.rmtree(tmp, ignore_errors=True)
    say("fleet_bench: %.0f s" % (time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
