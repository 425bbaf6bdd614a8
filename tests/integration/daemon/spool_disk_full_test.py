#!/usr/bin/python3
"""spool_disk_full_test: an alert the spool cannot take is kept, counted, and delivered once later.

state_dir/spool is a 1 MiB tmpfs this test mounts (root only). The built daemon follows a log
written through real `multilog t`; alerts go through a sendmail-style script (one Message-ID per
alert in a file outside the tmpfs). The test:
  1. fires one alert while the spool has room (delivered once);
  2. fills the tmpfs, then makes 3 logins cross the limit: the log says "No space left on device",
     status counts the 3 alerts as unspooled (top level and per channel), none is delivered, and
     every line is still counted;
  3. restarts the daemon while the spool is still full: the 3 alerts are re-created from the log
     (status again shows 3 unspooled);
  4. frees the space: each of the 3 is delivered exactly once and status shows none unspooled;
     another restart delivers nothing again;
  5. remounts the tmpfs read-only and makes 2 more logins cross: "Read-only file system" in the
     log, 2 unspooled; remounted read-write, each is delivered exactly once.
Checks do not stop at the first failure, so one run shows everything that went wrong.

usage: spool_disk_full_test.py RELAYWATCH_BINARY
"""

import errno
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rwtest  # noqa: E402
from rwtest import say  # noqa: E402

FAILURES = []



def log_says(d, text, timeout=5):
    """True once the daemon's log holds `text`: the writer thread logs a refused write just after
    it counts the alert unspooled, so status can show the count before the line is written."""
    deadline = time.monotonic() + timeout
    while text not in d.log_text() and time.monotonic() < deadline:
        time.sleep(0.02)
    return text in d.log_text()

def check(cond, what):
    say(("  ok: " if cond else "  FAILED: ") + what)
    if not cond:
        FAILURES.append(what)
    return cond


def wait(pred, timeout):
    """Polls pred() until true or timeout; returns its last value."""
    deadline = time.monotonic() + timeout
    v = pred()
    while not v and time.monotonic() < deadline:
        time.sleep(0.1)
        v = pred()
    return v


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise rwtest.TestFailure("%s exited %d: %s" % (" ".join(cmd), r.returncode, r.stderr))


class Test:
    def __init__(self, binary, tmp):
        self.binary, self.tmp = binary, tmp
        self.logdir = os.path.join(tmp, "log")
        self.state = os.path.join(tmp, "state")
        self.spool = os.path.join(self.state, "spool")
        self.mbox = os.path.join(tmp, "mbox")
        self.filler = os.path.join(self.spool, "filler")
        os.makedirs(self.spool, mode=0o700)
        run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "rw-spool-test", self.spool])
        self.mounted = True
        script = os.path.join(tmp, "sendmail.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nexec cat >> '%s'\n" % self.mbox)
        os.chmod(script, 0o755)
        self.cfg = os.path.join(tmp, "relaywatch.yaml")
        rwtest.write_config(self.cfg, {
            "hostname": "full.example", "state_dir": self.state,
            "sources": {"supervise_dir": "", "logs": [{"service": "submission",
                                                       "dir": self.logdir}]},
            "rules": [{"name": "low", "kind": "volume", "window": "1h", "limit": 2}],
            "alerts": {"max_age": "1d",
                       "channels": [{"name": "mail", "format": "email", "via": "sendmail",
                                     "command": [script], "from": "relaywatch@full.example",
                                     "to": ["admin@full.example"]}]}})
        self.ml = rwtest.Multilog(self.logdir, size=99999, num=10)
        self.written = 0
        self.write(["tcpserver: status: 0/100"])
        while not os.path.exists(os.path.join(self.logdir, "current")):
            time.sleep(0.01)
        self.d = None
        self.base = None

    def write(self, lines):
        self.ml.write(lines)
        self.written += len(lines)

    def cross(self, logins):
        """Each login sends two relaying recipients: the second crosses the limit of 2."""
        lines = []
        for u in logins:
            lines += [rwtest.chkuser("relaying rcpt", u, u, "10.1.2.3", "r%d@gmail.example" % k)
                      for k in (1, 2)]
        self.write(lines)
        return [rwtest.alert_id("low", u, 0).rsplit("-", 1)[0] for u in logins]

    def start(self):
        if self.d is None:
            self.d = rwtest.Daemon(self.binary, self.cfg, os.path.join(self.tmp, "daemon.log"),
                                   self.state)
        self.d.start()
        self.d.wait_started()
        st = self.d.wait_up()
        if self.base is None:
            self.base = self.written - st["lines"]["total"]  # lines before it started reading

    def restart(self):
        rc = self.d.term()
        check(rc == 0, "SIGTERM: the daemon exits 0 (%s)" % rc)
        self.start()

    def status(self):
        return self.d.status() or {}

    def caught_up(self):
        return self.d.wait_for(lambda s: rwtest.caught_up(self.d, s, self.logdir), "caught up",
                               timeout=30)

    def delivered(self, prefixes):
        """For each alert-id prefix (rule-hash of a login): how many messages it got."""
        text = ""
        if os.path.exists(self.mbox):
            with open(self.mbox, errors="replace") as f:
                text = f.read()
        ids = re.findall(r"(?im)^Message-ID: <([a-z0-9-]+)@", text)
        return [sum(1 for i in ids if i.startswith(p + "-")) for p in prefixes]

    def fill(self):
        with open(self.filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
        # The page cache may hold a partial page: make sure nothing more fits.
        with open(self.filler, "ab") as f:
            try:
                f.write(b"\0" * 8192)
                f.flush()
            except OSError:
                pass

    def unspooled(self, st):
        out = {o["channel"]: o.get("unspooled") for o in st.get("outbox", [])}
        return st.get("alerts_unspooled"), out.get("mail")

    def close(self):
        if self.d is not None:
            self.d.stop_quietly()
        if self.ml.proc.poll() is None:
            self.ml.proc.stdin.close()
            self.ml.proc.wait()
        if self.mounted:
            if subprocess.run(["umount", self.spool]).returncode != 0:
                subprocess.run(["umount", "-l", self.spool])
            self.mounted = False


def main():
    binary = rwtest.find_binary(sys.argv)
    if os.geteuid() != 0:
        say("SKIP: mounting a tmpfs needs root")
        return 77
    tmp = tempfile.mkdtemp(prefix="rw-disk-full-")
    t = None
    t0 = time.monotonic()
    try:
        t = Test(binary, tmp)
        t.start()

        say("== 1. an alert while the spool has room")
        first = t.cross(["w0@example.com"])
        check(wait(lambda: t.delivered(first) == [1], 20), "the first alert is delivered once")

        say("== 2. the spool's tmpfs full, 3 logins cross the limit")
        t.fill()
        full = t.cross(["f%d@example.com" % i for i in range(3)])
        st = wait(lambda: (lambda s: s if s.get("alerts_unspooled") == 3 else None)(t.status()), 15)
        st = st or t.status()
        check(t.unspooled(st) == (3, 3), "status: 3 alerts unspooled, 3 via mail (%r)"
              % (t.unspooled(st),))
        check(log_says(t.d, "No space left on device"), "the log says No space left on device")
        st = t.caught_up()
        check(st["lines"]["total"] == t.written - t.base, "every line counted (%d of %d)"
              % (st["lines"]["total"], t.written - t.base))
        time.sleep(1)
        check(t.delivered(full) == [0, 0, 0], "none of the 3 delivered while the spool is full "
              "(%r)" % t.delivered(full))

        say("== 3. restart while the spool is still full")
        t.restart()
        st = wait(lambda: (lambda s: s if s.get("alerts_unspooled") == 3 else None)(t.status()), 15)
        st = st or t.status()
        check(t.unspooled(st) == (3, 3), "after the restart the 3 alerts are re-created from the "
              "log, unspooled (%r)" % (t.unspooled(st),))

        say("== 4. space freed")
        os.unlink(t.filler)
        check(wait(lambda: t.delivered(full) == [1, 1, 1], 30),
              "each of the 3 alerts delivered exactly once (%r)" % t.delivered(full))
        st = wait(lambda: (lambda s: s if s.get("alerts_unspooled") == 0
                           and rwtest.outbox_idle(s) else None)(t.status()), 15) or t.status()
        check(t.unspooled(st) == (0, 0), "status: none unspooled (%r)" % (t.unspooled(st),))
        check(log_says(t.d, "the spool took the alerts it had refused"),
              "the log says the spool took them")
        t.restart()
        time.sleep(2)
        check(t.delivered(first + full) == [1, 1, 1, 1],
              "a restart after that delivers none of them again (%r)"
              % t.delivered(first + full))

        say("== 5. the spool read-only (EROFS), 2 logins cross the limit")
        run(["mount", "-o", "remount,ro", t.spool])
        ro = t.cross(["r%d@example.com" % i for i in range(2)])
        st = wait(lambda: (lambda s: s if s.get("alerts_unspooled") == 2 else None)(t.status()), 15)
        st = st or t.status()
        check(t.unspooled(st) == (2, 2), "status: 2 alerts unspooled (%r)" % (t.unspooled(st),))
        check(log_says(t.d, "Read-only file system"), "the log says Read-only file system")
        run(["mount", "-o", "remount,rw", t.spool])
        check(wait(lambda: t.delivered(ro) == [1, 1], 30),
              "each of the 2 delivered exactly once once the spool is writable (%r)"
              % t.delivered(ro))
        st = t.caught_up()
        check(st["lines"]["total"] == t.written - t.base, "every line counted once across the "
              "restarts (%d of %d)" % (st["lines"]["total"], t.written - t.base))
        time.sleep(1)
        check(t.delivered(first + full + ro) == [1] * 6, "each of the 6 alerts delivered exactly once in all (%r)"
              % t.delivered(first + full + ro))
        rwtest.check_status_json_valid()
    except rwtest.TestFailure as e:
        FAILURES.append(str(e))
        say("FAILED: %s" % e)
    finally:
        if t is not None:
            if FAILURES and t.d is not None:
                say(t.d.log_tail(40))
            t.close()
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        say("FAIL spool_disk_full_test: %d checks failed" % len(FAILURES))
        return 1
    say("PASS spool_disk_full_test (%.1fs)" % (time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
