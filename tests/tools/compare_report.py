#!/usr/bin/python3
"""compare_report.py GOT EXPECTED: relaywatch's report JSON against independent_count.py's.

Compares lines.total/relay/malformed; per user: recipients, foreign_senders, remote_ips and peak;
the users' order; and the findings list entry by entry, every key independent_count.py writes
(id, rule, kind, user, count, limit, window, window_text, first, last, state, service, basis,
detail).
Prints a summary and, on a mismatch, each difference (the first 30 of each kind); exits 1 then.
"""

import json
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: compare_report.py GOT.json EXPECTED.json")
    with open(sys.argv[1]) as f:
        got = json.load(f)
    with open(sys.argv[2]) as f:
        want = json.load(f)
    problems = []

    for k in ("total", "relay", "malformed"):
        if got["lines"][k] != want["lines"][k]:
            problems.append("lines.%s: got %s, expected %s" % (k, got["lines"][k], want["lines"][k]))

    gu = {u["user"]: u for u in got["users"]}
    wu = {u["user"]: u for u in want["users"]}
    user_diffs = []
    for name in sorted(set(gu) | set(wu)):
        if name not in gu:
            user_diffs.append("user %s: missing (expected %s)" % (name, json.dumps(wu[name])))
            continue
        if name not in wu:
            user_diffs.append("user %s: unexpected %s" % (name, json.dumps(gu[name])))
            continue
        for k in ("recipients", "foreign_senders", "remote_ips", "peak"):
            if gu[name][k] != wu[name][k]:
                user_diffs.append("user %s: %s got %s, expected %s"
                                  % (name, k, json.dumps(gu[name][k]), json.dumps(wu[name][k])))
    if not user_diffs and [u["user"] for u in got["users"]] != [u["user"] for u in want["users"]]:
        user_diffs.append("users: same rows in another order")
    problems += user_diffs[:30]
    if len(user_diffs) > 30:
        problems.append("... %d more user differences" % (len(user_diffs) - 30))

    finding_diffs = []
    gf, wf = got["findings"], want["findings"]
    for i in range(max(len(gf), len(wf))):
        g = gf[i] if i < len(gf) else None
        w = wf[i] if i < len(wf) else None
        if g is None or w is None:
            finding_diffs.append("findings[%d]: got %s, expected %s" % (i, json.dumps(g), json.dumps(w)))
            continue
        keys = set(w)
        diff = {k: (g.get(k), w.get(k)) for k in sorted(keys) if g.get(k) != w.get(k)}
        if diff:
            finding_diffs.append("findings[%d] %s %s: %s" % (
                i, w["rule"], w["user"],
                ", ".join("%s got %s expected %s" % (k, a, b) for k, (a, b) in diff.items())))
    problems += finding_diffs[:30]
    if len(finding_diffs) > 30:
        problems.append("... %d more finding differences" % (len(finding_diffs) - 30))

    print("compare: %d lines, %d relaying, %d malformed; %d users (expected %d), %d findings "
          "(expected %d)" % (got["lines"]["total"], got["lines"]["relay"],
                             got["lines"]["malformed"], len(got["users"]), len(want["users"]),
                             len(gf), len(wf)))
    if problems:
        print("compare: MISMATCH")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print("compare: match")


if __name__ == "__main__":
    main()
