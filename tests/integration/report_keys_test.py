#!/usr/bin/python3
"""Keys from real multilog files: a line without a client address is malformed, and one address
spelt three ways is one key.

Lines go through a real `multilog t` into a log dir; `relaywatch report --format json --all` reads
it with a volume rule of limit 3 per hour:
  - five relaying lines with no client address (classic "remote <::>" and "remote <pc:unknown:>",
    and the field-named dialect's empty remotehostip) are counted as malformed under
    "chkuser: remote: no client address" and make no finding (no key "ip:");
  - three relaying lines from 203.0.113.80 in the same run still make the finding they always did;
  - three relaying lines from 2001:DB8::5, 2001:db8:0:0:0:0:0:5 and 2001:0db8::0005 make one
    finding for ip:2001:db8::5, and `--user ip:2001:DB8:0::5` selects it.
not tested: the daemon's `status` (it shows the same Stats, from the same Pipeline).

usage: report_keys_test.py RELAYWATCH_BINARY
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "daemon"))
import rwtest  # noqa: E402
from rwtest import check, say  # noqa: E402

NO_ADDRESS = "chkuser: remote: no client address"


def relaying(remote, auth=""):
    return ("CHKUSER relaying rcpt: from <a@x.example:%s:> remote <%s> rcpt <r@gmail.example> : "
            "client allowed to relay" % (auth, remote))


def report(binary, cfg, log, *extra):
    p = subprocess.run([binary, "report", "-c", cfg, "--dir", log, "--since", "2000-01-01T00:00:00",
                        "--until", "2100-01-01T00:00:00", "--format", "json", "--all"] + list(extra),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise rwtest.TestFailure("report exited %d: %s" % (p.returncode, p.stderr.decode()))
    return json.loads(p.stdout)


def main():
    binary = rwtest.find_binary(sys.argv)
    tmp = tempfile.mkdtemp(prefix="rw-keys-")
    try:
        log = os.path.join(tmp, "log")
        cfg = os.path.join(tmp, "relaywatch.json")
        rwtest.write_config(cfg, {
            "hostname": "mx1.example.com", "state_dir": os.path.join(tmp, "state"),
            "sources": {"supervise_dir": ""},
            "rules": [{"name": "hourly-volume", "kind": "volume", "window": "1h", "limit": 3}]})
        lines = [
            "CHKUSER relaying rcpt: from <::> remote <::> rcpt <> : client allowed to relay",
            relaying("::"),
            relaying("pc:unknown:"),
            relaying("pc:unknown:", auth="bob@example.com"),
            "CHKUSER relaying rcpt: from <a@x.example|remoteinfo/auth:|chkuser-identify:> remote "
            "<helo:pc|remotehostname:unknown|remotehostip:> rcpt <r@gmail.example> : client "
            "allowed to relay",
        ]
        lines += [relaying("pc:unknown:203.0.113.80")] * 3
        lines += [relaying("pc:unknown:" + ip)
                  for ip in ("2001:DB8::5", "2001:db8:0:0:0:0:0:5", "2001:0db8::0005")]
        ml = rwtest.Multilog(log)
        ml.write(lines)
        ml.close()
        check(len(rwtest.read_multilog(log)) == len(lines), "multilog wrote the %d lines" % len(lines))

        say("report over the log")
        got = report(binary, cfg, log)
        check(got["lines"]["malformed"] == 5, "5 lines malformed (got %d)" % got["lines"]["malformed"])
        check(got["lines"].get("malformed_reasons") == {NO_ADDRESS: 5},
              "all under %r: %s" % (NO_ADDRESS, got["lines"].get("malformed_reasons")))
        check(got["lines"]["relay"] == 6, "6 relaying lines counted (got %d)" % got["lines"]["relay"])
        keys = sorted(f["user"] for f in got["findings"])
        check(keys == ["ip:2001:db8::5", "ip:203.0.113.80"],
              "findings for ip:2001:db8::5 and ip:203.0.113.80 only, none for 'ip:': %s" % keys)
        users = {u["user"]: u["recipients"] for u in got["users"]}
        check(users == {"ip:2001:db8::5": 3, "ip:203.0.113.80": 3},
              "3 recipients for each address: %s" % users)

        say("report --user with another spelling of the address")
        got = report(binary, cfg, log, "--user", "ip:2001:DB8:0::5")
        keys = [f["user"] for f in got["findings"]]
        check(keys == ["ip:2001:db8::5"], "--user ip:2001:DB8:0::5 selects its finding: %s" % keys)
        say("PASS")
        return 0
    except rwtest.TestFailure as e:
        say("FAIL: %s" % e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
