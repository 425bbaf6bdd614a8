#!/usr/bin/python3
"""Benchmark: `relaywatch report` over generated multilog days, against grep.

Not a test: it prints numbers. The floor is `LC_ALL=C grep -c 'CHKUSER relaying rcpt'` over the
same files, run in the same script, so the ratio holds on any machine. With --decode-floor, also
tests/bench/decode_floor on the same files: report's reading, stamping and parsing with no counting,
the part of report's time no rule or tally change can remove.

Two shapes of day, each generated into its own multilog directory (DIR/<shape>/submission):
  friendly  2,500 logins; a connection relays 1-4 recipients from one client address, 30 % of them
            also deliver one local copy; tcpserver pid/ok/end around every connection; archives of
            100,000 lines. The day this benchmark always generated (same seed, same bytes).
  big       a big site's day: 20,000 logins; a connection relays ONE recipient from a fresh client
            address (random IPv4, 5 % IPv6), so consecutive lines rarely share a login. Lines:
            ~66 % relaying rcpt, ~12 % accepted rcpt and ~5 % rejected rcpt from outside senders
            (not authenticated), ~14 % tcpserver pid/ok/end, ~3 % spamdyke DENIED. 3 % of the
            logins are written in upper case (U19482@DOM2.EXAMPLE), 2 % of the senders are forged.
            Archives of ~1 MB, as multilog s1000000 cuts them. One relaying line per connection and
            14 % tcpserver lines cannot both hold with pid/ok/end around every connection (that
            alone is 3 lines per relaying line), so only ~1 connection in 18 carries them, as if
            the rest were logged elsewhere.
--mix F generates one day instead, where each connection is big-style with probability F (friendly
otherwise), in 1 MB archives.

Each timed command runs as its own child, reaped with os.wait4: wall and CPU (user+sys) are that
child's alone, medians of --runs. Its ru_maxrss is not: Linux carries the peak RSS of the memory a
process had before exec into it, and a child of this script starts with a copy of the script's
(tens of MiB after generating a day; even `true` would show it). So peak RSS comes from one more,
untimed, run of each command forked by a small /bin/sh, whose orphan this script reaps as child
subreaper; it reads the command's own peak, above a floor of sh's (shown, about 1 MiB).

--rules FILE is given to report as `-c FILE` (without it, report uses its built-in rules);
tests/bench/big_site_rules.yaml holds volume 1h and 24h, sender 24h and remote-ips 1h.
--one-core runs each report again under `taskset -c 0` (the same output is asserted) and prints the
ratio of the two walls, pair by pair: how much report gains from the other cores (report --threads,
default one shard per core, and the decoding thread). --threads N is given to report.
Usage: report_bench.py RELAYWATCH [--shape friendly|big|both | --mix F] [--rules FILE] [--days N]
                       [--decode-floor BIN] [--lines N] [--runs R] [--keep DIR] [--threads N]
                       [--one-core]
"""
import argparse
import ctypes
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time

TAI_OFFSET = (1 << 62) + 10

# The big shape's line mix, in lines per 100. Every line but tcpserver's starts a connection of
# its own, so a connection carries tcpserver's pid/ok/end with the probability below.
BIG_MIX = {"relaying": 66, "accepted": 12, "rejected": 5, "tcpserver": 14, "spamdyke": 3}
BIG_CONNECTIONS = BIG_MIX["relaying"] + BIG_MIX["accepted"] + BIG_MIX["rejected"] + BIG_MIX["spamdyke"]
BIG_P_TCPSERVER = BIG_MIX["tcpserver"] / 3 / BIG_CONNECTIONS
MULTILOG_S = 1_000_000  # multilog's s1000000; it cuts a file at a newline within 2000 bytes of s


def label(t_ns):
    s, ns = divmod(t_ns, 1_000_000_000)
    return "@%016x%08x" % (s + TAI_OFFSET, ns)


def fresh_ip(rnd):
    if rnd.random() < 0.05:
        return "2001:db8:%x:%x::%x" % (rnd.getrandbits(16), rnd.getrandbits(16), rnd.getrandbits(16))
    first = rnd.choice([a for a in range(1, 224) if a not in (10, 127)])
    return f"{first}.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}"


def friendly_connection(rnd, users, pid):
    """1-4 relaying rcpt from one login and one address, sometimes a local copy; tcpserver around."""
    u = rnd.choice(users)
    ip = f"198.51.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}"
    sender = u if rnd.random() > 0.02 else "ceo@" + rnd.choice(("bank.example", "EXAMPLE.org"))
    lines = [f"tcpserver: pid {pid} from {ip}",
             f"tcpserver: ok {pid} mail.example.com:192.0.2.10:587 :{ip}::{rnd.randint(1024, 65535)}"]
    for _ in range(rnd.randint(1, 4)):
        r = f"r{rnd.randint(1, 99999)}@gmail.example"
        lines.append(f"CHKUSER relaying rcpt: from <{sender}:{u}:> remote <pc:unknown:{ip}> "
                     f"rcpt <{r}> : client allowed to relay")
    if rnd.random() < 0.3:
        lines.append(f"CHKUSER accepted rcpt: from <{sender}:{u}:> remote <pc:unknown:{ip}> "
                     f"rcpt <colleague@example.com> : found existing recipient")
    lines.append(f"tcpserver: end {pid} status 0")
    return lines


def big_connection(rnd, users, pid):
    """One line of chkuser or spamdyke from a fresh address; tcpserver around it now and then."""
    ip = fresh_ip(rnd)
    helo = f"[IPv6:{ip}]" if ":" in ip else rnd.choice(("pc", "", f"[{ip}]", "laptop.home.example"))
    pick = rnd.random() * BIG_CONNECTIONS
    if pick < BIG_MIX["relaying"]:
        u = rnd.choice(users)
        login = u.upper() if rnd.random() < 0.03 else u
        sender = u if rnd.random() > 0.02 else "ceo@" + rnd.choice(("bank.example", "EXAMPLE.org"))
        to = rnd.choice(("gmail.example", "yahoo.example", "mail.example.net",
                         f"shop{rnd.randint(1, 500)}.example"))
        r = f"r{rnd.randint(1, 999999)}@{to}"
        line = (f"CHKUSER relaying rcpt: from <{sender}:{login}:> remote <{helo}:unknown:{ip}> "
                f"rcpt <{r}> : client allowed to relay")
    elif pick < BIG_CONNECTIONS - BIG_MIX["spamdyke"]:
        n = rnd.randint(1, 5000)
        mx = f"mx{rnd.randint(1, 9)}.outside{n}.example"
        frm = f"{rnd.choice(('news', 'info', 'noreply', 'billing', 'someone'))}@outside{n}.example"
        if pick < BIG_MIX["relaying"] + BIG_MIX["accepted"]:
            line = (f"CHKUSER accepted rcpt: from <{frm}::> remote <{mx}:unknown:{ip}> "
                    f"rcpt <{rnd.choice(users)}> : found existing recipient")
        else:
            local = rnd.choice(users).split("@")[1]
            line = (f"CHKUSER rejected rcpt: from <{frm}::> remote <{mx}:unknown:{ip}> "
                    f"rcpt <x{rnd.randint(1, 99999)}@{local}> : not existing recipient")
    else:
        what, why = rnd.choice((("DENIED_RBL_MATCH", "zen.spamhaus.org"),
                                ("DENIED_RBL_MATCH", "bl.spamcop.net"),
                                ("DENIED_RDNS_MISSING", "(empty)")))
        frm = f"x{rnd.randint(1, 99999)}@spam{rnd.randint(1, 999)}.example"
        line = (f"spamdyke[{pid}]: {what} from: {frm} "
                f"to: {rnd.choice(users)} origin_ip: {ip} origin_rdns: (unknown) auth: (unknown) "
                f"encryption: (none) reason: {why}")
    if rnd.random() >= BIG_P_TCPSERVER:
        return [line]
    local = "2001:db8::10" if ":" in ip else "192.0.2.10"
    return [f"tcpserver: pid {pid} from {ip}",
            f"tcpserver: ok {pid} mail.example.com:{local}:587 :{ip}::{rnd.randint(1024, 65535)}",
            line,
            f"tcpserver: end {pid} status 0"]


def generate(d, n_lines, mix=0.0, seed=7, days=1):
    """n_lines over `days` days into multilog directory d; mix: the share of big-style connections.

    mix 0 (friendly) cuts archives every 100,000 lines; any other mix cuts them as multilog
    s1000000 does. Returns the number of relaying rcpt lines."""
    rnd = random.Random(seed)
    friendly_users = [f"user{i:05d}@{('example.com', 'example.net', 'corp.example')[i % 3]}"
                      for i in range(2500)]
    big_users = [f"u{i:05d}@dom{i % 10}.example" for i in range(20_000)]
    per_file = 100_000 if mix == 0 else None
    start = 1795824000 * 1_000_000_000  # 2026-11-28 00:00 UTC
    step = days * 86_400 * 1_000_000_000 // n_lines
    t = start
    buf, size, written, pid = [], 0, 0, 1000
    relay = 0
    while written < n_lines:
        pid += 1
        big = mix >= 1 or (mix > 0 and rnd.random() < mix)  # no draw at 0: friendly keeps its bytes
        if big:
            lines = big_connection(rnd, big_users, pid)
        else:
            lines = friendly_connection(rnd, friendly_users, pid)
        for text in lines:
            if written >= n_lines:
                break
            t += step
            line = f"{label(t)} {text}\n"
            buf.append(line)
            size += len(line)
            written += 1
            relay += text.startswith("CHKUSER relaying rcpt")
            full = len(buf) >= per_file if per_file else size >= MULTILOG_S - 2000
            if full:
                name = label(t + 1) + ".s" if written < n_lines else "current"
                with open(os.path.join(d, name), "w") as f:
                    f.writelines(buf)
                buf, size = [], 0
    if buf:
        with open(os.path.join(d, "current"), "w") as f:
            f.writelines(buf)
    return relay


def timed(cmd, env=None):
    """(wall s, stdout, this child's user+sys s)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = p.stdout.read()
    p.stdout.close()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    if p.returncode != 0:
        raise subprocess.CalledProcessError(p.returncode, cmd, out)
    return dt, out, ru.ru_utime + ru.ru_stime


PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def peak_rss(cmd, env=None):
    """cmd's own ru_maxrss in KiB: cmd is forked by a small sh that exits at once, not by this
    process (whose memory the child of a fork or vfork inherits into its maxrss), and reaped here."""
    sh = subprocess.Popen(["/bin/sh", "-c", '"$@" & exit 0', "sh"] + cmd,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    sh.stdout.read()  # to EOF, when cmd has exited too; a pipe as in the timed runs, not
    sh.stdout.close()  # /dev/null, where grep stops at the first match
    _, status, _ = os.wait4(sh.pid, 0)
    sh.returncode = os.waitstatus_to_exitcode(status)
    _, status, ru = os.wait4(-1, 0)  # cmd, orphaned by sh and handed to this subreaper
    if sh.returncode != 0 or os.waitstatus_to_exitcode(status) != 0:
        raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), cmd)
    return ru.ru_maxrss


def bench(name, d, n_lines, relay, a, env):
    files = sorted(os.listdir(d))
    paths = [os.path.join(d, f) for f in files]
    size = sum(os.path.getsize(x) for x in paths)
    grep, rw, floor = [], [], []  # (wall, cpu) per run
    grep_cmd = ["grep", "-H", "-c", "CHKUSER relaying rcpt"] + paths
    for _ in range(a.runs):
        dt, out, cpu = timed(grep_cmd, env)
        grep.append((dt, cpu))
        got = sum(int(x.rsplit(b":", 1)[1]) for x in out.splitlines())
        assert got == relay, (got, relay)
    report = [a.relaywatch] + (["-c", a.rules] if a.rules else []) + [
        "report", "--all", "--format", "json", "--dir", d] + (
        ["--threads", str(a.threads)] if a.threads else [])
    one_core = ["taskset", "-c", "0"] + report
    pinned = []  # (wall, wall of the report run just before): the pair's ratio
    for _ in range(a.runs):
        dt, out, cpu = timed(report, env)
        rw.append((dt, cpu))
        got = json.loads(out)["lines"]
        assert got["relay"] == relay, f"report's relay count {got['relay']} differs from grep's {relay}"
        assert got["total"] == n_lines, f"report read {got['total']} lines of {n_lines}"
        if a.one_core:
            dt1, out1, _ = timed(one_core, env)
            assert out1 == out, "report on one core printed another report"
            pinned.append((dt1, dt))
    for _ in range(a.runs if a.decode_floor else 0):
        dt, out, cpu = timed([a.decode_floor, d], env)
        floor.append((dt, cpu))
        assert out.split()[-1] == str(relay).encode(), "decode_floor's relay count differs from grep's"

    def med(runs, i):
        return statistics.median(r[i] for r in runs)
    g, r = med(grep, 0), med(rw, 0)
    row = {"shape": name, "lines": n_lines, "files": len(files), "MB": f"{size / 1e6:.1f}",
           "grep_s": f"{g:.3f}", "report_s": f"{r:.3f}", "x_grep": f"{r / g:.2f}",
           "lines/s": f"{n_lines / r / 1e6:.2f}M", "cpu_s": f"{med(rw, 1):.3f}",
           "rss_MiB": f"{peak_rss(report, env) / 1024:.1f}",
           "grep_cpu_s": f"{med(grep, 1):.3f}", "grep_rss_MiB": f"{peak_rss(grep_cmd, env) / 1024:.1f}"}
    if pinned:
        row.update({"one_core_s": f"{med(pinned, 0):.3f}",
                    "x_one_core": f"{statistics.median(b / p for p, b in pinned):.2f}"})
    if floor:
        f = med(floor, 0)
        row.update({"floor_s": f"{f:.3f}", "x_floor": f"{r / f:.2f}"})
    return row


def main():
    p = argparse.ArgumentParser(description="relaywatch report vs grep -c on generated multilog days")
    p.add_argument("relaywatch")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--shape", choices=("friendly", "big", "both"), default="both")
    which.add_argument("--mix", type=float, metavar="F",
                       help="one day where a connection is big-style with probability F (0..1)")
    p.add_argument("--rules", metavar="FILE", help="relaywatch config for report (-c FILE)")
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=1,
                   help="spread the lines over this many days (10 days of 1M lines: --lines 10000000 --days 10)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--keep", metavar="DIR", help="generate into DIR/<shape>/submission and keep it")
    p.add_argument("--decode-floor", metavar="BIN")
    p.add_argument("--threads", type=int, help="report --threads N (default: report's, one per core)")
    p.add_argument("--one-core", action="store_true",
                   help="also run each report under taskset -c 0, paired with the run before it")
    a = p.parse_args()
    if a.mix is not None:
        if not 0 <= a.mix <= 1:
            p.error("--mix must be between 0 and 1")
        shapes = [(f"mix{a.mix:g}", a.mix)]
    else:
        shapes = [(s, m) for s, m in (("friendly", 0.0), ("big", 1.0)) if a.shape in (s, "both")]
    become_subreaper()
    top = a.keep or tempfile.mkdtemp(prefix="rw-bench-")
    env = dict(os.environ, LC_ALL="C")
    rows, notes = [], []
    try:
        for name, mix in shapes:
            d = os.path.join(top, name, "submission")  # the service name report derives from the dir
            os.makedirs(d, exist_ok=True)
            for f in os.listdir(d):  # a kept directory from an earlier run: start it afresh
                os.remove(os.path.join(d, f))
            relay = generate(d, a.lines, mix, days=a.days)
            rows.append(bench(name, d, a.lines, relay, a, env))
            notes.append(f"{name}: {relay} relaying rcpt ({100 * relay / a.lines:.1f} %)")
    finally:
        if not a.keep:
            shutil.rmtree(top)
    print(f"report {'-c ' + a.rules if a.rules else '(built-in rules)'}; medians of {a.runs} runs; "
          + "; ".join(notes))
    cols = list(rows[0])
    width = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    print("  ".join(c.ljust(width[c]) if c == "shape" else c.rjust(width[c]) for c in cols))
    for r in rows:
        print("  ".join(str(r[c]).ljust(width[c]) if c == "shape" else str(r[c]).rjust(width[c])
                        for c in cols))
    print("x_grep: report_s / grep_s; lines/s: report's, by wall; cpu_s and rss_MiB: report's own "
          "(user+sys, ru_maxrss of that child), grep_* grep's; "
          f"RSS floor (`true` forked as they are): {peak_rss(['true']) / 1024:.1f} MiB" +
          ("; floor_s: decode_floor, x_floor: report_s / floor_s" if a.decode_floor else "") +
          ("; one_core_s: the same report under taskset -c 0, x_one_core: median of each pair's "
           "all-cores wall / one-core wall (below 1: the other cores are used)" if a.one_core else ""))


if __name__ == "__main__":
    main()
