#!/usr/bin/python3
"""Proves the guards fail: runs check_purity.py and check_deps.py over fixtures/violations/, a
tree that breaks each rule (and holds look-alikes that must pass: comments, string literals,
members named time/clock, snprintf), and compares their output line for line with
fixtures/violations/expected_<check>.txt. Both must also exit 1.

Usage: self_test.py [--update]      (--update rewrites the expected files from the output)
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.join(HERE, "fixtures", "violations")


def main():
    update = sys.argv[1:] == ["--update"]
    failed = False
    for check in ("purity", "deps"):
        run = subprocess.run([sys.executable, os.path.join(HERE, f"check_{check}.py"), "--root",
                              TREE], capture_output=True, text=True)
        expected_path = os.path.join(TREE, f"expected_{check}.txt")
        if update:
            with open(expected_path, "w", encoding="utf-8") as f:
                f.write(run.stdout)
        with open(expected_path, encoding="utf-8") as f:
            expected = f.read()
        if run.returncode != 1:
            print(f"check_{check}.py exited {run.returncode} on {TREE}, expected 1\n{run.stderr}")
            failed = True
        if run.stdout != expected:
            print(f"check_{check}.py output differs from {expected_path}:")
            got, want = run.stdout.splitlines(), expected.splitlines()
            for line in want:
                if line not in got:
                    print(f"  missing: {line}")
            for line in got:
                if line not in want:
                    print(f"  extra:   {line}")
            failed = True
        else:
            print(f"check_{check}.py: {len(expected.splitlines()) - 1} expected findings, exit 1")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
