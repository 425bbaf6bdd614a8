#!/usr/bin/python3
"""Config parsing bounded (issue 17): the inputs on which yaml-cpp 0.7's LoadAll never returned.

For the config `,` (one byte) and for a valid config followed by `---\\n,\\n`:
  - `relaywatch check -c FILE` exits 1 within 2 s with one error naming file:line:column, its
    peak RSS under 64 MB (it used to grow by 1 GB a second and never return);
  - a running `relaywatch run` given that file on SIGHUP logs "reload refused, keeping the running
    config: FILE:LINE:COL: ...", keeps its rules and counts, goes on counting, and its peak RSS
    (VmHWM) grows by less than 20 MB.
Then a good config on SIGHUP is taken as before. Every process runs under an address-space limit
(1 GiB for check, 2 GiB for the daemon), so a regression fails here instead of filling memory.
not tested: a config larger than 1 MiB or without end (the unit tests read /dev/zero).

usage: config_bounded_test.py RELAYWATCH_BINARY
"""

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

RULE = {"name": "hour-volume", "kind": "volume", "window": "1h", "limit": 1000}


def limit_memory(gib):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (gib << 30, gib << 30))
    return apply


def relay(login, n):
    return rwtest.chkuser("relaying rcpt", login, login, "10.9.8.7", "x%d@gmail.example" % n)


def run_check(binary, cfg):
    """`relaywatch check -c cfg` under 1 GiB: (exit code, stderr, seconds, peak RSS KiB)."""
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "check", "-c", cfg], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=limit_memory(1))
    # wait4 reaps it (and gives its rusage); the timer kills it first when it does not end.
    timer = threading.Timer(10, p.kill)
    timer.start()
    _, status, usage = os.wait4(p.pid, 0)
    took = time.monotonic() - t0
    timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    p.stdout.close()
    p.stderr.close()
    return p.returncode, err, took, usage.ru_maxrss


def expected_error(name, path, second_line):
    """The one-line error for input `name` loaded from `path`."""
    if name == "comma":
        return path + ":1:1: expected a setting (key: value) or the end of the file, got \",\""
    return path + ":%d:1: more than one YAML document ('---'); the config is one document" % (
        second_line)


def main():
    binary = rwtest.find_binary(sys.argv)
    tmp = tempfile.mkdtemp(prefix="rw-daemon-cfg-")
    ok = False
    d = None
    try:
        logdir, state = os.path.join(tmp, "log"), os.path.join(tmp, "state")
        cfg = os.path.join(tmp, "rw.yaml")
        good = {"hostname": "mx-cfg.example", "state_dir": state, "startup": "warm",
                "sources": {"supervise_dir": "",
                            "logs": [{"service": "submission", "dir": logdir}]},
                "rules": [RULE], "alerts": {"channels": []}}
        rwtest.write_config(cfg, good)
        with open(cfg) as f:
            good_text = f.read()
        second_line = good_text.count("\n") + 2  # the ',' after '---'
        texts = {"comma": ",", "second": good_text + "---\n,\n"}

        say("== relaywatch check on the inputs LoadAll looped on")
        for name in texts:
            path = os.path.join(tmp, name + ".yaml")
            with open(path, "w") as f:
                f.write(texts[name])
            code, err, took, rss = run_check(binary, path)
            want = expected_error(name, path, second_line)
            check(code == 1 and took < 2,
                  "check %s: exit %d after %.2fs (want 1 within 2 s)" % (name, code, took))
            check(err.strip() == want, "check %s says %r (got %r)" % (name, want, err.strip()))
            check(rss < 64 * 1024, "check %s: peak RSS %d KiB < 64 MB" % (name, rss))

        say("== SIGHUP with those configs keeps the old one, and the RSS flat")
        os.makedirs(logdir)
        with open(os.path.join(tmp, "daemon.log"), "ab") as err:
            proc = subprocess.Popen([binary, "run", "-c", cfg], stdout=err, stderr=err,
                                    preexec_fn=limit_memory(2))
        d = rwtest.Daemon(binary, cfg, os.path.join(tmp, "daemon.log"), state)
        d.proc = proc
        d.pids.append(proc.pid)
        d.wait_started(timeout=10)
        ml = rwtest.Multilog(logdir, size=99999)
        sent = 0

        def feed(n):
            nonlocal sent
            ml.write([relay("h@dom.example", sent + i) for i in range(n)])
            sent += n
            return d.wait_for(lambda s: s["lines"]["total"] == sent, "%d lines" % sent)

        feed(2)
        for name in texts:
            with open(cfg, "w") as f:
                f.write(texts[name])
            hwm = rwtest.proc_status_kb(proc.pid, "VmHWM")
            refused = d.log_text().count("reload refused")
            d.signal(signal.SIGHUP)
            deadline = time.monotonic() + 5
            while d.log_text().count("reload refused") == refused:
                if time.monotonic() > deadline:
                    raise rwtest.TestFailure("no 'reload refused' within 5 s of SIGHUP (%s)\n%s"
                                             % (name, d.log_tail()))
                time.sleep(0.02)
            want = ("error: reload refused, keeping the running config: " +
                    expected_error(name, cfg, second_line))
            check(want in d.log_text(), "SIGHUP %s: the log says %r" % (name, want))
            st = feed(1)
            check([r["name"] for r in st["rules"]] == ["hour-volume"] and
                  st["rules"][0]["top"][0]["count"] == sent,
                  "SIGHUP %s: the old rule still counts (%d lines)" % (name, sent))
            grown = rwtest.proc_status_kb(proc.pid, "VmHWM") - hwm
            check(grown < 20 * 1024, "SIGHUP %s: peak RSS grew %d KiB (< 20 MB)" % (name, grown))

        good["rules"].append({"name": "day-volume", "kind": "volume", "window": "24h",
                              "limit": 1000})
        rwtest.write_config(cfg, good)
        d.signal(signal.SIGHUP)
        d.wait_for(lambda s: len(s["rules"]) == 2, "the good config's 2 rules")
        check(True, "SIGHUP with a good config: reloaded, 2 rules")
        ml.close()
        t0 = time.monotonic()
        rc = d.term(timeout=10)
        check(rc == 0 and time.monotonic() - t0 < 5, "SIGTERM: exit %d" % rc)
        rwtest.check_status_json_valid()
        ok = True
    except rwtest.TestFailure as e:
        say("FAIL: %s" % e)
    finally:
        if d is not None:
            d.stop_quietly()
        if ok or os.environ.get("KEEP") is None:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            say("kept %s" % tmp)
    say("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
