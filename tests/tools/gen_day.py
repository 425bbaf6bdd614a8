#!/usr/bin/python3
"""gen_day.py: one deterministic day of qmail smtp/submission logs, for `relaywatch report` tests.

Writes classic chkuser 2.0.9 lines with tcpserver noise, stamped the way multilog `t` stamps them
(`@` + 24 lowercase hex digits: 2^62 + 10 + Unix seconds, then nanoseconds), in time order with
every stamp unique across services. The same --seed gives the same bytes.

The day mixes what a toaster's logs hold and what relaywatch must tell apart:
  - normal logins relaying a few recipients per session, sometimes to local mailboxes
    ("accepted rcpt"), sometimes as another address of their own domain, as the alias domain, with
    the domain in capitals, or with the null sender (autoreplies);
  - logins written with an upper-case domain in the AUTH field (same key) or an upper-case local
    part (another key), and logins without a domain (vpopmail's default domain);
  - burst abusers crossing the volume limits, in connections of 50 recipients that hit chkuser's
    recipient limit ("intrusion threshold ... max number of allowed rcpt");
  - fraudsters sending as foreign senders, with case variants of the foreign domains;
  - logins used from many client IPs within an hour (a botnet with a stolen password);
  - authenticated relaying on port 25 (the smtp service);
  - unauthenticated RELAYCLIENT relaying from web servers (keys ip:ADDRESS), one of them bursting;
  - inbound mail, rejected relaying, unknown recipients, "accepted sender" lines;
  - malformed CHKUSER lines: cut before the reason, and heads glued to another line the way
    chkuser's 256-byte buffer splices concurrent writers (their tails become lines of their own).

Output:
  --out DIR        DIR/submission/ and DIR/smtp/ as multilog directories: archives named
                   @<tai64n>.s (the label is just after the archive's last line, as multilog's
                   rotation time would be) and `current`; a file is closed when the next line
                   would take it past --file-bytes (multilog's s).
  --flat FILE      every line in one file ("-" = stdout), for a pipe into multilog; with
                   --unstamped the stamps are left off so that `multilog t` adds its own.
Limits: no IPv6 HELO literals (HELOs hold no ':'), host field always "unknown", no qlog lines.
"""

import argparse
import calendar
import os
import random
import sys

NS = 1_000_000_000
TAI_OFFSET = (1 << 62) + 10

LOCAL_DOMAINS = [
    "example.com", "example.net", "corp.example", "shop.example", "bulk.example",
    "school.example", "clinic.example", "law.example", "farm.example", "hotel.example",
    "garage.example", "bakery.example", "dental.example", "realty.example", "church.example",
    "club.example", "print.example", "travel.example", "music.example", "design.example",
]
REMOTE_DOMAINS = [
    "gmail.example", "yahoo.example", "outlook.example", "aol.example", "gmx.example",
    "web.example", "icloud.example", "proton.example", "mail.example.org", "partner.example",
]
FOREIGN_SENDERS = [
    "ceo@bank.example", "CEO@Bank.Example", "billing@PAYPAL.example", "billing@paypal.example",
    "security@apple.example", "no-reply@DHL.Example", "hr@bigcorp.example", "Admin@BigCorp.EXAMPLE",
]
NAMES = [
    "amy", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "ken",
    "linda", "mike", "nina", "oscar", "pat", "quinn", "rita", "sam", "tina", "uma", "vic",
    "wendy", "xavier", "yara", "zack", "info", "office", "sales", "admin",
]
WEB_SERVERS = ["192.0.2.44", "192.0.2.45", "2001:db8:0:1::44"]


def tai64n(t_ns):
    s, n = divmod(t_ns, NS)
    return "@%016x%08x" % (s + TAI_OFFSET, n)


def chkuser(title, sender, auth, helo, ip, rcpt, reason):
    return ("CHKUSER %s: from <%s:%s:> remote <%s:unknown:%s> rcpt <%s> : %s"
            % (title, sender, auth, helo, ip, rcpt, reason))


class Day:
    def __init__(self, rng, day_start_s, logins):
        self.rng = rng
        self.t0 = day_start_s
        self.events = []  # (t_ns, seq, service, text)
        self.seq = 0
        self.pid = 3000
        self.logins = logins

    def emit(self, t_ns, service, text):
        self.events.append((t_ns, self.seq, service, text))
        self.seq += 1

    def next_pid(self):
        self.pid = 3000 + (self.pid - 3000 + self.rng.randint(1, 37)) % 60000
        return self.pid

    def rand_time(self, start_s=0.0, span_s=86400.0):
        return int((self.t0 + start_s + self.rng.random() * span_s) * NS)

    def remote_rcpt(self):
        r = self.rng
        return "%s%d@%s" % (r.choice(NAMES), r.randint(1, 9999), r.choice(REMOTE_DOMAINS))

    def local_rcpt(self):
        r = self.rng
        return "%s@%s" % (r.choice(NAMES), r.choice(LOCAL_DOMAINS))

    def session(self, t_ns, service, ip, lines, port=587):
        """tcpserver noise around `lines` (list of text), each a little later than the last."""
        r = self.rng
        pid = self.next_pid()
        t = t_ns
        self.emit(t, service, "tcpserver: pid %d from %s" % (pid, ip))
        t += r.randint(100_000, 2_000_000)
        self.emit(t, service, "tcpserver: ok %d mail.example.com:192.0.2.10:%d :%s::%d"
                  % (pid, port, ip, r.randint(1024, 65535)))
        for text in lines:
            t += r.randint(1_000_000, 400_000_000)
            self.emit(t, service, text)
        t += r.randint(1_000_000, 90_000_000)
        self.emit(t, service, "tcpserver: end %d status 0" % pid)
        if r.random() < 0.5:
            self.emit(t + 1000, service, "tcpserver: status: %d/100" % r.randint(0, 40))
        return t

    def auth_session(self, t_ns, login, sender, n_rcpt, ip, service="submission", local_share=0.1,
                     rcpt_limit=None, auth_field=None):
        r = self.rng
        auth = auth_field if auth_field is not None else login
        helo = r.choice(["laptop", "pc", "DESKTOP-%d" % r.randint(1, 99), "", "phone"])
        lines = [chkuser("accepted sender", sender, auth, helo, ip, "", "sender accepted")]
        for i in range(n_rcpt):
            if rcpt_limit is not None and i + 1 >= rcpt_limit:
                rc = self.remote_rcpt()
                lines.append(chkuser("intrusion threshold", sender, auth, helo, ip, rc,
                                     "max number of allowed rcpt"))
                lines.append(chkuser("rejected rcpt", sender, auth, helo, ip, rc,
                                     "max number of recipients"))
                break
            if r.random() < local_share:
                lines.append(chkuser("accepted rcpt", sender, auth, helo, ip, self.local_rcpt(),
                                     "found existing recipient"))
            else:
                lines.append(chkuser("relaying rcpt", sender, auth, helo, ip, self.remote_rcpt(),
                                     "client allowed to relay"))
        return self.session(t_ns, service, ip, lines, 25 if service == "smtp" else 587)


def client_ip(rng):
    if rng.random() < 0.05:
        return "2001:db8:%x::%x" % (rng.randint(1, 0xffff), rng.randint(1, 0xffff))
    if rng.random() < 0.03:
        return "::ffff:198.51.%d.%d" % (rng.randint(0, 255), rng.randint(1, 254))
    return "%d.%d.%d.%d" % (rng.choice([203, 198, 100, 172]), rng.randint(0, 255),
                            rng.randint(0, 255), rng.randint(1, 254))


def make_logins(rng, k):
    logins = []
    used = set()
    specials = ["newsletter@example.com", "lists@example.com", "suzy@example.com"]
    for s in specials:
        logins.append(s)
        used.add(s)
    while len(logins) < k:
        name = "%s%d" % (rng.choice(NAMES), rng.randint(1, 99999))
        if rng.random() < 0.01:
            login = name  # no domain: vpopmail's default domain
        else:
            dom = LOCAL_DOMAINS[min(int(rng.expovariate(0.25)), len(LOCAL_DOMAINS) - 1)]
            login = "%s@%s" % (name, dom)
        if login not in used:
            used.add(login)
            logins.append(login)
    return logins


def upper_domain(addr):
    if "@" not in addr:
        return addr
    local, dom = addr.rsplit("@", 1)
    return local + "@" + dom.upper()


def generate(seed, n_lines, k_logins, date):
    rng = random.Random(seed)
    y, m, d = (int(x) for x in date.split("-"))
    day = Day(rng, calendar.timegm((y, m, d, 0, 0, 0)), None)
    logins = make_logins(rng, k_logins)
    day.logins = logins
    pool = logins[3:]
    rng.shuffle(pool)
    abusers, pool = pool[:6], pool[6:]
    fraudsters, pool = pool[:12], pool[12:]
    botnet, pool = pool[:6], pool[6:]
    port25, pool = pool[:10], pool[10:]
    capital_auth, pool = pool[:25], pool[25:]
    normal = pool + capital_auth
    homes = {l: client_ip(rng) for l in logins}
    # The campaigns below are sized for 300,000 lines; a smaller day gets smaller ones.
    scale = min(1.0, n_lines / 300000)

    def scaled(n):
        return max(1, int(round(n * scale)))

    # Burst abusers: 1-2 bursts of 8-40 connections of up to 50 recipients in an hour or so.
    for login in abusers:
        for _ in range(rng.randint(1, 2)):
            start = rng.random() * 80000
            for c in range(scaled(rng.randint(8, 40))):
                t = day.rand_time(start + c * rng.uniform(30, 150), 20)
                ip = homes[login] if rng.random() < 0.7 else client_ip(rng)
                day.auth_session(t, login, login, rng.randint(30, 60), ip, local_share=0.02,
                                 rcpt_limit=50)
    # The newsletter login sends a lot, under its override.
    for c in range(scaled(30)):
        day.auth_session(day.rand_time(36000 + c * 60, 30), "newsletter@example.com",
                         "newsletter@example.com", 49, "192.0.2.80", local_share=0.0)
    # The list robot (exempt) sends as its lists' posters.
    for _ in range(scaled(40)):
        day.auth_session(day.rand_time(), "lists@example.com", rng.choice(FOREIGN_SENDERS),
                         rng.randint(1, 5), "192.0.2.81")
    # suzy may send as *@partner.example (allow) but not as the bank.
    for _ in range(15):
        sender = rng.choice(["sales@partner.example", "Sales@PARTNER.example", "suzy@example.com",
                             "ceo@bank.example"])
        day.auth_session(day.rand_time(), "suzy@example.com", sender, rng.randint(1, 4),
                         homes["suzy@example.com"])
    # Fraudsters: a stolen password used with foreign senders, among the owner's own mail.
    for login in fraudsters:
        for _ in range(rng.randint(3, 30)):
            sender = rng.choice(FOREIGN_SENDERS + [login, "", upper_domain(login)])
            day.auth_session(day.rand_time(), login, sender, rng.randint(1, 12), client_ip(rng))
    # A botnet: one login from 12-40 addresses within an hour.
    for login in botnet:
        start = rng.random() * 82000
        for _ in range(max(12, scaled(rng.randint(12, 40)))):
            day.auth_session(day.rand_time(start, 3600), login, login, rng.randint(1, 6),
                             client_ip(rng))
    # Authenticated relaying on port 25.
    for login in port25:
        for _ in range(rng.randint(1, 6)):
            day.auth_session(day.rand_time(), login, login, rng.randint(1, 5), homes[login],
                             service="smtp")
    # RELAYCLIENT web servers; the first one bursts.
    for i, ip in enumerate(WEB_SERVERS):
        n = scaled(400 if i == 0 else 60)
        burst = rng.random() * 80000
        for j in range(n):
            t = day.rand_time(burst, 1800) if i == 0 and j < n * 0.85 else day.rand_time()
            lines = [chkuser("relaying rcpt", "www-data@web%d.example.com" % i, "", "web%d" % i,
                             ip, day.remote_rcpt(), "client allowed to relay")]
            day.session(t, "smtp", ip, lines, 25)

    def one_normal():
        login = rng.choice(normal)
        x = rng.random()
        if x < 0.70:
            sender = login if "@" in login else login + "@example.com"
        elif x < 0.78:
            sender = "%s@%s" % (rng.choice(NAMES), login.rsplit("@", 1)[-1]
                                if "@" in login else "example.com")
        elif x < 0.84:
            sender = upper_domain(login)
        elif x < 0.90:
            sender = ""
        elif x < 0.95 and login.endswith("@example.com"):
            sender = login.replace("@example.com", "@example.net")
        else:
            sender = login
        auth = login
        if login in capital_auth and rng.random() < 0.5:
            # The same login typed with the domain in capitals (one key), or with a capital
            # first letter (another key: local parts are as written).
            auth = upper_domain(login) if rng.random() < 0.7 else login[:1].upper() + login[1:]
        ip = homes[login] if rng.random() < 0.85 else client_ip(rng)
        day.auth_session(day.rand_time(), login, sender, max(1, int(rng.expovariate(0.35))), ip,
                         auth_field=auth)

    def one_inbound():
        ip = client_ip(rng)
        sender = "%s@%s" % (rng.choice(NAMES), rng.choice(REMOTE_DOMAINS + FOREIGN_SENDERS[:1]))
        helo = "mx%d.remote.example" % rng.randint(1, 99)
        lines = [chkuser("accepted sender", sender, "", helo, ip, "", "sender accepted")]
        for _ in range(rng.randint(1, 3)):
            y = rng.random()
            if y < 0.75:
                lines.append(chkuser("accepted rcpt", sender, "", helo, ip, day.local_rcpt(),
                                     "found existing recipient"))
            elif y < 0.9:
                lines.append(chkuser("rejected rcpt", sender, "", helo, ip, day.local_rcpt(),
                                     "not existing recipient"))
            else:
                lines.append(chkuser("rejected relaying", sender, "", helo, ip, day.remote_rcpt(),
                                     "client not allowed to relay"))
        day.session(day.rand_time(), "smtp", ip, lines, 25)

    target = n_lines - max(50, n_lines // 600)  # room for the malformed lines below
    while len(day.events) < target:
        one_normal() if rng.random() < 0.75 else one_inbound()

    # Malformed: replace some relaying lines by cut ones, and splice some pairs.
    events = day.events
    relaying = [i for i, e in enumerate(events) if e[3].startswith("CHKUSER relaying rcpt")]
    n_bad = max(20, n_lines // 1500)
    for i in rng.sample(relaying, min(n_bad, len(relaying))):
        t, seq, svc, text = events[i]
        if rng.random() < 0.5:
            cut = rng.randint(9, text.index("> : "))
            events[i] = (t, seq, svc, text[:cut])
        else:
            # chkuser's 256-byte write boundary (or earlier for short lines), then another
            # process's whole line, then the tail of the first on a line of its own.
            other = chkuser("relaying rcpt", "x@spam.example", "", "bot", client_ip(rng),
                            day.remote_rcpt(), "client allowed to relay")
            cut = min(256, rng.randint(9, text.index("> : ")))
            events[i] = (t, seq, svc, text[:cut] + other)
            events.append((t + 1, seq, svc, text[cut:]))
    # A few long lines (long recipient addresses) cut at 256 bytes before their reason.
    for _ in range(max(5, n_lines // 20000)):
        login = rng.choice(normal)
        rcpt = "x" * 300 + "@" + rng.choice(REMOTE_DOMAINS)
        text = chkuser("relaying rcpt", login, login, "pc", homes[login], rcpt,
                       "client allowed to relay")
        events.append((day.rand_time(), day.seq, "submission", text[:256]))
        day.seq += 1

    events.sort(key=lambda e: (e[0], e[1]))
    # Exactly n_lines: drop surplus tcpserver status lines, or pad with them.
    surplus = len(events) - n_lines
    if surplus > 0:
        # Status lines first; a very small day also loses other lines at random.
        status = [i for i, e in enumerate(events) if e[3].startswith("tcpserver: status:")]
        drop = set(rng.sample(status, min(surplus, len(status))))
        if len(drop) < surplus:
            rest = [i for i in range(len(events)) if i not in drop]
            drop |= set(rng.sample(rest, surplus - len(drop)))
        events = [e for i, e in enumerate(events) if i not in drop]
    if len(events) < n_lines:
        for _ in range(n_lines - len(events)):
            events.append((day.rand_time(), day.seq, "smtp", "tcpserver: status: 0/100"))
            day.seq += 1
        events.sort(key=lambda e: (e[0], e[1]))
    # Unique, strictly increasing stamps across services (multilog's clock moves on).
    out = []
    last = None
    for t, _, svc, text in events:
        if last is not None and t <= last:
            t = last + 1
        last = t
        out.append((t, svc, text))
    return out


def write_dirs(lines, out_dir, file_bytes):
    by_service = {}
    for t, svc, text in lines:
        by_service.setdefault(svc, []).append((t, text))
    for svc, items in sorted(by_service.items()):
        d = os.path.join(out_dir, svc)
        os.makedirs(d, exist_ok=True)
        buf = []
        size = 0
        for t, text in items:
            line = (tai64n(t) + " " + text + "\n").encode()
            if buf and size + len(line) > file_bytes:
                label = tai64n(prev_t + 1000)
                with open(os.path.join(d, label + ".s"), "wb") as f:
                    f.write(b"".join(buf))
                buf, size = [], 0
            buf.append(line)
            size += len(line)
            prev_t = t
        with open(os.path.join(d, "current"), "wb") as f:
            f.write(b"".join(buf))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lines", type=int, default=300000)
    ap.add_argument("--logins", type=int, default=2500)
    ap.add_argument("--date", default="2026-11-28", help="the UTC day, YYYY-MM-DD")
    ap.add_argument("--out", help="write DIR/<service>/ multilog directories")
    ap.add_argument("--file-bytes", type=int, default=1000000, help="multilog s (default 1000000)")
    ap.add_argument("--flat", help="write all lines to one file ('-' = stdout)")
    ap.add_argument("--service", help="with --flat: only this service's lines")
    ap.add_argument("--unstamped", action="store_true", help="with --flat: leave stamps off")
    a = ap.parse_args()
    if not a.out and not a.flat:
        ap.error("give --out DIR or --flat FILE")
    lines = generate(a.seed, a.lines, a.logins, a.date)
    if a.out:
        write_dirs(lines, a.out, a.file_bytes)
    if a.flat:
        f = sys.stdout if a.flat == "-" else open(a.flat, "w")
        for t, svc, text in lines:
            if a.service and svc != a.service:
                continue
            f.write((text if a.unstamped else tai64n(t) + " " + text) + "\n")
        if f is not sys.stdout:
            f.close()


if __name__ == "__main__":
    main()
