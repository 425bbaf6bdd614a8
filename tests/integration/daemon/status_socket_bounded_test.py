#!/usr/bin/python3
"""status_socket_bounded_test: idle clients of status.sock cannot starve `relaywatch run` of file
descriptors, and `relaywatch status` never hangs.

Real parts: the built binary under `ulimit -n 1024` (setrlimit before exec), real `multilog t`
rotating a real log dir, real Unix sockets.

1. 1,100 clients connect to status.sock and never send a request, while the daemon may hold
   1,024 descriptors. Meanwhile multilog writes and rotates (the daemon must open each new file):
   every line is counted, and `relaywatch status` answers within its timeout. The daemon serves
   at most 16 clients at once, closes one that has not asked within 2 s, and answers the rest
   busy at once.
2. After the idle clients close, `relaywatch status` answers at once.
3. Out of descriptors: the daemon's limit is lowered (prlimit --pid) to 3 above what it holds
   and 40 idle clients connect. Its accepts fail with EMFILE; it sheds the waiting clients through
   its reserve descriptor and keeps accepting: once the idle ones time out, status answers again,
   and the log says accepts failed.
4. `relaywatch status` against a socket that accepts and never answers, and against one whose
   backlog is full (connect would block): it gives up at its --timeout (and at the 10 s default)
   with a message saying so, exit 1.
Not tested: ENFILE (the system-wide table) and accept errors other than EMFILE; the 10 s
write deadline for a client that asks and never reads.

usage: status_socket_bounded_test.py RELAYWATCH_BINARY
"""

import os
import resource
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

NOFILE = 1024
IDLE_CLIENTS = 1100


class LimitedDaemon(rwtest.Daemon):
    """`relaywatch run` with RLIMIT_NOFILE set to NOFILE before exec, as `ulimit -n` would."""

    def start(self):
        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen([self.binary, "run", "-c", self.config],
                                         stdout=err, stderr=err, preexec_fn=limit)
        self.pids.append(self.proc.pid)
        return self.proc.pid


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def idle_clients(path, n, give_up_after=3.0):
    """Up to `n` sockets connected to `path` that never send anything. A connect that cannot
    finish within 0.2 s (the daemon does not accept: its backlog is full) is counted, and after
    `give_up_after` s of those the rest are not tried."""
    socks, stuck, stuck_since = [], 0, None
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # A blocking connect waits for room in the backlog, up to SO_SNDTIMEO.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 0, 200000))
        try:
            s.connect(path)
            socks.append(s)
            stuck_since = None
        except OSError:
            s.close()
            stuck += 1
            stuck_since = stuck_since or time.monotonic()
            if time.monotonic() - stuck_since > give_up_after:
                break
    return socks, stuck


def status_cli(binary, config, timeout="5s", limit=30):
    """`relaywatch status --format json --timeout T`: (exit code, seconds taken, stdout, stderr)."""
    t0 = time.monotonic()
    cmd = [binary, "status", "-c", config, "--format", "json"]
    if timeout:
        cmd += ["--timeout", timeout]
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - t0, b"", b"(still running after %ds)" % limit
    return r.returncode, time.monotonic() - t0, r.stdout, r.stderr


def lines_of(stdout):
    try:
        return rwtest.parse_status(stdout)["lines"]["total"]
    except (ValueError, KeyError, TypeError):
        return None


def feed(ml, start, n):
    ml.write(["tcpserver: status: %d/100 line %06d" % (i % 100, i) for i in range(start,
                                                                                  start + n)])


def status_raw(path, timeout=2.0):
    """The status JSON straight from status.sock, or None when it does not answer in time."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall(b"json\n")
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    return data
                data += b
    except OSError:
        return None


def wait_lines(path, want, timeout=30):
    """Polls status.sock until it counts `want` lines; returns the last count seen."""
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        data = status_raw(path)
        got = lines_of(data) if data else got
        if got == want:
            return got
        time.sleep(0.1)
    return got


def fake_server(path, accept):
    """A socket at `path` that accepts (or, with accept False, never accepts and has a full
    backlog) and never answers. Returns (listener, held sockets)."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    held = []
    if accept:
        srv.listen(8)

        def loop():
            while True:
                try:
                    c, _ = srv.accept()
                except OSError:
                    return
                held.append(c)
        threading.Thread(target=loop, daemon=True).start()
    else:
        srv.listen(0)
        while True:  # fill the backlog: a connect then blocks (EAGAIN when non-blocking)
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.setblocking(False)
            try:
                c.connect(path)
                held.append(c)
            except BlockingIOError:
                c.close()
                break
    return srv, held


def main():
    binary = rwtest.find_binary(sys.argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = IDLE_CLIENTS + 200  # this test's own clients
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, min(hard, 8192)), hard))
    tmp = tempfile.mkdtemp(prefix="rw-status-bounded-")
    d = ml = None
    socks = []
    try:
        logdir = os.path.join(tmp, "log")
        state = os.path.join(tmp, "state")
        cfg = os.path.join(tmp, "relaywatch.yaml")
        rwtest.write_config(cfg, {
            "hostname": "t.example", "state_dir": state, "startup": "warm",
            "sources": {"supervise_dir": "", "logs": [{"service": "submission",
                                                       "dir": logdir}]},
            "rules": [{"name": "hourly", "kind": "volume", "window": "1h", "limit": 100}]})
        ml = rwtest.Multilog(logdir, size=4096, num=1000)  # rotates every ~50 lines
        feed(ml, 0, 100)
        d = LimitedDaemon(binary, cfg, os.path.join(tmp, "daemon.log"), state)
        d.start()
        d.wait_up()
        sock = os.path.join(state, "status.sock")
        check(wait_lines(sock, 100) == 100, "the daemon (nofile %d) counts the first 100 lines"
              % NOFILE)

        say("== 1. %d idle clients on status.sock" % IDLE_CLIENTS)
        t0 = time.monotonic()
        socks, stuck = idle_clients(sock, IDLE_CLIENTS)
        say("  %d connected, %d could not connect (in %.1fs); daemon holds %d descriptors"
            % (len(socks), stuck, time.monotonic() - t0, open_fds(d.pid)))
        check(d.alive(), "the daemon is running")
        check(open_fds(d.pid) < NOFILE - 100, "the daemon holds far fewer than %d descriptors "
              "(%d)" % (NOFILE, open_fds(d.pid)))
        # New lines, several rotations: the daemon must open each new `current` and archive.
        feed(ml, 100, 400)
        rc, took, out, err = status_cli(binary, cfg, timeout="5s")
        check(rc == 0 and lines_of(out) is not None and took < 5.5,
              "relaywatch status --timeout 5s answers while the %d clients are connected "
              "(exit %s in %.2fs; %s)" % (len(socks), rc, took, err.decode(errors="replace")))
        check(wait_lines(sock, 500) == 500,
              "every line written meanwhile is counted, through %d rotations"
              % (len([f for f in os.listdir(logdir) if f.startswith("@")])))

        say("== 2. the idle clients close")
        for s in socks:
            s.close()
        socks = []
        rc, took, out, err = status_cli(binary, cfg, timeout="5s")
        check(rc == 0 and lines_of(out) == 500 and took < 1.0,
              "relaywatch status answers at once (%.2fs)" % took)
        busy_lines = d.log_text().count("answered busy")
        check(1 <= busy_lines <= 2, "the log says clients were answered busy, %d line(s) for "
              "about a thousand clients" % busy_lines)

        say("== 3. out of descriptors: EMFILE on accept")
        held = open_fds(d.pid)
        subprocess.run(["prlimit", "--pid", str(d.pid), "--nofile=%d:%d" % (held + 3, NOFILE)],
                       check=True)
        socks, stuck = idle_clients(sock, 40)
        say("  limit %d with %d held: %d connected, %d could not" % (held + 3, held, len(socks),
                                                                       stuck))
        time.sleep(2.5)  # the read deadline closes the idle clients the daemon took
        rc, took, out, err = status_cli(binary, cfg, timeout="5s")
        check(rc == 0 and lines_of(out) == 500,
              "relaywatch status answers after the EMFILE spell (exit %s in %.2fs; %s)"
              % (rc, took, err.decode(errors="replace").strip()))
        check("unable to accept a client: Too many open files" in d.log_text(),
              "the log says accepts failed with EMFILE")
        subprocess.run(["prlimit", "--pid", str(d.pid), "--nofile=%d:%d" % (NOFILE, NOFILE)],
                       check=True)
        for s in socks:
            s.close()
        socks = []
        feed(ml, 500, 100)
        check(wait_lines(sock, 600) == 600, "the daemon goes on counting afterwards")
        check(d.term() == 0, "SIGTERM: exit 0")

        say("== 4. relaywatch status gives up at its timeout")
        fstate = os.path.join(tmp, "fake")
        os.makedirs(fstate)
        fcfg = os.path.join(tmp, "fake.yaml")
        rwtest.write_config(fcfg, {
            "hostname": "t.example", "state_dir": fstate,
            "sources": {"supervise_dir": ""},
            "rules": [{"name": "hourly", "kind": "volume", "window": "1h", "limit": 100}]})
        srv, held_socks = fake_server(os.path.join(fstate, "status.sock"), accept=True)
        rc, took, out, err = status_cli(binary, fcfg, timeout="2s", limit=15)
        text = err.decode(errors="replace").strip()
        check(rc == 1 and 1.9 <= took < 3.5 and "no answer from the daemon" in text and
              "within 2s" in text and "waiting for the answer" in text,
              "a daemon that accepts and never answers: exit 1 after %.2fs: %s" % (took, text))
        rc, took, out, err = status_cli(binary, fcfg, timeout=None, limit=20)
        text = err.decode(errors="replace").strip()
        check(rc == 1 and 9.9 <= took < 12 and "within 10s" in text,
              "without --timeout: exit %s after %.2fs (the 10s default): %s" % (rc, took, text))
        srv.close()
        for c in held_socks:
            c.close()
        os.unlink(os.path.join(fstate, "status.sock"))
        srv, held_socks = fake_server(os.path.join(fstate, "status.sock"), accept=False)
        rc, took, out, err = status_cli(binary, fcfg, timeout="2s", limit=15)
        text = err.decode(errors="replace").strip()
        check(rc == 1 and 1.9 <= took < 3.5 and "(connecting" in text,
              "a socket whose backlog is full: exit 1 after %.2fs: %s" % (took, text))
        srv.close()
        for c in held_socks:
            c.close()
        rwtest.check_status_json_valid()
        say("PASS")
        return 0
    except rwtest.TestFailure as e:
        say("FAIL: %s" % e)
        if d is not None:
            say(d.log_tail(40))
        return 1
    finally:
        for s in socks:
            s.close()
        if d is not None:
            d.stop_quietly()
        if ml is not None and ml.proc.poll() is None:
            ml.proc.stdin.close()
            ml.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
