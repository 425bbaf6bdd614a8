#!/bin/sh
# The Debian package, end to end, on a clean Debian 12 root (debootstrap, see bookworm_root.sh):
#   - packaging/build-deb.sh builds 0.1.0-1 (dh, cmake, dpkg-buildflags), and 0.1.0-2 from the
#     same tree; lintian shows no error or warning (nor the hardening infos); control data
#     (shlibdeps, conffiles, maintainer), copyright and contents;
#   - in the root, with a QMailToaster-like qmail (group qmail, user qmaill, /var/log/qmail/*
#     0750, svscan scanning /var/qmail/supervise, a qmail-inject that refuses every message):
#     dpkg -i: the user, its group, /var/lib/relaywatch 0700, nothing enabled, no output beyond
#     dpkg's own; install-supervise.sh; relaywatch runs as relaywatch and reads the 0750 log; its
#     alerts fail for good and land in spool/phone/failed; the conffile is edited and 0.1.0-2
#     installed over it: the edit is kept, the daemon restarted; `systemctl enable relaywatch`;
#     dpkg -r: stopped (svc -d), config, state, failed alerts and user kept; dpkg -i again: the
#     edit kept, "service is down: svc -u ..." said; dpkg -P: config and state gone, the failed
#     alerts moved to /var/backups/relaywatch and the place said, the user kept (said), the
#     supervise dir named, no link left in /etc/systemd;
#   - an admin-made relaywatch user (its own uid, group and home) is used and kept as it is,
#     through install and purge;
#   - without a qmail group the user's group is nogroup.
# Slow (a full package build; the first run debootstraps, then keeps the root as a tarball in
# RELAYWATCH_TEST_CACHE): CTest label "packaging"; packaging/test.sh runs it with the rest, and
# `ctest -LE packaging` leaves it out. Needs root and, for the first run, Debian's archive.
# With ccache installed the package build goes through it, with the flags of packaging/test.sh's
# release build (packaging/test-flags.sh): the test's package is built with -Werror and -O3.
# Not tested here: systemd running the unit (the root does not boot systemd), a real qmail
# delivering an alert.
# Usage: deb_test.sh SOURCE_DIR [BUILD_DIR]      (default SOURCE_DIR/build-pkg-deb)
set -eu
src=$(cd "${1:?usage: deb_test.sh SOURCE_DIR [BUILD_DIR]}" && pwd)
build=${2:-$src/build-pkg-deb}
cache=${RELAYWATCH_TEST_CACHE:-/var/cache/relaywatch-test}
here=$(cd "$(dirname "$0")" && pwd)

[ "$(id -u)" = 0 ] || { echo "deb_test: FAIL: needs root (dpkg, chroot, debootstrap)"; exit 1; }
for tool in debootstrap lintian dh dpkg-buildpackage; do
  command -v "$tool" >/dev/null ||
    { echo "deb_test: FAIL: $tool is missing: sh packaging/install-deps.sh --test"; exit 1; }
done
export DEBIAN_FRONTEND=noninteractive

failures=0
step() { echo "--- $*"; }
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check WHAT COMMAND...: ok when the command succeeds
  what=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what ($*)"; fi
}
expect_eq() {  # expect_eq WHAT GOT WANT
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got '$2', want '$3'"; fi
}
# Waits up to $1 seconds for a command to succeed; polls every 0.2 s.
wait_for() {
  limit=$(($1 * 5))
  shift
  i=0
  while [ $i -lt $limit ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
    i=$((i + 1))
  done
  return 1
}

# --- 1. The package, built the Debian way; 0.1.0-2 from the same tree. ---
step "packaging/build-deb.sh in $build"
mkdir -p "$build"
# The release build's flags and ccache (packaging/test-flags.sh): after packaging/test.sh's
# release build nothing is compiled again. dpkg-buildflags adds DEB_*FLAGS_APPEND to the package's
# own flags: -Werror, and CMake's Release -O3 -DNDEBUG (dh builds with CMAKE_BUILD_TYPE=None).
# debhelper (compat 13) gives the build a HOME of its own; ccache takes its cache from CCACHE_DIR.
. "$src/packaging/test-flags.sh"
test_flags_ccache "$build"
export DEB_CXXFLAGS_APPEND=-Werror DEB_CPPFLAGS_APPEND="-O3 -DNDEBUG"
t0=$(date +%s)
deb1=$(sh "$src/packaging/build-deb.sh" "$build" | tail -n 1) || { echo "deb_test: FAIL: build-deb.sh"; exit 1; }
stage=$build/relaywatch-0.1.0
# A second revision: a changelog entry more, built in the same tree without a clean (nothing to
# compile again).
{
  printf 'relaywatch (0.1.0-2) unstable; urgency=medium\n\n  * Rebuild (upgrade test).\n\n'
  printf ' -- relaywatch maintainers <maintainers@relaywatch.org>  %s\n\n' "$(date -R)"
  cat "$stage/debian/changelog"
} >"$stage/debian/changelog.new"
mv "$stage/debian/changelog.new" "$stage/debian/changelog"
(cd "$stage" && dpkg-buildpackage -b -nc -us -uc) >"$build/build2.log" 2>&1 ||
  { tail -30 "$build/build2.log"; echo "deb_test: FAIL: the 0.1.0-2 build"; exit 1; }
deb2=$build/relaywatch_0.1.0-2_amd64.deb
ok "built $(basename "$deb1") and $(basename "$deb2") in $(($(date +%s) - t0)) s"

step "lintian"
lintian --display-info --show-overrides "$deb1" >"$build/lintian.out" 2>&1 || true
sed 's/^/    /' "$build/lintian.out"
if grep -q '^[EW]: ' "$build/lintian.out"; then fail "lintian reports errors or warnings"; else ok "lintian: no E: or W:"; fi
if grep -q 'hardening-no-' "$build/lintian.out"; then fail "lintian: hardening missing"; else ok "lintian: no hardening-no-* (dpkg-buildflags reached the build)"; fi
expect_eq "lintian: the one override, with its reason in packaging/debian" \
  "$(grep '^O: ' "$build/lintian.out" | sed 's/ \[.*//')" "O: relaywatch: initial-upload-closes-no-bugs"

step "control data, copyright and contents of $(basename "$deb1")"
depends=$(dpkg-deb -f "$deb1" Depends)
echo "Depends: $depends"
for dep in adduser libspdlog1.10-fmt9 libyaml-cpp0.7 libssl3 libfmt9 libstdc++6 libc6; do
  if echo "$depends" | grep -q "\(^\|, \)$dep\( \|,\|$\)"; then ok "Depends names $dep"; else fail "Depends lacks $dep"; fi
done
expect_eq "Recommends" "$(dpkg-deb -f "$deb1" Recommends)" daemontools
expect_eq "Maintainer" "$(dpkg-deb -f "$deb1" Maintainer)" "relaywatch maintainers <maintainers@relaywatch.org>"
expect_eq "Version" "$(dpkg-deb -f "$deb1" Version)" 0.1.0-1
expect_eq "Version of the second build" "$(dpkg-deb -f "$deb2" Version)" 0.1.0-2
rm -rf "$build/control" "$build/contents-tree"
dpkg-deb -e "$deb1" "$build/control"
expect_eq "conffiles" "$(cat "$build/control/conffiles")" /etc/relaywatch/relaywatch.yaml
# The built scripts are ours up to #DEBHELPER#, where debhelper's snippets go.
ours_then_debhelper() {  # ours_then_debhelper SOURCE BUILT
  sed '/^#DEBHELPER#/,$d' "$1" >"$build/prefix"
  head -n "$(wc -l <"$build/prefix")" "$2" | cmp -s - "$build/prefix"
}
for script in postinst prerm postrm; do
  expect_eq "$script mode" "$(stat -c %a "$build/control/$script")" 755
  check "$script is packaging/debian/$script up to #DEBHELPER#" \
    ours_then_debhelper "$src/packaging/debian/$script" "$build/control/$script"
done
check "the postrm purges the unit's links (dh_installsystemd)" grep -q "deb-systemd-helper purge 'relaywatch.service'" "$build/control/postrm"
dpkg-deb -x "$deb1" "$build/contents-tree"
check "copyright is DEP-5, Apache-2.0" grep -qx "License: Apache-2.0" "$build/contents-tree/usr/share/doc/relaywatch/copyright"
check "changelog.Debian.gz" test -s "$build/contents-tree/usr/share/doc/relaywatch/changelog.Debian.gz"
dpkg-deb -c "$deb1" | awk '{print $1, $2, $6}' >"$build/contents"
for entry in "-rwxr-xr-x root/root ./usr/bin/relaywatch" \
  "-rw-r--r-- root/root ./etc/relaywatch/relaywatch.yaml" \
  "-rw-r--r-- root/root ./usr/share/man/man8/relaywatch.8.gz" \
  "-rw-r--r-- root/root ./usr/share/man/man5/relaywatch.yaml.5.gz" \
  "-rwxr-xr-x root/root ./usr/share/relaywatch/supervise/run" \
  "-rwxr-xr-x root/root ./usr/share/relaywatch/supervise/log/run" \
  "-rwxr-xr-x root/root ./usr/share/relaywatch/install-supervise.sh" \
  "-rw-r--r-- root/root ./lib/systemd/system/relaywatch.service" \
  "-rw-r--r-- root/root ./usr/share/relaywatch/systemd/strict.conf" \
  "-rw-r--r-- root/root ./usr/share/doc/relaywatch/copyright" \
  "-rw-r--r-- root/root ./usr/share/doc/relaywatch/examples/relaywatch.yaml"; do
  check "the package holds $entry" grep -qxF -- "$entry" "$build/contents"
done
if grep -q "var/lib/relaywatch\|usr/local" "$build/contents"; then
  fail "the package holds /var/lib/relaywatch or /usr/local paths: $(grep "var/lib\|usr/local" "$build/contents")"
fi

# --- 2. A clean root. ---
step "a clean bookworm root"
tarball=$(sh "$here/bookworm_root.sh") || { echo "deb_test: FAIL: no Debian root (reason above)"; exit 1; }
work=$(mktemp -d /var/tmp/relaywatch-deb-test.XXXXXX)
R=$work/root
mkdir "$R"
svscan_pid=
cleanup() {
  set +e
  [ -n "$svscan_pid" ] && kill "$svscan_pid" 2>/dev/null
  # supervise, multilog and relaywatch run chrooted in $R: stop them by their root.
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && kill "${p#/proc/}" 2>/dev/null
  done
  sleep 0.2
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  umount "$R/var/cache/apt/archives" 2>/dev/null
  umount "$R/proc" 2>/dev/null
  if grep -q " $R/" /proc/mounts; then
    echo "deb_test: WARNING: mounts left under $R; not deleting it"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tar -C "$R" -xzf "$tarball"
chmod 0755 "$R"   # a root / of 0700 (a tarball made from a mktemp dir) locks out every user
cp /etc/resolv.conf "$R/etc/resolv.conf"
mount -t proc proc "$R/proc"
mkdir -p "$cache/apt-archives/partial"
mount --bind "$cache/apt-archives" "$R/var/cache/apt/archives"
in_root() { chroot "$R" "$@"; }
ok "a debootstrapped bookworm root in $R (from $tarball)"
cp "$deb1" "$deb2" "$R/tmp/"

# The package's dependencies, daemontools and systemd (for systemctl enable), from Debian's archive
# (cached); then every dpkg run below shows only what dpkg and the maintainer scripts print.
deps=$(echo "$depends" | sed 's/([^)]*)//g; s/|[^,]*//g; s/,/ /g')
in_root apt-get install -y -q --no-install-recommends $deps daemontools systemd >"$work/apt.log" 2>&1 ||
  { tail -20 "$work/apt.log"; echo "deb_test: FAIL: apt-get install in the root"; exit 1; }
ok "dependencies, daemontools and systemd installed in the root"
# The lines dpkg prints itself; anything else comes from the maintainer scripts.
dpkg_own='^(Selecting previously unselected package relaywatch\.|\(Reading database \.\.\. .*|Preparing to unpack .*|Unpacking relaywatch .*|Setting up relaywatch .*|Removing relaywatch .*|Purging configuration files for relaywatch .*|Processing triggers for man-db .*)$'
script_output() { grep -Ev "$dpkg_own" "$1" || true; }
expect_output() {  # expect_output WHAT LOG WANT: the maintainer scripts printed exactly WANT
  got=$(script_output "$2")
  if [ "$got" = "$3" ]; then ok "$1"; else fail "$1: the maintainer scripts printed:
$got
  want:
$3"; fi
}

# --- 3. A qmail the way QMailToaster lays it out, its svscan scanning /var/qmail/supervise. ---
step "a QMailToaster-like qmail: group qmail, user qmaill, /var/log/qmail/submission 0750"
in_root groupadd --system qmail
in_root groupadd --system nofiles
in_root useradd --system --gid nofiles --home-dir /var/qmail --no-create-home --shell /usr/sbin/nologin qmaill
mkdir -p "$R/var/qmail/supervise/submission/log" "$R/var/qmail/control" "$R/var/qmail/bin" \
  "$R/var/log/qmail/submission"
cp "$src/tests/fixtures/log-run/qmailtoaster-submission.run" "$R/var/qmail/supervise/submission/log/run"
printf '#!/bin/sh\nexec true\n' >"$R/var/qmail/supervise/submission/run"
chmod 0755 "$R/var/qmail/supervise/submission/run" "$R/var/qmail/supervise/submission/log/run"
# qmail itself does not run here: its services stay down.
touch "$R/var/qmail/supervise/submission/down" "$R/var/qmail/supervise/submission/log/down"
# A qmail-inject that refuses every message for good (exit 100), so alerts fail permanently.
printf '#!/bin/sh\ncat >/dev/null\necho "qmail-inject: fatal: refused by the test" >&2\nexit 100\n' \
  >"$R/var/qmail/bin/qmail-inject"
chmod 0755 "$R/var/qmail/bin/qmail-inject"
# The fixture lines, stamped now (TAI64N), so their alerts are paged, not just recorded.
stamp=$(printf '@4000000%09x%08x' $(($(date +%s) + 10)) 0)
grep -h '^@4000' "$src/tests/fixtures/real.txt" "$src/tests/fixtures/constructed.txt" |
  sed "s/^@[0-9a-f]\{24\}/$stamp/" >"$R/var/log/qmail/submission/current"
lines_in_log=$(wc -l <"$R/var/log/qmail/submission/current")
in_root chown -R qmaill:qmail /var/log/qmail
chmod 0750 "$R/var/log/qmail" "$R/var/log/qmail/submission"
chmod 0640 "$R/var/log/qmail/submission/current"
# chroot execs svscan, so $! is svscan's pid.
chroot "$R" svscan /var/qmail/supervise >"$work/svscan.out" 2>&1 </dev/null &
svscan_pid=$!

# --- 4. Install 0.1.0-1. ---
step "dpkg -i relaywatch_0.1.0-1"
if in_root dpkg -i /tmp/relaywatch_0.1.0-1_amd64.deb >"$work/dpkg1.log" 2>&1; then ok "dpkg -i"; else fail "dpkg -i: $(cat "$work/dpkg1.log")"; fi
expect_output "dpkg -i: no output from the maintainer scripts" "$work/dpkg1.log" ""
expect_eq "installed" "$(in_root dpkg-query -W -f='${Status} ${Version}' relaywatch)" \
  "install ok installed 0.1.0-1"
expect_eq "relaywatch --version" "$(in_root relaywatch --version)" "relaywatch 0.1.0"
expect_eq "the user relaywatch: group qmail, no login, home the state dir" \
  "$(in_root getent passwd relaywatch | cut -d: -f4,6,7)" \
  "$(in_root getent group qmail | cut -d: -f3):/var/lib/relaywatch:/usr/sbin/nologin"
uid=$(in_root id -u relaywatch)
[ "$uid" -lt 1000 ] && ok "relaywatch is a system user (uid $uid)" || fail "relaywatch has uid $uid"
expect_eq "/var/lib/relaywatch" "$(in_root stat -c '%a %U %G' /var/lib/relaywatch)" "700 relaywatch qmail"
expect_eq "/etc/relaywatch/relaywatch.yaml" "$(in_root stat -c '%a %U %G' /etc/relaywatch/relaywatch.yaml)" "644 root root"
check "the shipped config is config/relaywatch.yaml" cmp "$R/etc/relaywatch/relaywatch.yaml" "$src/config/relaywatch.yaml"
check "relaywatch.8.gz is packaging/man/relaywatch.8" sh -c "zcat '$R/usr/share/man/man8/relaywatch.8.gz' | cmp - '$src/packaging/man/relaywatch.8'"
check "the unit is installed" test -f "$R/lib/systemd/system/relaywatch.service"
check "the unit is not enabled" test ! -e "$R/etc/systemd/system/multi-user.target.wants/relaywatch.service"

step "relaywatch check on the shipped config"
if in_root relaywatch check >"$work/check.out" 2>&1; then ok "relaywatch check exits 0"; else fail "relaywatch check: $(cat "$work/check.out")"; fi
check "check lists the submission log" grep -q "^  submission  */var/log/qmail/submission$" "$work/check.out"

# --- 5. Under daemontools, the toaster's way. ---
step "install-supervise.sh with svscan scanning /var/qmail/supervise"
if in_root /usr/share/relaywatch/install-supervise.sh >"$work/is.out" 2>&1; then
  ok "install-supervise.sh"
else
  fail "install-supervise.sh: $(cat "$work/is.out")"
fi
check "it found the running svscan" grep -q "svscan scans /var/qmail/supervise (scanned by the running svscan)" "$work/is.out"
check "no /service was made" test ! -e "$R/service"
expect_eq "log/run writes /var/log/qmail/relaywatch as qmaill" \
  "$(grep '^exec' "$R/var/qmail/supervise/relaywatch/log/run")" \
  "exec setuidgid qmaill multilog t s1000000 n10 /var/log/qmail/relaywatch"
service=/var/qmail/supervise/relaywatch
relaywatch_pid() { in_root svstat "$service" | sed -n 's/.*up (pid \([0-9]*\)).*/\1/p'; }
log=$R/var/log/qmail/relaywatch/current
started_count() { grep -c "relaywatch 0.1.0 started" "$log" 2>/dev/null || true; }
started_more_than() { [ "$(started_count)" -gt "$1" ]; }
if wait_for 20 grep -q "info: relaywatch 0.1.0 started: 1 sources" "$log"; then
  ok "svscan started relaywatch; it logs through multilog: $(in_root svstat "$service")"
else
  fail "relaywatch did not start; svstat: $(in_root svstat "$service" "$service/log" 2>&1); log: $(tail -5 "$log" 2>&1)"
fi
pid1=$(relaywatch_pid)
expect_eq "the daemon runs as relaywatch, group qmail" "$(ps -o uid=,gid= -p "${pid1:-1}" | tr -s ' ' | sed 's/^ //')" \
  "$uid $(in_root getent group qmail | cut -d: -f3)"
status_lines() {
  in_root relaywatch status --format json 2>/dev/null | grep -o '"lines":{"total":[0-9]*' | grep -o '[0-9]*$'
}
status_lines_are() { [ "$(status_lines)" = "$1" ]; }
if wait_for 20 status_lines_are "$lines_in_log"; then
  ok "relaywatch status: the daemon read all $lines_in_log lines of the 0750 qmail log (group qmail)"
else
  fail "relaywatch status lines.total is '$(status_lines)', want $lines_in_log"
fi
failed_alerts() { ls "$R/var/lib/relaywatch/spool/phone/failed" 2>/dev/null | wc -l; }
has_failed_alerts() { [ "$(failed_alerts)" -gt 0 ]; }
if wait_for 20 has_failed_alerts; then
  ok "qmail-inject refused the alerts for good: $(failed_alerts) in spool/phone/failed"
else
  fail "no failed alerts in spool/phone/failed; log: $(tail -5 "$log")"
fi
n_failed=$(failed_alerts)

step "svc -t: stop (checkpoint) and started again by supervise"
in_root svc -t "$service"
if wait_for 20 started_more_than 1; then ok "restarted after svc -t"; else fail "no second start after svc -t: $(tail -5 "$log")"; fi
check "a checkpoint was written" test -s "$R/var/lib/relaywatch/checkpoint"

# --- 6. Upgrade over an edited conffile. ---
step "edit the conffile, upgrade to 0.1.0-2"
sed -i 's/^    limit: 300$/    limit: 301/' "$R/etc/relaywatch/relaywatch.yaml"
echo "# edited by the administrator" >>"$R/etc/relaywatch/relaywatch.yaml"
check "the edit is valid" in_root relaywatch check
starts_before=$(started_count)
if in_root dpkg -i /tmp/relaywatch_0.1.0-2_amd64.deb >"$work/dpkg2.log" 2>&1; then ok "dpkg -i 0.1.0-2"; else fail "dpkg -i 0.1.0-2: $(cat "$work/dpkg2.log")"; fi
expect_output "upgrade: no output from the maintainer scripts" "$work/dpkg2.log" ""
expect_eq "upgraded" "$(in_root dpkg-query -W -f='${Status} ${Version}' relaywatch)" "install ok installed 0.1.0-2"
check "the edited conffile survived the upgrade" grep -qx "# edited by the administrator" "$R/etc/relaywatch/relaywatch.yaml"
check "... with its edit" grep -qx "    limit: 301" "$R/etc/relaywatch/relaywatch.yaml"
if wait_for 20 started_more_than "$starts_before"; then
  ok "the postinst restarted the running daemon (svc -t)"
else
  fail "no restart after the upgrade: $(tail -3 "$log")"
fi
expect_eq "the user was kept" "$(in_root id -u relaywatch)" "$uid"

step "systemctl enable relaywatch (the unit, for a host without daemontools)"
in_root systemctl enable relaywatch.service >"$work/enable.log" 2>&1 || fail "systemctl enable: $(cat "$work/enable.log")"
check "enable made the multi-user.target.wants link" test -L "$R/etc/systemd/system/multi-user.target.wants/relaywatch.service"

# --- 7. Remove: stopped; config, state, failed alerts and user kept. ---
step "dpkg -r"
if in_root dpkg -r relaywatch >"$work/dpkg3.log" 2>&1; then ok "dpkg -r"; else fail "dpkg -r: $(cat "$work/dpkg3.log")"; fi
expect_output "dpkg -r: no output from the maintainer scripts" "$work/dpkg3.log" ""
service_down() { in_root svstat "$service" | grep -q ': down '; }
if wait_for 10 service_down; then ok "the prerm took the service down: $(in_root svstat "$service")"; else fail "service after dpkg -r: $(in_root svstat "$service")"; fi
expect_eq "state" "$(in_root dpkg-query -W -f='${Status}' relaywatch)" "deinstall ok config-files"
check "the binary is gone" test ! -e "$R/usr/bin/relaywatch"
check "the config stays, with its edit" grep -qx "# edited by the administrator" "$R/etc/relaywatch/relaywatch.yaml"
check "the checkpoint stays" test -s "$R/var/lib/relaywatch/checkpoint"
expect_eq "the failed alerts stay" "$(failed_alerts)" "$n_failed"
expect_eq "the user stays" "$(in_root id -u relaywatch)" "$uid"

# --- 8. Reinstall: the edit kept; the service is down and the postinst says so. ---
step "dpkg -i relaywatch_0.1.0-2 again"
if in_root dpkg -i /tmp/relaywatch_0.1.0-2_amd64.deb >"$work/dpkg4.log" 2>&1; then ok "dpkg -i"; else fail "dpkg -i: $(cat "$work/dpkg4.log")"; fi
expect_output "the reinstall says the service is down and how to start it" "$work/dpkg4.log" \
  "relaywatch: service is down: svc -u $service (starts it)"
check "the edit is still there" grep -qx "# edited by the administrator" "$R/etc/relaywatch/relaywatch.yaml"
check "the service is still down" service_down
starts_before=$(started_count)
in_root svc -u "$service"
if wait_for 20 started_more_than "$starts_before"; then ok "svc -u, as said, starts it"; else fail "svc -u did not start it: $(tail -3 "$log")"; fi

# --- 9. Purge. ---
step "dpkg -P"
if in_root dpkg -P relaywatch >"$work/dpkg5.log" 2>&1; then ok "dpkg -P"; else fail "dpkg -P: $(cat "$work/dpkg5.log")"; fi
backup=$(cd "$R" && ls -d var/backups/relaywatch/failed-alerts-* 2>/dev/null | head -n 1)
moved=$(ls "$R/$backup/phone" 2>/dev/null | wc -l)
expect_output "dpkg -P says where the failed alerts went, that the user stays, that the service dir is left" \
  "$work/dpkg5.log" "relaywatch: undelivered alerts (spool/*/failed, $moved files) kept in /$backup
relaywatch: the system user relaywatch is kept; remove it with: deluser --system relaywatch
relaywatch: $service is left in place (made by install-supervise.sh); remove it by hand"
[ "$moved" -ge "$n_failed" ] && [ "$moved" -gt 0 ] && ok "the $moved failed alerts are in /$backup/phone" ||
  fail "$moved alerts in /$backup/phone, $n_failed were in spool/phone/failed"
expect_eq "... still relaywatch's and 0600" \
  "$(in_root sh -c "stat -c '%U %a' /$backup/phone/* | sort -u")" "relaywatch 600"
expect_eq "/var/backups/relaywatch is root's, 0700" "$(in_root stat -c '%U %a' /var/backups/relaywatch)" "root 700"
not_known() { ! in_root dpkg-query -W -f='${Status}' relaywatch 2>/dev/null | grep -q ok; }
check "dpkg no longer knows relaywatch" not_known
check "/etc/relaywatch is gone" test ! -e "$R/etc/relaywatch"
check "/var/lib/relaywatch is gone" test ! -e "$R/var/lib/relaywatch"
expect_eq "the user is kept" "$(in_root id -u relaywatch)" "$uid"
check "the multi-user.target.wants link is gone" test ! -L "$R/etc/systemd/system/multi-user.target.wants/relaywatch.service"
dangling=$(in_root find /etc/systemd -xtype l 2>/dev/null || true)
expect_eq "no dangling links under /etc/systemd" "$dangling" ""

step "the toaster removal from README.md (\"Run under daemontools\")"
in_root sh -c 'cd /var/qmail/supervise && mv relaywatch .relaywatch && svc -dx .relaywatch .relaywatch/log' ||
  fail "the README's removal commands"
supervise_gone() { ! in_root svok /var/qmail/supervise/.relaywatch && ! in_root svok /var/qmail/supervise/.relaywatch/log; }
if wait_for 10 supervise_gone; then ok "supervise for relaywatch and its log exited"; else fail "supervise still runs"; fi
rm -rf "$R/var/qmail/supervise/.relaywatch"

# --- 10. An admin-made user: used as it is, kept through purge. ---
step "an admin-made relaywatch user (uid 900, group nofiles, home /srv/relaywatch)"
in_root userdel relaywatch
in_root useradd --system --uid 900 --gid nofiles --home-dir /srv/relaywatch --no-create-home \
  --shell /bin/false --comment "made by the admin" relaywatch
admin_user=$(in_root getent passwd relaywatch)
if in_root dpkg -i /tmp/relaywatch_0.1.0-2_amd64.deb >"$work/dpkg6.log" 2>&1; then ok "dpkg -i"; else fail "dpkg -i: $(cat "$work/dpkg6.log")"; fi
expect_output "dpkg -i: no output from the maintainer scripts" "$work/dpkg6.log" ""
expect_eq "the admin's user is unchanged" "$(in_root getent passwd relaywatch)" "$admin_user"
expect_eq "/var/lib/relaywatch is the admin's user's" "$(in_root stat -c '%a %U %G' /var/lib/relaywatch)" "700 relaywatch nofiles"
if in_root dpkg -P relaywatch >"$work/dpkg7.log" 2>&1; then ok "dpkg -P"; else fail "dpkg -P: $(cat "$work/dpkg7.log")"; fi
expect_output "dpkg -P: only that the user is kept" "$work/dpkg7.log" \
  "relaywatch: the system user relaywatch is kept; remove it with: deluser --system relaywatch"
expect_eq "the admin's user is kept, unchanged" "$(in_root getent passwd relaywatch)" "$admin_user"

# --- 11. Without a qmail group. ---
step "no relaywatch user and no group qmail: the package makes the user with group nogroup"
in_root userdel relaywatch
in_root groupdel qmail
if in_root dpkg -i /tmp/relaywatch_0.1.0-2_amd64.deb >"$work/dpkg8.log" 2>&1; then ok "dpkg -i"; else fail "dpkg -i: $(cat "$work/dpkg8.log")"; fi
expect_eq "the user's primary group is nogroup" "$(in_root id -gn relaywatch)" nogroup
expect_eq "/var/lib/relaywatch" "$(in_root stat -c '%a %U %G' /var/lib/relaywatch)" "700 relaywatch nogroup"
if in_root dpkg -P relaywatch >"$work/dpkg9.log" 2>&1; then ok "dpkg -P"; else fail "dpkg -P: $(cat "$work/dpkg9.log")"; fi

echo
if [ "$failures" != 0 ]; then
  echo "deb_test: $failures failures"
  exit 1
fi
echo "deb_test: ok (packages in $build)"
