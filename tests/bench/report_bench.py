#!/usr/bin/python3
"""Benchmark: `relaywatch report` over a generated 1M-line multilog directory, against grep.

Not a test: it prints numbers. The floor is `LC_ALL=C grep -c 'CHKUSER relaying rcpt'` over the
same files, run in the same script, so the ratio holds on any machine. With --decode-floor, also
tests/bench/decode_floor on the same files: report's reading, stamping and parsing with no counting,
the part of report's time no rule or tally change can remove. Peak RSS is the child's ru_maxrss.
Usage: report_bench.py RELAYWATCH [--decode-floor BIN] [--lines N] [--runs R] [--keep DIR]
"""
import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time

TAI_OFFSET = (1 << 62) + 10


def label(t_ns):
    s, ns = divmod(t_ns, 1_000_000_000)
    return "@%016x%08x" % (s + TAI_OFFSET, ns)


def generate(d, n_lines, logins=2500, per_file=100_000, seed=7):
    """A day of submission traffic: relaying rcpt ~45%, tcpserver ~35%, the rest accepted/other."""
    rnd = random.Random(seed)
    users = [f"user{i:05d}@{('example.com', 'example.net', 'corp.example')[i % 3]}"
             for i in range(logins)]
    start = 1795824000 * 1_000_000_000  # 2026-11-28 00:00 UTC
    step = 86_400 * 1_000_000_000 // n_lines
    t = start
    files, buf, written, pid = [], [], 0, 1000
    relay = 0
    while written < n_lines:
        pid += 1
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
        for text in lines:
            if written >= n_lines:
                break
            t += step
            buf.append(f"{label(t)} {text}\n")
            written += 1
            relay += text.startswith("CHKUSER relaying rcpt")
            if len(buf) >= per_file:
                name = label(t + 1) + ".s" if written < n_lines else "current"
                files.append(name)
                with open(os.path.join(d, name), "w") as f:
                    f.writelines(buf)
                buf = []
    if buf:
        with open(os.path.join(d, "current"), "w") as f:
            f.writelines(buf)
    return relay


def timed(cmd, env=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, check=True)
    dt = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return dt, out.stdout, after.ru_maxrss, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("relaywatch")
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--keep")
    p.add_argument("--decode-floor")
    a = p.parse_args()
    top = a.keep or tempfile.mkdtemp(prefix="rw-bench-")
    d = os.path.join(top, "submission")  # the service name report derives from the dir
    os.makedirs(d, exist_ok=True)
    try:
        relay = generate(d, a.lines)
        files = sorted(os.listdir(d))
        paths = [os.path.join(d, f) for f in files]
        size = sum(os.path.getsize(x) for x in paths)
        env = dict(os.environ, LC_ALL="C")
        grep_times, rw_times, rss = [], [], 0
        grep_cpu, rw_cpu = [], []
        for _ in range(a.runs):
            dt, out, _, cpu = timed(["grep", "-H", "-c", "CHKUSER relaying rcpt"] + paths, env)
            grep_times.append(dt)
            grep_cpu.append(cpu)
            got = sum(int(x.rsplit(b":", 1)[1]) for x in out.splitlines())
            assert got == relay, (got, relay)
        for _ in range(a.runs):
            dt, out, maxrss, cpu = timed([a.relaywatch, "report", "--all", "--format", "json",
                                          "--dir", d], env)
            rw_times.append(dt)
            rw_cpu.append(cpu)
            rss = max(rss, maxrss)
            assert f'"relay":{relay}'.encode() in out, "report's relay count differs from grep's"
        floor_times = []
        for _ in range(a.runs if a.decode_floor else 0):
            dt, out, _, _ = timed([a.decode_floor, d], env)
            floor_times.append(dt)
            assert out.split()[-1] == str(relay).encode(), "decode_floor's relay count differs from grep's"
        g, r = statistics.median(grep_times), statistics.median(rw_times)
        gc, rc = statistics.median(grep_cpu), statistics.median(rw_cpu)
        print(f"input: {a.lines} lines, {size / 1e6:.1f} MB in {len(files)} files, {relay} relaying rcpt")
        print(f"grep -c:  median wall {g:.3f} s, cpu {gc:.3f} s  ({a.lines / g / 1e6:.2f} M lines/s wall)")
        print(f"report:   median wall {r:.3f} s, cpu {rc:.3f} s  ({a.lines / r / 1e6:.2f} M lines/s wall, "
              f"{a.lines / rc / 1e6:.2f} M lines/s cpu)")
        print(f"ratio report/grep: wall {r / g:.2f}x, cpu {rc / gc:.2f}x   "
              f"peak RSS (max of children): {rss / 1024:.1f} MiB")
        if floor_times:
            f = statistics.median(floor_times)
            print(f"decode floor (no counting): median wall {f:.3f} s, {f / g:.2f}x grep; "
                  f"report is {r / f:.2f}x its own decoding")
    finally:
        if not a.keep:
            shutil.rmtree(top)


if __name__ == "__main__":
    main()
