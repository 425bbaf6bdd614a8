#!/usr/bin/python3
"""The fleet: three `relaywatch run` nodes, each following its own real multilog dir, sharing
counts and one page per incident through one redis-server the test starts (requirepass, no
persistence, a unix socket in the temp dir and a free 127.0.0.1 port). The nodes log in as the
ACL user README "Several mail servers" recommends (keys ~relaywatch:* only, read, write,
scripting, ping, time): what they do needs nothing more.

Each scenario has its own three nodes (n1, n2, n3), its own key prefix and one exec channel per
node writing to that node's own file; pages are counted in those files, fleet counts are read from
Redis with `relaywatch report --fleet --format json` (per login the fleet count and each node's
part), and the final ones also in every node's status (fleet.view), read after the report.

1. volume, limit 500/1h: a login sends 150 + 150 + 199 relayed recipients through n1, n2, n3,
   then one more on n3 (the line that makes 500), then 50 more on n1 and on n2. Exactly one page
   fleet-wide, from n3, for exactly that line (its 'last' is that line's multilog stamp), recorded
   within 1 s of the line being written; n1 and n2, which see 550 and 600 later, say "not paged:
   paged by fleet node n3" (or never admit an alert); the fleet count is 600, 200 per node.
2. (over TCP) `check` says Redis answers, and exits 1 on a password Redis refuses. Then sender,
   same-domain, limit 1: a login sends as ceo@bank.example on all three nodes within a second: each node crosses on its own line and claims; one claim is won, two
   are lost, exactly one page; the fleet count is 3, 1 per node.
3. redis-server stopped for 30 s while lines keep coming to all three nodes (before, during and
   after the outage). Every node's status says connected false during the outage and true after,
   and its log says it counts and pages on its own. dave crosses 500 during the outage on n1's own
   lines: n1 pages it at once. erin's lines are 300 before, 300 during (no node alone reaches 500)
   and 150 after: the fleet total crosses once Redis is back, and she is paged then. Redis comes
   back empty (no persistence): the nodes resend their windows, and the fleet counts equal the
   lines written, per node and in total (each line once). One page per login.
4. n2 killed -9 twice (started again on the same state dir each time; its multilog keeps getting
   lines while it is down): first with lines read but maybe not yet synced, then right after it
   delivered its page (the fleet's count crossed 500 when its restart's resend brought the others'
   counts), most likely before its next checkpoint, so that it reads its lines again and crosses
   again under another alert id: it finds its own claim, knows that alert in its spool, and does
   not page. n1 and n3, told the fleet count by their next sync, find n2's claim. The fleet count
   equals the lines written (none counted twice fleet-wide) and there is one page.
5. n1 and n2 each read the same 30 lines, stamped in the same microsecond (appended to their
   `current`): each reaches the limit of 30 on its own line and makes the same alert id; one
   claim is won and one lost, and there is one page (a claim of that id by another node is not
   this node's own claim).
6. alerts.escalate 2, limit 100: the fleet reaches 100 (one page, new), then 220 with no node
   alone near 200: one more page, the escalation (ongoing), and no third.
Scenario 1 also stops n3 and waits for the fleet view to show it gone (node_timeout 5 s).

usage: fleet_test.py RELAYWATCH_BINARY
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

PASSWORD = "fl33t-s3cret"
LIMIT = 500
VOLUME = [{"name": "volume", "kind": "volume", "window": "1h", "limit": LIMIT}]
NODES = ("n1", "n2", "n3")

FLEETS = []  # every fleet started, for the logs on a failure
REDIS = None
_rcpt = [0]


def relay(login, n, ip="192.0.2.1", sender=None, tag="r"):
    """n "relaying rcpt" lines of `login` (AUTH), each to another recipient."""
    out = []
    for _ in range(n):
        _rcpt[0] += 1
        out.append(rwtest.chkuser("relaying rcpt", sender or login, login, ip,
                                  "%s%d@far.example" % (tag, _rcpt[0])))
    return out


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------------------------------------
# Redis

class Redis:
    """redis-server with requirepass on a unix socket and 127.0.0.1:port, nothing persisted."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.sock = os.path.join(tmp, "redis.sock")
        self.port = free_port()
        self.log = os.path.join(tmp, "redis.log")
        self.pwfile = os.path.join(tmp, "redis.password")
        with open(self.pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(self.pwfile, 0o600)
        self.proc = None

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                 "--unixsocket", self.sock, "--unixsocketperm", "700",
                 "--requirepass", PASSWORD, "--save", "", "--appendonly", "no",
                 # README's ACL user, which the nodes log in as.
                 "--user", "relaywatch", "on", ">" + PASSWORD, "~relaywatch:*", "resetchannels",
                 "-@all", "+@read", "+@write", "+@scripting", "+ping", "+time",
                 "--dir", self.tmp], stdout=log, stderr=log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise rwtest.TestFailure("redis-server exited %d:\n%s" % (
                    self.proc.returncode, self.log_tail()))
            if self.cli("PING").strip() == "PONG" and self.cli_tcp("PING").strip() == "PONG":
                return
            time.sleep(0.05)
        raise rwtest.TestFailure("redis-server did not answer PING within 15 s\n"
                                 + self.log_tail())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(15)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-s", self.sock, "-a", PASSWORD, "--no-auth-warning"]
                           + list(args), capture_output=True, text=True, timeout=10)
        return r.stdout

    def cli_tcp(self, *args):
        r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), "-a", PASSWORD,
                            "--no-auth-warning"] + list(args),
                           capture_output=True, text=True, timeout=10)
        return r.stdout

    def log_tail(self, n=15):
        try:
            with open(self.log, errors="replace") as f:
                return "redis.log (tail):\n" + "\n".join(f.read().splitlines()[-n:])
        except OSError:
            return ""

    def dump(self, prefix):
        """The fleet's keys under `prefix` and what the count hashes hold (for a failure)."""
        if not self.alive():
            return "redis-server is not running"
        out = []
        for key in sorted(self.cli("KEYS", prefix + "*").split()):
            kind = self.cli("TYPE", key).strip()
            if kind == "hash":
                val = self.cli("HGETALL", key).split()
                out.append("%s = %s" % (key, dict(zip(val[0::2], val[1::2]))))
            elif kind == "string":
                out.append("%s = %r" % (key, self.cli("GET", key).strip()))
            elif kind == "zset":
                out.append("%s = %s" % (key, self.cli("ZRANGE", key, "0", "-1",
                                                      "WITHSCORES").split()))
            else:
                out.append("%s (%s)" % (key, kind))
        return "redis keys %s*:\n  " % prefix + "\n  ".join(out)


# ---------------------------------------------------------------------------------------------
# A fleet of three nodes

class Node:
    def __init__(self, binary, base, name, redis_addr, pwfile, prefix, rules, alerts):
        self.name = name
        d = os.path.join(base, name)
        self.logdir, self.state = os.path.join(d, "log"), os.path.join(d, "state")
        self.out = os.path.join(d, "alerts.jsonl")
        self.cfg = os.path.join(d, "rw.yaml")
        os.makedirs(d)
        rwtest.write_config(self.cfg, {
            "hostname": "mx-%s.example" % name, "state_dir": self.state, "startup": "warm",
            "sources": {"supervise_dir": "",
                        "logs": [{"service": "submission", "dir": self.logdir}]},
            "rules": rules,
            "alerts": dict({"max_per_hour": 1000, "channels": [rwtest.exec_channel(d, self.out)]},
                           **alerts),
            "fleet": {"redis": redis_addr, "username": "relaywatch", "password_file": pwfile,
                      "prefix": prefix,
                      "node": name, "sync_every": "100ms", "timeout": "300ms",
                      "node_timeout": "5s"}})
        self.ml = rwtest.Multilog(self.logdir, size=100000)
        self.ml.write(["@@ multilog for %s" % name])
        self.d = rwtest.Daemon(binary, self.cfg, os.path.join(d, "rw.log"), self.state)
        self.written = {}  # login -> lines written to this node's log

    def write(self, lines, login):
        self.ml.write(lines)
        self.written[login] = self.written.get(login, 0) + len(lines)

    def fleet(self):
        st = self.d.status()
        return st["fleet"] if st else None

    def log_text(self):
        return self.d.log_text()

    def close(self):
        self.d.stop_quietly()
        try:
            self.ml.proc.stdin.close()
        except OSError:
            pass
        try:
            self.ml.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.ml.proc.kill()
            self.ml.proc.wait()


class Fleet:
    """Three nodes n1, n2, n3 under TMP/NAME sharing one Redis and one key prefix."""
    def __init__(self, binary, tmp, name, redis_addr, prefix, rules, alerts=None):
        self.binary, self.name, self.prefix = binary, name, prefix
        self.base = os.path.join(tmp, name)
        self.nodes = {}
        FLEETS.append(self)
        for n in NODES:
            self.nodes[n] = Node(binary, self.base, n, redis_addr, REDIS.pwfile, prefix, rules,
                                 alerts or {})

    def __getitem__(self, name):
        return self.nodes[name]

    def start(self):
        for node in self.nodes.values():
            node.d.start()
        for node in self.nodes.values():
            node.d.wait_started()
        self.wait_connected(True, "every node connected to Redis")

    def close(self):
        for node in self.nodes.values():
            node.close()

    def diagnostics(self):
        out = ["---- fleet %s (prefix %s)" % (self.name, self.prefix)]
        for node in self.nodes.values():
            out.append("%s: %s" % (node.name, node.d.log_tail(30)))
        if REDIS is not None:
            out.append(REDIS.dump(self.prefix))
        return "\n".join(out)

    def pages(self, login=None, rule=None):
        """[(node, alert, when recorded)] of every page the nodes' exec channels recorded."""
        out = []
        for node in self.nodes.values():
            for r in rwtest.read_records(node.out):
                a = r["alert"]
                if (login is None or a["user"] == login) and (rule is None or a["rule"] == rule):
                    out.append((node.name, a, r["at"]))
        return out

    def wait_connected(self, want, what, timeout=20):
        for node in self.nodes.values():
            node.d.wait_for(lambda st: st["fleet"]["connected"] is want,
                            "%s: %s (fleet.connected %s)" % (node.name, what, want), timeout)

    def wait_idle(self, names=NODES, timeout=30):
        """Every named node has read its log to the end and its outbox is idle."""
        for n in names:
            node = self.nodes[n]
            node.d.wait_for(lambda st: rwtest.caught_up(node.d, st, node.logdir)
                            and rwtest.outbox_idle(st),
                            "%s read its log to the end, outbox idle" % n, timeout)

    def written(self, login):
        return {n: node.written[login] for n, node in self.nodes.items()
                if node.written.get(login)}

    def report(self, name="n1"):
        """`relaywatch report --fleet --format json` with `name`'s config: (exit code, the view
        parsed or None, stderr)."""
        r = subprocess.run([self.binary, "report", "--fleet", "-c", self[name].cfg, "--format",
                            "json"], capture_output=True, text=True, timeout=20)
        v = None
        if r.returncode == 0:
            try:
                v = json.loads(r.stdout)
            except ValueError:
                raise rwtest.TestFailure("report --fleet --format json is not JSON: %r"
                                         % r.stdout[:300])
        return r.returncode, v, r.stderr

    def view(self):
        """The fleet view read from Redis now (report --fleet); None when it fails."""
        rc, v, _ = self.report()
        return v

    def counts(self, view, login, rule="volume"):
        """(fleet count, {node: part}) of `login` in `view`."""
        for r in view["rules"]:
            if r["rule"] == rule:
                for k in r["top"]:
                    if k["key"] == login:
                        return k["count"], k["nodes"]
        return 0, {}

    def wait_view(self, pred, what, timeout=20):
        """Waits for a fleet view for which pred(view) holds."""
        deadline = time.monotonic() + timeout
        v = None
        while time.monotonic() < deadline:
            v = self.view()
            if v is not None and pred(v):
                return v
            time.sleep(0.1)
        raise rwtest.TestFailure("timed out after %ss waiting for a fleet view with %s; last "
                                 "view: %s\n%s" % (timeout, what, json.dumps(v)[:2000] if v
                                                    else None, self.diagnostics()))

    def wait_counts(self, expect, rule="volume", timeout=20, stable=False):
        """Waits for `report --fleet` to show, for each login of `expect` ({login: {node: n}}),
        exactly those parts and their sum. With `stable`, each running node's status view
        (refreshed every 2 s) read after that must show the same: the counts hold, and status
        agrees with report."""
        deadline = time.monotonic() + timeout
        v = None

        def matches(view):
            return all(self.counts(view, login, rule) == (sum(parts.values()), parts)
                       for login, parts in expect.items())
        while time.monotonic() < deadline:
            v = self.view()
            if v is not None and matches(v):
                break
            time.sleep(0.05)
        else:
            raise rwtest.TestFailure(
                "timed out after %ss waiting for the fleet counts %s; last report --fleet: %s\n%s"
                % (timeout, expect, json.dumps(v)[:2000] if v else None, self.diagnostics()))
        if not stable:
            return v
        check(v["node"] == "n1" and v["redis"] == self["n1"].fleet()["redis"],
              "report --fleet names the node and Redis (%s, %s)" % (v["node"], v["redis"]))
        seen_ns = rwtest.iso_ns(v["now"])
        for node in self.nodes.values():
            if not node.d.alive():
                continue
            st = node.d.wait_for(
                lambda st: st["fleet"]["view"] is not None
                and rwtest.iso_ns(st["fleet"]["view"]["now"]) > seen_ns,
                "%s: a status fleet view read after the report's" % node.name, 10)
            sv = st["fleet"]["view"]
            if not matches(sv):
                raise rwtest.TestFailure(
                    "%s's status fleet view read later shows %s, not %s\n%s" % (
                        node.name, {l: self.counts(sv, l, rule) for l in expect}, expect,
                        self.diagnostics()))
        return v


def wait_until(cond, what, timeout, fleet=None, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(interval)
    raise rwtest.TestFailure("timed out after %ss waiting for: %s\n%s" % (
        timeout, what, fleet.diagnostics() if fleet else ""))


def stamp_of(node, rcpt):
    """The multilog stamp (Unix ns) of the line to `rcpt` in `node`'s log."""
    for t, text in rwtest.read_multilog(node.logdir):
        if "rcpt <%s>" % rcpt in text:
            return t
    raise rwtest.TestFailure("no line to %s in %s" % (rcpt, node.logdir))


def not_paged_or_never_admitted(fleet, name, holder, page_id, login, timeout=5):
    """`name` logs that its alert of `login` was paged by `holder` (alert `page_id`), or never
    admitted one (other than `page_id` itself)."""
    node = fleet[name]
    want = " not paged: paged by fleet node %s (alert %s)" % (holder, page_id)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if want in node.log_text():
            return "logged it was paged by %s" % holder
        time.sleep(0.05)
    # "alert ID: volume LOGIN COUNT/LIMIT rule R": the alerts it admitted, but the page itself.
    mine = [l for l in node.log_text().splitlines() if l.startswith("info: alert ")
            and " %s " % login in l and page_id not in l]
    if not mine:
        return "never admitted an alert of its own"
    raise rwtest.TestFailure("%s admitted an alert of %s but did not log%r: %s\n%s" % (
        name, login, want, mine, fleet.diagnostics()))


# ---------------------------------------------------------------------------------------------
# Scenarios

def scenario_volume(binary, tmp):
    say("== 1. volume 500/1h: 3 x 200 through three nodes -> one page, within 1 s")
    login = "bob@example.com"
    f = Fleet(binary, tmp, "s1", "unix:" + REDIS.sock, "relaywatch:s1:", VOLUME)
    f.start()
    # n1 and n2 first, then n3: n3's push comes last, so Redis answers it with the others' 300
    # and n3 knows the fleet count 499 before the crossing line.
    f["n1"].write(relay(login, 150, "192.0.2.1"), login)
    f["n2"].write(relay(login, 150, "192.0.2.2"), login)
    f.wait_idle(("n1", "n2"))
    f.wait_counts({login: {"n1": 150, "n2": 150}})
    f["n3"].write(relay(login, 199, "192.0.2.3"), login)
    f.wait_idle()
    f.wait_counts({login: {"n1": 150, "n2": 150, "n3": 199}})
    check(f.pages() == [], "no page at 499 (%s)" % f.pages())

    cross = relay(login, 1, "192.0.2.3", tag="crossing")
    t0 = time.time()
    f["n3"].write(cross, login)
    pages = wait_until(lambda: f.pages(login), "the page after the crossing line", 10, f)
    node, alert, at = pages[0]
    latency = at - t0
    say("  crossing line written -> page recorded: %.3f s" % latency)
    check(latency < 1.0, "the page is recorded within 1 s of the crossing line (%.3f s)"
          % latency)
    check(node == "n3" and alert["count"] == LIMIT and alert["limit"] == LIMIT,
          "paged by n3 at %d/%d (%s %d/%d)" % (LIMIT, LIMIT, node, alert["count"],
                                               alert["limit"]))
    cross_ns = stamp_of(f["n3"], cross[0].split("rcpt <")[1].split(">")[0])
    check(rwtest.iso_ns(alert["last"]) == cross_ns,
          "the page is for the crossing line itself (last %s, the line's stamp %d)"
          % (alert["last"], cross_ns))
    check("info: alert %s: volume %s 500/500 rule volume" % (alert["id"], login)
          in f["n3"].log_text(), "n3 logs the alert it paged")

    f["n1"].write(relay(login, 50, "192.0.2.1"), login)
    f["n2"].write(relay(login, 50, "192.0.2.2"), login)
    f.wait_idle()
    v = f.wait_counts({login: {"n1": 200, "n2": 200, "n3": 200}}, stable=True)
    check(f.counts(v, login) == (600, {"n1": 200, "n2": 200, "n3": 200}),
          "fleet view: %s 600, 200 per node (%s)" % (login, f.counts(v, login)))
    for n in ("n1", "n2"):
        how = not_paged_or_never_admitted(f, n, "n3", alert["id"], login)
        check(True, "%s: %s" % (n, how))
    f.wait_idle()
    pages = f.pages(login)
    check(len(pages) == 1, "exactly one page fleet-wide (%s)"
          % [(p[0], p[1]["id"]) for p in pages])
    st = f["n3"].fleet()
    check(st["claims"]["won"] == 1, "n3 won its claim (%s)" % st["claims"])

    # A node gone for good leaves the fleet view once node_timeout (5 s) passes without a sync.
    f["n3"].d.term()

    def n3_gone():
        v = f.view()
        nodes = {n["node"]: n["live"] for n in v["nodes"]} if v else {}
        return nodes if nodes.get("n3") is False and nodes.get("n1") is True else None
    nodes = wait_until(n3_gone, "n3 shown gone in the fleet view", 15, f, interval=0.5)
    check(True, "n3, stopped, is no longer live in the fleet view after node_timeout (%s)"
          % nodes)
    f.close()


def scenario_fraud_tcp(binary, tmp):
    say("== 2. (TCP) sender same-domain, limit 1: ceo@bank.example on three nodes -> one page")
    login = "carol@example.com"
    rules = rwtest.model_rules_yaml([{"name": "fraud", "kind": "sender", "window": 3600,
                                      "limit": 1}])
    addr = "127.0.0.1:%d" % REDIS.port
    f = Fleet(binary, tmp, "s2", addr, "relaywatch:s2:", rules)
    f.start()
    check(all(node.fleet()["redis"] == addr for node in f.nodes.values()),
          "every node's status names redis %s" % addr)
    check(all("fleet: connected to redis %s as node %s;" % (addr, n) in f[n].log_text()
              for n in NODES), "every node logs its connection over TCP")
    # `check` says whether Redis answers, and a password Redis refuses is an error.
    r = subprocess.run([binary, "check", "-c", f["n1"].cfg], capture_output=True, text=True,
                       timeout=20)
    check(r.returncode == 0 and "fleet: redis %s answers; this node is n1" % addr in r.stdout,
          "check: Redis answers (exit %d)" % r.returncode)
    bad_pw = os.path.join(f.base, "wrong.password")
    with open(bad_pw, "w") as out:
        out.write("not-the-password\n")
    os.chmod(bad_pw, 0o600)
    bad_cfg = os.path.join(f.base, "bad-password.yaml")
    with open(f["n1"].cfg) as src:
        doc = json.load(src)
    doc["fleet"]["password_file"] = bad_pw
    rwtest.write_config(bad_cfg, doc)
    r = subprocess.run([binary, "check", "-c", bad_cfg], capture_output=True, text=True,
                       timeout=20)
    check(r.returncode == 1 and "error: fleet: redis %s: AUTH refused: WRONGPASS" % addr
          in r.stderr and "cannot join the fleet" in r.stdout,
          "check: a refused password is an error (exit %d: %s)"
          % (r.returncode, r.stderr.strip()[:200]))
    t0 = time.time()
    for i, n in enumerate(NODES):
        f[n].write(relay(login, 1, "198.51.100.%d" % (i + 1), sender="ceo@bank.example"), login)
    f.wait_idle()

    def claims():
        c = [f[n].fleet()["claims"] for n in NODES]
        return c if sum(x["won"] + x["lost"] + x["unavailable"] for x in c) >= 3 else None
    c = wait_until(claims, "the three nodes' claims answered", 10, f)
    check(sum(x["won"] for x in c) == 1 and sum(x["lost"] for x in c) == 2
          and sum(x["unavailable"] for x in c) == 0,
          "one claim won, two lost, none unanswered (%s)" % c)
    f.wait_idle()
    pages = f.pages(login, "fraud")
    check(len(pages) == 1, "exactly one page fleet-wide (%s)"
          % [(p[0], p[1]["id"]) for p in pages])
    winner, alert, at = pages[0]
    say("  first line written -> page recorded: %.3f s" % (at - t0))
    for n in NODES:
        if n != winner:
            check(" not paged: paged by fleet node %s (alert %s)" % (winner, alert["id"])
                  in f[n].log_text(), "%s: not paged, paged by %s" % (n, winner))
    f.wait_counts({login: {"n1": 1, "n2": 1, "n3": 1}}, rule="fraud", stable=True)
    check(True, "fleet view: fraud %s 3, 1 per node" % login)
    f.close()


def scenario_outage(binary, tmp):
    say("== 3. Redis stopped for 30 s while lines keep coming: no page lost, counts exact")
    dave, erin = "dave@example.com", "erin@example.com"
    f = Fleet(binary, tmp, "s3", "unix:" + REDIS.sock, "relaywatch:s3:", VOLUME)
    f.start()
    # Before: dave has nothing on n1 (n1 never hears of the others' dave: its own counts only).
    for i, n in enumerate(NODES):
        if n != "n1":
            f[n].write(relay(dave, 100, "192.0.2.%d" % (i + 1)), dave)
        f[n].write(relay(erin, 100, "192.0.2.%d" % (i + 11)), erin)
    f.wait_idle()
    f.wait_counts({dave: {"n2": 100, "n3": 100}, erin: {"n1": 100, "n2": 100, "n3": 100}})

    say("  -- redis-server stopped")
    REDIS.stop()
    down = time.monotonic()
    f.wait_connected(False, "disconnected once Redis is stopped", timeout=10)
    for n in NODES:
        st = f[n].fleet()
        check(st["error"] != "", "%s: status has the error: %s" % (n, st["error"]))
        check("fleet: redis unix:%s: " % REDIS.sock in f[n].log_text()
              and "; counting and paging on this node's own counts until Redis answers "
              "(retrying)" in f[n].log_text(), "%s logs the outage" % n)
    rc, _, err = f.report()
    check(rc == 1 and err.startswith("relaywatch report: redis unix:%s: " % REDIS.sock),
          "report --fleet with Redis down: exit 1 and why (%d %r)" % (rc, err))
    text = subprocess.run([binary, "status", "-c", f["n1"].cfg], capture_output=True, text=True,
                          timeout=20).stdout
    check("redis unix:%s: NOT CONNECTED (" % REDIS.sock in text,
          "status text says NOT CONNECTED: %r" % text[text.find("FLEET"):][:200])

    # During: dave 200 + 200 + 100 on n1 (500 of its own), erin 100 more on each node (200 of
    # its own: no node reaches 500 alone, the fleet has 600).
    waves = [(2, 200, 40), (12, 200, 30), (22, 100, 30)]
    t_dave = None
    for at, dave_n, erin_n in waves:
        time.sleep(max(0.0, down + at - time.monotonic()))
        if at == waves[-1][0]:
            t_dave = time.time()
        f["n1"].write(relay(dave, dave_n, "192.0.2.1"), dave)
        for i, n in enumerate(NODES):
            f[n].write(relay(erin, erin_n, "192.0.2.%d" % (i + 11)), erin)
        f.wait_idle(timeout=10)
        check(all(f[n].fleet()["connected"] is False for n in NODES),
              "%ds into the outage every node says connected false" % at)
    pages = wait_until(lambda: f.pages(dave), "dave's page during the outage", 10, f)
    node, alert, at = pages[0]
    say("  dave's crossing line written -> page recorded: %.3f s (Redis down)" % (at - t_dave))
    check(node == "n1" and alert["count"] == LIMIT,
          "n1 pages dave on its own 500 during the outage (%s %d)" % (node, alert["count"]))
    check("fleet: no answer to the claim of alert %s; paging it from this node" % alert["id"]
          in f["n1"].log_text(), "n1 logs that it paged without a claim")
    check(f.pages(erin) == [], "no page of erin during the outage: no node has 500 of its own")

    time.sleep(max(0.0, down + 30 - time.monotonic()))
    say("  -- redis-server started again after %.1f s (empty: nothing persisted)"
        % (time.monotonic() - down))
    REDIS.start()
    up_ns = time.time_ns()
    f.wait_connected(True, "connected again once Redis is back", timeout=20)
    for n in NODES:
        check(f[n].log_text().count("fleet: connected to redis unix:%s as node %s;"
                                    % (REDIS.sock, n)) == 2, "%s logs its reconnection" % n)
    pages = wait_until(lambda: f.pages(erin), "erin's page once the fleet has her 600", 15, f)
    say("  erin paged %.3f s after Redis came back" % (pages[0][2] - up_ns / 1e9))

    # After: 50 more of each on each node.
    for i, n in enumerate(NODES):
        f[n].write(relay(dave, 50, "192.0.2.%d" % (i + 1)), dave)
        f[n].write(relay(erin, 50, "192.0.2.%d" % (i + 11)), erin)
    f.wait_idle()
    expect = {dave: f.written(dave), erin: f.written(erin)}
    check(expect == {dave: {"n1": 550, "n2": 150, "n3": 150},
                     erin: {"n1": 250, "n2": 250, "n3": 250}}, "lines written: %s" % expect)
    v = f.wait_counts(expect, stable=True)
    check(True, "fleet counts from the emptied Redis equal the lines written: dave %s, erin %s"
          % (f.counts(v, dave), f.counts(v, erin)))
    f.wait_idle()
    # erin's incident was paged once Redis was back; dave's during the outage, by n1 alone: once
    # Redis is back, the other nodes must not page it again.
    for login in (erin, dave):
        pages = f.pages(login)
        check(len(pages) == 1, "one page of %s fleet-wide (%s)" % (
            login, [(p[0], p[1]["id"], p[1]["count"]) for p in pages]))
    f.close()


def scenario_kill9(binary, tmp):
    say("== 4. n2 killed -9 twice while lines keep coming: counts exact, one page")
    login = "frank@example.com"
    f = Fleet(binary, tmp, "s4", "unix:" + REDIS.sock, "relaywatch:s4:", VOLUME)
    f.start()
    ips = {n: "192.0.2.%d" % (i + 21) for i, n in enumerate(NODES)}
    for n in NODES:
        f[n].write(relay(login, 100, ips[n]), login)
    f.wait_idle(("n2",))
    say("  -- kill -9 n2 (its 100 lines read, maybe not yet sent)")
    f["n2"].d.kill9()
    # n2's 100 more wait in its log; the fleet has at most 100 + 180 + 180 = 460 meanwhile.
    for n in NODES:
        f[n].write(relay(login, 80 if n != "n2" else 100, ips[n]), login)
    f.wait_idle(("n1", "n3"))
    f.wait_view(lambda v: all(f.counts(v, login)[1].get(n) == 180 for n in ("n1", "n3")),
                "%s: n1 180, n3 180" % login)
    check(f.pages(login) == [], "no page below 500")
    f["n2"].d.start()
    f["n2"].d.wait_started()
    # n2 reads its 200: with the others' 360 (its resend's answer) the fleet has 560.
    pages = wait_until(lambda: f.pages(login), "the page once n2's 200 meet the others' 360", 15,
                       f)
    check(pages[0][0] == "n2", "n2 paged (%s)" % pages[0][0])
    page_id = pages[0][1]["id"]
    # Killed once the delivery is done (not while the hook runs: a kill -9 then sends that one
    # alert again, as documented), most likely before its next checkpoint: the restart reads the
    # lines again, and the fleet count crosses at another moment, under another alert id.
    wait_until(lambda: "info: delivered alert %s via rec: " % page_id in f["n2"].log_text(),
               "n2 logs the delivery of %s" % page_id, 10, f, interval=0.002)
    f["n2"].d.kill9()
    say("  -- kill -9 n2 right after it delivered its page %s" % page_id)
    for n in NODES:
        f[n].write(relay(login, 20, ips[n]), login)
    f.wait_idle(("n1", "n3"))
    f["n2"].d.start()
    f["n2"].d.wait_started()
    for n in NODES:
        f[n].write(relay(login, 50, ips[n]), login)
    f.wait_idle()
    expect = f.written(login)
    check(expect == {"n1": 250, "n2": 270, "n3": 250}, "lines written: %s" % expect)
    v = f.wait_counts({login: expect}, stable=True)
    check(True, "fleet count equals the lines written, none twice: %s"
          % (f.counts(v, login),))
    f.wait_idle()
    for n in NODES:
        how = not_paged_or_never_admitted(f, n, "n2", page_id, login)
        check(True, "%s%s: %s" % (n, " (after its restart)" if n == "n2" else "", how))
    f.wait_idle()
    pages = f.pages(login)
    check(len(pages) == 1, "one page fleet-wide across the kills (%s)"
          % [(p[0], p[1]["id"], p[1]["count"]) for p in pages])
    check(len(f["n2"].d.pids) == 3, "n2 ran three times")
    f.close()


def scenario_same_stamp(binary, tmp):
    say("== 5. two nodes cross on lines stamped in the same microsecond: one alert id, one page")
    login = "frank@example.com"
    limit = 30
    rules = [{"name": "volume", "kind": "volume", "window": "1h", "limit": limit}]
    f = Fleet(binary, tmp, "s5", "unix:" + REDIS.sock, "relaywatch:s5:", rules)
    f.start()
    # The same stamped lines appended to n1's and n2's `current` (multilog, idle, has it open
    # for appending too): each node reaches the limit on its own, at the same line, so both
    # make the same alert id and claim it. Only the first claimer pages.
    label = "@" + rwtest.tai64n_label(time.time_ns() // 1000 * 1000 + 500)
    lines = "".join("%s %s\n" % (label, line) for line in relay(login, limit, tag="same"))
    for n in ("n1", "n2"):
        with open(os.path.join(f[n].logdir, "current"), "a") as cur:
            cur.write(lines)
        f[n].written[login] = limit
    f.wait_idle()
    wait_until(lambda: f.pages(login), "a page of %s" % login, 10, f)
    time.sleep(1.0)  # a second page, if any, would be in by now
    pages = f.pages(login)
    check(len(pages) == 1, "exactly one page though both nodes made alert %s (%s)"
          % (pages[0][1]["id"], [(p[0], p[1]["id"]) for p in pages]))
    claims = [f[n].fleet()["claims"] for n in ("n1", "n2")]
    check(sum(c["won"] for c in claims) == 1 and sum(c["lost"] for c in claims) == 1,
          "one claim won, one lost (%s)" % claims)
    f.close()


def scenario_escalation(binary, tmp):
    say("== 6. alerts.escalate 2, limit 100: the fleet count doubling pages once more, once")
    login = "gina@example.com"
    rules = [{"name": "volume", "kind": "volume", "window": "1h", "limit": 100}]
    f = Fleet(binary, tmp, "s6", "unix:" + REDIS.sock, "relaywatch:s6:", rules,
              alerts={"escalate": "2x"})
    f.start()
    # 40 + 40 + 20: the fleet reaches 100 on n3's lines; one page.
    for n, k in (("n1", 40), ("n2", 40)):
        f[n].write(relay(login, k), login)
    f.wait_idle()
    f.wait_counts({login: {"n1": 40, "n2": 40}})
    f["n3"].write(relay(login, 20), login)
    wait_until(lambda: f.pages(login), "the first page", 10, f)
    # Then 60 + 60 on n1 and n2 (no node alone near 200): the fleet reaches 220, over twice the
    # count paged; every node that sees it admits an escalation, and one of them pages it.
    f["n1"].write(relay(login, 60), login)
    f["n2"].write(relay(login, 60), login)
    f.wait_idle()
    f.wait_counts({login: {"n1": 100, "n2": 100, "n3": 20}}, stable=True)
    wait_until(lambda: len(f.pages(login)) >= 2 and f.pages(login), "the escalation page",
               10, f)
    time.sleep(1.0)  # a third page, if any, would be in by now
    pages = sorted(f.pages(login), key=lambda p: p[2])
    check(len(pages) == 2, "two pages: the crossing and one escalation (%s)"
          % [(p[0], p[1]["state"], p[1]["count"]) for p in pages])
    check(pages[0][1]["state"] == "new" and pages[0][1]["count"] >= 100,
          "the first is new at %d" % pages[0][1]["count"])
    check(pages[1][1]["state"] == "ongoing" and pages[1][1]["count"] >= 200,
          "the second is the escalation, at %d >= 2 x %d"
          % (pages[1][1]["count"], pages[0][1]["count"]))
    f.close()


def main():
    global REDIS
    binary = rwtest.find_binary(sys.argv)
    tmp = tempfile.mkdtemp(prefix="rw-fleet-")
    started = time.monotonic()
    results = []
    try:
        REDIS = Redis(tmp)
        REDIS.start()
        # Each scenario has its own nodes and prefix: one failing does not stop the others.
        for name, scenario in (("1 volume", scenario_volume), ("2 fraud (TCP)", scenario_fraud_tcp),
                               ("3 redis outage", scenario_outage),
                               ("4 kill -9 twice", scenario_kill9),
                               ("5 same stamp", scenario_same_stamp),
                               ("6 escalation", scenario_escalation)):
            try:
                if not REDIS.alive():
                    REDIS.start()
                scenario(binary, tmp)
                results.append((name, None))
            except rwtest.TestFailure as e:
                print("FAIL: %s" % e, file=sys.stderr)
                if FLEETS:
                    print(FLEETS[-1].diagnostics(), file=sys.stderr)
                print(REDIS.log_tail(), file=sys.stderr)
                results.append((name, str(e).split("\n")[0]))
            finally:
                if FLEETS:
                    FLEETS[-1].close()
        try:
            rwtest.check_status_json_valid()
        except rwtest.TestFailure as e:
            results.append(("status JSON", str(e)))
    except rwtest.TestFailure as e:
        results.append(("setup", str(e)))
    finally:
        for fl in FLEETS:
            fl.close()
        if REDIS is not None and REDIS.alive():
            REDIS.stop()
    ok = all(err is None for _, err in results)
    for name, err in results:
        say("scenario %s: %s" % (name, "ok" if err is None else "FAILED: " + err))
    say("the whole test: %.1f s" % (time.monotonic() - started))
    return 0 if rwtest.finish(ok, tmp) else 1


if __name__ == "__main__":
    sys.exit(main())
