#!/usr/bin/python3
"""hostile_fields_test.py RELAYWATCH: attacker-controlled log fields through every format and
transport of a live daemon.

chkuser's SENDER, AUTHUSER and RCPT fields are whatever the SMTP client sent. The writer puts
into a real `multilog t` log logins and senders carrying header injection ("%0d%0a", a literal
CR, vertical tab, form feed, NUL, "Bcc:"/"To:"/"Subject:" text, RFC 2047 encoded-word look-alikes),
a 10 KiB sender and a 2 KiB login, UTF-8 (with C1 NEL, U+2028 and a bidi override) and bytes
that are not UTF-8, shell metacharacters ($(touch /tmp/...), backticks, quotes, ;|&) and a
"../../etc/passwd" login. Each hostile login sends as a hostile foreign sender (a fraud alert),
three of them also cross the volume limit with hostile recipients. Five channels: sms and email
each via smtp and via sendmail (msmtp), json via exec. Checks:
  - at the sink: the envelope is exactly the configured sender and recipient; headers are only
    Date/From/To/Subject/Message-ID/MIME-Version/Content-Type/Content-Transfer-Encoding, once
    each; the message is 7-bit, CRLF only, no line over 998; decoded subject and body hold no
    control, C1, line-separator or bidi character; every SMS is <= 160 printable ASCII;
  - the exec hook: environment only PATH and RELAYWATCH_*, no control or non-ASCII byte in any
    value; stdin is valid UTF-8 JSON with the contract keys;
  - the `relaywatch report --user` command printed in the mail, pasted into /bin/sh, passes the
    login as one argument, runs nothing else and finds the same finding; logins that cannot be
    pasted safely get no command;
  - nothing was executed (no /tmp/rw-pwned-* file anywhere), spool file names are [a-z0-9-]
    only, the daemon's own log holds no control byte, status JSON parses;
  - every alert reached every channel exactly once.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alerts_harness as ah  # noqa: E402

VOLUME_LIMIT = 20
TO = {"sms-smtp": "5551234567@sms.example", "sms-sendmail": "5551234568@sms.example",
      "mail-smtp": "postmaster@example.com", "mail-sendmail": "abuse@example.com"}

# What a reader must never meet in alert text: C0 but \n, DEL, C1, U+2028/9, bidi marks.
BAD_CHARS = re.compile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u2028\u2029\u061c\u200e\u200f"
                       "\u202a-\u202e\u2066-\u2069]")


def hostile(tag):
    pw = "/tmp/rw-pwned-%s" % tag
    logins = [
        b"evil@x.example%0d%0aBcc%3a%20victim%40z.example",
        ("$(touch${IFS}%s-1)@example.com" % pw).encode(),
        ("`touch${IFS}%s-2`@example.com" % pw).encode(),
        b"../../etc/passwd",
        "jöhn.dœ@exämple.com".encode(),
        b"\xff\xfe\xc0\xafroot@example.com",
        b"o'brien;rm${IFS}-rf${IFS}~|x&y\"z@example.com",
        "admin\u202e\u0085\u2028moc.elpmaxe@example.com".encode(),
        b"L" * 2048 + b"@example.com",
        b"=?UTF-8?B?QmNjOiB2aWN0aW1AeC5leGFtcGxl?=@example.com",
    ]
    senders = [
        b"ceo@bank.example\rBcc: victim@z.example",
        b"ceo@bank.example%0d%0aBcc:%20victim@z.example",
        b"X" * 10240 + b"@bank.example",
        ("$(touch %s-3)@bank.example" % pw).encode(),
        ("`touch %s-4`@bank.example" % pw).encode(),
        b"To: x@z.example\x0b\x0cSubject: pwned\x00nul@bank.example",
        b"\xc3\x28\xa0\xa1@bank.example",
        "ceö@bänk.example\u202e".encode(),
        b"\x1b[31mred\x1b[0m@bank.example",
        b"=?UTF-8?Q?=0D=0ABcc:_v@z.example?=@bank.example",
    ]
    rcpts = [b"victim@z.example\rBcc: x@z.example", ("$(touch %s-5)@z.example" % pw).encode(),
             b"r\xffcpt@z.example", "r\u0085cpt@z.example".encode()]
    return logins, senders, rcpts


def json_text(raw):
    """What relaywatch's JSON makes of a login: the account vpopmail would see (ASCII lower case,
    split at the first '@', '%' or '/'), UTF-8 kept, other bytes U+FFFD."""
    raw = bytes(c + 32 if 0x41 <= c <= 0x5a else c for c in raw)
    cut = min((i for i in (raw.find(b"@"), raw.find(b"%"), raw.find(b"/")) if i >= 0), default=-1)
    if cut >= 0:
        raw = raw[:cut] + b"@" + raw[cut + 1:]
    return raw.decode("utf-8", "replace")


def config(h, logdir, hook_out):
    rc = h.write_msmtprc(h.sink_port)
    sendmail = [ah.SENDMAIL, "-C", rc, "-i"]
    smtp = {"via": "smtp", "host": "127.0.0.1", "port": h.sink_port, "timeout": "10s"}
    return h.write_config({
        "hostname": ah.HOST,
        "state_dir": os.path.join(h.tmp, "state"),
        "startup": "warm",
        "sources": {"supervise_dir": "", "logs": [{"service": "submission", "dir": logdir}]},
        "rules": [
            {"name": "hourly-volume", "kind": "volume", "window": "1h", "limit": VOLUME_LIMIT},
            {"name": "foreign-sender", "kind": "sender", "window": "24h", "limit": 1,
             "policy": "same-domain"},
        ],
        "alerts": {
            "max_per_hour": 1000,
            "channels": [
                dict(smtp, name="sms-smtp", format="sms", to=[TO["sms-smtp"]], **{"from": ah.FROM}),
                {"name": "sms-sendmail", "format": "sms", "via": "sendmail", "command": sendmail,
                 "from": ah.FROM, "to": [TO["sms-sendmail"]], "timeout": "20s"},
                dict(smtp, name="mail-smtp", format="email", to=[TO["mail-smtp"]], **{"from": ah.FROM}),
                {"name": "mail-sendmail", "format": "email", "via": "sendmail", "command": sendmail,
                 "from": ah.FROM, "to": [TO["mail-sendmail"]], "timeout": "20s"},
                {"name": "hook", "format": "json", "via": "exec",
                 "command": [ah.PYTHON, os.path.join(ah.HERE, "exec_hook.py"), hook_out],
                 "timeout": "20s"},
            ],
        },
    })


def check_mail(h, m, channel):
    what = "%s message %s" % (channel, os.path.basename(m.path))
    h.check(m.meta["rcpt_tos"] == [TO[channel]], "%s: recipients exactly %r" % (what, m.meta["rcpt_tos"]))
    h.check(m.meta["mail_from"] == ah.FROM, "%s: envelope sender %r" % (what, m.meta["mail_from"]))
    names = [n.lower() for n, _ in m.fields]
    h.check(set(names) <= ah.ALLOWED_HEADERS, "%s: only our headers: %r" % (what, names))
    h.check(len(names) == len(set(names)), "%s: each header once: %r" % (what, names))
    h.check(all(b < 0x80 for b in m.raw), what + ": 7-bit")
    lines = m.raw.split(b"\r\n")
    h.check(all(b"\r" not in l and b"\n" not in l for l in lines), what + ": CRLF only, no bare CR or LF")
    h.check(max(len(l) for l in lines) <= 998, "%s: no line over 998 (%d)" % (what, max(len(l) for l in lines)))
    h.check(set(k.lower() for k in m.msg.keys()) <= ah.ALLOWED_HEADERS and "bcc" not in
            [k.lower() for k in m.msg.keys()], "%s: a mail parser sees only our headers" % what)
    h.check(m.header("To") == TO[channel] and m.header("From") == ah.FROM,
            "%s: To/From %r %r" % (what, m.header("To"), m.header("From")))
    h.check(m.alert_id() is not None, "%s: Message-ID <id@host>: %r" % (what, m.message_id()))
    subject = m.decoded_subject()
    if channel.startswith("sms"):
        text = m.body.rstrip("\r\n")
        h.check(len(text) <= 160 and all(0x20 <= ord(c) <= 0x7e for c in text),
                "%s: SMS of %d chars, printable ASCII: %r" % (what, len(text), text))
        h.check(text.startswith("mx1 "), "%s: SMS starts with the host: %r" % (what, text))
        return text
    h.check(subject is not None and not BAD_CHARS.search(subject) and "\n" not in subject,
            "%s: subject clean: %r" % (what, subject))
    h.check(subject is not None and len(subject) <= 160, "%s: subject <= 160: %r" % (what, subject))
    body = m.body.replace("\r\n", "\n")
    bad = BAD_CHARS.search(body)
    h.check(bad is None, "%s: body has no control/C1/bidi character (found %r)" % (what, bad and bad.group()))
    h.check(max(len(l) for l in body.split("\n")) <= 998, what + ": body lines short")
    return body


def run_pasted(h, cmd, stub):
    """`cmd` (a line from the mail) pasted into /bin/sh; with stub, relaywatch only prints argv."""
    if stub:
        script = 'relaywatch() { for a in "$@"; do printf "%s\\0" "$a"; done; }\n' + cmd + "\n"
        env = {"PATH": "/usr/bin:/bin"}
    else:
        script = cmd + " -c " + h.config + " --format json\n"
        bindir = os.path.join(h.tmp, "bin")
        os.makedirs(bindir, exist_ok=True)
        if not os.path.exists(os.path.join(bindir, "relaywatch")):
            os.symlink(h.bin, os.path.join(bindir, "relaywatch"))
        env = {"PATH": bindir + ":/usr/bin:/bin"}
    r = subprocess.run(["/bin/sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, cwd=h.tmp, timeout=60)
    return r


def main(h):
    tag = "%d-%d" % (os.getpid(), int(time.time()))
    logins, senders, rcpts = hostile(tag)
    logdir = os.path.join(h.tmp, "log", "submission")
    os.makedirs(os.path.dirname(logdir))
    hook_out = os.path.join(h.tmp, "hook.jsonl")
    maildir = os.path.join(h.tmp, "mail")
    h.start_sink(maildir)
    h.start_multilog("submission", logdir)
    config(h, logdir, hook_out)
    h.start_daemon()
    etc_passwd = os.stat("/etc/passwd")

    pid = 3000
    for i, (login, sender) in enumerate(zip(logins, senders)):
        pid += 1
        ip = "203.0.113.%d" % (10 + i)
        h.write("submission", ah.session(pid, ip, login, sender, [rcpts[i % len(rcpts)]]))
    volume = [logins[1], logins[3], logins[5]]
    for login in volume:
        pid += 1
        h.write("submission", ah.session(pid, "203.0.113.99", login, login,
                                         [rcpts[k % len(rcpts)][:-len("z.example")] + b"v%d.example" % k
                                          for k in range(VOLUME_LIMIT + 5)]))
    written = h.lines_written()
    h.log("wrote %d lines (%d hostile logins, %d-byte longest line)"
          % (written, len(logins), max(len(ah.chkuser(s, l, "1.2.3.4", b"r")) for l, s in zip(logins, senders))))

    def settled():
        st = h.status()
        if not st or st["lines"]["total"] != written:
            return None
        ob = h.outbox(st)
        if any(o["pending"] for o in ob.values()):
            return None
        sent = {o["sent"] for o in ob.values()}
        return st if len(sent) == 1 and st["alerts_spooled"] == sent.pop() and st["alerts_spooled"] else None
    st = h.wait_until(settled, 120, "every line read and every alert sent on all 5 channels", interval=0.5)
    time.sleep(2)
    st = h.status()
    h.log("status: lines %r, alerts_spooled %d, outbox %r" % (st["lines"], st["alerts_spooled"],
          {c: o["sent"] for c, o in h.outbox(st).items()}))
    outbox = h.outbox(st)
    for c in list(TO) + ["hook"]:  # by name: a channel missing from status is a failure
        o = outbox.get(c, {})
        h.check(o.get("failed") == 0 and o.get("given_up") == 0, "channel %s: no failure: %r" % (c, o))

    hooks = ah.read_exec_records(hook_out)
    by_id = {r["alert"]["id"]: r for r in hooks}
    h.check(len(by_id) == len(hooks), "hook: each alert once (%d calls, %d ids)" % (len(hooks), len(by_id)))
    users = {(r["alert"]["rule"], r["alert"]["user"]) for r in hooks}
    for login in logins:
        if b"@" in login:
            h.check(("foreign-sender", json_text(login)) in users,
                    "fraud alert for hostile login %r" % login[:80])
    for login in volume:
        h.check(("hourly-volume", json_text(login)) in users, "volume alert for hostile login %r" % login[:80])
    if ("foreign-sender", "../../etc/passwd") not in users:
        h.log("note: no fraud alert for the login without a domain (../../etc/passwd)")
    h.log("%d alerts: %s" % (len(hooks), sorted((r, u[:40]) for r, u in users)))

    # The exec hook: environment and stdin.
    for r in hooks:
        env = r["envb"]
        h.check(set(env) <= {"PATH"} | {n for n in env if re.fullmatch(r"RELAYWATCH_[A-Z_]+", n)},
                "hook env names: %s" % sorted(env))
        for n, v in env.items():
            h.check(all(0x20 <= b <= 0x7e for b in v), "hook env %s: printable ASCII only: %r" % (n, v[:80]))
            h.check(len(v) <= 256 or n == "PATH", "hook env %s: bounded (%d)" % (n, len(v)))
        a = r["alert"]
        for key in ("id", "rule", "kind", "user", "count", "limit", "window", "first", "last", "host"):
            h.check(key in a, "hook JSON has %s" % key)
        h.check(env.get("RELAYWATCH_ID", b"").decode() == a["id"], "RELAYWATCH_ID is the JSON id")
        h.check(r["argv"] == [hook_out], "hook argv unchanged: %r" % r["argv"])
        try:
            json.loads(r["stdin"].decode("utf-8", "strict"))
        except Exception as e:
            h.check(False, "hook stdin is strict UTF-8 JSON: %s" % e)

    # The sink: every message.
    mails = ah.read_mails([maildir])
    per_channel = {c: [] for c in TO}
    for m in mails:
        ch = [c for c, to in TO.items() if m.meta["rcpt_tos"] == [to]]
        if not h.check(len(ch) == 1, "message to a configured recipient only: %r" % m.meta["rcpt_tos"]):
            continue
        text = check_mail(h, m, ch[0])
        per_channel[ch[0]].append((m, text))
    for c, items in per_channel.items():
        ids = [m.alert_id() for m, _ in items]
        h.check(sorted(ids) == sorted(by_id) and len(set(ids)) == len(ids),
                "channel %s: every alert exactly once (%d messages, %d alerts)" % (c, len(ids), len(by_id)))
    sms_sizes = [len(t) for c in ("sms-smtp", "sms-sendmail") for _, t in per_channel[c]]
    h.log("%d messages at the sink; SMS lengths %d..%d; mail sizes %d..%d bytes"
          % (len(mails), min(sms_sizes or [0]), max(sms_sizes or [0]),
             min([len(m.raw) for m, _ in per_channel["mail-smtp"]] or [0]),
             max([len(m.raw) for m, _ in per_channel["mail-smtp"]] or [0])))
    # Both transports carry the same text for the same alert.
    for fmt in ("sms", "mail"):
        a = {m.alert_id(): t for m, t in per_channel[fmt + "-smtp"]}
        b = {m.alert_id(): t for m, t in per_channel[fmt + "-sendmail"]}
        h.check(a == b, "%s: smtp and sendmail deliver the same text" % fmt)
    # The SMS text is RELAYWATCH_TEXT.
    sms = {m.alert_id(): t for m, t in per_channel["sms-smtp"]}
    for i, r in by_id.items():
        h.check(r["envb"].get("RELAYWATCH_TEXT", b"").decode() == sms.get(i),
                "RELAYWATCH_TEXT is the SMS for %s" % i)

    # The investigate command, pasted into a shell.
    pasted = refused = 0
    for m, body in per_channel["mail-smtp"]:
        a = by_id.get(m.alert_id(), {}).get("alert")
        if a is None:
            continue
        lines = [l.strip() for l in body.split("\n")]
        cmds = [l for l in lines if l.startswith("relaywatch report")]
        if not cmds:
            h.check(any(l.startswith("(no command:") for l in lines),
                    "mail for %r: a command or the reason there is none" % a["user"][:60])
            h.check("\ufffd" in a["user"] or len(a["user"].encode()) > 256 or BAD_CHARS.search(a["user"]),
                    "no command only for a login that cannot be pasted: %r" % a["user"][:60])
            refused += 1
            continue
        r = run_pasted(h, cmds[0], stub=True)
        argv = r.stdout.split(b"\0")[:-1]
        h.check(r.returncode == 0 and len(argv) == 7 and argv[:2] == [b"report", b"--user"],
                "pasted command is report --user X --since A --until B: %r (%r)" % (argv[:4], r.stderr))
        h.check(len(argv) > 2 and argv[2].decode("utf-8", "replace") == a["user"],
                "pasted command passes the login as one argument: %r vs %r" % (argv[2:3], a["user"][:60]))
        real = run_pasted(h, cmds[0], stub=False)
        ok = real.returncode == 0
        if ok:
            rep = json.loads(real.stdout)
            found = [f for f in rep.get("findings", []) if f.get("user") == a["user"] and f.get("rule") == a["rule"]]
            ok = bool(found)
        h.check(ok, "pasted command (real relaywatch report) finds %s for %r: rc %d %r"
                % (a["rule"], a["user"][:60], real.returncode, real.stderr[:300]))
        pasted += 1
    h.log("investigate commands pasted into sh: %d; refused to print: %d" % (pasted, refused))

    # Nothing executed, nothing written where a login points.
    leftovers = [p for p in os.listdir("/tmp") if p.startswith("rw-pwned-%s" % tag)]
    for root, dirs, files in os.walk(h.tmp):
        leftovers += [os.path.join(root, f) for f in files + dirs if "pwned" in f]
    h.check(not leftovers, "nothing was executed: %r" % leftovers)
    for p in leftovers:  # clean up after a failure, too
        p = p if os.path.isabs(p) else os.path.join("/tmp", p)
        if os.path.isfile(p):
            os.unlink(p)
    h.check(os.stat("/etc/passwd").st_mtime == etc_passwd.st_mtime, "/etc/passwd untouched")
    spool = os.path.join(h.tmp, "state", "spool")
    names = 0
    for root, dirs, files in os.walk(spool):
        rel = os.path.relpath(root, spool)
        depth = 0 if rel == "." else rel.count("/") + 1
        for f in files:
            names += 1
            h.check(re.fullmatch(r"[a-z0-9-]+", f) is not None, "spool file name %r is [a-z0-9-]" % os.path.join(rel, f))
        for d in dirs:
            h.check(d in TO or d == "hook" if depth == 0 else d in ("sent", "failed"),
                    "spool directory %r" % os.path.join(rel, d))
    h.log("%d spool file names checked" % names)
    for root, dirs, files in os.walk(os.path.join(h.tmp, "state")):
        for f in files + dirs:
            h.check("passwd" not in f and "etc" != f, "no state file named after a login: %s" % f)

    # The daemon's own log and `relaywatch report`'s text: no control bytes.
    log = open(os.path.join(h.tmp, "daemon.log"), "rb").read()
    h.check(re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", log) is None, "daemon log has no control byte")
    try:
        log.decode("utf-8")
        h.check(BAD_CHARS.search(log.decode("utf-8")) is None, "daemon log has no C1/bidi character")
    except UnicodeDecodeError:
        h.check(False, "daemon log is UTF-8")
    r = subprocess.run([h.bin, "report", "-c", h.config, "--all"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    h.check(r.returncode == 0, "relaywatch report --all exits 0 (%d): %r" % (r.returncode, r.stderr[:200]))
    h.check(re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", r.stdout) is None, "report text has no control byte")
    try:
        h.check(BAD_CHARS.search(r.stdout.decode("utf-8")) is None, "report text has no C1/bidi character")
    except UnicodeDecodeError:
        h.check(False, "report text is UTF-8")
    h.check(h.status() is not None, "status JSON parses with hostile keys")
    rc = h.kill_daemon(signal.SIGTERM)
    h.check(rc == 0, "relaywatch run exits 0 on SIGTERM (got %r)" % rc)


if __name__ == "__main__":
    ah.run(main, "hostile_fields")
