#!/bin/sh
# packaging/systemd: `systemd-analyze verify` accepts relaywatch.service, alone, with the
# strict.conf drop-in and with the vmoduser drop-in its comments give, without a single
# complaint; the unit keeps the contract lines (user, ExecStart, reload by SIGHUP,
# ProtectSystem=strict, ProtectHome=read-only so a hook can run /home/vpopmail/bin/vmoduser); and
# it sets nothing that implies NoNewPrivileges, which would stop qmail-inject's setuid qmail-queue
# from queueing alerts.
# Not tested here: running the unit (this test machine does not boot systemd); whether qmail-queue
# really queues, or sudo -u vpopmail vmoduser really runs, from inside the sandbox.
# Usage: systemd_unit_test.sh SOURCE_DIR RELAYWATCH_BINARY
set -eu
src=${1:?usage: systemd_unit_test.sh SOURCE_DIR RELAYWATCH}
bin=${2:?}
unit=$src/packaging/systemd/relaywatch.service
strict=$src/packaging/systemd/strict.conf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze is not installed"; exit 1; }

# verify checks that ExecStart= names an executable: point it at the binary just built.
sed "s|/usr/bin/relaywatch|$bin|g" "$unit" >"$tmp/relaywatch.service"
verify() {  # verify WHAT: systemd-analyze must exit 0 and print nothing
  if ! (cd "$tmp" && systemd-analyze verify --man=no relaywatch.service) >"$tmp/out" 2>&1 ||
    [ -s "$tmp/out" ]; then
    fail "systemd-analyze verify ($1):"
    sed 's/^/    /' "$tmp/out"
  fi
}
verify "the unit"
mkdir "$tmp/relaywatch.service.d"
cp "$strict" "$tmp/relaywatch.service.d/strict.conf"
verify "with strict.conf"
# The drop-in the unit's comments give for a hook running sudo -u vpopmail vmoduser.
rm "$tmp/relaywatch.service.d/strict.conf"
sed -n 's/^#   \(\[Service\]\)$/\1/p; s/^#   \([A-Za-z]*=[^ ]*\( [A-Z_][A-Z_]*\)*\).*$/\1/p' "$unit" \
  >"$tmp/relaywatch.service.d/vmoduser.conf"
grep -qx "CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_AUDIT_WRITE" "$tmp/relaywatch.service.d/vmoduser.conf" &&
  grep -qx "ReadWritePaths=/home/vpopmail/domains" "$tmp/relaywatch.service.d/vmoduser.conf" ||
  fail "the vmoduser drop-in in the unit's comments is not what this test expects: $(cat "$tmp/relaywatch.service.d/vmoduser.conf")"
verify "with the vmoduser drop-in from the comments"
rm "$tmp/relaywatch.service.d/vmoduser.conf"
cp "$strict" "$tmp/relaywatch.service.d/strict.conf"
# The check has teeth: a key systemd does not know is reported.
echo "NoSuchKey=yes" >>"$tmp/relaywatch.service.d/strict.conf"
(cd "$tmp" && systemd-analyze verify --man=no relaywatch.service) >"$tmp/out" 2>&1 || true
grep -q "Unknown key 'NoSuchKey'" "$tmp/out" || fail "verify did not notice an unknown key: $(cat "$tmp/out")"

for line in "User=relaywatch" \
  "ExecStart=/usr/bin/relaywatch run -c /etc/relaywatch/relaywatch.yaml" \
  'ExecReload=/bin/kill -HUP $MAINPID' "ProtectSystem=strict" "ProtectHome=read-only" \
  "ReadWritePaths=/var/lib/relaywatch" "ReadWritePaths=-/var/qmail/queue" "WantedBy=multi-user.target"; do
  grep -qxF "$line" "$unit" || fail "relaywatch.service lacks the line $line"
done
# systemd.exec(5): each of these turns NoNewPrivileges on.
for key in NoNewPrivileges DynamicUser LockPersonality MemoryDenyWriteExecute PrivateDevices \
  ProtectClock ProtectHostname ProtectKernelLogs ProtectKernelModules ProtectKernelTunables \
  RestrictAddressFamilies RestrictNamespaces RestrictRealtime RestrictSUIDSGID \
  SystemCallArchitectures SystemCallFilter SystemCallLog; do
  if grep -q "^$key=" "$unit"; then fail "relaywatch.service sets $key=, which implies NoNewPrivileges"; fi
done
grep -qx "NoNewPrivileges=yes" "$strict" || fail "strict.conf does not set NoNewPrivileges=yes"

if [ "$failures" != 0 ]; then
  echo "systemd_unit_test: $failures failures"
  exit 1
fi
echo "systemd_unit_test: ok"
