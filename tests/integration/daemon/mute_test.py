#!/usr/bin/python3
"""`relaywatch mute` and `unmute` against the running daemon, with real multilog.

A login is muted (typed in another case: keyed as the detector keys it) before it has a line:
the command says it was not seen and mutes anyway. Its crossings then page nobody, the daemon's
log says "not paged: muted until ... by mute (reason)", and `status` lists the mute. After a
SIGTERM restart the mute is still listed (state_dir/mutes, 0600) and still holds, and `report`
marks the login's findings muted (text and JSON). `unmute` ends
it: the next crossing pages. A mute --for 3s holds, then ends by itself: the next crossing pages.
Bad input: --for 10x, unmute of nothing, a mute with the daemon stopped (closed socket), each
with its exact message and exit code.

usage: mute_test.py RELAYWATCH_BINARY
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

LOGIN = "tom@example.com"
RULES = [{"name": "volume", "kind": "volume", "window": "1h", "limit": 1}]


def main():
    binary = rwtest.find_binary(sys.argv)
    tmp = tempfile.mkdtemp(prefix="rw-mute-")
    logdir, state = os.path.join(tmp, "log"), os.path.join(tmp, "state")
    out = os.path.join(tmp, "alerts.jsonl")
    cfg = os.path.join(tmp, "rw.yaml")
    rwtest.write_config(cfg, {
        "hostname": "mx.example", "state_dir": state,
        "sources": {"supervise_dir": "", "logs": [{"service": "submission", "dir": logdir}]},
        "rules": RULES,
        "alerts": {"max_per_hour": 1000, "repeat": "1s",
                   "channels": [rwtest.exec_channel(tmp, out)]}})
    os.makedirs(logdir)
    d = rwtest.Daemon(binary, cfg, os.path.join(tmp, "rw.log"), state)
    written = 0
    n = 0

    def rw(*args):
        return subprocess.run([binary] + list(args) + ["-c", cfg], capture_output=True, text=True,
                              timeout=20)

    def pages():
        return [r["alert"]["user"] for r in rwtest.read_records(out)
                if r["alert"]["user"] == LOGIN]

    def cross():
        """Two more recipients for LOGIN, a second after the last (alerts.repeat is 1s)."""
        nonlocal written, n
        time.sleep(1.1)
        lines = []
        for _ in range(2):
            n += 1
            lines.append(rwtest.chkuser("relaying rcpt", LOGIN, LOGIN, "192.0.2.9",
                                        "r%d@gmail.example" % n))
        ml = rwtest.Multilog(logdir, size=100000, num=5)
        ml.write(lines)
        ml.close()
        written += len(lines)
        return d.wait_for(lambda s: rwtest.caught_up(d, s, logdir) and rwtest.outbox_idle(s),
                          "%d lines read" % written)

    def mutes(st):
        return [(m["key"], m["rule"], m["reason"]) for m in st["mutes"]]

    try:
        d.start()
        d.wait_up()
        say("== mute before any line, typed in another case")
        r = rw("mute", "Tom@EXAMPLE.com", "--reason", "password changed")
        check(r.returncode == 0, "mute exits 0 (%d): %s" % (r.returncode, r.stderr))
        check(r.stderr == "relaywatch mute: no key %s seen in the windows now; muted anyway\n"
              % LOGIN, "mute says the key was not seen: %r" % r.stderr)
        check(r.stdout.startswith("muted %s (all rules): muted until " % LOGIN)
              and r.stdout.endswith(" UTC by mute (password changed)\n"),
              "mute says what it did: %r" % r.stdout)
        mode = stat.S_IMODE(os.stat(os.path.join(state, "mutes")).st_mode)
        check(mode == 0o600, "state_dir/mutes is 0600 (%o)" % mode)
        st = cross()
        st = cross()
        check(pages() == [], "muted: no page (%s)" % pages())
        check(st["alerts_not_paged"] >= 2, "the muted alerts are counted as not paged (%d)"
              % st["alerts_not_paged"])
        check(" not paged: muted until " in d.log_text()
              and "by mute (password changed)" in d.log_text(),
              "the log says why it was not paged")
        check(mutes(st) == [(LOGIN, None, "password changed")], "status lists it: %s" % mutes(st))
        text = subprocess.run([binary, "status", "-c", cfg], capture_output=True, text=True,
                              timeout=20).stdout
        check("MUTES (not paged)\n  %s all rules: muted until " % LOGIN in text,
              "status text lists it")

        say("== SIGTERM restart: the mute is kept")
        check(d.term() == 0, "SIGTERM: exit 0")
        d.start()
        d.wait_up()
        st = cross()
        check(mutes(st) == [(LOGIN, None, "password changed")], "listed after the restart")
        check(pages() == [], "still no page after the restart (%s)" % pages())

        say("== report marks the muted login's findings")
        r = subprocess.run([binary, "report", "-c", cfg, "--dir", logdir, "--format", "json"],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "report exits 0 (%d): %s" % (r.returncode, r.stderr[-300:]))
        found = json.loads(r.stdout)["findings"]
        check(found and all(f["user"] == LOGIN and f.get("muted", "").startswith("muted until ")
                            and "(password changed)" in f["muted"] for f in found),
              "report --format json: every finding of %s is muted (%s)"
              % (LOGIN, [(f["user"], f.get("muted")) for f in found]))
        r = subprocess.run([binary, "report", "-c", cfg, "--dir", logdir], capture_output=True,
                           text=True, timeout=60)
        check("(muted until " in r.stdout, "report text marks it: %s" % r.stdout[-400:])

        say("== unmute: the next crossing pages")
        r = rw("unmute", LOGIN)
        check(r.returncode == 0 and r.stdout == "unmuted %s (all rules)\n" % LOGIN,
              "unmute exits 0 (%d): %r %r" % (r.returncode, r.stdout, r.stderr))
        st = cross()
        check(mutes(st) == [], "no mute listed")
        check(len(pages()) == 1, "paged once after unmute (%s)" % pages())

        say("== mute --for 3s: holds, then ends by itself")
        r = rw("mute", LOGIN, "--for", "3s", "--rule", "volume")
        check(r.returncode == 0 and r.stderr == "", "mute --for 3s exits 0, the key seen: %r"
              % r.stderr)
        muted_at = time.time()
        cross()
        check(len(pages()) == 1, "no page while muted for 3s (%s)" % pages())
        time.sleep(max(0.0, muted_at + 3.2 - time.time()))
        st = cross()
        check(len(pages()) == 2, "paged again once the mute ended (%s)" % pages())
        check(mutes(st) == [], "the ended mute is not listed")
        check("mute of %s (rule volume) ended at " % LOGIN in d.log_text(), "its end is logged")

        say("== bad input")
        r = rw("mute", LOGIN, "--for", "10x")
        check(r.returncode == 2 and r.stderr ==
              'relaywatch mute: --for: expected a duration like 30m, 2h or 1d, got "10x"\n',
              "--for 10x: exit 2 and its message (%d %r)" % (r.returncode, r.stderr))
        r = rw("unmute", LOGIN)
        check(r.returncode == 1 and r.stderr ==
              "relaywatch unmute: no mute of %s (all rules) in force\n" % LOGIN,
              "unmute of nothing: exit 1 (%d %r)" % (r.returncode, r.stderr))
        r = rw("mute", LOGIN, "--rule", "nosuch")
        check(r.returncode == 1 and r.stderr ==
              "relaywatch mute: no rule named nosuch in the running config\n",
              "unknown rule: exit 1 (%d %r)" % (r.returncode, r.stderr))
        check(d.term() == 0, "SIGTERM: exit 0")
        r = rw("mute", LOGIN)
        sock = os.path.join(state, "status.sock")
        check(r.returncode == 1 and r.stderr.startswith(
            "relaywatch mute: unable to connect to %s: " % sock),
            "closed socket: exit 1 (%d %r)" % (r.returncode, r.stderr))
    except rwtest.TestFailure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        print(d.log_tail(), file=sys.stderr)
        return 1
    finally:
        d.stop_quietly()
        shutil.rmtree(tmp, ignore_errors=True)
    say("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
