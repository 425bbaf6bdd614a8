#!/usr/bin/python3
"""exec_hook.py OUT: the program behind the alerts tests' `via: exec` channel.

relaywatch runs it from its argv (no shell) with the alert's JSON on stdin and a minimal
environment. It appends one JSON line per call to OUT, recording exactly what it was given:
  {"start": unix time, "end": unix time, "pid": N, "argv": [...], "cwd": "...",
   "stdin_hex": "...", "env": {NAME: value as hex}}
(hex, so control bytes or bytes that are not UTF-8 arrive in the test unchanged). The line is
written with one write(2) under flock, after stdin is read, so a record is whole or absent.

When the file OUT.exit exists, the hook records the call and then exits with the number it
holds (111 = temporary failure for relaywatch), to stand in for a hook that is failing.
"""
import fcntl
import json
import os
import sys
import time


def environment():
    """The environment as relaywatch passed it: /proc/self/environ, not os.environ, which
    Python itself extends (PEP 538 adds LC_CTYPE under the C locale)."""
    with open("/proc/self/environ", "rb") as f:
        entries = [e for e in f.read().split(b"\0") if e]
    out = {}
    for e in entries:
        name, _, value = e.partition(b"=")
        out[name.decode("latin-1")] = value.hex()
    return out


def main():
    out = sys.argv[1]
    start = time.time()
    data = sys.stdin.buffer.read()
    record = {
        "start": start,
        "pid": os.getpid(),
        "argv": sys.argv[1:],
        "cwd": os.getcwd(),
        "stdin_hex": data.hex(),
        "env": environment(),
        "end": time.time(),
    }
    line = (json.dumps(record) + "\n").encode()
    fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
    finally:
        os.close(fd)
    try:
        with open(out + ".exit") as f:
            return int(f.read().strip() or "111")
    except FileNotFoundError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
