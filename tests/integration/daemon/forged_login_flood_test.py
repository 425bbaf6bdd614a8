#!/usr/bin/python3
"""forged_login_flood_test: a flood of distinct, client-chosen logins cannot exhaust the daemon.

A client chooses the login chkuser logs (its MAIL FROM AUTH= parameter) and so the keys the
daemon counts under. Through real `multilog t`, 300,000 distinct forged logins each relay one
recipient in one window, while one real abuser sends a recipient every 100 lines (3,000 in all,
limit 1,000). The rule is capped at max_keys 50,000. Then:
  - the rule holds at most 50,000 keys and status counts the other 250,001 as evicted (exactly:
    300,000 forged + the abuser - 50,000), in keys_evicted and in the rule's own evicted;
  - the abuser, never the idlest, keeps every recipient counted (3,000) and is alerted;
  - VmHWM stays under 80 MB (measured 36 MB; the same flood through ce106be, which had no cap:
    169 MB), the checkpoint under 8 MB (3.3 MB; ce106be: 20 MB), SIGTERM exits within 3 s
    (0.17 s; ce106be: 1.1 s, so this bound tells them apart only at larger floods);
  - the log warns about evictions in one or two lines, not one per key;
  - after a restart from that checkpoint the rule still holds at most 50,000 keys;
  - `relaywatch report` over the same log evicts the same keys and says so in its warnings.
Not tested: a flood of ip:ADDRESS keys (the same store and cap: detect unit tests).

usage: forged_login_flood_test.py RELAYWATCH_BINARY
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

FORGED = 300000
MAX_KEYS = 50000
ABUSER = "abuser@example.com"
HWM_BOUND_KB = 80 * 1024
CHECKPOINT_BOUND = 8 * 1000 * 1000


def main():
    binary = rwtest.find_binary(sys.argv)
    tmp = tempfile.mkdtemp(prefix="rw-forged-flood-")
    d = ml = None
    try:
        logdir = os.path.join(tmp, "log")
        state = os.path.join(tmp, "state")
        cfg = os.path.join(tmp, "relaywatch.yaml")
        out = os.path.join(tmp, "alerts.jsonl")
        rwtest.write_config(cfg, {
            "hostname": "t.example", "state_dir": state, "startup": "warm",
            "sources": {"supervise_dir": "", "logs": [{"service": "submission",
                                                       "dir": logdir}]},
            "rules": [{"name": "hourly", "kind": "volume", "window": "1h", "limit": 1000,
                       "max_keys": MAX_KEYS}],
            "alerts": {"channels": [rwtest.exec_channel(tmp, out)]}})
        ml = rwtest.Multilog(logdir, size=16000000, num=20)
        ml.write(["tcpserver: status: 0/100"])
        d = rwtest.Daemon(binary, cfg, os.path.join(tmp, "daemon.log"), state)
        d.start()
        d.wait_up()

        say("== %d forged logins, one recipient each, and an abuser every 100 lines" % FORGED)
        t0 = time.monotonic()
        abuser_sent = 0
        block = []
        for i in range(FORGED):
            login = "f%06d@forged%d.example" % (i, i % 89)
            block.append(rwtest.chkuser("relaying rcpt", login, login, "192.0.2.%d" % (i % 250),
                                        "r%d@gmail.example" % i))
            if i % 100 == 0:
                abuser_sent += 1
                block.append(rwtest.chkuser("relaying rcpt", ABUSER, ABUSER, "198.51.100.7",
                                            "a%d@yahoo.example" % i))
            if len(block) >= 20000:
                ml.write(block)
                block = []
        ml.write(block)
        total = FORGED + abuser_sent + 1
        st = d.wait_for(lambda s: s["lines"]["total"] == total, "all %d lines read" % total, 120)
        say("  written and read in %.1fs" % (time.monotonic() - t0))
        rule = st["rules"][0]
        evicted = FORGED + 1 - MAX_KEYS
        check(rule["keys"] <= MAX_KEYS and st["keys"] <= MAX_KEYS,
              "the rule holds %d keys, at most max_keys %d" % (rule["keys"], MAX_KEYS))
        check(st["keys_evicted"] == evicted and rule["evicted"] == evicted,
              "status counts %d evictions (keys_evicted %d, the rule's evicted %d)"
              % (evicted, st["keys_evicted"], rule["evicted"]))
        top = rule["top"][0] if rule["top"] else {}
        check(top.get("key") == ABUSER and top.get("count") == abuser_sent,
              "the abuser keeps every recipient counted: %s" % top)
        st = d.wait_for(lambda s: rwtest.outbox_idle(s) and rwtest.read_records(out),
                        "the abuser's alert delivered", 60)
        users = [r["alert"]["user"] for r in rwtest.read_records(out)]
        check(users == [ABUSER], "one alert, for the abuser: %s" % users)

        ck0 = st["checkpoints"]
        ml.write(["tcpserver: status: 1/100"])
        d.wait_for(lambda s: s["checkpoints"] > ck0, "a checkpoint after the flood", 60)
        hwm, rss = rwtest.proc_status_kb(d.pid, "VmHWM"), rwtest.proc_status_kb(d.pid, "VmRSS")
        ck = os.path.getsize(os.path.join(state, "checkpoint"))
        say("  VmRSS %.1f MB, VmHWM %.1f MB, checkpoint %.1f MB" % (rss / 1024, hwm / 1024,
                                                                   ck / 1e6))
        check(hwm < HWM_BOUND_KB, "VmHWM %.1f MB < %d MB" % (hwm / 1024, HWM_BOUND_KB // 1024))
        check(ck < CHECKPOINT_BOUND, "checkpoint %.1f MB < %.0f MB" % (ck / 1e6,
                                                                     CHECKPOINT_BOUND / 1e6))
        warnings = [l for l in d.log_text().splitlines() if "evicted" in l]
        check(1 <= len(warnings) <= 2, "%d log line(s) about evictions: %s"
              % (len(warnings), warnings[:1]))

        s0 = time.monotonic()
        rc = d.term(timeout=60)
        took = time.monotonic() - s0
        check(rc == 0 and took < 3.0, "SIGTERM: exit %d after %.2fs (< 3s)" % (rc, took))

        say("== restart from that checkpoint")
        d.start()
        d.wait_started()
        st = d.wait_up()
        check(st["rules"][0]["keys"] <= MAX_KEYS and st["rules"][0]["top"][0]["key"] == ABUSER,
              "the rule holds %d keys, the abuser first" % st["rules"][0]["keys"])
        check(st["keys_evicted"] == evicted, "keys_evicted %d kept by the checkpoint"
              % st["keys_evicted"])
        check(d.term() == 0, "SIGTERM: exit 0")

        say("== relaywatch report over the same log")
        r = subprocess.run([binary, "report", "-c", cfg, "--dir", logdir, "--format", "json"],
                           capture_output=True, timeout=60)
        rep = json.loads(r.stdout)
        warned = [w for w in rep["warnings"] if "evicted" in w]
        check(r.returncode == 0 and len(warned) == 1 and warned[0].startswith("%d keys were "
              "evicted" % evicted), "the report warns that %d keys were evicted: %s"
              % (evicted, warned))
        check([f["user"] for f in rep["findings"]] == [ABUSER] and
              rep["findings"][0]["count"] == 1000,
              "and finds the abuser, as the daemon did: %s" % rep["findings"][:2])
        rwtest.check_status_json_valid()
        say("PASS")
        return 0
    except rwtest.TestFailure as e:
        say("FAIL: %s" % e)
        if d is not None:
            say(d.log_tail(30))
        return 1
    finally:
        if d is not None:
            d.stop_quietly()
        if ml is not None and ml.proc.poll() is None:
            ml.proc.stdin.close()
            ml.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
