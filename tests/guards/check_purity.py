#!/usr/bin/python3
"""Fails when a pure stage does I/O, uses threads, reads a clock or the environment.

The pure stages are the words of set(RELAYWATCH_PURE_STAGES ...) in CMakeLists.txt (the one list;
a stage named there that has no folder yet is checked as soon as it has one). Their files are
src/<stage>/ and include/relaywatch/<stage>/, and every relaywatch header they include, from
any stage, followed transitively (a pure stage that includes config/config.h compiles it too).

Each file is checked for
  * #include of a header outside the standard library, or of a standard header that exists for
    I/O, threads, signals or the clock (BANNED_HEADERS says why for each);
  * calls that read a clock, the time zone or the environment, stdio calls on a FILE, the
    standard streams, and non-deterministic randomness (BANNED_CALLS), outside comments and
    string literals.
Every finding is printed as `path:line: rule: what`; the exit status is 1 if there is any.

Usage: check_purity.py [--root DIR]      (default: the checkout this script is in)
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guardlib  # noqa: E402

# Headers a pure stage must not include, by prefix ("boost/") or exact name, with the reason.
IO = "file, socket or process I/O belongs to the edges (follow, store, deliver, app)"
THREADS = "threads and locks belong to the edges; the pure stages run on one thread"
CLOCK = "reads the clock or TZ (time(), clock(), localtime, mktime); civil time is core/time.h"
BANNED_HEADERS = [
    ("boost/", "Boost (Asio): the event loop and sockets are edges; follow/asio.h is the one "
               "Asio include"),
    ("asio.hpp", "Asio: the event loop and sockets are edges"),
    ("asio/", "Asio: the event loop and sockets are edges"),
    ("spdlog/", "spdlog: logging is the app's; pure code counts and returns"),
    ("fmt/", "fmt (spdlog's formatter): logging is the app's"),
    ("yaml-cpp/", "yaml-cpp: YAML loading is config's edge"),
    ("openssl/", "OpenSSL: TLS is deliver's"),
    ("fstream", "<fstream> opens files: " + IO),
    ("filesystem", "<filesystem> reads and changes the file system: " + IO),
    ("iostream", "<iostream> is the process's stdin/stdout/stderr: " + IO),
    ("cstdio", None),  # allowed: snprintf formats into a buffer; the FILE calls are BANNED_CALLS
    ("stdio.h", None),
    ("thread", THREADS), ("mutex", THREADS), ("shared_mutex", THREADS),
    ("condition_variable", THREADS), ("future", THREADS), ("atomic", THREADS),
    ("stop_token", THREADS), ("semaphore", THREADS), ("latch", THREADS), ("barrier", THREADS),
    ("pthread.h", THREADS),
    ("ctime", "<ctime>: " + CLOCK), ("time.h", "<time.h>: " + CLOCK),
    ("csignal", "signals are process state: the daemon's"), ("signal.h", "signals: the daemon's"),
    ("unistd.h", "POSIX read/write/close/getpid: " + IO),
    ("fcntl.h", "POSIX open/fcntl: " + IO),
    ("dirent.h", "directory listing: " + IO),
    ("poll.h", "poll: " + IO),
    ("spawn.h", "posix_spawn: " + IO),
    ("pwd.h", "the user database: " + IO), ("grp.h", "the group database: " + IO),
    ("netdb.h", "name resolution: " + IO),
    ("syslog.h", "syslog: logging is the app's"),
    ("sys/", "a POSIX system interface (<sys/socket.h>, <sys/stat.h>, <sys/time.h>...): " + IO),
    ("netinet/", "sockets: " + IO), ("arpa/", "sockets: " + IO),
    ("linux/", "Linux interfaces: " + IO),
]

# Standard headers a pure stage may include: C++20's, and the C headers of the allowed <cname>
# ones (<string.h> declares memrchr, which <cstring> does not). The stream classes (<ostream>,
# <sstream>, <iomanip>) stay allowed: they do I/O only when bound to a file or a standard stream,
# which <fstream>, <iostream> and the std::cout rule below catch. <cstdlib> stays for strtol and
# the like; its getenv, system and rand are BANNED_CALLS. <random> stays: a seeded engine is
# deterministic; std::random_device is banned.
STD_HEADERS = set("""
algorithm any array bit bitset cassert cctype cerrno cfloat charconv chrono cinttypes climits
cmath compare concepts cstddef cstdint cstdio cstdlib cstring cwchar cwctype deque exception
execution expected format forward_list functional initializer_list iomanip ios iosfwd istream
iterator limits list locale map memory memory_resource new numbers numeric optional ostream queue
random ranges ratio regex scoped_allocator set source_location span sstream stack stdexcept
streambuf string string_view system_error tuple type_traits typeindex typeinfo unordered_map
unordered_set utility valarray variant vector version
assert.h ctype.h errno.h float.h inttypes.h limits.h math.h stddef.h stdint.h stdio.h stdlib.h
string.h wchar.h
""".split())

# Calls and names a pure stage must not use; matched on code with comments and literals blanked.
# (std::remove is left out: <algorithm> has one too.)
# FREE: not after a name, `.`, `->` or `ns::`, with an optional `std::` or `::`: members
# (`line.time()`, `x->clock()`) and other namespaces' functions are not the C library's.
FREE = r"(?<![\w.>:])(?:std\s*::\s*|::\s*)?"
BANNED_CALLS = [
    (r"[\w:]*::\s*now\s*\(", "clock", "Clock::now() reads a clock; every time comes from a log "
     "stamp"),
    (FREE + r"time\s*\(\s*(?:nullptr|NULL|0|&[^)]*)\s*\)", "clock", "time() reads the clock"),
    (FREE + r"clock\s*\(\s*\)", "clock", "clock() reads the CPU clock"),
    (r"\b(?:gettimeofday|clock_gettime|timespec_get|ftime)\s*\(", "clock", "reads the clock"),
    (r"\b(?:localtime|localtime_r|mktime|tzset)\s*\(", "clock",
     "reads TZ: the local zone is the edge's (app/local_zone.h builds a core::LocalZone)"),
    (r"\b(?:getenv|secure_getenv|setenv|unsetenv|putenv)\s*\(|\benviron\b", "environment",
     "reads the environment (TZ and the like): the edges read it and pass values in"),
    (FREE + r"(?:system|popen)\s*\(", "io", "runs a command: " + IO),
    (FREE + r"(?:fopen|freopen|fdopen|tmpfile|tmpnam|fclose|fflush|fread|fwrite|fgets|fputs|fputc|"
     r"fgetc|getc|putc|fprintf|vfprintf|fscanf|printf|vprintf|puts|putchar|getchar|scanf|perror|"
     r"rename)\s*\(", "io", "stdio on a FILE or the standard streams: " + IO),
    (r"\b(?:stdin|stdout|stderr)\b|\bFILE\s*\*", "io", "the standard streams or a FILE: " + IO),
    (r"\bstd\s*::\s*(?:cin|cout|cerr|clog|wcin|wcout|wcerr|wclog)\b", "io",
     "the standard streams: " + IO),
    (r"\brandom_device\b|" + FREE + r"s?rand\s*\(", "nondeterminism",
     "non-deterministic: a replay of the same lines must give the same answer"),
]

# Narrow exceptions: (file relative to the root, rule, the text matched) -> why it is allowed.
# An exception that no longer matches anything is reported, so this list cannot go stale.
EXCEPTIONS = {
}


def check_header(name):
    """The reason `name` (an <angle> include) is not allowed, or None."""
    for prefix, reason in BANNED_HEADERS:
        if name == prefix or (prefix.endswith("/") and name.startswith(prefix)):
            return reason
    if name in STD_HEADERS:
        return None
    return "not a standard-library header: a pure stage links only the standard library"


def scan(root, pure):
    """Returns (findings, files checked). A finding is (path, line, rule, message, matched)."""
    findings = []
    queue = []
    origin = {}  # header reached through another stage -> the pure file that included it
    for stage in pure:
        for path in guardlib.stage_files(root, stage):
            origin[path] = None
            queue.append(path)
    seen = set()
    seen_order = []
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        seen_order.append(path)
        no_comments, code = guardlib.lex(guardlib.read_source(root, path))
        via = f" (a pure stage includes it: {origin[path]})" if origin.get(path) else ""
        for line, kind, name in guardlib.includes(no_comments):
            if kind == "<":
                reason = check_header(name)
                if reason:
                    findings.append((path, line, "header", f"#include <{name}>: {reason}{via}",
                                     name))
                continue
            # Follow relaywatch headers (and local "x.h" ones) into whatever stage they are in.
            if name.startswith("relaywatch/"):
                target = os.path.join("include", name)
            else:
                target = os.path.relpath(
                    os.path.join(os.path.dirname(os.path.join(root, path)), name), root)
            if os.path.isfile(os.path.join(root, target)) and target not in seen:
                if target not in origin:
                    origin[target] = f"{path}:{line}"
                queue.append(target)
        for pattern, rule, message in BANNED_CALLS:
            for m in re.finditer(pattern, code):
                line = code.count("\n", 0, m.start()) + 1
                text = " ".join(m.group(0).split())
                findings.append((path, line, rule, f"{text}: {message}{via}", text))
    order = {path: i for i, path in enumerate(seen_order)}
    findings.sort(key=lambda f: (order[f[0]], f[1]))
    return findings, len(seen)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(here)))
    args = parser.parse_args()
    _, pure, _ = guardlib.read_cmake(args.root)
    findings, files = scan(args.root, pure)
    used = set()
    failed = []
    for path, line, rule, message, text in findings:
        key = (path, rule, text)
        if key in EXCEPTIONS:
            used.add(key)
            continue
        failed.append(f"{path}:{line}: {rule}: {message}")
    for key in EXCEPTIONS:
        if key not in used:
            failed.append(f"{key[0]}: stale exception in check_purity.py: nothing matches "
                          f"{key[1]} {key[2]!r}")
    present = [s for s in pure if guardlib.stage_files(args.root, s)]
    for f in failed:
        print(f)
    verdict = f"{len(failed)} violation(s)" if failed else "pure"
    print(f"check_purity: {verdict}; {files} files of {', '.join(present)} and the headers they "
          f"include (pure stages without files yet: "
          f"{', '.join(s for s in pure if s not in present) or 'none'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
