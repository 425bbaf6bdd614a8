"""burst: `relaywatch run` reading a busy log through real `multilog t` while a wave of alerts
fires, for alert_burst_test.py and tests/bench/daemon/live_bench.py.

A writer feeds multilog at a fixed line rate (100 lines every 10 ms at 10k lines/s). Most lines are
relaying recipients of logins under an unlimited override (@bulk.example); among them, distinct
logins of @wave.example each send two relaying recipients, the second crossing a volume limit of 2,
so each of them fires one alert. Alerts go through a real sendmail-style channel: a shell script
(run as `script -f<from> -- <to>`) that appends the message to a file, one Message-ID per alert.

What a run returns: lines and relaying lines written and counted (`status`), the gap findings the
daemon reported (status `gaps`, and its log's gap warnings), the alerts expected, spooled and
delivered (Message-IDs in the script's file; each must appear once).
"""

import os
import re
import time

import rwtest

WAVE_LIMIT = 2
SCRIPT = """#!/bin/sh
exec cat >> '%s'
"""


def bulk_line(i):
    u = "b%d@bulk.example" % (i % 500)
    return rwtest.chkuser("relaying rcpt", u, u, "10.0.%d.%d" % (i % 7, i % 250),
                          "r%d@gmail.example" % i)


def wave_line(j, k):
    """Recipient k (0 or 1) of wave login j."""
    u = "w%06d@wave.example" % j
    return rwtest.chkuser("relaying rcpt", u, u, "10.9.%d.%d" % (j >> 8 & 255, j & 255),
                          "x%d-%d@gmail.example" % (j, k))


class Burst:
    """One daemon, one multilog dir `multilog t sSIZE nNUM`, one sendmail-style channel."""

    def __init__(self, binary, tmp, size=99999, num=10, name="burst"):
        self.tmp = os.path.join(tmp, name)
        os.makedirs(self.tmp, exist_ok=True)
        self.logdir = os.path.join(self.tmp, "log")
        self.state = os.path.join(self.tmp, "state")
        self.mbox = os.path.join(self.tmp, "mbox")
        script = os.path.join(self.tmp, "sendmail.sh")
        with open(script, "w") as f:
            f.write(SCRIPT % self.mbox)
        os.chmod(script, 0o755)
        cfg = os.path.join(self.tmp, "relaywatch.yaml")
        rwtest.write_config(cfg, {
            "hostname": "burst.example", "state_dir": self.state,
            "sources": {"supervise_dir": "", "logs": [{"service": "submission",
                                                       "dir": self.logdir}]},
            "rules": [{"name": "wave", "kind": "volume", "window": "1h", "limit": WAVE_LIMIT,
                       "overrides": {"@bulk.example": 0}}],
            "alerts": {"max_per_hour": 1000000, "max_age": "1d",
                       "channels": [{"name": "mail", "format": "email", "via": "sendmail",
                                     "command": [script], "from": "relaywatch@burst.example",
                                     "to": ["admin@burst.example"]}]}})
        self.ml = rwtest.Multilog(self.logdir, size=size, num=num)
        self.ml.write(["tcpserver: status: 0/100"])
        while not os.path.exists(os.path.join(self.logdir, "current")):
            time.sleep(0.01)
        self.d = rwtest.Daemon(binary, cfg, os.path.join(self.tmp, "daemon.log"), self.state)
        try:
            self.d.start()
            self.d.wait_started()
            self.base = self.d.wait_up()["lines"]["total"]
        except BaseException:
            self.close()
            raise

    def feed(self, rate, seconds, alerts):
        """Writes rate*seconds lines at `rate` lines/s, `alerts` wave logins spread evenly among
        them. Returns (lines written, relaying lines written, achieved lines/s)."""
        total = int(rate * seconds)
        per_tick = max(1, rate // 100)
        ticks = (total + per_tick - 1) // per_tick
        # Wave login j writes its two lines in ticks t and t+1 of its own slot.
        wave_at = {}
        for j in range(alerts):
            t = (j * max(1, ticks - 2)) // max(1, alerts)
            wave_at.setdefault(t, []).append((j, 0))
            wave_at.setdefault(t + 1, []).append((j, 1))
        bulk = [(bulk_line(i) + "\n").encode() for i in range(max(per_tick, 5000))]
        written = 0
        i = 0
        w0 = time.monotonic()
        for tick in range(ticks):
            n = min(per_tick, total - written)
            wave = [(wave_line(j, k) + "\n").encode() for j, k in wave_at.get(tick, ())][:n]
            k = n - len(wave)
            if i + k > len(bulk):
                i = 0
            self.ml.proc.stdin.write(b"".join(wave) + b"".join(bulk[i:i + k]))
            i += k
            self.ml.proc.stdin.flush()
            written += n
            delay = w0 + (tick + 1) * 0.01 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        # Every line written is a relaying recipient.
        return written, written, written / (time.monotonic() - w0)

    def settle(self, timeout=120):
        """Waits until the daemon has read to the end of `current`; returns the status."""
        return self.d.wait_for(lambda s: rwtest.caught_up(self.d, s, self.logdir),
                               "caught up with the log", timeout=timeout, interval=0.05)

    def delivered(self):
        """Alert id -> how many messages the script received for it."""
        if not os.path.exists(self.mbox):
            return {}
        with open(self.mbox, "rb") as f:
            ids = re.findall(rb"(?im)^Message-ID: <([a-z0-9-]+)@", f.read())
        out = {}
        for i in ids:
            out[i.decode()] = out.get(i.decode(), 0) + 1
        return out

    def gap_warnings(self):
        return [l for l in self.d.log_text().splitlines() if "log lost before it was read" in l
                or "gap" in l.lower() and "warning" in l]

    def close(self):
        self.d.stop_quietly()
        if self.ml.proc.poll() is None:
            self.ml.proc.stdin.close()
            self.ml.proc.wait()


def run(binary, tmp, rate, seconds, alerts, size=99999, num=10, name="burst",
        delivery_timeout=180):
    """One burst; returns a dict of what was written, counted, reported and delivered."""
    b = Burst(binary, tmp, size, num, name)
    try:
        written, relay, achieved = b.feed(rate, seconds, alerts)
        t_fed = time.monotonic()
        st = b.settle()
        r = {"rate": rate, "seconds": seconds, "achieved": achieved, "written": written,
             "relay_written": relay, "counted": st["lines"]["total"] - b.base,
             "relay_counted": st["lines"]["relay"], "gaps": st["gaps"],
             "caught_up_after": time.monotonic() - t_fed,
             "gap_warnings": b.gap_warnings(), "alerts_expected": alerts}
        # Spooled: every alert that fired is on disk (a daemon that lost lines fired fewer).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            st = b.d.status()
            if st and st.get("alerts_unspooled", 0) == 0 and (
                    st["alerts_spooled"] >= min(alerts, st["alerts"])):
                break
            time.sleep(0.1)
        r["spooled_after"] = time.monotonic() - t_fed
        deadline = time.monotonic() + delivery_timeout
        while time.monotonic() < deadline:
            st = b.d.status()
            if (st and rwtest.outbox_idle(st) and st.get("alerts_unspooled", 0) == 0
                    and len(b.delivered()) >= min(alerts, st["alerts"])):
                break
            time.sleep(0.2)
        r["delivered_after"] = time.monotonic() - t_fed
        st = b.d.status() or {}
        got = b.delivered()
        r.update({"alerts_fired": st.get("alerts"), "alerts_spooled": st.get("alerts_spooled"),
                  "alerts_unspooled": st.get("alerts_unspooled"),
                  "delivered_ids": len(got),
                  "delivered_twice": sum(1 for v in got.values() if v > 1),
                  "wave_ids": sum(1 for k in got if k.startswith("wave-")),
                  "log": b.d.log_text()})
        return r
    finally:
        b.close()


def verdict(r):
    """'every line counted', 'gap alert for exactly N lost lines', or what went wrong."""
    lost = r["written"] - r["counted"]
    if lost == 0:
        return "every line counted"
    if r["gaps"] > 0 and any(re.search(r"\b%d lines?\b" % lost, w) for w in r["gap_warnings"]):
        return "gap alert for exactly %d lost lines" % lost
    return "%d of %d lines never counted (%.1f %%), gaps %d" % (
        lost, r["written"], 100.0 * lost / max(1, r["written"]), r["gaps"])
