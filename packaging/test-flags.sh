# Sourced (POSIX sh) by packaging/test.sh and the packaging tests deb_test.sh and rpm_test.sh.
# One set of compiler flags for the three gcc builds of the test run, the release build, the .deb
# (dpkg-buildpackage) and the RPM (rpmbuild -ta), and one ccache, so that each source is compiled
# once for all three instead of three times:
#   the Debian package's flags: dpkg-buildflags with debian/rules' hardening=+all, CPPFLAGS after
#   CXXFLAGS as debhelper hands them to cmake; -Werror (the tests build with warnings as errors);
#   then CMake's Release flags -O3 -DNDEBUG, which the release build and the spec's Release build
#   add themselves and the .deb gets through DEB_CPPFLAGS_APPEND.
# Each tree gets its own -ffile-prefix-map=TREE=. (dpkg-buildflags maps the directory it runs in);
# ccache hashes paths relative to CCACHE_BASEDIR and, with CCACHE_NOHASHDIR, not the build
# directory's name: the objects are the same for a build dir directly under each source tree
# (build-ci, obj-x86_64-linux-gnu, rpm's build). The price: the debug info of a package built
# from the cache names the build dir of the build that compiled it first (./build-ci).
# The cache is the project's, RELAYWATCH_CCACHE_DIR or RELAYWATCH_TEST_CACHE/ccache (default
# /var/cache/relaywatch-test/ccache): a fresh clone anywhere finds the objects of the last run;
# an empty or missing one is made and filled by the first run.

# test_flags_cxx DIR: CMAKE_CXX_FLAGS (before the Release flags) for a source tree at DIR.
test_flags_cxx() {
  (cd "$1" && export DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_CXXFLAGS_APPEND=-Werror &&
    unset DEB_CPPFLAGS_APPEND &&
    echo "$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)")
}
# test_flags_ld: the linker flags of the .deb.
test_flags_ld() {
  DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS
}
# test_flags_ccache BASEDIR: ccache (when installed) for the builds under BASEDIR, in the project
# cache; exports CMAKE_CXX_COMPILER_LAUNCHER, which cmake reads at configure time.
test_flags_ccache() {
  command -v ccache >/dev/null 2>&1 || return 0
  CCACHE_DIR=${RELAYWATCH_CCACHE_DIR:-${RELAYWATCH_TEST_CACHE:-/var/cache/relaywatch-test}/ccache}
  CCACHE_BASEDIR=$1
  CCACHE_NOHASHDIR=true
  # rpmbuild runs %build with LANG=C; the other builds in the caller's locale. The builds have
  # no warnings (-Werror), so there are no messages whose language could differ.
  CCACHE_SLOPPINESS=locale
  CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-4G}
  CMAKE_CXX_COMPILER_LAUNCHER=ccache
  export CCACHE_DIR CCACHE_BASEDIR CCACHE_NOHASHDIR CCACHE_SLOPPINESS CCACHE_MAXSIZE CMAKE_CXX_COMPILER_LAUNCHER
  mkdir -p "$CCACHE_DIR"
}
