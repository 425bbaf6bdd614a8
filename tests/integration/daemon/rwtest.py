"""rwtest: what the daemon tests share: a running `relaywatch run`, its status, multilog, and an
independent model of the documented counting semantics.

Nothing here comes from relaywatch's code: TAI64N is decoded here, chkuser lines are parsed by a
regular expression, windows are lists of slices and the dedup ledger is a dict. The semantics are
the ones detector.h, bucket_window.h, ledger.h and alert_id.h state:
  - volume (count: recipients): +1 per "relaying rcpt" line for the key;
  - sender (same-domain): +1 per authenticated relaying/accepted/accepted-any rcpt line whose
    non-empty sender's domain differs (ASCII case-insensitively) from the login's;
  - key: the AUTH login with its domain lowercased, or "ip:" + client IP without AUTH;
  - window W: slices of W // 60 ns aligned to the epoch; the count at a line is the number of
    lines of that (rule, key) whose slice index is >= idx(line) - 60, the line included;
  - a finding on each line with count >= limit; the ledger admits the first finding of a
    (rule, key), then the first whose stamp is >= the last admitted stamp + period (period = the
    rule's window with alerts.repeat: window), ignoring stamps <= the last admitted one;
  - alert id: <rule folded to [a-z0-9-]>-<16 hex FNV-1a-64(rule NUL key)>-<unix ns of the line>.
Only the standard library; Python 3.9+.
"""

import calendar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

NS = 1_000_000_000
TAI_BASE = (1 << 62) + 10  # multilog's clock: TAI = UTC + 10 s, as tai64nlocal reads it
DELIVERY = ("relaying rcpt", "accepted rcpt", "accepted any rcpt")
CHKUSER_RE = re.compile(
    r"^CHKUSER ([a-z ]+): from <([^<>:]*):([^<>:]*):([^<>]*)> remote <([^<>]*)> "
    r"rcpt <([^<>]*)> : (.*)$")
STAMP_RE = re.compile(rb"^@([0-9a-f]{16})([0-9a-f]{8}) (.*)$", re.S)
ISO_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$")


def say(msg):
    print(msg, flush=True)


class TestFailure(Exception):
    pass


def check(cond, what):
    """Prints what is checked; raises TestFailure when it does not hold."""
    if not cond:
        raise TestFailure(what)
    say("  ok: " + what)


# ---------------------------------------------------------------------------------------------
# Time

def tai64n_ns(hex16, hex8):
    """The Unix time in ns of a TAI64N label given as its two hex parts."""
    return (int(hex16, 16) - TAI_BASE) * NS + int(hex8, 16)


def iso_ns(text):
    """'2026-11-28T04:49:00.123456500Z' -> Unix ns."""
    m = ISO_RE.match(text)
    if not m:
        raise ValueError("not an ISO 8601 UTC time: %r" % text)
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    frac = (m.group(7) or "").ljust(9, "0")
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) * NS + int(frac or "0")


def tai64n_label(unix_ns):
    """The 24 hex digits multilog would write for `unix_ns`."""
    s, n = divmod(unix_ns, NS)
    return "%016x%08x" % (s + TAI_BASE, n)


# ---------------------------------------------------------------------------------------------
# multilog directories

def multilog_files(d):
    """The files of a multilog dir in reading order: archives by label, previous, current."""
    names = sorted(n for n in os.listdir(d)
                   if n.startswith("@") and (n.endswith(".s") or n.endswith(".u")))
    for extra in ("previous", "current"):
        if os.path.exists(os.path.join(d, extra)):
            names.append(extra)
    return names


def read_multilog(d):
    """[(unix_ns, text)] of every stamped line of `d` in order; raises on an unstamped line."""
    out = []
    for name in multilog_files(d):
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        for raw in data.split(b"\n"):
            if not raw:
                continue
            m = STAMP_RE.match(raw)
            if not m:
                raise TestFailure("unstamped line in %s/%s: %r" % (d, name, raw[:80]))
            out.append((tai64n_ns(m.group(1), m.group(2)), m.group(3).decode()))
    return out


class Multilog:
    """A real `multilog t sSIZE nNUM DIR` fed through a pipe."""

    def __init__(self, d, size=4096, num=100000):
        os.makedirs(d, exist_ok=True)
        self.proc = subprocess.Popen(["multilog", "t", "s%d" % size, "n%d" % num, d],
                                     stdin=subprocess.PIPE)

    def write(self, lines):
        self.proc.stdin.write("".join(l + "\n" for l in lines).encode())
        self.proc.stdin.flush()

    def close(self, timeout=30):
        self.proc.stdin.close()
        rc = self.proc.wait(timeout)
        if rc != 0:
            raise TestFailure("multilog exited %d" % rc)


# ---------------------------------------------------------------------------------------------
# Lines

def chkuser(verdict, sender, auth, ip, rcpt, reason="client allowed to relay", helo="pc"):
    return "CHKUSER %s: from <%s:%s:> remote <%s:unknown:%s> rcpt <%s> : %s" % (
        verdict, sender, auth, helo, ip, rcpt, reason)


def domain_of(addr):
    return addr.rsplit("@", 1)[1] if "@" in addr else ""


def normalize_login(login):
    """The account vpopmail authenticates: lowercased, split at the first '@', '%' or '/'."""
    login = login.lower()
    m = re.search(r"[@%/]", login)
    return login[:m.start()] + "@" + login[m.end():] if m else login


# ---------------------------------------------------------------------------------------------
# The independent model

def fnv1a64(data, h=14695981039346656037):
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def rule_prefix(rule):
    out, dash = "", False
    for c in rule.lower():
        if c.isascii() and c.isalnum():
            if dash and out:
                out += "-"
            dash = False
            if len(out) >= 36:
                break
            out += c
        else:
            dash = True
    out = out[:36].rstrip("-")
    return out or "rule"


def alert_id(rule, key, unix_ns):
    h = fnv1a64(rule.encode() + b"\0" + key.encode())
    return "%s-%016x-%d" % (rule_prefix(rule), h, unix_ns & 0xFFFFFFFFFFFFFFFF)


class Model:
    """The documented counting of volume (recipients) and sender (same-domain) rules.

    rules: [{"name", "kind": "volume"|"sender", "window": seconds, "limit"}]."""

    def __init__(self, rules):
        self.rules = [dict(r, window_ns=r["window"] * NS, width=(r["window"] * NS) // 60)
                      for r in rules]
        self.slices = {}   # (rule, key) -> [[idx, count, first_ns], ...] ascending
        self.last = {}     # (rule, key) -> stamp of the last admitted finding
        self.alerts = []   # dicts: id, rule, user, count, limit, first, last (ns)
        self.findings = 0
        self.lines = self.relay = 0

    def _count(self, rule, key, t):
        idx = t // rule["width"]
        sl = self.slices.setdefault((rule["name"], key), [])
        if sl and sl[-1][0] == idx:
            sl[-1][1] += 1
            sl[-1][2] = min(sl[-1][2], t)
        else:
            sl.append([idx, 1, t])
        while sl and sl[0][0] < idx - 60:
            sl.pop(0)
        count = sum(s[1] for s in sl)
        if count < rule["limit"]:
            return
        self.findings += 1
        k = (rule["name"], key)
        last = self.last.get(k)
        if last is not None and (t <= last or t - last < rule["window_ns"]):
            return
        self.last[k] = t
        self.alerts.append({"id": alert_id(rule["name"], key, t), "rule": rule["name"],
                            "user": key, "count": count, "limit": rule["limit"],
                            "first": sl[0][2], "last": t})

    def feed(self, t, text):
        self.lines += 1
        m = CHKUSER_RE.match(text)
        if not m:
            return
        verdict, sender, auth, _ident, remote, _rcpt, _reason = m.groups()
        ip = remote.split(":", 2)[2]
        key = normalize_login(auth) if auth else "ip:" + ip
        if verdict == "relaying rcpt":
            self.relay += 1
        for r in self.rules:
            if r["kind"] == "volume" and verdict == "relaying rcpt":
                self._count(r, key, t)
            elif (r["kind"] == "sender" and auth and verdict in DELIVERY and sender
                  and domain_of(sender).lower() != domain_of(auth).lower()):
                self._count(r, key, t)


# ---------------------------------------------------------------------------------------------
# Config and the exec recorder

# "ppid" is the daemon that ran the hook, or 1 when that daemon was killed before the hook got
# this far (the hook was orphaned: its delivery was cut short by the kill).
RECORDER = r'''
import os
ppid = os.getppid()
import json, sys, time
data = sys.stdin.buffer.read()
rec = {"ppid": ppid, "at": time.time(), "alert": json.loads(data)}
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
os.write(fd, (json.dumps(rec) + "\n").encode())
os.close(fd)
'''


def write_recorder(tmp):
    path = os.path.join(tmp, "record_alert.py")
    with open(path, "w") as f:
        f.write(RECORDER)
    return path


def exec_channel(tmp, out, name="rec"):
    return {"name": name, "format": "json", "via": "exec",
            "command": [sys.executable, "-S", "-E", write_recorder(tmp), out]}


def model_rules_yaml(rules):
    out = []
    for r in rules:
        d = {"name": r["name"], "kind": r["kind"], "window": "%ds" % r["window"],
             "limit": r["limit"]}
        if r["kind"] == "sender":
            d["policy"] = "same-domain"
        out.append(d)
    return out


def write_config(path, doc):
    """Writes `doc` as JSON (a JSON document is a YAML document)."""
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def read_records(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


# ---------------------------------------------------------------------------------------------
# The daemon

class Daemon:
    """`relaywatch run -c CONFIG`, its stderr appended to LOG."""

    def __init__(self, binary, config, log, state_dir):
        self.binary, self.config, self.log, self.state_dir = binary, config, log, state_dir
        self.proc = None
        self.pids = []

    def start(self):
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen([self.binary, "run", "-c", self.config],
                                         stdout=err, stderr=err)
        self.pids.append(self.proc.pid)
        return self.proc.pid

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def status(self):
        """The status JSON straight from status.sock, or None when it does not answer."""
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(15)
            s.connect(os.path.join(self.state_dir, "status.sock"))
            s.sendall(b"json\n")
            chunks = []
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
            s.close()
            return parse_status(b"".join(chunks))
        except (OSError, ValueError):
            return None

    def status_cli(self):
        """`relaywatch status -c CONFIG --format json`, parsed."""
        r = subprocess.run([self.binary, "status", "-c", self.config, "--format", "json"],
                           capture_output=True, timeout=20)
        if r.returncode != 0:
            raise TestFailure("relaywatch status exited %d: %s" % (r.returncode, r.stderr))
        return parse_status(r.stdout)

    def wait_for(self, pred, what, timeout=60, interval=0.05):
        """Polls status until pred(status) is true; raises with the last status on the deadline."""
        deadline = time.monotonic() + timeout
        st = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise TestFailure("daemon exited %d while waiting for: %s\n%s" % (
                    self.proc.returncode, what, self.log_tail()))
            st = self.status()
            if st is not None:
                try:
                    if pred(st):
                        return st
                except (KeyError, IndexError, TypeError):
                    pass
            time.sleep(interval)
        raise TestFailure("timed out after %ss waiting for: %s\nlast status: %s\n%s" % (
            timeout, what, json.dumps(st)[:3000] if st else None, self.log_tail()))

    def wait_started(self, timeout=30):
        """Waits for this instance's "started" log line (it logs one per start)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log_text().count(" started: ") >= len(self.pids):
                return
            if self.proc.poll() is not None:
                raise TestFailure("daemon exited %d at start\n%s" % (self.proc.returncode,
                                                                    self.log_tail()))
            time.sleep(0.02)
        raise TestFailure("daemon did not log its start within %ss\n%s" % (timeout,
                                                                          self.log_tail()))

    def wait_up(self, timeout=30):
        return self.wait_for(lambda st: True, "status answers", timeout)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def term(self, timeout=30):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise TestFailure("daemon did not exit within %ss of SIGTERM" % timeout)

    def stop_quietly(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=25):
        return "daemon stderr (tail):\n" + "\n".join(self.log_text().splitlines()[-n:])


def caught_up(d, st, service_dir):
    """True when status' position for `service_dir` is at the end of its `current`."""
    cur = os.stat(os.path.join(service_dir, "current"))
    for s in st["sources"]:
        if s["dir"] == service_dir:
            p = s["position"]
            return (p is not None and p["inode"] == cur.st_ino and p["device"] == cur.st_dev
                    and p["offset"] == cur.st_size)
    return False


def outbox_idle(st):
    # alerts_unspooled: admitted alerts not yet in the spool (still queued, or refused by its disk).
    return (all(o["pending"] == 0 for o in st["outbox"])
            and st.get("alerts_unspooled", 0) == 0)


# Every status document that was not valid JSON as sent (bug B-daemon-1: the rules array was not
# closed). parse_status repairs that one known defect so the rest of a test can still run, and
# each test ends with check_status_json_valid(), which fails while it happens.
INVALID_STATUS = []


def parse_status(raw):
    try:
        return json.loads(raw)
    except ValueError:
        INVALID_STATUS.append(raw[:200])
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
        return json.loads(text.replace(',"outbox":', '],"outbox":', 1))


def check_status_json_valid():
    check(not INVALID_STATUS, "every status --format json answer was valid JSON (%d were not, "
          "e.g. %r)" % (len(INVALID_STATUS), INVALID_STATUS[:1]))


def proc_status_kb(pid, field):
    """A kB field of /proc/PID/status (VmRSS, VmHWM, ...); 0 when absent."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def find_binary(argv):
    if len(argv) > 1:
        return os.path.abspath(argv[1])
    env = os.environ.get("RELAYWATCH")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "..", "build-daemon", "relaywatch")


def run_parts(prefix, parts, argv):
    """A test's main(): runs part(binary, tmp) for each of `parts` in one temporary directory,
    then checks the status JSON; prints PASS or FAILED and returns the exit code. The directory
    is removed, unless the test failed and KEEP is set in the environment."""
    import tempfile
    binary = find_binary(argv)
    tmp = tempfile.mkdtemp(prefix=prefix)
    ok = False
    try:
        for part in parts:
            part(binary, tmp)
        check_status_json_valid()
        ok = True
    except TestFailure as e:
        say("FAIL: %s" % e)
    finally:
        ok = finish(ok, tmp)
    return 0 if ok else 1


def finish(ok, tmp):
    """Removes `tmp` (kept on a failure when KEEP is set, to look at) and says PASS or FAILED."""
    import shutil
    if ok or os.environ.get("KEEP") is None:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        say("kept %s" % tmp)
    say("PASS" if ok else "FAILED")
    return ok
