#!/usr/bin/python3
"""The daemon across stops, pruning, truncation, late directories and reloads.

Part A (gap): relaywatch follows a real `multilog t s4096 n3` dir, reads 12 lines, stops on
SIGTERM; while it is down multilog rotates ~10 times and prunes the file the checkpoint names; on
restart status shows gaps == 1, the exec channel receives one gap alert, and counts resume exactly
from the oldest surviving file (lines.total and the login's window count = before + surviving).
Also: state_dir 0700, status.sock and checkpoint 0600.
Part B: `current` truncated and rewritten shorter is read again from its start (truncations == 1,
no line lost or counted twice); a source dir that appears only after the start is picked up;
SIGHUP with a broken config keeps the old one running and logs file:line:col; SIGHUP with a new
rule adds it and keeps the counts of the unchanged rule.

usage: restart_and_gap_test.py RELAYWATCH_BINARY
"""

import json
import os
import signal
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

HOUR_RULE = {"name": "hour-volume", "kind": "volume", "window": "1h", "limit": 100000}


def relay(login, n):
    return rwtest.chkuser("relaying rcpt", login, login, "10.9.8.7", "x%d@gmail.example" % n)


def top(st, rule, key):
    for r in st["rules"]:
        if r["name"] == rule:
            return next((t["count"] for t in r["top"] if t["key"] == key), 0)
    raise KeyError(rule)


def source(st, d):
    return next(s for s in st["sources"] if s["dir"] == d)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def stamped(lines):
    """Lines with our own TAI64N stamps, as multilog would write them now."""
    out = []
    for l in lines:
        out.append("@%s %s\n" % (rwtest.tai64n_label(time.time_ns()), l))
        time.sleep(0.0001)
    return "".join(out)


def part_a(binary, tmp):
    say("== part A: pruned while stopped -> one gap, counts resume from the surviving files")
    logdir, state = os.path.join(tmp, "log"), os.path.join(tmp, "state")
    out = os.path.join(tmp, "alerts.jsonl")
    cfg = os.path.join(tmp, "a.yaml")
    rwtest.write_config(cfg, {
        "hostname": "mx-a.example", "state_dir": state, "startup": "warm",
        "sources": {"supervise_dir": "", "logs": [{"service": "submission", "dir": logdir}]},
        "rules": [HOUR_RULE],
        "alerts": {"max_per_hour": 1000, "channels": [rwtest.exec_channel(tmp, out)]}})
    os.makedirs(logdir)
    d = rwtest.Daemon(binary, cfg, os.path.join(tmp, "a.log"), state)
    try:
        d.start()
        d.wait_up()
        ml = rwtest.Multilog(logdir, size=4096, num=3)
        phase1 = [relay("m@dom.example", i) if i % 3 else relay("o%d@dom.example" % i, i)
                  for i in range(12)]
        ml.write(phase1)
        ml.close()
        st = d.wait_for(lambda s: rwtest.caught_up(d, s, logdir) and s["checkpoints"] > 0,
                        "phase 1 read and checkpointed")
        check(st["lines"]["total"] == 12 and top(st, "hour-volume", "m@dom.example") == 8,
              "phase 1: 12 lines, m@dom.example counted 8")
        # A line over 64 KiB is cut, counted, said in the log, and kept across the restart.
        ml = rwtest.Multilog(logdir, size=1000000, num=3)
        ml.write(["qmail-smtpd: " + "X" * 70000])
        ml.close()
        st = d.wait_for(lambda s: rwtest.caught_up(d, s, logdir) and s["lines"]["total"] == 13,
                        "the long line read")
        check(st["lines"]["long"] == 1, "status lines.long == 1 (%d)" % st["lines"]["long"])
        check("1 line over 64 KiB in " + logdir + ", cut" in d.log_text(),
              "the daemon's log says a line was cut")
        check(mode(state) == 0o700, "state_dir is 0700 (%o)" % mode(state))
        check(mode(os.path.join(state, "status.sock")) == 0o600,
              "status.sock is 0600 (%o)" % mode(os.path.join(state, "status.sock")))
        check(mode(os.path.join(state, "checkpoint")) == 0o600,
              "checkpoint is 0600 (%o)" % mode(os.path.join(state, "checkpoint")))
        pos = source(st, logdir)["position"]
        rc = d.term()
        check(rc == 0, "SIGTERM: exit 0 (%d)" % rc)

        ml = rwtest.Multilog(logdir, size=4096, num=3)
        phase2 = [relay("m@dom.example", 100 + i) if i % 3 == 0 else relay("p@dom.example", i)
                  for i in range(150)]
        ml.write(phase2)
        ml.close()
        files = rwtest.multilog_files(logdir)
        surviving = [t for _, t in rwtest.read_multilog(logdir)]
        say("while stopped: 150 lines fed, %d files left %s, %d lines in them"
            % (len(files), files, len(surviving)))
        check(not set(phase1) & set(surviving) and phase2[0] not in surviving
              and surviving == phase2[-len(surviving):],
              "multilog pruned the checkpoint's file (inode %d) and the oldest phase-2 lines"
              % pos["inode"])
        d.start()
        st = d.wait_for(lambda s: rwtest.caught_up(d, s, logdir) and rwtest.outbox_idle(s)
                        and s["gaps"] > 0, "restarted, caught up, outbox idle")
        check(st["gaps"] == 1, "status gaps == 1 (%d)" % st["gaps"])
        check(st["lines"]["total"] == 13 + len(surviving),
              "lines.total resumes exactly: 13 + %d surviving = %d" % (len(surviving),
                                                                      st["lines"]["total"]))
        check(st["lines"]["long"] == 1, "lines.long kept by the checkpoint (%d)"
              % st["lines"]["long"])
        m_surv = sum(1 for t in surviving if "<m@dom.example:" in t)
        check(top(st, "hour-volume", "m@dom.example") == 8 + m_surv,
              "m@dom.example's window count is 8 + %d from the surviving files (%d)"
              % (m_surv, top(st, "hour-volume", "m@dom.example")))
        recs = [r["alert"] for r in rwtest.read_records(out)]
        gaps = [a for a in recs if a["rule"] == "gap"]
        check(len(gaps) == 1 and gaps[0]["kind"] == "gap" and gaps[0]["user"] == "log:submission",
              "one gap alert delivered, for log:submission (%s)" % gaps)
        check(len(recs) == 1, "and no other alert (%d)" % len(recs))
        check("log lost before it was read in " + logdir in d.log_text(),
              "the daemon's log says the log was lost")
        rc = d.term()
        check(rc == 0, "SIGTERM: exit 0 (%d)" % rc)
        check(mode(os.path.join(state, "checkpoint")) == 0o600, "checkpoint still 0600")
    finally:
        d.stop_quietly()


def part_b(binary, tmp):
    say("== part B: truncation, a late directory, SIGHUP")
    trunc, late, state = (os.path.join(tmp, n) for n in ("trunc", "late", "state-b"))
    out = os.path.join(tmp, "alerts-b.jsonl")
    cfg = os.path.join(tmp, "b.yaml")
    doc = {"hostname": "mx-b.example", "state_dir": state, "startup": "warm",
           "sources": {"supervise_dir": "", "logs": [{"service": "submission", "dir": trunc},
                                                     {"service": "late", "dir": late}]},
           "rules": [HOUR_RULE],
           "alerts": {"max_per_hour": 1000, "channels": [rwtest.exec_channel(tmp, out)]}}
    rwtest.write_config(cfg, doc)
    os.makedirs(trunc)
    cur = os.path.join(trunc, "current")
    with open(cur, "w") as f:
        f.write(stamped(relay("t@dom.example", i) for i in range(20)))
    d = rwtest.Daemon(binary, cfg, os.path.join(tmp, "b.log"), state)
    try:
        d.start()
        st = d.wait_for(lambda s: source(s, trunc)["lines"] == 20, "20 lines of current read")
        check(top(st, "hour-volume", "t@dom.example") == 20, "t@dom.example counted 20")
        warn = [l for l in d.log_text().splitlines() if l.startswith("warning") and late in l]
        say("  daemon: %s" % (warn[:1] or ["(no warning)"])[0])
        check(warn, "the missing source dir is reported in the log as a warning")

        size = os.path.getsize(cur)
        with open(cur, "r+") as f:
            f.truncate(0)
            f.write(stamped(relay("t@dom.example", 100 + i) for i in range(5)))
        check(os.path.getsize(cur) < size, "current truncated and rewritten shorter")
        st = d.wait_for(lambda s: source(s, trunc)["truncations"] == 1
                        and source(s, trunc)["lines"] == 25, "truncation noticed, 5 new lines")
        with open(cur, "a") as f:
            f.write(stamped(relay("t@dom.example", 200 + i) for i in range(5)))
        st = d.wait_for(lambda s: source(s, trunc)["lines"] == 30, "5 more lines appended")
        check(top(st, "hour-volume", "t@dom.example") == 30 and st["lines"]["total"] == 30,
              "after truncation: every line counted once (30)")

        ml = rwtest.Multilog(late, size=4096, num=10)
        ml.write([relay("l@dom.example", i) for i in range(7)])
        ml.close()
        st = d.wait_for(lambda s: source(s, late)["lines"] == 7, "the late dir's 7 lines read",
                        timeout=30)
        check(top(st, "hour-volume", "l@dom.example") == 7,
              "a source dir created after the start is followed (7 lines counted)")

        # SIGHUP with a broken config: refused, the old one keeps running.
        bad = json.loads(json.dumps(doc))
        bad["rules"][0]["limit"] = "lots"
        rwtest.write_config(cfg, bad)
        text = open(cfg).read().splitlines()
        line = next(i for i, l in enumerate(text, 1) if '"lots"' in l)
        col = text[line - 1].index('"lots"') + 1
        d.signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while "reload refused" not in d.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        log = d.log_text()
        refusal = next((l for l in log.splitlines() if "reload refused" in l), "")
        say("  daemon: " + refusal)
        check("%s:%d:%d:" % (cfg, line, col) in refusal,
              "the refusal names %s:%d:%d" % (os.path.basename(cfg), line, col))
        st = d.wait_up()
        check(d.alive() and [r["name"] for r in st["rules"]] == ["hour-volume"]
              and top(st, "hour-volume", "t@dom.example") == 30,
              "still running with the old config and its counts")

        # SIGHUP with a new rule: added, the unchanged rule keeps its counts.
        doc["rules"].append({"name": "five-volume", "kind": "volume", "window": "1h", "limit": 5})
        rwtest.write_config(cfg, doc)
        d.signal(signal.SIGHUP)
        st = d.wait_for(lambda s: [r["name"] for r in s["rules"]] == ["hour-volume", "five-volume"],
                        "the new rule is loaded")
        check(top(st, "hour-volume", "t@dom.example") == 30
              and top(st, "hour-volume", "l@dom.example") == 7
              and top(st, "five-volume", "t@dom.example") == 0,
              "hour-volume kept its counts (30, 7); five-volume starts empty")
        check("reloaded " + cfg in d.log_text(), "the log says reloaded")
        with open(cur, "a") as f:
            f.write(stamped(relay("t@dom.example", 300 + i) for i in range(6)))
        st = d.wait_for(lambda s: source(s, trunc)["lines"] == 36 and rwtest.outbox_idle(s),
                        "6 more lines after the reload")
        check(top(st, "hour-volume", "t@dom.example") == 36
              and top(st, "five-volume", "t@dom.example") == 6,
              "both rules count new lines (36 and 6)")
        d.wait_for(lambda s: len(rwtest.read_records(out)) >= 1, "the five-volume alert", 20)
        recs = [r["alert"] for r in rwtest.read_records(out)]
        check(len(recs) == 1 and recs[0]["rule"] == "five-volume" and recs[0]["count"] == 5
              and recs[0]["user"] == "t@dom.example",
              "one five-volume alert for t@dom.example at count 5 (%s)" % [
                  (a["rule"], a["user"], a["count"]) for a in recs])

        # SIGHUP renaming the late dir's service, then one leaving it out and one taking it back:
        # each time it resumes where it was read to; the warm start would count its 7 lines again.
        def reload(logs, what):
            doc["sources"]["logs"] = logs
            rwtest.write_config(cfg, doc)
            n = d.log_text().count("reloaded " + cfg)
            d.signal(signal.SIGHUP)
            return d.wait_for(lambda s: d.log_text().count("reloaded " + cfg) == n + 1, what)
        submission = {"service": "submission", "dir": trunc}
        reload([submission, {"service": "late2", "dir": late}], "late renamed late2")
        reload([submission], "late2 left out")
        reload([submission, {"service": "late", "dir": late}], "late taken back")
        ml = rwtest.Multilog(late, size=4096, num=10)
        ml.write([relay("l@dom.example", 100 + i) for i in range(3)])
        ml.close()
        st = d.wait_for(lambda s: rwtest.caught_up(d, s, late) and source(s, late)["lines"] == 3,
                        "3 new lines in late")
        check(top(st, "hour-volume", "l@dom.example") == 10,
              "l@dom.example counted 7 + 3 = 10 across the reloads (%d)"
              % top(st, "hour-volume", "l@dom.example"))
        check(d.log_text().count("following late " + late +
                                 " from where it was read to before a reload") == 1,
              "the log says late resumed where it was read to")
        rc = d.term()
        check(rc == 0, "SIGTERM: exit 0 (%d)" % rc)
    finally:
        d.stop_quietly()


def main():
    return rwtest.run_parts("rw-daemon-gap-", [part_a, part_b], sys.argv)


if __name__ == "__main__":
    sys.exit(main())
