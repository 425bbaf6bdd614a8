#!/bin/sh
# The live demo: a throw-away qmail supervise tree on real daemontools, with relaywatch watching it.
#
# Builds relaywatch, then under one temporary directory: an SMTP sink on 127.0.0.1 (the admins'
# mailbox), services `submission` and `smtp` whose traffic simulator writes through real
# `multilog t` (log/run), and relaywatch itself as a supervised service reading their logs. The
# simulator sends normal users, a fraudster, a burst abuser, a login used from 40 IPs and a login
# relaying on port 25; the alerts appear below as they reach the mailbox, `relaywatch explain` on
# the forged sender's line, then `relaywatch status`.
# Ctrl-C (or --seconds N) stops and removes everything.
#
# --fleet: two mail servers (mx1, mx2: a submission service each) behind one name, each with its
# own relaywatch, sharing their counts through a real redis-server on 127.0.0.1 (requirepass, no
# persistence, started and stopped here). The burst abuser's 700 recipients are split 350 + 350:
# neither server alone reaches the limit of 500, the fleet does, and the alert comes once; so does
# the fraud both servers see. `relaywatch report --fleet` shows each node's part.
#
# Usage: sh packaging/demo.sh [--seconds N] [--keep] [--fleet]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=0
keep=0
fleet=0
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --fleet) fleet=1; shift ;;
    *) echo "usage: sh packaging/demo.sh [--seconds N] [--keep] [--fleet]" >&2; exit 2 ;;
  esac
done

"$top/packaging/install-deps.sh" --demo
build=$top/build
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DRELAYWATCH_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target relaywatch
rw=$build/relaywatch

demo=$(mktemp -d /tmp/relaywatch-demo.XXXXXX)
chmod 755 "$demo"
svscan_pid=
sink_pid=
redis_pid=
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "== stopping the demo"
  for s in "$demo"/service/*; do svc -dx "$s" "$s/log" 2>/dev/null || true; done
  [ -n "$svscan_pid" ] && kill "$svscan_pid" 2>/dev/null || true
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null || true
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
  sleep 1
  if [ $keep = 1 ]; then echo "kept $demo"; else rm -rf "$demo"; fi
}
trap cleanup EXIT INT TERM

# The admins' mailbox: an SMTP server on loopback storing each message as a file.
mkdir -p "$demo/mailbox"
/usr/bin/python3 "$top/tests/support/smtp_sink.py" --dir "$demo/mailbox" --port 0 \
  > "$demo/sink.port" 2> "$demo/sink.log" &
sink_pid=$!
for _ in $(seq 50); do [ -s "$demo/sink.port" ] && break; sleep 0.1; done
port=$(head -n1 "$demo/sink.port" | tr -dc 0-9)
[ -n "$port" ] || { echo "demo: the SMTP sink did not start (see $demo/sink.log)" >&2; exit 1; }

# The qmail services: simulator -> real multilog, as a toaster's log/run does it.
mkservice() {  # name, run command
  mkdir -p "$demo/service/$1/log/main"
  printf '#!/bin/sh\nexec %s\n' "$2" > "$demo/service/$1/run"
  printf '#!/bin/sh\nexec multilog t s65536 n20 ./main\n' > "$demo/service/$1/log/run"
  chmod +x "$demo/service/$1/run" "$demo/service/$1/log/run"
}
mkservice smtp "/usr/bin/python3 $top/packaging/demo/simulate.py smtp --seed 2"
if [ $fleet = 1 ]; then
  mkservice submission-mx1 "/usr/bin/python3 $top/packaging/demo/simulate.py submission --seed 1 --part 1/2"
  mkservice submission-mx2 "/usr/bin/python3 $top/packaging/demo/simulate.py submission --seed 3 --part 2/2"
  # Redis on loopback with a password (README "Several mail servers": bind, requirepass).
  umask 077
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$demo/redis.password"
  umask 022
  redis_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server --bind 127.0.0.1 --port "$redis_port" --requirepass "$(cat "$demo/redis.password")" \
    --save "" --appendonly no --dir "$demo" > "$demo/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$redis_port" -a "$(cat "$demo/redis.password")" --no-auth-warning \
      ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  nodes="mx1 mx2"
  submission_services="submission-mx1, submission-mx2"
else
  mkservice submission "/usr/bin/python3 $top/packaging/demo/simulate.py submission --seed 1"
  nodes="mx1"
  submission_services="submission"
fi

for node in $nodes; do
if [ $fleet = 1 ]; then
  cfg=$demo/relaywatch-$node.yaml
  state=$demo/state-$node
  services="[submission-$node]"
  [ $node = mx1 ] && services="[submission-mx1, smtp]"
else
  cfg=$demo/relaywatch.yaml
  state=$demo/state
  services="[submission, smtp]"
fi
mkdir -p -m 700 "$state"  # relaywatch refuses a state_dir others can write
cat > "$cfg" <<YAML
hostname: $node
state_dir: $state
startup: warm
sources:
  supervise_dir: $demo/service
  services: $services
rules:
  - {name: hourly-volume, kind: volume, window: 1h, limit: 500}
  - {name: foreign-sender, kind: sender, window: 24h, limit: 1, policy: same-domain,
     domain_aliases: [[example.com, example.net]]}
  - {name: many-ips, kind: remote-ips, window: 1h, limit: 10}
  - {name: port25-auth, kind: service-policy, allowed_services: [$submission_services, smtps]}
alerts:
  channels:
    - {name: phone, format: sms, via: smtp, host: 127.0.0.1, port: $port,
       from: relaywatch@example.com, to: [5551234567@sms.example.com]}
    - {name: admins, format: email, via: smtp, host: 127.0.0.1, port: $port,
       from: relaywatch@example.com, to: [postmaster@example.com]}
YAML
if [ $fleet = 1 ]; then
  cat >> "$cfg" <<YAML
fleet:
  redis: 127.0.0.1:$redis_port
  password_file: $demo/redis.password
  prefix: "demo:"
  node: $node
YAML
fi
"$rw" check -c "$cfg"

# relaywatch as a supervised service, like supervise/relaywatch in this repository.
rwsvc=relaywatch
[ $fleet = 1 ] && rwsvc=relaywatch-$node
mkdir -p "$demo/service/$rwsvc/log/main"
printf '#!/bin/sh\nexec 2>&1\nexec %s run -c %s\n' "$rw" "$cfg" > "$demo/service/$rwsvc/run"
printf '#!/bin/sh\nexec multilog t ./main\n' > "$demo/service/$rwsvc/log/run"
chmod +x "$demo/service/$rwsvc/run" "$demo/service/$rwsvc/log/run"
done
# explain and status below ask mx1's relaywatch.
[ $fleet = 1 ] && cfg=$demo/relaywatch-mx1.yaml && rwsvc=relaywatch-mx1

echo "== svscan $demo/service ($(ls "$demo/service" | tr '\n' ' '))"
svscan "$demo/service" >/dev/null 2>&1 &
svscan_pid=$!

echo "== alerts as they reach the mailbox (Ctrl-C to stop)"
start=$(date +%s)
seen=0
shown=""
shown_status=0
shown_explain=0
while :; do
  for m in "$demo"/mailbox/*.eml; do
    [ -f "$m" ] || continue
    n=$(basename "$m")
    case " $shown " in *" $n "*) continue ;; esac
    shown="${shown:-} $n"
    seen=$((seen + 1))
    to=$(grep -m1 -i '^To:' "$m" | tr -d '\r' | cut -c5-60)
    subj=$(grep -m1 -i '^Subject:' "$m" | tr -d '\r' | cut -c10- || true)
    # An SMS has no Subject: its (quoted-printable) body is the whole text.
    [ -n "$subj" ] || subj=$(awk 'f{print; exit} /^\r?$/{f=1}' "$m" | tr -d '\r' | sed 's/=$//')
    printf '  %-28s %s\n' "$to" "$subj"
  done
  # The first alert's cause, read by `relaywatch explain`: the fraudster's forged sender line.
  if [ $shown_explain = 0 ] && [ $seen -gt 0 ]; then
    sub=submission
    [ $fleet = 1 ] && sub=submission-mx1
    line=$(cat "$demo"/service/$sub/log/main/@*.s "$demo"/service/$sub/log/main/current \
      2>/dev/null | grep -m1 'from <ceo@bank.example:' || true)
    if [ -n "$line" ]; then
      shown_explain=1
      echo "== relaywatch explain --service $sub on the forged sender's line"
      "$rw" explain -c "$cfg" --service $sub "$line" || true
      echo "== more alerts"
    fi
  fi
  now=$(date +%s)
  if [ $shown_status = 0 ] && [ $((now - start)) -ge 20 ]; then
    shown_status=1
    echo "== relaywatch status"
    "$rw" status -c "$cfg" || true
    if [ $fleet = 1 ]; then
      echo "== relaywatch report --fleet (the fleet's windows in Redis, each node's part)"
      "$rw" report --fleet -c "$cfg" || true
    fi
    echo "== more alerts"
  fi
  if [ "$seconds" -gt 0 ] && [ $((now - start)) -ge "$seconds" ]; then break; fi
  sleep 1
done
echo "== $seen messages in the mailbox; relaywatch's own log (through tai64nlocal):"
for node in $nodes; do
  rwsvc=relaywatch
  [ $fleet = 1 ] && rwsvc=relaywatch-$node && echo "-- $node"
  tai64nlocal < "$demo/service/$rwsvc/log/main/current" | tail -n 15
done
