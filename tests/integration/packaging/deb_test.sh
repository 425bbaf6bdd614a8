#!/bin/sh
# The Debian package, end to end, on a clean Debian 12 root (debootstrap, see bookworm_root.sh):
#   build 0.1.0-1 and 0.1.0-2 with CPack; check their control data (shlibdeps, conffiles,
#   scripts) and contents; in the root, with a QMailToaster-like qmail (group qmail, user qmaill,
#   /var/log/qmail/submission 0750 holding real chkuser lines):
#   dpkg -i + apt-get -f install; the user, its group, /var/lib/relaywatch 0700; `relaywatch
#   check` on the shipped config finds the submission log; install-supervise.sh; svscan runs the
#   service and its multilog; relaywatch, as user relaywatch, reads the log (status counts the
#   lines); svc -t restarts it; the conffile is edited, 0.1.0-2 installed over it: the edit
#   survives and the postinst restarted the daemon; dpkg -r stops it (svc -d) and keeps the
#   config; dpkg -P removes config, state and user. Then once more without a qmail group: the
#   user's group is nogroup.
# Slow (a full build, and the first run debootstraps, then keeps the root as a tarball in
# RELAYWATCH_TEST_CACHE): CTest label "packaging"; packaging/test.sh runs it with the rest, and
# `ctest -LE packaging` leaves it out. Needs root. When debootstrap cannot reach the mirror it says so and, with
# RELAYWATCH_DEB_TEST_ON_HOST=1, runs the same steps on this machine instead (purging after);
# it refuses that when this machine has relaywatch, /var/qmail or /service already.
# Not tested here: systemd (no systemd in the root), lintian, a real qmail delivering an alert.
# Usage: deb_test.sh SOURCE_DIR [BUILD_DIR]      (default SOURCE_DIR/build-pkg-deb)
set -eu
src=$(cd "${1:?usage: deb_test.sh SOURCE_DIR [BUILD_DIR]}" && pwd)
build=${2:-$src/build-pkg-deb}
cache=${RELAYWATCH_TEST_CACHE:-/var/cache/relaywatch-test}
here=$(cd "$(dirname "$0")" && pwd)

[ "$(id -u)" = 0 ] || { echo "deb_test: FAIL: needs root (dpkg, chroot, debootstrap)"; exit 1; }
export DEBIAN_FRONTEND=noninteractive
for tool in debootstrap; do
  command -v "$tool" >/dev/null || apt-get install -y -q --no-install-recommends "$tool" >/dev/null
done

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

# --- 1. Two builds of the package. ---
step "building relaywatch 0.1.0-1 and 0.1.0-2 in $build"
mkdir -p "$build/debs"
for release in 1 2; do
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DRELAYWATCH_TESTS=OFF -DRELAYWATCH_WERROR=ON -DRELAYWATCH_PACKAGE_RELEASE=$release >/dev/null
  cmake --build "$build" -j 2 >"$build/build.log" 2>&1 || { tail -30 "$build/build.log"; exit 1; }
  (cd "$build" && cpack -G DEB >"$build/cpack.log" 2>&1) || { cat "$build/cpack.log"; exit 1; }
  mv "$build/relaywatch_0.1.0-${release}_amd64.deb" "$build/debs/"
done
deb1=$build/debs/relaywatch_0.1.0-1_amd64.deb
deb2=$build/debs/relaywatch_0.1.0-2_amd64.deb

step "control data and contents of $deb1"
dpkg-deb -f "$deb1" Depends >"$build/depends"
echo "Depends: $(cat "$build/depends")"
for dep in adduser libspdlog1.10-fmt9 libyaml-cpp0.7 libssl3 libfmt9 libstdc++6 libc6; do
  check "Depends names $dep" grep -q "\(^\|, \)$dep\( \|,\|$\)" "$build/depends"
done
expect_eq "Recommends" "$(dpkg-deb -f "$deb1" Recommends)" daemontools
expect_eq "Version" "$(dpkg-deb -f "$deb1" Version)" 0.1.0-1
expect_eq "Version of the second build" "$(dpkg-deb -f "$deb2" Version)" 0.1.0-2
mkdir -p "$build/control"
rm -rf "$build/control/"*
dpkg-deb -e "$deb1" "$build/control"
expect_eq "conffiles" "$(cat "$build/control/conffiles")" /etc/relaywatch/relaywatch.yaml
for script in postinst prerm postrm; do
  check "$script is the one in packaging/debian" cmp "$build/control/$script" "$src/packaging/debian/$script"
  expect_eq "$script mode" "$(stat -c %a "$build/control/$script")" 755
done
dpkg-deb -c "$deb1" | awk '{print $1, $2, $6}' >"$build/contents"
for entry in "-rwxr-xr-x root/root ./usr/bin/relaywatch" \
  "-rw-r--r-- root/root ./etc/relaywatch/relaywatch.yaml" \
  "-rw-r--r-- root/root ./usr/share/man/man8/relaywatch.8.gz" \
  "-rw-r--r-- root/root ./usr/share/man/man5/relaywatch.yaml.5.gz" \
  "-rwxr-xr-x root/root ./usr/share/relaywatch/supervise/run" \
  "-rwxr-xr-x root/root ./usr/share/relaywatch/supervise/log/run" \
  "-rwxr-xr-x root/root ./usr/share/relaywatch/install-supervise.sh" \
  "-rw-r--r-- root/root ./usr/lib/systemd/system/relaywatch.service" \
  "-rw-r--r-- root/root ./usr/share/relaywatch/systemd/strict.conf" \
  "-rw-r--r-- root/root ./usr/share/doc/relaywatch/examples/relaywatch.yaml"; do
  check "the package holds $entry" grep -qxF -- "$entry" "$build/contents"
done
if grep -q "var/lib/relaywatch\|usr/local" "$build/contents"; then
  fail "the package holds /var/lib/relaywatch or /usr/local paths: $(grep "var/lib\|usr/local" "$build/contents")"
fi

# --- 2. A clean root. ---
step "preparing a clean bookworm root"
if tarball=$(sh "$here/bookworm_root.sh"); then
  mode=chroot
  work=$(mktemp -d /var/tmp/relaywatch-deb-test.XXXXXX)
  R=$work/root
  mkdir "$R"
  tar -C "$R" -xzf "$tarball"
  chmod 0755 "$R"   # a root / of 0700 (a tarball made from a mktemp dir) locks out every user
  cp /etc/resolv.conf "$R/etc/resolv.conf"
  mount -t proc proc "$R/proc"
  mkdir -p "$cache/apt-archives/partial"
  mount --bind "$cache/apt-archives" "$R/var/cache/apt/archives"
  in_root() { chroot "$R" "$@"; }
  ok "a debootstrapped bookworm root in $R (from $tarball)"
else
  echo "deb_test: debootstrap could not make a clean Debian root (reason above)."
  if [ "${RELAYWATCH_DEB_TEST_ON_HOST:-0}" != 1 ]; then
    echo "deb_test: FAIL: set RELAYWATCH_DEB_TEST_ON_HOST=1 to run the steps on this machine instead"
    exit 1
  fi
  if dpkg -s relaywatch >/dev/null 2>&1 || getent passwd relaywatch >/dev/null || [ -e /var/qmail ] ||
    [ -e /service ]; then
    echo "deb_test: FAIL: this machine already has relaywatch, /var/qmail or /service; not touching it"
    exit 1
  fi
  echo "deb_test: WARNING: installing on THIS machine (not a clean root), purging after"
  mode=host
  work=$(mktemp -d /var/tmp/relaywatch-deb-test.XXXXXX)
  R=
  in_root() { "$@"; }
fi
svscan_pid=
cleanup() {
  set +e
  [ -n "$svscan_pid" ] && kill "$svscan_pid" 2>/dev/null
  # supervise, multilog and relaywatch started under the root: stop them by their pids.
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    if [ "$mode" = chroot ]; then
      [ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && kill "$pid" 2>/dev/null
    else
      case "$(readlink "$p/exe" 2>/dev/null)" in
        /usr/bin/relaywatch) kill "$pid" 2>/dev/null ;;
      esac
    fi
  done
  if [ "$mode" = chroot ]; then
    umount "$R/var/cache/apt/archives" 2>/dev/null
    umount "$R/proc" 2>/dev/null
    if grep -q " $R/" /proc/mounts; then
      echo "deb_test: WARNING: mounts left under $R; not deleting it"
    else
      rm -rf "$work"
    fi
  else
    dpkg -P relaywatch >/dev/null 2>&1
    rm -rf /var/qmail /service /var/log/qmail "$work"
    for u in qmaill; do userdel "$u" 2>/dev/null; done
    groupdel qmail 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cp "$deb1" "$deb2" "$R/tmp/"

no_user() { ! in_root getent passwd relaywatch; }
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

# --- 3. A qmail the way QMailToaster lays it out. ---
step "a QMailToaster-like qmail: group qmail, user qmaill, /var/log/qmail/submission 0750"
in_root groupadd --system qmail
in_root groupadd --system nofiles
in_root useradd --system --gid nofiles --home-dir /var/qmail --no-create-home --shell /usr/sbin/nologin qmaill
mkdir -p "$R/var/qmail/supervise/submission/log" "$R/var/qmail/control" "$R/var/log/qmail/submission"
cp "$src/tests/fixtures/log-run/qmailtoaster-submission.run" "$R/var/qmail/supervise/submission/log/run"
chmod 0755 "$R/var/qmail/supervise/submission/log/run"
grep -h '^@4000' "$src/tests/fixtures/real.txt" "$src/tests/fixtures/constructed.txt" \
  >"$R/var/log/qmail/submission/current"
lines_in_log=$(wc -l <"$R/var/log/qmail/submission/current")
in_root chown -R qmaill:qmail /var/log/qmail
chmod 0750 "$R/var/log/qmail" "$R/var/log/qmail/submission"
chmod 0640 "$R/var/log/qmail/submission/current"

# --- 4. Install 0.1.0-1. ---
step "dpkg -i relaywatch_0.1.0-1, then apt-get -f install for its dependencies"
if in_root dpkg -i /tmp/relaywatch_0.1.0-1_amd64.deb >"$work/dpkg1.log" 2>&1; then
  ok "dpkg -i (dependencies were already there)"
else
  grep -q "dependency problems" "$work/dpkg1.log" && ok "dpkg -i stops on the missing dependencies, as expected"
  in_root apt-get -f install -y -q >"$work/apt1.log" 2>&1 || { fail "apt-get -f install"; tail -20 "$work/apt1.log"; }
fi
expect_eq "installed" "$(in_root dpkg-query -W -f='${Status} ${Version}' relaywatch)" \
  "install ok installed 0.1.0-1"
expect_eq "relaywatch --version" "$(in_root relaywatch --version)" "relaywatch 0.1.0"
expect_eq "the user relaywatch: group qmail, no login, home the state dir" \
  "$(in_root getent passwd relaywatch | cut -d: -f4,6,7)" \
  "$(in_root getent group qmail | cut -d: -f3):/var/lib/relaywatch:/usr/sbin/nologin"
uid=$(in_root id -u relaywatch)
[ "$uid" -lt 1000 ] && ok "relaywatch is a system user (uid $uid)" || fail "relaywatch has uid $uid"
expect_eq "/var/lib/relaywatch" "$(in_root stat -c '%a %U %G' /var/lib/relaywatch)" "700 relaywatch qmail"
check "the shipped config is config/relaywatch.yaml" cmp "$R/etc/relaywatch/relaywatch.yaml" "$src/config/relaywatch.yaml"
check "relaywatch.8.gz is packaging/man/relaywatch.8" sh -c "zcat '$R/usr/share/man/man8/relaywatch.8.gz' | cmp - '$src/packaging/man/relaywatch.8'"
check "relaywatch.yaml.5.gz is packaging/man/relaywatch.yaml.5" sh -c "zcat '$R/usr/share/man/man5/relaywatch.yaml.5.gz' | cmp - '$src/packaging/man/relaywatch.yaml.5'"

step "relaywatch check on the shipped config"
if in_root relaywatch check >"$work/check.out" 2>&1; then ok "relaywatch check exits 0"; else fail "relaywatch check: $(cat "$work/check.out")"; fi
check "check lists the submission log" grep -q "^  submission  */var/log/qmail/submission$" "$work/check.out"
check "check finds one source" grep -qx "sources (1):" "$work/check.out"

# --- 5. Under daemontools. ---
step "install-supervise.sh and svscan"
in_root sh -c 'command -v svscan' >/dev/null 2>&1 || in_root apt-get install -y -q daemontools >"$work/apt2.log" 2>&1
check "daemontools is installed" in_root sh -c 'command -v svscan && command -v supervise'
if in_root /usr/share/relaywatch/install-supervise.sh >"$work/is.out" 2>&1; then
  ok "install-supervise.sh"
else
  fail "install-supervise.sh: $(cat "$work/is.out")"
fi
expect_eq "log/run writes /var/log/qmail/relaywatch as qmaill" \
  "$(grep '^exec' "$R/var/qmail/supervise/relaywatch/log/run")" \
  "exec setuidgid qmaill multilog t s1000000 n10 /var/log/qmail/relaywatch"
expect_eq "/service/relaywatch" "$(readlink "$R/service/relaywatch")" /var/qmail/supervise/relaywatch
if in_root /usr/share/relaywatch/install-supervise.sh >"$work/is2.out" 2>&1 &&
  grep -q "already set up; nothing to do" "$work/is2.out"; then
  ok "install-supervise.sh again: nothing to do"
else
  fail "install-supervise.sh again: $(cat "$work/is2.out")"
fi
# The qmail service itself is not run here: only relaywatch and its log are linked into /service.
# chroot execs svscan, so $! is svscan's pid.
if [ "$mode" = chroot ]; then
  chroot "$R" svscan /service >/dev/null 2>&1 </dev/null &
else
  svscan /service >/dev/null 2>&1 </dev/null &
fi
svscan_pid=$!
relaywatch_pid() { in_root svstat /service/relaywatch | sed -n 's/.*up (pid \([0-9]*\)).*/\1/p'; }
log=$R/var/log/qmail/relaywatch/current
started_count() { grep -c "relaywatch 0.1.0 started" "$log" 2>/dev/null || true; }
started_more_than() { [ "$(started_count)" -gt "$1" ]; }
if wait_for 20 grep -q "info: relaywatch 0.1.0 started: 1 sources" "$log"; then
  ok "relaywatch runs under supervise and logs through multilog: $(in_root svstat /service/relaywatch)"
else
  fail "relaywatch did not start; svstat: $(in_root svstat /service/relaywatch /service/relaywatch/log 2>&1); log: $(cat "$log" 2>&1 | tail -5)"
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

step "svc -t: stop (checkpoint) and started again by supervise"
in_root svc -t /service/relaywatch
if wait_for 20 started_more_than 1; then
  ok "restarted after svc -t"
else
  fail "no second start after svc -t: $(tail -5 "$log")"
fi
check "the log says it stopped on SIGTERM" grep -q "stopping on SIGTERM" "$log"
check "a checkpoint was written" test -s "$R/var/lib/relaywatch/checkpoint"
pid2=$(relaywatch_pid)
[ -n "$pid2" ] && [ "$pid2" != "$pid1" ] && ok "new pid $pid2 (was $pid1)" || fail "pid after svc -t: '$pid2' (was '$pid1')"

# --- 6. Upgrade over an edited conffile. ---
step "edit the conffile, upgrade to 0.1.0-2"
sed -i 's/^    limit: 300$/    limit: 301/' "$R/etc/relaywatch/relaywatch.yaml"
echo "# edited by the administrator" >>"$R/etc/relaywatch/relaywatch.yaml"
check "the edit is valid" in_root relaywatch check
starts_before=$(started_count)
if in_root dpkg -i /tmp/relaywatch_0.1.0-2_amd64.deb >"$work/dpkg2.log" 2>&1; then ok "dpkg -i 0.1.0-2"; else fail "dpkg -i 0.1.0-2: $(cat "$work/dpkg2.log")"; fi
expect_eq "upgraded" "$(in_root dpkg-query -W -f='${Status} ${Version}' relaywatch)" "install ok installed 0.1.0-2"
check "the edited conffile survived the upgrade" grep -qx "# edited by the administrator" "$R/etc/relaywatch/relaywatch.yaml"
check "... with its edit" grep -qx "    limit: 301" "$R/etc/relaywatch/relaywatch.yaml"
if wait_for 20 started_more_than "$starts_before"; then
  ok "the postinst restarted the running daemon (svc -t)"
else
  fail "no restart after the upgrade: $(tail -3 "$log")"
fi
expect_eq "the user was kept" "$(in_root id -u relaywatch)" "$uid"

# --- 7. Remove: stopped, config kept. ---
step "dpkg -r"
if in_root dpkg -r relaywatch >"$work/dpkg3.log" 2>&1; then ok "dpkg -r"; else fail "dpkg -r: $(cat "$work/dpkg3.log")"; fi
service_down() { in_root svstat /service/relaywatch | grep -q ': down '; }
if wait_for 10 service_down; then
  ok "the prerm took the service down: $(in_root svstat /service/relaywatch)"
else
  fail "service after dpkg -r: $(in_root svstat /service/relaywatch)"
fi
expect_eq "state" "$(in_root dpkg-query -W -f='${Status}' relaywatch)" "deinstall ok config-files"
check "the binary is gone" test ! -e "$R/usr/bin/relaywatch"
check "the config stays" grep -qx "# edited by the administrator" "$R/etc/relaywatch/relaywatch.yaml"
check "the state stays" test -s "$R/var/lib/relaywatch/checkpoint"
check "the user stays" in_root getent passwd relaywatch

step "svc -dx: supervise exits"
# svscan first, or its next scan would start supervise again.
kill "$svscan_pid" 2>/dev/null || true
wait "$svscan_pid" 2>/dev/null || true
svscan_pid=
in_root svc -dx /service/relaywatch /service/relaywatch/log
supervise_gone() { ! in_root svok /service/relaywatch; }
if wait_for 10 supervise_gone; then
  ok "supervise for relaywatch has exited"
else
  fail "supervise still runs: $(in_root svstat /service/relaywatch)"
fi

# --- 8. Purge. ---
step "dpkg -P"
if in_root dpkg -P relaywatch >"$work/dpkg4.log" 2>&1; then ok "dpkg -P"; else fail "dpkg -P: $(cat "$work/dpkg4.log")"; fi
check "the postrm names the supervise dir it leaves" grep -q "/var/qmail/supervise/relaywatch is left in place" "$work/dpkg4.log"
not_known() { ! in_root dpkg-query -W -f='${Status}' relaywatch 2>/dev/null | grep -q ok; }
check "dpkg no longer knows relaywatch" not_known
check "/etc/relaywatch is gone" test ! -e "$R/etc/relaywatch"
check "/var/lib/relaywatch is gone" test ! -e "$R/var/lib/relaywatch"
check "the user is gone" no_user

# --- 9. Without a qmail group. ---
step "install on a root without group qmail, then purge"
rm -rf "$R/service/relaywatch" "$R/var/qmail/supervise/relaywatch"
in_root groupdel qmail
if in_root dpkg -i /tmp/relaywatch_0.1.0-2_amd64.deb >"$work/dpkg5.log" 2>&1; then ok "dpkg -i"; else fail "dpkg -i: $(cat "$work/dpkg5.log")"; fi
expect_eq "the user's primary group is nogroup" "$(in_root id -gn relaywatch)" nogroup
expect_eq "/var/lib/relaywatch" "$(in_root stat -c '%a %U %G' /var/lib/relaywatch)" "700 relaywatch nogroup"
if in_root dpkg -P relaywatch >"$work/dpkg6.log" 2>&1; then ok "dpkg -P"; else fail "dpkg -P: $(cat "$work/dpkg6.log")"; fi
check "the user is gone" no_user

echo
if [ "$failures" != 0 ]; then
  echo "deb_test: $failures failures (mode: $mode)"
  exit 1
fi
echo "deb_test: ok (mode: $mode; packages in $build/debs)"
