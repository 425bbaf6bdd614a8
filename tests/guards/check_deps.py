#!/usr/bin/python3
"""Fails when a stage's DEPS in CMakeLists.txt differ from what its files include.

For every relaywatch_stage(NAME DEPS ...) line, the files of the stage (src/NAME/ and
include/relaywatch/NAME/) must agree with its DEPS, directly (a stage that includes another's
header lists it, even when some other dependency would bring it in):
  * `#include "relaywatch/<other>/..."` needs rw_<other> in DEPS, and the header must exist;
  * `#include "x.h"` must name a file of the same stage, next to the including file;
  * an include of an external library needs its target (EXTERNAL below) in DEPS;
  * every rw_<other> and every external target in DEPS must be needed by some include;
  * every folder under src/ or include/relaywatch/ is a declared stage, every DEPS word is a
    declared stage or a known target, and the stages form no cycle.
Every finding is printed as `path:line: what`; the exit status is 1 if there is any.

Usage: check_deps.py [--root DIR]      (default: the checkout this script is in)
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guardlib  # noqa: E402

# Imported targets and the <includes> that need them: a prefix ending in "/" or an exact name.
# Threads::Threads is for the headers that start threads (std::thread, std::async): a mutex alone
# needs no -pthread. OpenSSL::SSL also covers Asio's TLS layer, which calls libssl.
EXTERNAL = {
    "Boost::boost": ["boost/"],
    "spdlog::spdlog": ["spdlog/", "fmt/"],
    "yaml-cpp": ["yaml-cpp/"],
    "OpenSSL::SSL": ["openssl/ssl.h", "boost/asio/ssl"],
    "OpenSSL::Crypto": ["openssl/"],
    "Threads::Threads": ["thread", "future", "pthread.h"],
    "PkgConfig::HIREDIS": ["hiredis/"],
}


def needs(name):
    """The external targets an <angle> include needs."""
    out = []
    for target, patterns in EXTERNAL.items():
        for p in patterns:
            if name == p or (p.endswith("/") and name.startswith(p)) or (
                    not p.endswith("/") and "/" in p and name.startswith(p)):
                out.append(target)
                break
    return out


def check(root):
    stages, _, cmake = guardlib.read_cmake(root)
    cmake_rel = os.path.relpath(cmake, root)
    names = {s.name for s in stages}
    errors = []

    for top in ("src", os.path.join("include", "relaywatch")):
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            continue
        for d in sorted(os.listdir(base)):
            if os.path.isdir(os.path.join(base, d)) and d not in names:
                errors.append(f"{os.path.join(top, d)}: a folder with no relaywatch_stage({d} ...) "
                              f"line in {cmake_rel}")

    graph = {}
    for stage in stages:
        declared_stages = {}
        declared_external = {}
        for word in stage.deps:
            if word.startswith("rw_") and word[3:] in names:
                declared_stages[word[3:]] = word
            elif word in EXTERNAL:
                declared_external[word] = word
            else:
                errors.append(f"{cmake_rel}:{stage.line}: {stage.name} declares {word}, neither "
                              f"a stage (rw_<name>) nor a target check_deps.py knows (EXTERNAL)")
        graph[stage.name] = sorted(declared_stages)
        used_stages = {}  # stage -> [(path:line, header)] of the includes that use it
        used_external = {}
        for path in guardlib.stage_files(root, stage.name):
            no_comments, _ = guardlib.lex(guardlib.read_source(root, path))
            for line, kind, name in guardlib.includes(no_comments):
                where = f"{path}:{line}"
                if kind == "<":
                    for target in needs(name):
                        used_external.setdefault(target, where)
                        if target not in declared_external:
                            errors.append(f"{where}: {stage.name} includes <{name}>, which needs "
                                          f"{target}, but its DEPS do not list {target}")
                    continue
                if name.startswith("relaywatch/"):
                    parts = name.split("/")
                    other = parts[1] if len(parts) > 2 else None
                    if not os.path.isfile(os.path.join(root, "include", name)):
                        errors.append(f"{where}: #include \"{name}\": no such header in "
                                      f"include/")
                    if other is None or other not in names:
                        errors.append(f"{where}: #include \"{name}\" names no declared stage")
                        continue
                    if other == stage.name:
                        continue
                    used_stages.setdefault(other, []).append((where, name))
                    continue
                # A local header: next to the including file, in the same stage.
                target = os.path.normpath(os.path.join(os.path.dirname(path), name))
                if not os.path.isfile(os.path.join(root, target)):
                    errors.append(f"{where}: #include \"{name}\": no {target}; other stages' "
                                  f"headers are included as \"relaywatch/<stage>/...\"")
                elif guardlib.stage_of(target) != stage.name:
                    errors.append(f"{where}: #include \"{name}\" reaches {target}, outside "
                                  f"stage {stage.name}")
        for other, uses in used_stages.items():
            if other not in declared_stages:
                where, name = uses[0]
                more = f" (and {len(uses) - 1} more includes)" if len(uses) > 1 else ""
                errors.append(f"{where}: {stage.name} includes \"{name}\"{more} but its DEPS do "
                              f"not list rw_{other}")
        for other, word in declared_stages.items():
            if other not in used_stages:
                errors.append(f"{cmake_rel}:{stage.line}: {stage.name} declares {word} but no "
                              f"file of {stage.name} includes \"relaywatch/{other}/...\"")
        for target in declared_external:
            if target not in used_external:
                wanted = ", ".join(f"<{p}...>" if p.endswith("/") else f"<{p}>"
                                   for p in EXTERNAL[target])
                errors.append(f"{cmake_rel}:{stage.line}: {stage.name} declares {target} but no "
                              f"file of {stage.name} includes {wanted}")

    # Cycles among the declared stage dependencies.
    state = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt]
                errors.append(f"{cmake_rel}: the stages' DEPS form a cycle: {' -> '.join(cycle)}")
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for s in stages:
        if s.name not in state:
            visit(s.name, [s.name])
    return errors, len(stages)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(here)))
    args = parser.parse_args()
    errors, count = check(args.root)
    for e in errors:
        print(e)
    verdict = f"{len(errors)} mismatch(es)" if errors else "DEPS match the includes"
    print(f"check_deps: {verdict}; {count} stages")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
