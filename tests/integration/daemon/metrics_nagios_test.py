#!/usr/bin/python3
"""Monitoring: the metrics textfile and `relaywatch status --nagios`, with real multilog.

The daemon follows a real multilog dir and one that does not exist yet, writing
metrics.textfile every 1s. Asserted:
  - status shows the missing source "waiting" with its reason, and --nagios exits 1 (WARNING);
    once the directory appears the source is "following" and --nagios exits 0 (OK);
  - the .prom file parses with prometheus_client's parser (Debian's python3-prometheus-client),
    holds the lines read, lag per source, checkpoint age, channel counts, is 0644 and no
    temporary file is left beside it;
  - --lag-warning/--lag-critical: a lag over them gives 1 (WARNING) / 2 (CRITICAL);
  - stopped while multilog prunes unread log: on restart the source's state is "gap" (JSON and
    text) and --nagios exits 1 (WARNING);
  - a given-up alert in the channel's spool failed/: --nagios exits 2 (CRITICAL);
  - the daemon stopped: --nagios exits 2 (CRITICAL), one RELAYWATCH CRITICAL line.

usage: metrics_nagios_test.py RELAYWATCH_BINARY
"""

import os
import stat
import subprocess
import sys
import time

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

RULE = {"name": "hour-volume", "kind": "volume", "window": "1h", "limit": 100000}


def relay(login, n):
    return rwtest.chkuser("relaying rcpt", login, login, "10.9.8.7", "x%d@gmail.example" % n)


def nagios(binary, cfg, *extra):
    r = subprocess.run([binary, "status", "-c", cfg, "--nagios", "--timeout", "3s"] + list(extra),
                       capture_output=True, timeout=20, text=True)
    say("status --nagios %s -> %d: %s" % (" ".join(extra), r.returncode, r.stdout.strip()))
    lines = r.stdout.splitlines()
    check(len(lines) == 1, "--nagios prints one line (%r)" % r.stdout)
    return r.returncode, lines[0] if lines else ""


def metrics(path):
    with open(path) as f:
        text = f.read()
    samples = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def source(st, d):
    return next(s for s in st["sources"] if s["dir"] == d)


def run(binary, tmp):
    logdir, late = os.path.join(tmp, "log"), os.path.join(tmp, "late")
    state, textdir = os.path.join(tmp, "state"), os.path.join(tmp, "textfile")
    prom = os.path.join(textdir, "relaywatch.prom")
    out = os.path.join(tmp, "alerts.jsonl")
    cfg = os.path.join(tmp, "rw.yaml")
    os.makedirs(logdir)
    os.makedirs(textdir)
    rwtest.write_config(cfg, {
        "hostname": "mx-mon.example", "state_dir": state, "startup": "warm",
        "sources": {"supervise_dir": "", "logs": [{"service": "submission", "dir": logdir},
                                                  {"service": "late", "dir": late}]},
        "rules": [RULE],
        "alerts": {"max_per_hour": 1000, "channels": [rwtest.exec_channel(tmp, out)]},
        "metrics": {"textfile": prom, "every": "1s"}})
    d = rwtest.Daemon(binary, cfg, os.path.join(tmp, "d.log"), state)
    try:
        say("== a source waiting for its directory, then following")
        d.start()
        st = d.wait_up()
        s = source(st, late)
        check(s["state"] == "waiting" and late in s.get("reason", ""),
              "the missing source is waiting, with its reason (%s)" % s)
        check(source(st, logdir)["state"] == "following", "the other one is following")
        text = subprocess.run([binary, "status", "-c", cfg], capture_output=True, text=True,
                              timeout=20).stdout
        check(any(late in l and "waiting (unable to watch" in l for l in text.splitlines()),
              "the text status says so too")
        rc, line = nagios(binary, cfg)
        check(rc == 1 and line.startswith("RELAYWATCH WARNING - source late waiting"),
              "--nagios: WARNING while a source waits")
        os.makedirs(late)
        ml = rwtest.Multilog(logdir, size=4096, num=3)
        ml.write([relay("m@dom.example", i) for i in range(10)])
        ml.close()
        st = d.wait_for(lambda s: rwtest.caught_up(d, s, logdir) and s["checkpoints"] > 0
                        and source(s, late)["state"] == "following",
                        "10 lines read and checkpointed, the late dir followed")
        rc, line = nagios(binary, cfg)
        check(rc == 0 and line.startswith("RELAYWATCH OK - 2 of 2 sources following")
              and "|max_lag=" in line, "--nagios: OK with perfdata")

        say("== the metrics textfile")
        deadline = time.monotonic() + 10
        while True:
            m = metrics(prom)
            if m.get(("relaywatch_lines_total", ())) == 10 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        check(m.get(("relaywatch_lines_total", ())) == 10,
              "relaywatch_lines_total 10 (%s)" % m.get(("relaywatch_lines_total", ())))
        check(m.get(("relaywatch_lines_relaying_total", ())) == 10, "relaying 10")
        lag = m.get(("relaywatch_source_lag_seconds",
                     (("dir", logdir), ("service", "submission"))))
        check(lag is not None and 0 <= lag < 60, "lag of the submission source (%s)" % lag)
        check(m.get(("relaywatch_source_waiting", (("dir", late), ("service", "late")))) == 0,
              "the late source no longer waiting")
        age = m.get(("relaywatch_checkpoint_age_seconds", ()))
        check(age is not None and 0 <= age < 30, "checkpoint age (%s)" % age)
        check(m.get(("relaywatch_channel_sent_total", (("channel", "rec"),))) == 0,
              "per-channel sent")
        check(m.get(("relaywatch_rule_keys", (("rule", "hour-volume"),))) == 1, "keys of the rule")
        check(m.get(("relaywatch_outbox_depth", ())) == 0, "outbox depth 0")
        check(stat.S_IMODE(os.stat(prom).st_mode) == 0o644, "the .prom file is 0644")
        check(os.listdir(textdir) == ["relaywatch.prom"], "no temporary file left (%s)"
              % os.listdir(textdir))

        say("== lag thresholds")
        time.sleep(2.2)  # the newest stamp is now over 2 s old
        rc, line = nagios(binary, cfg, "--lag-warning", "1", "--lag-critical", "3600")
        check(rc == 1 and "lags" in line, "--nagios: WARNING over --lag-warning")
        rc, line = nagios(binary, cfg, "--lag-warning", "1", "--lag-critical", "1")
        check(rc == 2 and line.startswith("RELAYWATCH CRITICAL - source submission lags"),
              "--nagios: CRITICAL over --lag-critical")
        rc, line = nagios(binary, cfg, "--lag-warning", "soon")
        check(rc == 3 and line.startswith("RELAYWATCH UNKNOWN"), "--nagios: UNKNOWN on bad args")

        say("== a gap")
        check(d.term() == 0, "SIGTERM: exit 0")
        ml = rwtest.Multilog(logdir, size=4096, num=3)
        ml.write([relay("p@dom.example", i) for i in range(150)])
        ml.close()
        d.start()
        st = d.wait_for(lambda s: rwtest.caught_up(d, s, logdir) and s["gaps"] > 0,
                        "restarted after the prune, caught up")
        check(source(st, logdir)["state"] == "gap", "status: the source's state is gap")
        text = subprocess.run([binary, "status", "-c", cfg], capture_output=True, text=True,
                              timeout=20).stdout
        check(any(logdir in l and l.rstrip().endswith(" gap") for l in text.splitlines()),
              "the text status says gap")
        rc, line = nagios(binary, cfg)
        check(rc == 1 and "lost log before it was read" in line, "--nagios: WARNING on a gap")
        d.wait_for(rwtest.outbox_idle, "the gap alert sent")

        say("== a failed alert")
        check(d.term() == 0, "SIGTERM: exit 0")
        failed = os.path.join(state, "spool", "rec", "failed")
        os.makedirs(failed, mode=0o700, exist_ok=True)
        with open(os.path.join(failed, "0000000000000001"), "w") as f:
            f.write("given up\n")
        d.start()
        d.wait_for(lambda s: any(c["in_failed"] > 0 for c in s["outbox"]),
                   "status counts the alert in failed/")
        rc, line = nagios(binary, cfg)
        check(rc == 2 and line.startswith("RELAYWATCH CRITICAL - 1 alerts failed on channel rec"),
              "--nagios: CRITICAL on a failed alert")
        m = metrics(prom)
        deadline = time.monotonic() + 10
        while m.get(("relaywatch_channel_failed", (("channel", "rec"),))) != 1:
            check(time.monotonic() < deadline, "relaywatch_channel_failed{channel=rec} 1")
            time.sleep(0.2)
            m = metrics(prom)

        say("== the daemon stopped")
        check(d.term() == 0, "SIGTERM: exit 0")
        rc, line = nagios(binary, cfg)
        check(rc == 2 and line.startswith("RELAYWATCH CRITICAL - unable to reach the daemon"),
              "--nagios: CRITICAL when the daemon is down")
    finally:
        d.stop_quietly()


def main():
    return rwtest.run_parts("rw-mon-", [run], sys.argv)


if __name__ == "__main__":
    sys.exit(main())
