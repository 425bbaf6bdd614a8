#!/usr/bin/python3
"""independent_count.py: what `relaywatch report --all --format json` must say, counted from scratch.

Reads the same multilog directories as the report and implements the documented semantics on its
own: its own TAI64N decoding, its own chkuser parsing (a regular expression), its own windows
(a deque of line stamps per rule and key, not slices in buckets), its own dedup ledger. It shares
no code with relaywatch, so agreement on 300,000 lines means both read the documents the same way.

The config is read as JSON (a JSON document is also a YAML document, so the test hands the very
same file to relaywatch). Supported: rules of kind volume (count: recipients), sender, remote-ips,
service-policy, rcpt-limit; default_domain; alerts.repeat. Not supported: count: messages, qlog,
simscan, the `d` and syslog stamps, escalate, resolved (the script refuses configs that use them).

Semantics implemented (detector.h, bucket_window.h, distinct_window.h, ledger.h, report.h):
  - lines: split on '\\n', a last line without one counts, a line over 65536 bytes is cut to
    65536; "@" + 24 hex + " " is a stamp, anything else is unstamped and takes the previous stamp
    of its directory (0 before any). Directories are merged by stamp, ties to the first --dir.
  - files of a directory: @*.s and @*.u by label, then previous, then current. With --since,
    archives whose label is older than since - max(longest window * 61/60, 2 x longest alert
    period) are not read; with --until a directory stops at its first stamped line at or after
    until. Lines before since feed the
    windows and the ledger but are not reported.
  - key: the AUTH field with its domain lowercased ("bob" is "bob@default_domain" when that is
    set), or "ip:" + client IP when AUTH is empty.
  - volume: +1 per "relaying rcpt"; limit from overrides (login, then "@domain"; 0 = not counted).
  - sender: +1 per authenticated relaying/accepted/accepted-any rcpt whose sender the login may
    not use (null sender never; domains case-insensitive and through aliases; allow globs per
    login or @domain; exempt logins; without '@' judged only with default_domain).
  - remote-ips: distinct client IPs of those authenticated lines, each counted for W after its
    last use, at most clamp(2 * limit, 16, 4096) kept (the least recently used is replaced).
  - service-policy: +1 per authenticated "relaying rcpt" on a service not allowed.
  - rcpt-limit: +1 per authenticated "intrusion threshold" whose reason holds "max number of
    allowed rcpt".
  - counting windows: a line of slice index i (stamp // (W/60)) counts while the newest line's
    slice index is at most i + 60; the count includes the line itself.
  - ledger: one alert per (rule, key) per period (alerts.repeat, else the rule's window) from the
    last alert's stamp; "new" for the first, "ongoing" after, "new" again once the last alert
    is more than 2 periods old (the entry is forgotten).
"""

import argparse
import bisect
import collections
import json
import os
import re
import sys

NS = 1_000_000_000
TAI_OFFSET = (1 << 62) + 10
MAX_LINE = 65536
CHKUSER_RE = re.compile(
    r"^CHKUSER ([a-z ]+): from <([^<>]*)> remote <([^<>]*)> rcpt <([^<>]*)> : (.+)$", re.S)
STAMP_RE = re.compile(rb"^@([0-9a-fA-F]{16})([0-9a-fA-F]{8}) ")
DELIVERY = {"relaying rcpt", "accepted rcpt", "accepted any rcpt"}
FNV_OFFSET = 14695981039346656037
FNV_PRIME = 1099511628211


def parse_duration(text):
    m = re.fullmatch(r"([1-9][0-9]*)([smhd])", text)
    if not m:
        raise SystemExit("bad duration %r" % text)
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)] * NS


def format_duration(ns):
    s = ns // NS
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s % size == 0:
            return "%d%s" % (s // size, unit)
    return "%ds" % s


def iso(ns):
    s, n = divmod(ns, NS)
    days, rem = divmod(s, 86400)
    # civil_from_days (Hinnant), so this script needs no datetime module either.
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y += m <= 2
    return "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ" % (y, m, d, rem // 3600, rem // 60 % 60,
                                                    rem % 60, n)


def lower_ascii(s):
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


def split_address(a):
    i = a.rfind("@")
    return (a, "", False) if i < 0 else (a[:i], a[i + 1:], True)


def normalize(login):
    local, dom, has_at = split_address(login)
    return local + "@" + lower_ascii(dom) if has_at else login


def login_key(login, default_domain):
    """The account vpopmail authenticates, as it is counted: lowercased and split at the first
    '@', '%' or '/'; without any of them it belongs to default_domain when one is set."""
    login = lower_ascii(login)
    m = re.search(r"[@%/]", login)
    if m:
        return login[:m.start()] + "@" + login[m.end():]
    return login + "@" + lower_ascii(default_domain) if default_domain else login


def glob_to_re(pattern):
    out = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out += ".*"
        elif c == "?":
            out += "."
        elif c == "[":
            j = pattern.index("]", i + 2)
            body = pattern[i + 1:j]
            if body[:1] in ("!", "^"):
                body = "^" + body[1:]
            out += "[" + body.replace("\\", "\\\\") + "]"
            i = j
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out, re.S | re.I)


def alert_id(rule, key, ns):
    h = FNV_OFFSET
    for b in (rule + "\0" + key).encode():
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return "%s-%016x-%d" % (rule, h, ns)


class SenderPolicy:
    def __init__(self, rule, default_domain):
        self.same_address = rule.get("policy", "same-domain") == "same-address"
        self.default = lower_ascii(default_domain)
        self.allow = {}
        for k, globs in rule.get("allow", {}).items():
            key = lower_ascii(k) if k.startswith("@") else login_key(k, self.default)
            self.allow[key] = [glob_to_re(g) for g in globs]
        self.group = {}
        for g, doms in enumerate(rule.get("domain_aliases", [])):
            for d in doms:
                self.group[lower_ascii(d)] = g
        self.exempt = {login_key(x, self.default) for x in rule.get("exempt", [])}

    def same_domain(self, a, b):
        a, b = lower_ascii(a), lower_ascii(b)
        return a == b or (a in self.group and b in self.group and self.group[a] == self.group[b])

    def allowed(self, login, sender):
        if sender in ("", "#@[]") or login in self.exempt:  # "#@[]": qmail's double bounce
            return True
        l_local, l_dom, l_at = split_address(login)
        s_local, s_dom, s_at = split_address(sender)
        l_dom = l_dom if l_at else self.default
        s_dom = s_dom if s_at else self.default
        if not l_dom or not s_dom:
            return True
        if self.same_domain(l_dom, s_dom) and (not self.same_address
                                               or lower_ascii(l_local) == lower_ascii(s_local)):
            return True
        for key in (login, "@" + lower_ascii(l_dom)):
            if any(g.fullmatch(sender) for g in self.allow.get(key, [])):
                return True
        return False


class CountWindow:
    """The stamps counted for one (rule, key), oldest first."""

    def __init__(self):
        self.times = collections.deque()

    def add(self, t, width):
        self.times.append(t)
        oldest = t // width - 60
        while self.times[0] // width < oldest:
            self.times.popleft()
        return len(self.times), self.times[0]


class IpWindow:
    def __init__(self):
        self.seen = {}  # ip -> [first, last]

    def add(self, ip, t, window, cap):
        for v in [v for v, (f, l) in self.seen.items() if not t - l < window]:
            del self.seen[v]
        if ip in self.seen:
            self.seen[ip][1] = max(self.seen[ip][1], t)
        else:
            if len(self.seen) >= max(cap, 1):
                del self.seen[min(self.seen, key=lambda v: self.seen[v][1])]
            self.seen[ip] = [t, t]
        first = min(max(f, t - window) for f, l in self.seen.values())
        return len(self.seen), first


def list_files(d):
    names = os.listdir(d)
    arch = [n for n in names if re.fullmatch(r"@[0-9a-fA-F]{24}\.[su]", n)]
    arch.sort(key=lambda n: int(n[1:25], 16))
    rest = [n for n in ("previous", "current") if n in names]
    return [(n, int(n[1:17], 16) - TAI_OFFSET) for n in arch] + [(n, None) for n in rest]


def read_dir(d, skip_before_ns, until_ns):
    """Yields (t_ns, raw bytes, stamped) of one directory, as the report reads them."""
    last = 0
    for name, label_s in list_files(d):
        if skip_before_ns is not None and label_s is not None:
            label_ns = label_s * NS + int(name[17:25], 16)
            if label_ns < skip_before_ns:
                continue
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for raw in lines:
            raw = raw[:MAX_LINE]
            m = STAMP_RE.match(raw + b" " if len(raw) == 25 else raw)
            if m:
                t = (int(m.group(1), 16) - TAI_OFFSET) * NS + int(m.group(2), 16)
                if until_ns is not None and t >= until_ns:
                    return
                last = t
                yield t, raw, True
            else:
                yield last, raw, False


def merged(dirs, skip_before, until):
    heads = []
    gens = [read_dir(d, skip_before, until) for d in dirs]
    for i, g in enumerate(gens):
        heads.append(next(g, None))
    while True:
        pick = None
        for i, h in enumerate(heads):
            if h is not None and (pick is None or h[0] < heads[pick][0]):
                pick = i
        if pick is None:
            return
        yield pick, heads[pick]
        heads[pick] = next(gens[pick], None)


def service_of_dir(d):
    parts = [p for p in d.rstrip("/").split("/") if p]
    if len(parts) >= 3 and parts[-2] == "log":
        return parts[-3]
    return parts[-1]


def count(cfg, dirs, since, until):
    rules = cfg["rules"]
    for r in rules:
        if r.get("count", "recipients") != "recipients":
            raise SystemExit("independent_count: count: messages is not supported")
    alerts_cfg = cfg.get("alerts", {})
    if "escalate" in alerts_cfg or alerts_cfg.get("resolved"):
        raise SystemExit("independent_count: escalate/resolved are not supported")
    repeat = alerts_cfg.get("repeat", "window")
    repeat_ns = None if repeat == "window" else parse_duration(repeat)
    default_domain = cfg.get("default_domain", "")
    compiled = []
    for r in rules:
        kind = r["kind"]
        c = {"name": r["name"], "kind": kind}
        if kind == "sender":
            c["window"] = parse_duration(r.get("window", "24h"))
            c["limit"] = int(r.get("limit", 1))
            c["policy"] = SenderPolicy(r, default_domain)
        else:
            c["window"] = parse_duration(r.get("window", "1h"))
            c["limit"] = int(r.get("limit", 1))
        c["overrides"] = {}
        for k, v in r.get("overrides", {}).items():
            c["overrides"][lower_ascii(k) if k.startswith("@") else login_key(k, default_domain)] = int(v)
        c["allowed"] = set(r.get("allowed_services", []))
        compiled.append(c)
    longest = max(c["window"] for c in compiled)
    longest_period = max(repeat_ns if repeat_ns is not None else c["window"] for c in compiled)
    # report.cpp's warm-up: a bucket window reaches one slice (W/60) further back, and the
    # ledger's "new or ongoing" looks two periods back.
    warm_up = max(longest + longest // 60, 2 * longest_period)
    skip_before = since - warm_up if since is not None else None
    services = [service_of_dir(d) for d in dirs]

    windows = {}
    ledger = {}  # (rule, key) -> last alert stamp
    users = {}
    findings = []
    lines = {"total": 0, "relay": 0, "malformed": 0}

    def row(key):
        if key not in users:
            users[key] = {"user": key, "recipients": 0, "peak": {}, "foreign_senders": {},
                          "ips": set(), "relayed": False}
        return users[key]

    for src, (t, raw, stamped) in merged(dirs, skip_before, until):
        quiet = since is not None and t < since
        text = raw[26:] if stamped else raw
        text = text.decode("utf-8", "surrogateescape")
        if text.endswith("\r"):
            text = text[:-1]
        service = services[src]
        ev = None
        malformed = False
        if text.startswith("CHKUSER "):
            m = CHKUSER_RE.match(text)
            if "CHKUSER " in text[8:] or not m:
                malformed = True
            else:
                title, frm, remote, rcpt, reason = m.groups()
                sender, auth, _ident = frm.rsplit(":", 2)
                helo, host, ip = remote.split(":", 2)  # the generator's HELOs hold no ':'
                ev = (title, sender, auth, ip, reason)
        if not quiet:
            lines["total"] += 1
            lines["malformed"] += malformed
            if ev and ev[0] == "relaying rcpt":
                lines["relay"] += 1
        if ev:
            title, sender, auth, ip, reason = ev
            relaying = title == "relaying rcpt"
            delivery = title in DELIVERY
            authed = auth != ""
            rcpt_limit = (authed and title == "intrusion threshold"
                          and "max number of allowed rcpt" in reason)
            key = login_key(auth, default_domain) if authed else "ip:" + ip
            if not quiet and (relaying or (authed and delivery)):
                u = row(key)
                if relaying:
                    u["recipients"] += 1
                    u["relayed"] = True
                if authed and ip:
                    u["ips"].add(ip)
            foreign = None
            for i, c in enumerate(compiled):
                kind = c["kind"]
                detail = ""
                if kind == "volume":
                    hit = relaying
                elif kind == "sender":
                    hit = authed and delivery and not c["policy"].allowed(key, sender)
                    if hit:
                        if foreign is None:
                            foreign = normalize(sender)
                        detail = foreign
                elif kind == "remote-ips":
                    hit = authed and delivery and ip != ""
                elif kind == "service-policy":
                    hit = authed and relaying and service not in c["allowed"]
                    detail = service
                elif kind == "rcpt-limit":
                    hit = rcpt_limit
                else:
                    hit = False
                if not hit:
                    continue
                limit = c["limit"]
                if c["overrides"]:
                    if key in c["overrides"]:
                        limit = c["overrides"][key]
                    else:
                        _, dom, has_at = split_address(key)
                        if has_at and "@" + dom in c["overrides"]:
                            limit = c["overrides"]["@" + dom]
                if limit == 0:
                    continue
                w = c["window"]
                if kind == "remote-ips":
                    win = windows.setdefault((i, key), IpWindow())
                    n, first = win.add(ip, t, w, min(max(2 * limit, 16), 4096))
                else:
                    win = windows.setdefault((i, key), CountWindow())
                    n, first = win.add(t, max(w // 60, 1))
                if not quiet:
                    u = row(key)
                    u["peak"][c["name"]] = max(u["peak"].get(c["name"], 0), n)
                if n < limit:
                    continue
                period = repeat_ns if repeat_ns is not None else w
                entry = ledger.get((c["name"], key))
                if entry is None:
                    state = "new"
                elif t <= entry[0]:
                    continue
                elif t - entry[0] > 2 * entry[1]:
                    state = "new"  # forgotten: more than 2 periods since the last alert
                elif t - entry[0] >= entry[1]:
                    state = "ongoing"
                else:
                    continue
                ledger[(c["name"], key)] = (t, period)
                if quiet:
                    continue
                # The finding object of alerting/finding_json.h: window in seconds, window_text
                # as the config writes it, detail always present ("" when the kind has none).
                f = {"id": alert_id(c["name"], key, t), "rule": c["name"], "kind": kind,
                     "user": key, "count": n, "limit": limit, "window": w // NS,
                     "window_text": format_duration(w), "first": iso(first), "last": iso(t),
                     "state": state, "service": service,
                     "basis": "chkuser" if authed else "ip", "detail": detail}
                findings.append(f)
            # A sender any sender rule rejects is foreign: once per recipient line.
            if not quiet and foreign is not None:
                u = row(key)
                u["foreign_senders"][foreign] = u["foreign_senders"].get(foreign, 0) + 1

    with_findings = {f["user"] for f in findings}
    out_users = []
    for key, u in users.items():
        if not u["relayed"] and key not in with_findings:
            continue
        out_users.append({"user": key, "recipients": u["recipients"], "peak": u["peak"],
                          "foreign_senders": u["foreign_senders"], "remote_ips": len(u["ips"])})
    out_users.sort(key=lambda u: (-u["recipients"], u["user"].encode()))
    return {"lines": lines, "users": out_users, "findings": findings}


def parse_time(text):
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?Z", text)
    if not m:
        raise SystemExit("independent_count: times are YYYY-MM-DDTHH:MM[:SS]Z, got %r" % text)
    y, mo, d, h, mi, s = (int(x or 0) for x in m.groups())
    # days_from_civil (Hinnant)
    y2 = y - (mo <= 2)
    era = (y2 if y2 >= 0 else y2 - 399) // 400
    yoe = y2 - era * 400
    doy = (153 * (mo + (-3 if mo > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return ((days * 86400) + h * 3600 + mi * 60 + s) * NS


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True, help="the report's config, written as JSON")
    ap.add_argument("--dir", action="append", required=True)
    ap.add_argument("--since", help="UTC, YYYY-MM-DDTHH:MM[:SS]Z")
    ap.add_argument("--until", help="UTC, YYYY-MM-DDTHH:MM[:SS]Z")
    a = ap.parse_args()
    with open(a.config) as f:
        cfg = json.load(f)
    since = parse_time(a.since) if a.since else None
    until = parse_time(a.until) if a.until else None
    json.dump(count(cfg, a.dir, since, until), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
