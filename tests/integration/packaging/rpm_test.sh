#!/bin/sh
# packaging/rpm/relaywatch.spec, as far as a Debian machine can check it: rpmspec parses it for
# EL 9 and EL 8 (the BuildRequires each gets), rpmbuild -bs makes a source RPM, and
# rpmbuild -bb --nodeps builds the binary RPM with Debian's compiler and libraries; its files,
# config flags, state directory and scriptlets are then read back with rpm -qp.
# Not tested here: building on EL (its compilers, EPEL's spdlog/yaml-cpp), installing the RPM,
# the %pre user creation on a real rpm database, the systemd scriptlet macros (not defined on
# Debian, so they expand to nothing here).
# Usage: rpm_test.sh SOURCE_DIR
set -eu
src=$(cd "${1:?usage: rpm_test.sh SOURCE_DIR}" && pwd)
spec=$src/packaging/rpm/relaywatch.spec
command -v rpmbuild >/dev/null || {
  [ "$(id -u)" = 0 ] || { echo "rpm_test: FAIL: rpmbuild is missing (apt-get install rpm)"; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rpm >/dev/null
}
top=$(mktemp -d /var/tmp/relaywatch-rpm-test.XXXXXX)
trap 'rm -rf "$top"' EXIT
failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
version=$(sed -n 's/^Version: *//p' "$spec")
project_version=$(sed -n 's/^project(relaywatch VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
[ "$version" = "$project_version" ] && ok "spec Version $version = project version" ||
  fail "spec Version $version, CMakeLists.txt says $project_version"

for el in 9 8; do
  if rpmspec -P --define "rhel $el" --define "dist .el$el" "$spec" >"$top/spec.el$el" 2>"$top/err"; then
    ok "rpmspec -P (rhel $el)"
  else
    fail "rpmspec -P (rhel $el): $(cat "$top/err")"
  fi
done
grep -q "^BuildRequires: *boost-devel >= 1.74" "$top/spec.el9" && ok "EL 9 builds with boost-devel" || fail "EL 9 BuildRequires"
grep -q "^BuildRequires: *gcc-toolset-12-gcc-c++" "$top/spec.el8" && ok "EL 8 builds with gcc-toolset-12" || fail "EL 8 BuildRequires"
for br in cmake gcc-c++ boost-devel spdlog-devel yaml-cpp-devel openssl-devel; do
  grep -q "^BuildRequires: *$br\( \|$\)" "$top/spec.el9" || fail "EL 9 lacks BuildRequires: $br"
done

# The source tarball, as a release would ship it: the tree without builds and git.
mkdir -p "$top/SOURCES"
tar -C "$src" --exclude='./build*' --exclude=./.git --exclude=./.cache \
  --transform "s,^\.,relaywatch-$version," -czf "$top/SOURCES/relaywatch-$version.tar.gz" .
rpmdefs="--define=_topdir $top"
if rpmbuild -bs "$rpmdefs" "$spec" >"$top/bs.log" 2>&1; then
  ok "rpmbuild -bs: $(sed -n 's/^Wrote: //p' "$top/bs.log")"
else
  fail "rpmbuild -bs:"; tail -20 "$top/bs.log"
fi

echo "--- rpmbuild -bb --nodeps (a full build with Debian's toolchain; a few minutes)"
if rpmbuild -bb --nodeps "$rpmdefs" --define "_smp_mflags -j2" "$spec" >"$top/bb.log" 2>&1; then
  rpm=$(sed -n 's/^Wrote: \(.*relaywatch-[0-9].*\.rpm\)$/\1/p' "$top/bb.log" | head -1)
  # Without a binary RPM every check below would be skipped: that is a failure, not a pass.
  if [ -n "$rpm" ] && [ -f "$rpm" ]; then
    ok "rpmbuild -bb --nodeps: $rpm"
  else
    fail "rpmbuild -bb --nodeps exited 0 but wrote no relaywatch RPM: $(grep '^Wrote:' "$top/bb.log" | tr '\n' ' ')"
    rpm=
  fi
else
  fail "rpmbuild -bb --nodeps:"
  tail -30 "$top/bb.log"
  rpm=
fi
if [ -n "$rpm" ]; then
  rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm" \
    2>/dev/null >"$top/files"
  for entry in "-rwxr-xr-x root  /usr/bin/relaywatch" \
    "-rw-r--r-- root cn /etc/relaywatch/relaywatch.yaml" \
    "drwx------ relaywatch  /var/lib/relaywatch" \
    "-rwxr-xr-x root  /usr/share/relaywatch/supervise/run" \
    "-rwxr-xr-x root  /usr/share/relaywatch/supervise/log/run" \
    "-rwxr-xr-x root  /usr/share/relaywatch/install-supervise.sh" \
    "-rw-r--r-- root  /usr/lib/systemd/system/relaywatch.service"; do
    grep -qxF -- "$entry" "$top/files" && ok "the RPM holds $entry" || fail "the RPM lacks '$entry'"
  done
  grep -q " /usr/share/man/man8/relaywatch.8" "$top/files" && ok "the RPM holds relaywatch(8)" || fail "no relaywatch(8)"
  grep -q " /usr/share/man/man5/relaywatch.yaml.5" "$top/files" && ok "the RPM holds relaywatch.yaml(5)" || fail "no relaywatch.yaml(5)"
  rpm -qp --scripts "$rpm" 2>/dev/null >"$top/scripts"
  grep -q "useradd -r -g \"\$group\" -d /var/lib/relaywatch" "$top/scripts" && ok "%pre creates the user" ||
    fail "%pre does not create the user"
  grep -q 'svc -d "$service"' "$top/scripts" && ok "%preun stops a supervised daemon" || fail "%preun"
  rpm -qp --requires "$rpm" 2>/dev/null | grep -q "libyaml-cpp" && ok "automatic library Requires" ||
    fail "no library Requires: $(rpm -qp --requires "$rpm" 2>/dev/null | tr '\n' ' ')"
fi

if [ "$failures" != 0 ]; then
  echo "rpm_test: $failures failures"
  exit 1
fi
echo "rpm_test: ok"
