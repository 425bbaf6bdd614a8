#!/usr/bin/python3
"""Loss seen while the daemon runs, not only when it resumes from its checkpoint.

Every line is "seq=NNNNNNNN" padded to one length, so a `multilog t s4096` file holds between
ceil(2096 / L) and floor(2608 / L) of them (L: the line with its 26-byte stamp and '\\n';
multilog rotates once a write ending in '\\n' takes the file to 4096 - 2000 bytes, and writes at
most 512 bytes at a time). A gap the daemon reports counts whole files, so the lines it did not
count must fit the files it says were pruned unread.

Part A (stopped): `relaywatch run` follows `multilog t s4096 n3`; SIGSTOP; multilog writes ~130
files meanwhile and prunes most before the daemon could open them; SIGCONT: status gaps > 0, the
source's files_pruned_unread = K > 0, lines written - lines counted fits K files, one gap alert
on the exec channel, the log says so. Then a stop short enough that multilog prunes only files
read, the file held open among them: no gap, every line counted.
Part B (running): a writer pushes lines as fast as it can through `multilog t s4096 n2` while the
daemon runs: every line is counted, or the daemon raised a gap whose files account for the lines
it did not count (never a silent loss).
Part C (no `current` yet): start, SIGTERM, start in a log dir multilog has not written: no gap,
no gap alert; lines written while it was down and after are counted.

Part D (check): `relaywatch check` warns about a log/run whose multilog keeps less than
s x (n - 1) = 10,800,000 bytes (multilog's default s99999 n10 among them), naming the script and
line, and not about s1000000 n20 nor an n it cannot know.

usage: live_loss_test.py RELAYWATCH_BINARY [a] [b] [c] [d]   (the parts to run; all by default)
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

TEXT_LEN = 74                   # "seq=NNNNNNNN " + padding
LINE = 26 + TEXT_LEN + 1        # as multilog writes it
MIN_PER_FILE = -(-2096 // LINE)
MAX_PER_FILE = 2608 // LINE


def text(seq):
    t = "seq=%08d " % seq
    return t + "x" * (TEXT_LEN - len(t))


def blob(first, n):
    return "".join(text(i) + "\n" for i in range(first, first + n)).encode()


def source(st, d):
    return next(s for s in st["sources"] if s["dir"] == d)


def config(tmp, name, logdir, out):
    cfg = os.path.join(tmp, name + ".yaml")
    state = os.path.join(tmp, "state-" + name)
    rwtest.write_config(cfg, {
        "hostname": "mx-%s.example" % name, "state_dir": state, "startup": "tail",
        "sources": {"supervise_dir": "", "logs": [{"service": "smtp", "dir": logdir}]},
        "rules": [{"name": "hour-volume", "kind": "volume", "window": "1h", "limit": 100000}],
        "alerts": {"max_per_hour": 1000, "channels": [rwtest.exec_channel(tmp, out)]}})
    return rwtest.Daemon(os.path.abspath(BINARY), cfg, os.path.join(tmp, name + ".log"), state)


def start_multilog(logdir, size, num):
    os.makedirs(logdir, exist_ok=True)
    return subprocess.Popen(["multilog", "t", "s%d" % size, "n%d" % num, logdir],
                            stdin=subprocess.PIPE)


def finish_multilog(ml):
    ml.stdin.close()
    rc = ml.wait(60)
    if rc != 0:
        raise rwtest.TestFailure("multilog exited %d" % rc)


def settled(d, logdir):
    """Waits until the daemon has read to the end of `current` (multilog has exited)."""
    return d.wait_for(lambda s: rwtest.caught_up(d, s, logdir), "caught up with " + logdir, 60)


LOG_TEXT = [lambda: ""]  # the running daemon's log_text


def check_accounted(st, logdir, written, what):
    """lines written - counted fits the files the daemon says were pruned unread."""
    src = source(st, logdir)
    counted, k = src["lines"], src.get("files_pruned_unread", 0)
    lost = written - counted
    say("  %s: %d written, %d counted, %d not counted; gaps %d, %d files pruned unread, "
        "%d inotify overflows" % (what, written, counted, lost, src["gaps"], k,
                                  src["overflows"]))
    check(lost >= 0, "no line counted twice (%d counted of %d)" % (counted, written))
    if src["overflows"] and lost > k * MAX_PER_FILE:
        # inotify lost events, with them names of archives pruned unread: the count is short,
        # and the daemon says so.
        check(k * MIN_PER_FILE <= lost, "the %d files reported pruned unread held at least %d "
              "of the %d lines not counted" % (k, k * MIN_PER_FILE, lost))
        check("log may have been lost before it was read in " + src["dir"] in LOG_TEXT[0](),
              "after the inotify overflow the daemon's log says more may have been lost")
        return lost, k
    check(k * MIN_PER_FILE <= lost <= k * MAX_PER_FILE,
          "the %d lines not counted fit the %d files reported pruned unread (%d to %d lines)"
          % (lost, k, k * MIN_PER_FILE, k * MAX_PER_FILE))
    return lost, k


def part_a(tmp):
    say("== part A: SIGSTOP while multilog prunes unread files -> a gap at SIGCONT")
    logdir, out = os.path.join(tmp, "a-log"), os.path.join(tmp, "a-alerts.jsonl")
    ml = start_multilog(logdir, 4096, 3)
    ml.stdin.write(blob(0, 50))
    ml.stdin.flush()
    while not os.path.exists(os.path.join(logdir, "current")):
        time.sleep(0.01)
    d = config(tmp, "a", logdir, out)
    LOG_TEXT[0] = d.log_text
    try:
        d.start()
        d.wait_up()
        # Tail start: the daemon counts what comes after it is up.
        base = source(d.status(), logdir)["lines"]
        ml.stdin.write(blob(50, 50))
        ml.stdin.flush()
        d.wait_for(lambda s: source(s, logdir)["lines"] == base + 50, "50 lines read")
        d.signal(signal.SIGSTOP)
        try:
            ml.stdin.write(blob(100, 3000))  # ~130 files; multilog keeps 2 archives
            ml.stdin.flush()
            finish_multilog(ml)
        finally:
            d.signal(signal.SIGCONT)
        # The gap is raised at the first listing after SIGCONT, before the files left are read.
        st = d.wait_for(lambda s: rwtest.caught_up(d, s, logdir) and rwtest.outbox_idle(s),
                        "caught up after SIGCONT, outbox idle")
        survivors = sum(1 for _ in rwtest.read_multilog(logdir))
        check(st["gaps"] >= 1 and source(st, logdir).get("gaps") == st["gaps"],
              "status: gaps %d, all of this source" % st["gaps"])
        lost, k = check_accounted(st, logdir, base + 3050, "after the stop")
        check(k > 0 and lost > 0, "multilog pruned unread files (%d lines lost)" % lost)
        check(source(st, logdir)["lines"] >= base + 50 + survivors,
              "the %d lines in the files left are counted" % survivors)
        d.wait_for(lambda s: len(rwtest.read_records(out)) >= 1, "the gap alert", 20)
        recs = [r["alert"] for r in rwtest.read_records(out)]
        say("  alert: %s" % recs[0]["detail"])
        check(len(recs) == 1 and recs[0]["rule"] == "gap" and recs[0]["user"] == "log:smtp"
              and recs[0]["count"] >= 1 and "pruned %d file" % recs[0]["count"]
              in recs[0]["detail"],
              "one gap alert for log:smtp, counting files pruned (%s)"
              % [(a["rule"], a["count"]) for a in recs])
        check(rwtest.iso_ns(recs[0]["first"]) < rwtest.iso_ns(recs[0]["last"]) <= time.time_ns(),
              "its span runs forward, to no later than now (%s .. %s)"
              % (recs[0]["first"], recs[0]["last"]))
        check(("log lost before it was read in %s: multilog pruned" % logdir) in d.log_text(),
              "the daemon's log says the log was lost")

        say("== part A': a stop during which multilog prunes only files read")
        gaps0, lines0 = st["gaps"], source(st, logdir)["lines"]
        ml = start_multilog(logdir, 4096, 3)  # appends to the finished current
        ml.stdin.write(blob(5000, 5))
        ml.stdin.flush()
        st = d.wait_for(lambda s: rwtest.caught_up(d, s, logdir)
                        and source(s, logdir)["lines"] == lines0 + 5, "5 lines read")
        held = source(st, logdir)["position"]["inode"]

        def listed(inode):
            """Whether the file is still in the directory under some name: its link count, read
            through the descriptor the stopped daemon holds. A listing cannot tell: multilog
            renames current to previous, then links previous to @….s and unlinks previous, and a
            listing taken across those steps can miss the file that is still there."""
            fds, dev = "/proc/%d/fd" % d.pid, os.stat(logdir).st_dev
            for fd in os.listdir(fds):
                try:
                    st = os.stat(os.path.join(fds, fd))
                except FileNotFoundError:
                    continue
                if st.st_ino == inode and st.st_dev == dev:
                    return st.st_nlink > 0
            raise rwtest.TestFailure("the stopped daemon holds no descriptor of inode %d" % inode)

        def written(seq):
            """True once multilog wrote line `seq`, into current or (rotating) the newest archive."""
            want = (text(seq) + "\n").encode()
            names = rwtest.multilog_files(logdir)
            newest = [n for n in names if n.startswith("@")][-1:]
            for n in ["current"] + newest:
                try:
                    with open(os.path.join(logdir, n), "rb") as f:
                        if f.read().endswith(want):
                            return True
                except FileNotFoundError:
                    pass
            return False

        d.signal(signal.SIGSTOP)
        seq = 5005
        try:
            # One line at a time until multilog prunes the file the daemon holds open (2 archives
            # are kept after it: 3 rotations); the 4th rotation would prune a file not read.
            # Asked while the daemon is stopped: once it runs, it finishes the file and lets go.
            pruned = not listed(held)
            while not pruned and seq < 5005 + 5 * MAX_PER_FILE:
                ml.stdin.write(blob(seq, 1))
                ml.stdin.flush()
                seq += 1
                deadline = time.monotonic() + 10
                while not written(seq - 1):
                    if time.monotonic() > deadline:
                        raise rwtest.TestFailure("multilog did not write line %d" % (seq - 1))
                    time.sleep(0.001)
                pruned = not listed(held)
            finish_multilog(ml)
        finally:
            d.signal(signal.SIGCONT)
        check(pruned, "multilog pruned the file the stopped daemon held open (%d lines "
              "written while stopped)" % (seq - 5005))
        st = d.wait_for(lambda s: rwtest.caught_up(d, s, logdir)
                        and source(s, logdir)["lines"] >= lines0 + seq - 5000,
                        "every line read after SIGCONT")
        check(source(st, logdir)["lines"] == lines0 + seq - 5000 and st["gaps"] == gaps0,
              "every line counted once (%d), no new gap (gaps %d)"
              % (source(st, logdir)["lines"] - lines0, st["gaps"]))
        rc = d.term()
        check(rc == 0, "SIGTERM: exit 0 (%d)" % rc)
    finally:
        d.stop_quietly()
        if ml.poll() is None:
            ml.kill()
            ml.wait()


def part_b(tmp):
    say("== part B: a writer as fast as it can through multilog s4096 n2, the daemon running")
    # On a tmpfs: multilog's fsync at each rotation costs nothing there, so it rotates thousands
    # of times a second, faster than the daemon lists the directory.
    mnt = os.path.join(tmp, "b-tmpfs")
    os.makedirs(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", mnt], check=True)
    try:
        part_b_in(tmp, mnt)
    finally:
        subprocess.run(["umount", "-l", mnt], check=False)


def part_b_in(tmp, mnt):
    logdir, out = os.path.join(mnt, "log"), os.path.join(tmp, "b-alerts.jsonl")
    ml = start_multilog(logdir, 4096, 2)
    ml.stdin.write(blob(0, 1))
    ml.stdin.flush()
    while not os.path.exists(os.path.join(logdir, "current")):
        time.sleep(0.01)
    d = config(tmp, "b", logdir, out)
    LOG_TEXT[0] = d.log_text
    try:
        d.start()
        d.wait_up()
        base = source(d.status(), logdir)["lines"]
        n, chunk, seq = 0, 2000, 1
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2 and n < 400000:
            ml.stdin.write(blob(seq, chunk))
            seq += chunk
            n += chunk
        finish_multilog(ml)
        secs = time.monotonic() - t0
        say("  fed %d lines in %.2fs (%.0f lines/s, %d files)" % (n, secs, n / secs,
                                                                 n // MIN_PER_FILE))
        settled(d, logdir)
        time.sleep(1.2)  # a gap seen last is reported within a second
        st = settled(d, logdir)
        lost = base + n - source(st, logdir)["lines"]
        check(lost == 0 or st["gaps"] > 0, "never a silent loss: every line counted, or a gap "
              "(%d of %d not counted, gaps %d)" % (lost, base + n, st["gaps"]))
        check_accounted(st, logdir, base + n, "flat out")
        if lost:
            check(("log lost before it was read in %s: multilog pruned" % logdir)
                  in d.log_text(), "the daemon's log says the log was lost")
        rc = d.term()
        check(rc == 0, "SIGTERM: exit 0 (%d)" % rc)
    finally:
        d.stop_quietly()
        if ml.poll() is None:
            ml.kill()
            ml.wait()


def part_c(tmp):
    say("== part C: a log dir with no current yet: start, stop, start")
    logdir, out = os.path.join(tmp, "c-log"), os.path.join(tmp, "c-alerts.jsonl")
    os.makedirs(logdir)
    d = config(tmp, "c", logdir, out)
    try:
        d.start()
        d.wait_started()
        d.wait_up()
        rc = d.term()
        check(rc == 0, "SIGTERM: exit 0 (%d)" % rc)
        # While it is down, multilog starts and writes its first lines.
        ml = start_multilog(logdir, 4096, 3)
        ml.stdin.write(blob(0, 5))
        finish_multilog(ml)
        d.start()
        d.wait_started()
        st = d.wait_for(lambda s: source(s, logdir)["lines"] >= 5 and rwtest.outbox_idle(s),
                        "the 5 lines written while it was down")
        ml = start_multilog(logdir, 4096, 3)
        ml.stdin.write(blob(5, 5))
        finish_multilog(ml)
        st = d.wait_for(lambda s: rwtest.caught_up(d, s, logdir)
                        and source(s, logdir)["lines"] >= 10, "5 more lines")
        check(source(st, logdir)["lines"] == 10, "all 10 lines counted once (%d)"
              % source(st, logdir)["lines"])
        check(st["gaps"] == 0, "status gaps == 0 (%d)" % st["gaps"])
        time.sleep(0.5)
        recs = rwtest.read_records(out)
        check(not recs, "no alert (%s)" % [r["alert"]["rule"] for r in recs])
        check("log lost" not in d.log_text(), "the daemon's log says no log was lost")
        rc = d.term()
        check(rc == 0, "SIGTERM: exit 0 (%d)" % rc)
    finally:
        d.stop_quietly()


def part_d(tmp):
    say("== part D: `relaywatch check` on log/run scripts that keep too little, and enough")
    sv = os.path.join(tmp, "d-supervise")
    scripts = {"smtpd": "exec setuidgid qmaill multilog t ./main",          # 9 x 99999 bytes
               "tiny": "exec multilog t s4096 n3 ./main",                   # 2 x 4096
               "submission": "exec multilog t s1000000 n20 ./main",         # 19 x 1000000
               "unknown": "N=`cat /etc/n`\nexec multilog t n$N ./main"}
    for name, text in scripts.items():
        os.makedirs(os.path.join(sv, name, "log", "main"))
        run = os.path.join(sv, name, "log", "run")
        with open(run, "w") as f:
            f.write("#!/bin/sh\n" + text + "\n")
        os.chmod(run, 0o755)
    cfg = os.path.join(tmp, "d.yaml")
    rwtest.write_config(cfg, {
        "hostname": "mx-d.example", "state_dir": os.path.join(tmp, "state-d"),
        "sources": {"supervise_dir": sv},
        "rules": [{"name": "hour-volume", "kind": "volume", "window": "1h", "limit": 100}]})
    r = subprocess.run([BINARY, "check", "-c", cfg], capture_output=True, text=True, timeout=30)
    warn = {n: [l for l in r.stdout.splitlines() if l.startswith("warning: service %s:" % n)
                and "multilog s" in l] for n in scripts}
    say("  " + (warn["smtpd"] or ["(no warning for smtpd)"])[0])
    check(r.returncode == 0, "check exits 0 (%d)" % r.returncode)
    check(len(warn["smtpd"]) == 1 and "log/run:2: multilog s99999 n10 keeps 899991 bytes"
          in warn["smtpd"][0] and "5 s of log at 1000 lines/s" in warn["smtpd"][0]
          and "at least 10800000" in warn["smtpd"][0],
          "multilog's default s99999 n10 is warned about, with its run script and line")
    check(len(warn["tiny"]) == 1 and "s4096 n3 keeps 8192 bytes" in warn["tiny"][0],
          "s4096 n3 is warned about")
    check(not warn["submission"] and not warn["unknown"],
          "s1000000 n20 is not, nor an n the script takes from a command substitution")


BINARY = None


def main():
    global BINARY
    BINARY = rwtest.find_binary(sys.argv)
    chosen = [a for a in sys.argv[2:] if a in ("a", "b", "c", "d")] or ["d", "c", "a", "b"]
    table = {"a": part_a, "b": part_b, "c": part_c, "d": part_d}
    return rwtest.run_parts("rw-daemon-loss-",
                            [lambda _binary, tmp, f=table[p]: f(tmp) for p in chosen], sys.argv)


if __name__ == "__main__":
    sys.exit(main())
