#!/usr/bin/python3
"""Exactly-once alerts across >= 1,000 multilog rotations and three kill -9 restarts.

A feeder writes chkuser lines for 300 logins and 5 IP-relaying clients (some crossing volume limits
again and again, some sending as foreign senders, some with their domain in capitals) at about
2,000 lines/s into a real `multilog t s4096 n100000` (a new file every ~14 lines; n so large that
nothing is ever pruned). `relaywatch run` follows the directory with an exec channel that appends
every alert it is handed to a file. The daemon is killed with SIGKILL at three random moments and
restarted on the same state_dir. When the feeder is done and the daemon has caught up (status
position at the end of `current`, outbox empty), it gets SIGTERM and must exit 0.

Then the expected alerts are computed independently from the multilog files (rwtest.Model, own
TAI64N decoding) and compared with the recorded ones: the same ids, rules, keys, stamps, counts and
firsts; none missing, none twice (the one exception: the alert whose delivery a SIGKILL cut short,
which the next daemon must deliver again, at most one per kill); and `relaywatch report --all
--format json` over the same directory has the same findings and line counts.

usage: rotation_exactly_once_test.py RELAYWATCH_BINARY   (env SEED=N repeats a run)
"""

import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

RULES = [
    {"name": "fast-volume", "kind": "volume", "window": 4, "limit": 40},
    {"name": "minute-volume", "kind": "volume", "window": 60, "limit": 250},
    {"name": "foreign-sender", "kind": "sender", "window": 86400, "limit": 1},
]
RATE = 2000          # lines/s the feeder aims at
FEED_SECONDS = 14    # long enough for >= 1,000 rotations at ~14 lines per file
TICK = 0.02
KILLS = 3


class Traffic:
    """Seeded chkuser traffic: normal, bursty, constant-heavy, foreign-sending and IP clients."""

    def __init__(self, rnd):
        self.rnd = rnd
        self.normal = ["n%03d@dom%d.example" % (i, i % 7) for i in range(230)]
        self.heavy = ["h%02d@dom%d.example" % (i, i % 3) for i in range(20)]
        self.very = ["v%d@bulk%d.example" % (i, i) for i in range(5)] + ["ip:192.0.2.99"]
        self.foreign = ["f%02d@dom%d.example" % (i, i % 5) for i in range(40)]
        self.ips = ["192.0.2.%d" % i for i in range(1, 6)]
        self.heavy_on = {h: rnd.random() < 0.5 for h in self.heavy}
        self.acc = collections.defaultdict(float)
        self.rcpt = 0
        self.others = self.normal + self.foreign + ["ip:" + ip for ip in self.ips]

    def _line(self, who, verdict="relaying rcpt"):
        rnd = self.rnd
        self.rcpt += 1
        rcpt = "r%d@%s" % (self.rcpt, rnd.choice(["gmail.example", "yahoo.example", "aol.example"]))
        if who.startswith("ip:"):
            ip = who[3:]
            return rwtest.chkuser(verdict, "www-data@web.example", "", ip, rcpt, helo="web")
        auth = who
        n = int(who[1:4].rstrip("@")) if who[0] == "n" else 1
        # Some logins, among them the volume abusers that alert, type their domain in capitals.
        if (who[0] == "v" or who[0] == "n" and n % 10 == 0) and rnd.random() < 0.5:
            local, dom = who.split("@")
            auth = local + "@" + dom.upper().replace("EXAMPLE", "Example")
        sender = auth
        if who[0] == "f" and rnd.random() < 0.05:
            sender = "boss%d@bank%d.example" % (rnd.randrange(3), rnd.randrange(3))
        ip = "10.%d.%d.%d" % (len(who), ord(who[1]), ord(who[-9]))
        if verdict == "accepted rcpt":
            return rwtest.chkuser(verdict, sender, auth, ip, "staff@%s" % rwtest.domain_of(who),
                                  reason="found existing recipient")
        return rwtest.chkuser(verdict, sender, auth, ip, rcpt)

    def tick(self, dt):
        rnd, out = self.rnd, []
        for h in self.heavy:
            if rnd.random() < dt / 3.0:  # phases of ~3 s on, ~3 s off
                self.heavy_on[h] = not self.heavy_on[h]
        streams = [(v, 30.0) for v in self.very] + [(h, 25.0) for h in self.heavy
                                                    if self.heavy_on[h]]
        for who, rate in streams:
            self.acc[who] += rate * dt
            while self.acc[who] >= 1:
                self.acc[who] -= 1
                out.append(self._line(who))
        rest = RATE * dt - len(out)
        self.acc["rest"] += max(rest, 0)
        while self.acc["rest"] >= 1:
            self.acc["rest"] -= 1
            r = rnd.random()
            if r < 0.04:
                out.append("tcpserver: status: %d/100" % rnd.randrange(100))
            elif r < 0.09:
                out.append(self._line(rnd.choice(self.normal + self.foreign), "accepted rcpt"))
            else:
                out.append(self._line(rnd.choice(self.others)))
        rnd.shuffle(out)
        return out


def feed(ml, traffic, fed, done):
    start = time.monotonic()
    ticks = int(FEED_SECONDS / TICK)
    for i in range(ticks):
        lines = traffic.tick(TICK)
        ml.write(lines)
        fed.extend(lines)
        delay = start + (i + 1) * TICK - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    done.set()


def main():
    binary = rwtest.find_binary(sys.argv)
    seed = int(os.environ.get("SEED", random.SystemRandom().randrange(1 << 30)))
    rnd = random.Random(seed)
    say("rotation_exactly_once: seed %d (SEED=%d repeats this run), binary %s" % (seed, seed, binary))
    tmp = tempfile.mkdtemp(prefix="rw-daemon-rot-")
    logdir, state = os.path.join(tmp, "submission"), os.path.join(tmp, "state")
    alerts_out = os.path.join(tmp, "alerts.jsonl")
    cfg = os.path.join(tmp, "relaywatch.yaml")
    rwtest.write_config(cfg, {
        "hostname": "mx-test.example", "state_dir": state, "startup": "warm",
        "sources": {"supervise_dir": "", "logs": [{"service": "submission", "dir": logdir}]},
        "rules": rwtest.model_rules_yaml(RULES),
        "alerts": {"repeat": "window", "max_per_hour": 100000, "max_age": "2d",
                   "channels": [rwtest.exec_channel(tmp, alerts_out)]},
    })
    daemon = rwtest.Daemon(binary, cfg, os.path.join(tmp, "daemon.log"), state)
    ml = rwtest.Multilog(logdir, size=4096, num=100000)
    ok = False
    try:
        ml.write(["tcpserver: status: 0/100"])
        t = 0
        while not os.path.exists(os.path.join(logdir, "current")) and t < 100:
            time.sleep(0.05)
            t += 1
        daemon.start()
        daemon.wait_up()
        say("daemon %d up; feeding %d lines/s for %ds into multilog t s4096 n100000"
            % (daemon.pid, RATE, FEED_SECONDS))
        fed = ["tcpserver: status: 0/100"]
        done = threading.Event()
        feeder = threading.Thread(target=feed, args=(ml, Traffic(rnd), fed, done))
        t0 = time.monotonic()
        feeder.start()

        # Kill points by lines fed, so that all three fall inside the feed however slow it is.
        total = int(RATE * FEED_SECONDS)
        while True:
            kill_at = sorted(int(rnd.uniform(0.08, 0.9) * total) for _ in range(KILLS))
            if all(b - a >= total // 6 for a, b in zip(kill_at, kill_at[1:])):
                break
        killed = []  # pids of the instances killed
        fed_at_kill = []  # (lines fed, feeder still feeding) at each kill
        for at in kill_at:
            while len(fed) < at and feeder.is_alive():
                time.sleep(0.01)
            fed_at_kill.append((len(fed), feeder.is_alive()))
            pid = daemon.pid
            daemon.kill9()
            killed.append(pid)
            down = rnd.uniform(0.05, 0.8)
            say("t=%.2fs: kill -9 %d after %d lines fed; restarting in %.2fs"
                % (time.monotonic() - t0, pid, len(fed), down))
            time.sleep(down)
            daemon.start()
            daemon.wait_started()
        feeder.join()
        check(done.is_set(), "the feeder wrote all its lines (it did not die)")
        ml.close()
        say("feeder done at t=%.2fs: %d lines; waiting for the daemon to catch up"
            % (time.monotonic() - t0, len(fed)))
        st = daemon.wait_for(lambda s: rwtest.caught_up(daemon, s, logdir) and rwtest.outbox_idle(s),
                             "position at the end of current and outbox empty", timeout=180)
        say("caught up at t=%.2fs" % (time.monotonic() - t0))
        st_cli = daemon.status_cli()
        check(st_cli["sources"][0]["dir"] == logdir, "`relaywatch status --format json` answers")
        rc = daemon.term()
        check(rc == 0, "SIGTERM: the daemon exits 0 (got %d)" % rc)
        check("stopping on SIGTERM" in daemon.log_text(), "its log says it stopped on SIGTERM")

        # ---- what the files hold
        files = rwtest.multilog_files(logdir)
        rotations = sum(1 for n in files if n.startswith("@"))
        lines = rwtest.read_multilog(logdir)
        say("multilog: %d archives + current, %d lines" % (rotations, len(lines)))
        check(rotations >= 1000, "at least 1,000 rotations happened (%d)" % rotations)
        check([t for _, t in lines] == fed,
              "the files hold every fed line once, in order (multilog pruned nothing)")
        check(all(a[0] <= b[0] for a, b in zip(lines, lines[1:])), "multilog stamps never go back")

        model = rwtest.Model(RULES)
        for t, text in lines:
            model.feed(t, text)
        expected = {a["id"]: a for a in model.alerts}
        per_rule = collections.Counter(a["rule"] for a in model.alerts)
        repeated = collections.Counter((a["rule"], a["user"]) for a in model.alerts)
        say("independent count: %d findings, %d alerts %s; %d (rule, key) with >= 2 alerts"
            % (model.findings, len(model.alerts), dict(per_rule),
               sum(1 for n in repeated.values() if n >= 2)))
        check(per_rule["fast-volume"] >= 20 and per_rule["minute-volume"] >= 3
              and per_rule["foreign-sender"] >= 10,
              "the traffic is meaningful: every rule alerts several times")
        check(sum(1 for n in repeated.values() if n >= 2) >= 5,
              "several keys cross the same limit several times")
        check(any(a["user"] == "ip:192.0.2.99" for a in model.alerts),
              "an IP-relaying client (no AUTH) alerts under ip:ADDRESS")

        # ---- the daemon's own counters (restored from checkpoints across the kills)
        check(st["lines"]["total"] == len(lines),
              "status lines.total == lines in the files (%d vs %d)" % (st["lines"]["total"], len(lines)))
        check(st["lines"]["relay"] == model.relay,
              "status lines.relay == relaying lines (%d vs %d)" % (st["lines"]["relay"], model.relay))
        check(st["findings"] == model.findings,
              "status findings == independent findings (%d vs %d)" % (st["findings"], model.findings))
        check(st["gaps"] == 0, "no gap")
        check(len(killed) == KILLS and all(alive and n < len(fed) for n, alive in fed_at_kill),
              "the %d kills fell inside the feed (after %s of %d lines)"
              % (KILLS, [n for n, _ in fed_at_kill], len(fed)))

        # ---- the recorded alerts
        records = rwtest.read_records(alerts_out)
        by_id = collections.defaultdict(list)
        for i, r in enumerate(records):
            by_id[r["alert"]["id"]].append(i)
        missing = sorted(set(expected) - set(by_id))
        extra = sorted(set(by_id) - set(expected))
        check(not missing, "no expected alert is missing (%d expected, missing %s)"
              % (len(expected), missing[:5]))
        check(not extra, "no unexpected alert was delivered (%s)"
              % [records[by_id[i][0]]["alert"] for i in extra[:3]])
        # From what the daemon delivered, not from the model (which folds case itself).
        cap = {rwtest.normalize_login(m.group(3)) for m in map(rwtest.CHKUSER_RE.match, fed)
               if m and m.group(3) != rwtest.normalize_login(m.group(3))}
        users = {r["alert"]["user"] for r in records}
        check(bool(cap & users) and not any(c.isupper() for u in users for c in u),
              "logins written with a capitalised domain are alerted under the lowercased one "
              "(%d such logins alerted)" % len(cap & users))
        mism = []
        for aid, idx in by_id.items():
            got, exp = records[idx[0]]["alert"], expected[aid]
            fields = {"rule": got["rule"], "user": got["user"], "count": got["count"],
                      "limit": got["limit"], "first": rwtest.iso_ns(got["first"]),
                      "last": rwtest.iso_ns(got["last"])}
            want = {k: exp[k] for k in fields}
            if fields != want:
                mism.append((aid, fields, want))
        check(not mism, "every alert's rule, user, count, limit, first, last match (%s)" % mism[:2])
        check(all(records[i[0]]["alert"]["host"] == "mx-test.example" for i in by_id.values()),
              "every alert names the host")
        # Twice only where a SIGKILL hit the delivery: the killed instance's last delivery.
        last_of = {}
        for i, r in enumerate(records):
            last_of[r["ppid"]] = i
        dups = {aid: idx for aid, idx in by_id.items() if len(idx) > 1}
        for aid, idx in dups.items():
            first = records[idx[0]]
            say("  note: %s delivered %d times (first by pid %d, killed: %s)"
                % (aid, len(idx), first["ppid"], first["ppid"] in killed))
        # An orphaned hook (its parent is no daemon of ours: init or a subreaper) ran while its
        # daemon was being killed: cut short by definition.
        def cut_short(i):
            p = records[i]["ppid"]
            orphaned = p not in killed and p != daemon.pid
            return orphaned or (p in killed and last_of[p] == i)
        unexplained = [aid for aid, idx in dups.items() if len(idx) != 2 or not cut_short(idx[0])]
        check(not unexplained and len(dups) <= KILLS,
              "no alert delivered twice, except one cut short by a kill -9 (%d such; "
              "unexplained %s)" % (len(dups), unexplained[:3]))
        check(len(by_id) == len(expected), "exactly the %d expected alerts were delivered"
              % len(expected))

        # ---- report over the same dir
        r = subprocess.run([binary, "report", "-c", cfg, "--dir", logdir, "--all", "--format",
                            "json"], capture_output=True, timeout=120)
        check(r.returncode == 0, "relaywatch report exits 0 (%d: %s)" % (r.returncode, r.stderr[-300:]))
        rep = json.loads(r.stdout)
        got = sorted((f["rule"], f["user"], f["count"], f["limit"], rwtest.iso_ns(f["first"]),
                      rwtest.iso_ns(f["last"])) for f in rep["findings"])
        want = sorted((a["rule"], a["user"], a["count"], a["limit"], a["first"], a["last"])
                      for a in model.alerts)
        check(got == want, "report --all --format json has the same %d findings (got %d; first "
              "difference %s)" % (len(want), len(got),
                                  next(((g, w) for g, w in zip(got, want) if g != w), None)))
        check(rep["lines"]["total"] == len(lines) and rep["lines"]["relay"] == model.relay,
              "report counts the same lines (%d, relay %d)" % (rep["lines"]["total"],
                                                                rep["lines"]["relay"]))
        rwtest.check_status_json_valid()
        ok = True
    except rwtest.TestFailure as e:
        say("FAIL: %s" % e)
    finally:
        daemon.stop_quietly()
        if ml.proc.poll() is None:
            ml.proc.kill()
        if ok or os.environ.get("KEEP") is None:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            say("kept %s" % tmp)
    say("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
