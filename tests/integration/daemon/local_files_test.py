#!/usr/bin/python3
"""Local files not trusted, state_dir kept private (issue 17; issue 14, "run as root by hand").

The built `relaywatch run` against a real `multilog t` dir and an exec hook, each part with its
own state_dir:
  A. state_dir/checkpoint is a FIFO;
  B. state_dir/checkpoint is a symlink to /dev/zero;
  C. spool/<channel>/ holds a FIFO named like an alert, and send-times is a symlink to /dev/zero.
     In each: the daemon starts, logs a warning naming the file and what was expected, moves it
     aside, counts the lines it is given, delivers their alert through the hook, commits a
     regular checkpoint, stays under 200 MB of RSS, and exits 0 within 5 s of SIGTERM.
  D. state_dir exists with mode 1777: refused with one line that says the fix, exit 1, its mode
     still 1777 and nothing created in it.
  E. (root) state_dir owned by nobody with a checkpoint of a run as nobody: `relaywatch run` as
     root is refused and leaves no file; a root-owned checkpoint (what such a run used to leave)
     makes the daemon run as nobody (setuidgid) refuse with the chown to run, and `relaywatch
     check` as root warn the same (from a run script's setuidgid, and from state_dir's owner);
     after running that very chown, the daemon starts and resumes from the checkpoint.
The daemon runs under an address-space limit of 2 GiB, so a regression fails the test instead of
filling the machine's memory.
not tested: a checkpoint that cannot be set aside (a read-only state_dir); device nodes (the
unit tests read /dev/zero by name).

usage: local_files_test.py RELAYWATCH_BINARY
"""

import os
import pwd
import resource
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

RULE = {"name": "hour-volume", "kind": "volume", "window": "1h", "limit": 3}
FAKE_ID = "hour-volume-0123456789abcdef-1795836000000000000"
TestFailure = rwtest.TestFailure
BINARY = None


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


class GuardedDaemon(rwtest.Daemon):
    """rwtest.Daemon under a 2 GiB address-space limit, optionally as `user` (setuidgid)."""

    def __init__(self, binary, config, log, state_dir, user=None):
        super().__init__(binary, config, log, state_dir)
        self.user = user

    def start(self):
        cmd = [self.binary, "run", "-c", self.config]
        if self.user:
            cmd = ["setuidgid", self.user] + cmd
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen(cmd, stdout=err, stderr=err, preexec_fn=limit_memory)
        self.pids.append(self.proc.pid)
        return self.proc.pid

    def wait_exit(self, timeout=10):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure("daemon still running %ss after start; expected it to refuse\n%s"
                              % (timeout, self.log_tail()))


def relay(login, n):
    return rwtest.chkuser("relaying rcpt", login, login, "10.9.8.7", "x%d@gmail.example" % n)


def write_config(path, state, logdir, channels):
    rwtest.write_config(path, {
        "hostname": "mx-lf.example", "state_dir": state, "startup": "warm",
        "sources": {"supervise_dir": "", "logs": [{"service": "submission", "dir": logdir}]},
        "rules": [RULE],
        "alerts": {"max_per_hour": 1000, "channels": channels}})


def total_lines(st):
    return sum(s["lines"] for s in st["sources"])


def wait_alert(out, user, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for r in rwtest.read_records(out):
            if r["alert"].get("user") == user:
                return r
        time.sleep(0.05)
    raise TestFailure("no alert for %s reached the hook within %ss" % (user, timeout))


def keeps_working(name, tmp, setup, warnings):
    """Starts a daemon on a state_dir prepared by setup(state); checks the warnings, counting,
    delivery, a regular checkpoint, RSS and a prompt SIGTERM."""
    base = os.path.join(tmp, name)
    state, logdir = os.path.join(base, "state"), os.path.join(base, "log")
    out, cfg = os.path.join(base, "alerts.jsonl"), os.path.join(base, "rw.yaml")
    os.makedirs(logdir)
    os.makedirs(state, 0o700)
    write_config(cfg, state, logdir, [rwtest.exec_channel(base, out)])
    setup(state)
    d = GuardedDaemon(BINARY, cfg, os.path.join(base, "daemon.log"), state)
    try:
        d.start()
        d.wait_started(timeout=10)
        check(True, "%s: the daemon started" % name)
        for w in warnings:
            # The dispatcher's thread reads the spool: its warnings may follow "started".
            deadline = time.monotonic() + 10
            while ("warning: " + w) not in d.log_text() and time.monotonic() < deadline:
                time.sleep(0.02)
            check(("warning: " + w) in d.log_text(), "%s: the log warns %r" % (name, w))
        ml = rwtest.Multilog(logdir, size=99999)
        ml.write([relay("a@dom.example", i) for i in range(3)])
        ml.close()
        st = d.wait_for(lambda s: total_lines(s) == 3, "3 lines counted", timeout=20)
        check(total_lines(st) == 3, "%s: the 3 lines are counted" % name)
        rec = wait_alert(out, "a@dom.example")
        check(rec["alert"]["count"] == 3, "%s: their alert reached the exec hook" % name)
        deadline = time.monotonic() + 10
        cp = os.path.join(state, "checkpoint")
        while time.monotonic() < deadline and not (
                os.path.lexists(cp) and stat.S_ISREG(os.lstat(cp).st_mode)):
            time.sleep(0.05)
        check(stat.S_ISREG(os.lstat(cp).st_mode), "%s: a regular checkpoint was committed" % name)
        rss = rwtest.proc_status_kb(d.pid, "VmHWM")
        check(rss < 200 * 1024, "%s: peak RSS %d KiB < 200 MB" % (name, rss))
        t0 = time.monotonic()
        rc = d.term(timeout=10)
        took = time.monotonic() - t0
        check(rc == 0 and took < 5, "%s: SIGTERM: exit %d after %.2fs" % (name, rc, took))
    finally:
        d.stop_quietly()
    return state


def part_a(tmp):
    say("== A: the checkpoint is a FIFO")

    def setup(state):
        os.mkfifo(os.path.join(state, "checkpoint"), 0o600)
    state = keeps_working("a", tmp, setup, [
        "unable to use checkpoint %s/checkpoint: it is a FIFO, expected a regular file; "
        "moved it to %s/checkpoint.bad-" % (tmp + "/a/state", tmp + "/a/state")])
    asides = [n for n in os.listdir(state) if n.startswith("checkpoint.bad-")]
    check(len(asides) == 1 and stat.S_ISFIFO(os.lstat(os.path.join(state, asides[0])).st_mode),
          "the FIFO is kept as %s" % asides)


def part_b(tmp):
    say("== B: the checkpoint is a symlink to /dev/zero")

    def setup(state):
        os.symlink("/dev/zero", os.path.join(state, "checkpoint"))
    keeps_working("b", tmp, setup, [
        "unable to use checkpoint %s/checkpoint: it is a symbolic link (to /dev/zero), expected "
        "a regular file; moved it to %s/checkpoint.bad-" % (tmp + "/b/state", tmp + "/b/state")])


def part_c(tmp):
    say("== C: a FIFO in spool/rec/, send-times a symlink to /dev/zero")

    def setup(state):
        os.makedirs(os.path.join(state, "spool", "rec"), 0o700)
        os.mkfifo(os.path.join(state, "spool", "rec", FAKE_ID), 0o600)
        os.symlink("/dev/zero", os.path.join(state, "spool", "rec", "send-times"))
    spool = tmp + "/c/state/spool/rec"
    state = keeps_working("c", tmp, setup, [
        "unable to read alert %s/%s: it is a FIFO, expected a regular file; moved it to "
        "%s/failed/%s.bad-" % (spool, FAKE_ID, spool, FAKE_ID),
        "unable to read send times %s/send-times: it is a symbolic link (to /dev/zero), expected "
        "a regular file; moved it to %s/failed/send-times.bad-" % (spool, spool)])
    failed = os.listdir(os.path.join(state, "spool", "rec", "failed"))
    check(any(n.startswith(FAKE_ID + ".bad-") for n in failed) and
          any(n.startswith("send-times.bad-") for n in failed),
          "both are kept in spool/rec/failed/: %s" % sorted(failed))


def part_d(tmp):
    say("== D: state_dir with mode 1777 is refused, not chmod-ed")
    base = os.path.join(tmp, "d")
    state, logdir, cfg = base + "/state", base + "/log", base + "/rw.yaml"
    os.makedirs(logdir)
    os.makedirs(state)
    os.chmod(state, 0o1777)
    write_config(cfg, state, logdir, [])
    d = GuardedDaemon(BINARY, cfg, base + "/daemon.log", state)
    try:
        d.start()
        rc = d.wait_exit()
        check(rc == 1, "exit 1 (%d)" % rc)
        want = ("error: unable to use state_dir %s: %s is writable by other users (mode 1777, a "
                "shared directory); set state_dir to a directory of its own, such as "
                "/var/lib/relaywatch" % (state, state))
        check(want in d.log_text(), "the log says: %s" % want)
        mode = stat.S_IMODE(os.stat(state).st_mode)
        check(mode == 0o1777, "its mode is still 1777 (%o)" % mode)
        check(os.listdir(state) == [], "nothing was created in it (%s)" % os.listdir(state))
    finally:
        d.stop_quietly()


def part_e(tmp):
    say("== E: run as root on nobody's state_dir; a root-owned checkpoint; the chown it says")
    if os.geteuid() != 0:
        raise TestFailure("part E needs root (setuidgid nobody, chown)")
    nobody = pwd.getpwnam("nobody")
    base = os.path.join(tmp, "e")
    state, logdir, cfg = base + "/state", base + "/log", base + "/rw.yaml"
    os.makedirs(logdir)
    os.chmod(tmp, 0o755)
    os.chmod(base, 0o755)
    os.makedirs(state, 0o700)
    os.chown(state, nobody.pw_uid, nobody.pw_gid)
    write_config(cfg, state, logdir, [])
    os.chmod(cfg, 0o644)
    ml = rwtest.Multilog(logdir, size=99999)
    ml.write([relay("e@dom.example", i) for i in range(2)])
    ml.close()
    for root, dirs, files in os.walk(logdir):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)

    d = GuardedDaemon(BINARY, cfg, base + "/nobody.log", state, user="nobody")
    try:
        d.start()
        d.wait_for(lambda s: total_lines(s) == 2, "2 lines counted as nobody", timeout=20)
        check(d.term() == 0, "as nobody: started, counted 2 lines, stopped")
    finally:
        d.stop_quietly()
    cp = os.path.join(state, "checkpoint")
    check(os.stat(cp).st_uid == nobody.pw_uid, "its checkpoint belongs to nobody")

    before = sorted(os.listdir(state))
    root_run = GuardedDaemon(BINARY, cfg, base + "/root.log", state)
    try:
        root_run.start()
        rc = root_run.wait_exit()
        want = ("error: unable to use state_dir %s: %s belongs to nobody, not to root, the user "
                "relaywatch runs as; run relaywatch as nobody (as its service does: setuidgid "
                "nobody)" % (state, state))
        check(rc == 1 and want in root_run.log_text(),
              "as root: exit %d, the log says: %s" % (rc, want))
    finally:
        root_run.stop_quietly()
    owners = {n: os.lstat(os.path.join(state, n)).st_uid for n in os.listdir(state)}
    check(sorted(owners) == before and all(u == nobody.pw_uid for u in owners.values()),
          "the root run left no file and changed no owner (%s)" % owners)

    # What a root run of an older version left behind.
    os.chown(cp, 0, 0)
    d2 = GuardedDaemon(BINARY, cfg, base + "/nobody2.log", state, user="nobody")
    try:
        d2.start()
        rc = d2.wait_exit()
        fix = "chown -R nobody: %s" % state
        want = ("error: unable to use state_dir %s: %s/checkpoint belongs to root, not to "
                "nobody, the user relaywatch runs as; run: %s" % (state, state, fix))
        check(rc == 1 and want in d2.log_text(),
              "root-owned checkpoint, as nobody: exit %d, the log says: %s" % (rc, want))
    finally:
        d2.stop_quietly()
    # `relaywatch check` as root says the same: for the user relaywatch's own run script drops to,
    # and without one, for the owner of state_dir.
    sv = os.path.join(base, "supervise", "relaywatch")
    os.makedirs(sv)
    with open(os.path.join(sv, "run"), "w") as f:
        f.write("#!/bin/sh\n# setuidgid drops to the user below\nexec 2>&1\n"
                "exec setuidgid nobody relaywatch run -c /etc/relaywatch/relaywatch.yaml\n")
    cfg_sv = base + "/rw-sv.yaml"
    write_config(cfg_sv, state, logdir, [])
    with open(cfg_sv) as f:
        text = f.read().replace('"supervise_dir": ""', '"supervise_dir": "%s"' % (
            os.path.dirname(sv)))
    with open(cfg_sv, "w") as f:
        f.write(text)
    for c in (cfg_sv, cfg):
        r = subprocess.run([BINARY, "check", "-c", c], capture_output=True, timeout=20)
        want = ("warning: relaywatch running as nobody would refuse state_dir %s: %s/checkpoint "
                "belongs to root, not to nobody, the user relaywatch runs as; run: %s"
                % (state, state, fix))
        check(r.returncode == 0 and want in r.stdout.decode(),
              "check as root (%s): exit %d, says: %s" % (
                  "run script names nobody" if c == cfg_sv else "state_dir owned by nobody",
                  r.returncode, want))
    # Only the run script can tell: a root-owned state_dir (made by hand as root) for nobody.
    root_state = base + "/root-state"
    os.makedirs(root_state, 0o700)
    with open(base + "/rw-sv-root.yaml", "w") as f:
        f.write(text.replace(state, root_state))
    r = subprocess.run([BINARY, "check", "-c", base + "/rw-sv-root.yaml"], capture_output=True,
                       timeout=20)
    want = ("warning: relaywatch running as nobody would refuse state_dir %s: %s belongs to root, "
            "not to nobody, the user relaywatch runs as; run: chown -R nobody: %s"
            % (root_state, root_state, root_state))
    check(r.returncode == 0 and want in r.stdout.decode(),
          "check as root, run script names nobody, state_dir made by root: says: %s" % want)
    subprocess.run(fix.split(), check=True)
    d3 = GuardedDaemon(BINARY, cfg, base + "/nobody3.log", state, user="nobody")
    try:
        d3.start()
        d3.wait_started(timeout=10)
        st = d3.wait_up()
        check(st["lines"]["total"] == 2 and "from the checkpoint" in d3.log_text(),
              "after `%s`: started as nobody and resumed from the checkpoint (%d lines)"
              % (fix, st["lines"]["total"]))
        check(d3.term() == 0, "stopped on SIGTERM")
    finally:
        d3.stop_quietly()


def main():
    global BINARY
    BINARY = rwtest.find_binary(sys.argv)
    return rwtest.run_parts("rw-daemon-lf-",
                            [lambda _binary, tmp, f=f: f(tmp)
                             for f in (part_a, part_b, part_c, part_d, part_e)], sys.argv)


if __name__ == "__main__":
    sys.exit(main())
