#!/usr/bin/python3
"""Traffic simulator for the relaywatch demo: chkuser and tcpserver lines as a qmail service logs them.

Run as a daemontools service: stdout goes to the service's log/run (real multilog t), which
stamps each line. One process per service:
  submission  300 normal logins sending as themselves, and after a short warm-up:
              a fraudster (suzy@example.com sending as ceo@bank.example),
              a burst abuser (bob@example.com, 700 recipients in a minute),
              a stolen password used from 40 client IPs (sales@example.com)
  smtp        inbound mail, and one login relaying on port 25 (service-policy)
Lines are written in chkuser 2.0.9's classic format; the traffic repeats until stopped.
With --part I/N (the fleet demo: N mail servers behind one name), this process is server I of N:
the burst abuser's and the stolen password's connections are dealt round-robin, so server I sees
only every Nth of them (bob's 700 recipients as 350 + 350: under the limit of 500 on each server,
over it for the fleet), while the fraudster's forged sender reaches every server.
"""
import argparse
import random
import sys
import time

DOMAINS = ["example.com", "example.net"]
REMOTE = ["gmail.example", "yahoo.example", "outlook.example", "mail.example.org"]


def chkuser(verdict, sender, auth, helo, ip, rcpt, reason):
    return (f"CHKUSER {verdict}: from <{sender}:{auth}:> remote <{helo}:unknown:{ip}> "
            f"rcpt <{rcpt}> : {reason}")


class Out:
    def __init__(self, rate):
        self.rate = rate

    def emit(self, line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        if self.rate:
            time.sleep(1.0 / self.rate)


def session(out, pid, ip, auth, sender, rcpts, port):
    out.emit(f"tcpserver: pid {pid} from {ip}")
    out.emit(f"tcpserver: ok {pid} mail.example.com:192.0.2.10:{port} :{ip}::{40000 + pid % 20000}")
    for r in rcpts:
        out.emit(chkuser("relaying rcpt", sender, auth, "client", ip, r, "client allowed to relay"))
    out.emit(f"tcpserver: end {pid} status 0")


def submission(out, rnd, warmup, part=(1, 1)):
    users = [f"user{i:03d}@{DOMAINS[i % 2]}" for i in range(300)]
    # Each normal user sends from one of two addresses of their own, far below the
    # remote-ips limit, so the only IPS alert is the one the demo stages.
    homes = {u: (f"198.51.100.{i % 250 + 1}", f"198.51.101.{i // 2 + 1}")
             for i, u in enumerate(users)}
    pid = 1000
    start = time.monotonic()
    bursts_done = set()
    while True:
        pid += 1
        u = rnd.choice(users)
        ip = rnd.choice(homes[u])
        rcpts = [f"friend{rnd.randint(1, 999)}@{rnd.choice(REMOTE)}" for _ in range(rnd.randint(1, 3))]
        session(out, pid, ip, u, u, rcpts, 587)
        elapsed = time.monotonic() - start
        if elapsed < warmup:
            continue
        if "fraud" not in bursts_done:
            bursts_done.add("fraud")
            pid += 1
            session(out, pid, "203.0.113.5", "suzy@example.com", "ceo@bank.example",
                    ["payments@" + REMOTE[0]], 587)
        if "burst" not in bursts_done:
            bursts_done.add("burst")
            for n in range(14):  # 14 connections x 50 recipients: chkuser's per-connection cap
                pid += 1
                if n % part[1] != part[0] - 1:
                    continue
                session(out, pid, "203.0.113.80", "bob@example.com", "bob@example.com",
                        [f"victim{n * 50 + k}@{rnd.choice(REMOTE)}" for k in range(50)], 587)
        if "ips" not in bursts_done:
            bursts_done.add("ips")
            for n in range(40):
                pid += 1
                if n % part[1] != part[0] - 1:
                    continue
                session(out, pid, f"192.0.2.{100 + n}", "sales@example.com", "sales@example.com",
                        [f"lead{n}@{rnd.choice(REMOTE)}"], 587)


def smtp(out, rnd, warmup):
    pid = 50000
    start = time.monotonic()
    port25_done = False
    while True:
        pid += 1
        ip = f"203.0.113.{rnd.randint(100, 250)}"
        out.emit(f"tcpserver: pid {pid} from {ip}")
        out.emit(chkuser("accepted rcpt", f"news@list{rnd.randint(1, 9)}.example", "", "mx", ip,
                         f"user{rnd.randint(0, 299):03d}@example.com", "found existing recipient"))
        out.emit(f"tcpserver: end {pid} status 0")
        if not port25_done and time.monotonic() - start >= warmup:
            port25_done = True
            pid += 1
            session(out, pid, "198.51.100.77", "tom@example.com", "tom@example.com",
                    ["partner@" + REMOTE[2]], 25)
        time.sleep(0.2)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("service", choices=["submission", "smtp"])
    p.add_argument("--rate", type=float, default=100, help="lines per second (0 = no pause)")
    p.add_argument("--warmup", type=float, default=5, help="seconds of normal traffic first")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--part", default="1/1", help="I/N: this is mail server I of N (fleet demo)")
    a = p.parse_args()
    i, n = (int(x) for x in a.part.split("/"))
    if not 1 <= i <= n:
        p.error("--part: expected I/N with 1 <= I <= N, got " + a.part)
    out = Out(a.rate)
    rnd = random.Random(a.seed)
    try:
        if a.service == "submission":
            submission(out, rnd, a.warmup, (i, n))
        else:
            smtp(out, rnd, a.warmup)
    except (BrokenPipeError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
