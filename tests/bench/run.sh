#!/bin/sh
# Builds relaywatch (Release) and runs the benchmarks. Prints numbers; asserts only correctness.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build-bench}
"$top/packaging/install-deps.sh" --test
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target relaywatch decode_floor
# report over two generated days, 1M lines each: "friendly" (2,500 logins, 1-4 recipients per
# connection) and "big" (20,000 logins, one recipient per connection from a fresh address, 1 MB
# archives); wall, lines/s, CPU and peak RSS of report beside grep -c and decode_floor on the same
# files. Extra arguments go to report_bench.py: --shape friendly|big|both, --mix F (one day with a
# share F of big-style connections), --rules tests/bench/big_site_rules.yaml (report -c FILE),
# --lines N, --runs R, --keep DIR.
echo "== report over 1M lines per shape of day vs grep -c, and vs report's own decoding with no counting"
/usr/bin/python3 "$top/tests/bench/report_bench.py" "$build/relaywatch" \
  --decode-floor "$build/tests/bench/decode_floor" "$@"

# daemon: `relaywatch run` on a live multilog: sustained ingest and its CPU, fresh line -> finding
# latency (p50/p99), idle CPU over 60 s, memory with 100,000 logins in a 24h window, and an alert
# wave (3,000 alerts in 20 s at 10k and 30k lines/s through multilog's default s99999 n10).
echo "== daemon on a live multilog"
/usr/bin/python3 "$top/tests/bench/daemon/live_bench.py" "$build/relaywatch"

# The same daemon figures on report_bench's big shape (20,000 logins, a fresh client address per
# connection, mixed line kinds) with big_site_rules.yaml's rules: latency with that population
# held, ingest, idle CPU, and memory with 100,000 such logins against 100 MiB (no alert wave).
/usr/bin/python3 "$top/tests/bench/daemon/live_bench.py" "$build/relaywatch" --shape big

# daemon under a flood of 1,000,000 distinct forged logins in one window: memory, checkpoint size
# and time, SIGTERM (README "Forged logins").
echo "== daemon under a flood of forged logins"
/usr/bin/python3 "$top/tests/bench/daemon/forged_logins_bench.py" "$build/relaywatch"

# daemon: what multilog's s and n must be: lines lost (and gaps raised) at fixed rates while the
# daemon runs, and across a SIGSTOP, for the default s99999 n10 and two larger settings.
echo "== daemon: loss vs multilog s and n"
/usr/bin/python3 "$top/tests/bench/daemon/live_bench.py" "$build/relaywatch" --loss

# fleet (Redis): what sharing counts costs per line: 2 nodes on the big shape at 10k and 100k
# lines/s each, without and then with a fleet section (daemon CPU per line and the ratio,
# whether each node kept up, Redis commands/s and CPU, the link's commands/batches/dropped, the
# fleet's counts checked against what was fed); then 3 nodes: line -> page latency when a login's
# lines land on several nodes (p50/p99/max) and exactly one page per incident. Needs redis-server.
echo "== daemon: fleet cost per line and cross-node line -> page latency"
/usr/bin/python3 "$top/tests/bench/daemon/fleet_bench.py" "$build/relaywatch"
