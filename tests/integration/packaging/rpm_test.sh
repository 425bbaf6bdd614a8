#!/bin/sh
# packaging/rpm/relaywatch.spec, as far as a Debian machine can check it: rpmspec parses it for
# EL 9 and EL 8 (the BuildRequires each gets); rpmbuild -ta --nodeps builds the source and binary
# RPMs from a release tarball, as the README does, with Debian's compiler and libraries (and the
# flags of packaging/test-flags.sh: the compile comes from ccache after the release build);
# rpmlint finds no error in the spec, the source RPM or the binary RPM; the binary RPM's files, config
# flags, state directory, scriptlets and library Requires are read back with rpm -qp.
# Debian's rpm has no systemd macros: the test defines %{_unitdir} as EL's and each %systemd_*
# scriptlet macro as a marker line, which shows the spec calls them with the unit's name; and
# EL's %{_docdir_fmt} (docs in /usr/share/doc/relaywatch, not .../relaywatch-VERSION).
# rpmlint runs with packaging/rpm/relaywatch.rpmlintrc, whose filters say why each is there.
# Not tested here: building on EL (its compilers, hardening flags, EPEL's spdlog/yaml-cpp, EL 8's
# gcc-toolset-12 and boost1.78), EL's real %systemd_* scriptlets, installing the RPM, the %pre
# user creation on a real rpm database, the rich Recommends on EL 8's and 9's dnf.
# Usage: rpm_test.sh SOURCE_DIR [BUILD_DIR]      (default SOURCE_DIR/build-pkg-rpm, emptied first;
#        a fixed place; with ccache installed the compile is the release build's of
#        packaging/test.sh, see packaging/test-flags.sh)
set -eu
src=$(cd "${1:?usage: rpm_test.sh SOURCE_DIR [BUILD_DIR]}" && pwd)
top=${2:-$src/build-pkg-rpm}
spec=$src/packaging/rpm/relaywatch.spec
for tool in rpmbuild rpmspec rpmlint; do
  command -v "$tool" >/dev/null ||
    { echo "rpm_test: FAIL: $tool is missing: sh packaging/install-deps.sh --test"; exit 1; }
done
rm -rf "$top"
mkdir -p "$top"
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
has() {  # has WHAT FILE PATTERN
  if grep -q "$3" "$2"; then ok "$1"; else fail "$1: no '$3' in the parsed spec"; fi
}
has "EL 9 builds with boost-devel" "$top/spec.el9" "^BuildRequires: *boost-devel >= 1.74"
has "EL 9 gets the systemd macros from systemd-rpm-macros" "$top/spec.el9" "^BuildRequires: *systemd-rpm-macros$"
has "EL 8 builds with gcc-toolset-12" "$top/spec.el8" "^BuildRequires: *gcc-toolset-12-gcc-c++"
has "EL 8 builds with boost1.78" "$top/spec.el8" "^BuildRequires: *boost1.78-devel"
has "EL 8 gets the systemd macros from systemd" "$top/spec.el8" "^BuildRequires: *systemd$"
for br in cmake gcc-c++ boost-devel spdlog-devel yaml-cpp-devel openssl-devel; do
  grep -q "^BuildRequires: *$br\( \|$\)" "$top/spec.el9" || fail "EL 9 lacks BuildRequires: $br"
done
# The README's EL build dependencies (its `sudo dnf install -y rpm-build ...` lines, EL 9 then
# EL 8) are the spec's BuildRequires for each.
n=0
for el in 9 8; do
  n=$((n + 1))
  readme=$(sed -n 's/^sudo dnf install -y rpm-build \(.*\)$/\1/p' "$src/README.md" | sed -n "${n}p" |
    tr ' ' '\n' | grep . | sort | tr '\n' ' ')
  spec_deps=$(sed -n 's/^BuildRequires: *\([^ ]*\).*/\1/p' "$top/spec.el$el" | sort | tr '\n' ' ')
  [ "$readme" = "$spec_deps" ] && ok "the README's EL $el dnf line installs the spec's BuildRequires" ||
    fail "README's EL $el dnf line: '$readme'; the spec's BuildRequires: '$spec_deps'"
done
has "License" "$top/spec.el9" "^License: *Apache-2.0$"
has "URL" "$top/spec.el9" "^URL: *https://"
has "Recommends daemontools or QMailToaster's daemontools-toaster" "$top/spec.el9" \
  "^Recommends: *(daemontools or daemontools-toaster)$"

# The release tarball as the README makes it (git archive of the tree; here the working tree,
# so uncommitted changes are tested too): the tree without builds and git.
tar -C "$src" --exclude='./build*' --exclude=./.git --exclude=./.cache \
  --transform "s,^\.,relaywatch-$version," -czf "$top/relaywatch-$version.tar.gz" .
# What systemd-rpm-macros defines on EL; markers for the scriptlet macros.
set -- --define "_topdir $top" --define "_smp_mflags -j2" \
  --define "_unitdir /usr/lib/systemd/system" --define "_docdir_fmt %%{NAME}" \
  --define "systemd_post() : systemd_post %*" --define "systemd_preun() : systemd_preun %*" \
  --define "systemd_postun_with_restart() : systemd_postun_with_restart %*"
# The release build's flags and ccache (packaging/test-flags.sh): optflags are Debian's package
# flags with -Werror for the unpacked tree, and the spec's Release build adds -O3 -DNDEBUG, so after
# packaging/test.sh's release build nothing is compiled again. (EL's own optflags differ.)
. "$src/packaging/test-flags.sh"
test_flags_ccache "$top"
mkdir -p "$top/BUILD/relaywatch-$version"
set -- "$@" --define "optflags $(test_flags_cxx "$top/BUILD/relaywatch-$version")"
echo "--- rpmbuild -ta --nodeps (a full build with Debian's toolchain)"
t0=$(date +%s)
if rpmbuild -ta --nodeps "$@" "$top/relaywatch-$version.tar.gz" >"$top/ta.log" 2>&1; then
  rpm=$(sed -n 's/^Wrote: \(.*\/relaywatch-[0-9][^/]*\.x86_64\.rpm\)$/\1/p' "$top/ta.log" | head -1)
  srpm=$(sed -n 's/^Wrote: \(.*\.src\.rpm\)$/\1/p' "$top/ta.log" | head -1)
  # Without a binary RPM every check below would be skipped: that is a failure, not a pass.
  if [ -n "$rpm" ] && [ -f "$rpm" ] && [ -n "$srpm" ]; then
    ok "rpmbuild -ta --nodeps in $(($(date +%s) - t0)) s: $(basename "$srpm"), $(basename "$rpm")"
  else
    fail "rpmbuild -ta exited 0 but wrote no relaywatch RPMs: $(grep '^Wrote:' "$top/ta.log" | tr '\n' ' ')"
    rpm=
  fi
else
  fail "rpmbuild -ta --nodeps:"
  tail -30 "$top/ta.log"
  rpm=
fi

if [ -n "$rpm" ]; then
  echo "--- rpmlint"
  rpmlint -r "$src/packaging/rpm/relaywatch.rpmlintrc" "$spec" "$srpm" "$rpm" >"$top/rpmlint.out" 2>&1 || true
  sed 's/^/    /' "$top/rpmlint.out"
  if grep -q ': E: ' "$top/rpmlint.out"; then fail "rpmlint reports errors"; else ok "rpmlint: no errors"; fi
  grep -q "errors, .* warnings" "$top/rpmlint.out" || fail "rpmlint did not run to its summary"

  rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm" \
    2>/dev/null >"$top/files"
  for entry in "-rwxr-xr-x root  /usr/bin/relaywatch" \
    "-rw-r--r-- root cn /etc/relaywatch/relaywatch.yaml" \
    "drwx------ relaywatch  /var/lib/relaywatch" \
    "-rwxr-xr-x root  /usr/share/relaywatch/supervise/run" \
    "-rwxr-xr-x root  /usr/share/relaywatch/supervise/log/run" \
    "-rwxr-xr-x root  /usr/share/relaywatch/install-supervise.sh" \
    "-rw-r--r-- root  /usr/lib/systemd/system/relaywatch.service" \
    "-rw-r--r-- root l /usr/share/licenses/relaywatch/LICENSE"; do
    grep -qxF -- "$entry" "$top/files" && ok "the RPM holds $entry" || fail "the RPM lacks '$entry'"
  done
  grep -q " /usr/share/man/man8/relaywatch.8" "$top/files" && ok "the RPM holds relaywatch(8)" || fail "no relaywatch(8)"
  grep -q " /usr/share/man/man5/relaywatch.yaml.5" "$top/files" && ok "the RPM holds relaywatch.yaml(5)" || fail "no relaywatch.yaml(5)"
  rpm -qp --scripts "$rpm" 2>/dev/null >"$top/scripts"
  for line in 'useradd -r -g "$group" -d /var/lib/relaywatch' \
    'for service in /service/relaywatch /etc/service/relaywatch /var/qmail/supervise/relaywatch; do' \
    'svc -d "$service"' 'svc -t "$service"' 'echo "relaywatch: service is down: svc -u $service (starts it)"' \
    ': systemd_post relaywatch.service' ': systemd_preun relaywatch.service' \
    ': systemd_postun_with_restart relaywatch.service'; do
    grep -qF -- "$line" "$top/scripts" && ok "scriptlets: $line" || fail "scriptlets lack: $line"
  done
  rpm -qp --requires "$rpm" 2>/dev/null | grep -q "libyaml-cpp" && ok "automatic library Requires" ||
    fail "no library Requires: $(rpm -qp --requires "$rpm" 2>/dev/null | tr '\n' ' ')"
  expect=$(rpm -qp --recommends "$rpm" 2>/dev/null)
  [ "$expect" = "(daemontools or daemontools-toaster)" ] && ok "Recommends: $expect" || fail "Recommends: '$expect'"
fi

if [ "$failures" != 0 ]; then
  echo "rpm_test: $failures failures"
  exit 1
fi
echo "rpm_test: ok"
