#!/usr/bin/python3
"""A spoofed AUTH= recipient is never blamed on chkuser's field, after a restart or in a report.

On a service whose log has sagredo's qlogenvelope lines, chkuser's AUTH field can be the client's
own `MAIL FROM:<x> AUTH=<boss@...>`; the qlogenvelope line's authuser= is the real SMTP login (empty
for a RELAYCLIENT). The daemon learns "this service logs qlog lines" from its first one; the
checkpoint must keep that, or the first qlog-covered recipient after every start is counted under
chkuser's field.

Part A (daemon, real multilog): the service shows one qlog pair; a checkpoint is taken; the daemon
is killed -9 and started again: the next spoofed pair (AUTH=<boss@example.com>, authuser= empty,
relay=yes) is counted for ip:192.0.2.77, nothing pages boss@example.com; a pair with
authuser=mallory@example.com pages mallory. The same after a SIGTERM restart.
Part B (report, real multilog writing lines that carry their own stamps): the log's first lines
are a spoofed pair; `report --since` before it and after it: no finding for boss@example.com, the
recipients counted for ip:192.0.2.77, mallory found.

usage: qlog_attribution_test.py RELAYWATCH_BINARY
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

IP = "192.0.2.77"
RULES = [{"name": "hour-volume", "kind": "volume", "window": "1h", "limit": 100000},
         {"name": "forged-sender", "kind": "sender", "window": "1h", "limit": 1,
          "policy": "same-domain"}]


def pair(auth_field, authuser, sender, rcpt, ip=IP):
    """chkuser's relaying line and the qlogenvelope line of the same recipient."""
    chk = rwtest.chkuser("relaying rcpt", sender, auth_field, ip, rcpt)
    qlog = ("qlogenvelope: result=accepted code=250 reason=rcptto detail=chkuserrelay helo=pc "
            "mailfrom=%s rcptto=%s relay=yes rcpthosts=no size= authuser=%s authtype=%s "
            "encrypted=tls sslverified=no localip=192.0.2.10 localport=587 remoteip=%s "
            "remoteport=51234 remotehost=unknown qp= pid=4321"
            % (sender, rcpt, authuser, "login" if authuser else "", ip))
    return [chk, qlog]


def top(st, rule):
    return {t["key"]: t["count"] for r in st["rules"] if r["name"] == rule for t in r["top"]}


def alerts_for(out):
    return [(r["alert"]["rule"], r["alert"]["user"]) for r in rwtest.read_records(out)]


def part_a(binary, tmp):
    say("== part A: the daemon keeps what it learned across kill -9 and SIGTERM")
    logdir, state = os.path.join(tmp, "log"), os.path.join(tmp, "state")
    out = os.path.join(tmp, "alerts.jsonl")
    cfg = os.path.join(tmp, "a.yaml")
    rwtest.write_config(cfg, {
        "hostname": "mx-a.example", "state_dir": state,
        "sources": {"supervise_dir": "", "logs": [{"service": "submission", "dir": logdir}]},
        "rules": RULES,
        "alerts": {"max_per_hour": 1000, "channels": [rwtest.exec_channel(tmp, out)]}})
    os.makedirs(logdir)
    d = rwtest.Daemon(binary, cfg, os.path.join(tmp, "a.log"), state)
    written = 0

    def feed(lines):
        nonlocal written
        ml = rwtest.Multilog(logdir, size=100000, num=5)
        ml.write(lines)
        ml.close()
        written += len(lines)
        return d.wait_for(lambda s: rwtest.caught_up(d, s, logdir) and rwtest.outbox_idle(s),
                          "%d lines read" % written)

    try:
        d.start()
        d.wait_up()
        st = feed(pair("suzy@example.com", "suzy@example.com", "suzy@example.com",
                       "a@gmail.example"))
        check(top(st, "hour-volume").get("suzy@example.com") == 1, "the first pair counted once")
        checkpoints = st["checkpoints"]
        d.wait_for(lambda s: s["checkpoints"] > checkpoints, "a checkpoint after it")
        for how, n in (("kill -9", 1), ("SIGTERM", 2)):
            if how == "kill -9":
                d.kill9()
            else:
                check(d.term() == 0, "SIGTERM: exit 0")
            d.start()
            d.wait_up()
            st = feed(pair("boss@example.com", "", "ceo@bank.example", "s%d@gmail.example" % n))
            counts = top(st, "hour-volume")
            check(counts.get("ip:" + IP) == n and "boss@example.com" not in counts,
                  "after %s the spoofed AUTH= recipient counts for ip:%s, never boss (%s)"
                  % (how, IP, counts))
            check(("forged-sender", "boss@example.com") not in alerts_for(out),
                  "after %s nothing pages boss@example.com (%s)" % (how, alerts_for(out)))
            st = feed(pair("boss@example.com", "mallory@example.com", "ceo@bank.example",
                           "m%d@gmail.example" % n))
            check(top(st, "hour-volume").get("mallory@example.com") == n,
                  "after %s the real login's recipient counts for mallory" % how)
        check(alerts_for(out) == [("forged-sender", "mallory@example.com")],
              "one page in all, for mallory@example.com (%s)" % alerts_for(out))
        check(d.term() == 0, "SIGTERM: exit 0")
    finally:
        d.stop_quietly()


def report(binary, cfg, logdir, since):
    r = subprocess.run([binary, "report", "-c", cfg, "--dir", logdir, "--all", "--format",
                        "json", "--since", since], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "report exits 0 (%d): %s" % (r.returncode, r.stderr[-300:]))
    return json.loads(r.stdout)


def part_b(binary, tmp):
    say("== part B: report, --since before and after the first qlog line")
    logdir = os.path.join(tmp, "rlog")
    cfg = os.path.join(tmp, "b.yaml")
    rwtest.write_config(cfg, {"hostname": "mx-b.example", "state_dir": os.path.join(tmp, "st-b"),
                              "sources": {"supervise_dir": "", "logs": []}, "rules": RULES})
    t0 = time.time_ns() - 10 * 3600 * 10**9
    lines = []

    def at(offset_s, texts):
        for i, t in enumerate(texts):
            lines.append("@%s %s" % (rwtest.tai64n_label(t0 + offset_s * 10**9 + i * 10**7), t))

    at(0, pair("boss@example.com", "", "ceo@bank.example", "first@gmail.example"))
    at(5 * 3600, pair("boss@example.com", "", "ceo@bank.example", "later@gmail.example"))
    at(5 * 3600 + 60, pair("boss@example.com", "mallory@example.com", "ceo@bank.example",
                           "m@gmail.example"))
    # multilog without `t` writes the lines as they come, stamps included.
    p = subprocess.Popen(["multilog", "s4096", "n5", logdir], stdin=subprocess.PIPE)
    p.communicate("".join(l + "\n" for l in lines).encode(), timeout=30)
    check(p.returncode == 0, "multilog wrote the log")

    def iso(ns):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ns // 10**9))

    for label, since, ip_count in (("before", iso(t0 - 60 * 10**9), 2),
                                   ("after", iso(t0 + 4 * 3600 * 10**9), 1)):
        doc = report(binary, cfg, logdir, since)
        users = {u["user"]: u for u in doc["users"]}
        found = [(f["rule"], f["user"]) for f in doc["findings"]]
        check("boss@example.com" not in users and
              ("forged-sender", "boss@example.com") not in found,
              "--since %s the first qlog line: nothing for boss@example.com (%s, %s)"
              % (label, sorted(users), found))
        check(users.get("ip:" + IP, {}).get("recipients") == ip_count,
              "--since %s: %d recipients for ip:%s (%s)"
              % (label, ip_count, IP, users.get("ip:" + IP)))
        check(("forged-sender", "mallory@example.com") in found,
              "--since %s: mallory@example.com found (%s)" % (label, found))


def main():
    return rwtest.run_parts("rw-qlog-", [part_a, part_b], sys.argv)


if __name__ == "__main__":
    sys.exit(main())
