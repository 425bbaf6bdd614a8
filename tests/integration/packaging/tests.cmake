# Packaging tests, included by packaging/packaging.cmake when RELAYWATCH_TESTS is on.
#   integration: fast: the man pages render without warnings and cover every command, option and
#                config key; install-supervise.sh in temporary roots, and under a real svscan in
#                a small chroot (a /service tree and a QMailToaster tree); the systemd unit
#                verifies.
#   packaging:   slow without ccache (each builds the whole program once more; with ccache, after
#                packaging/test.sh's release build, nothing is compiled: packaging/test-flags.sh):
#                deb_test.sh (build-deb.sh, lintian, install/upgrade/remove/purge in a
#                debootstrapped Debian root),
#                rpm_test.sh (rpmbuild -ta, rpmlint). packaging/test.sh (and so CI) runs both
#                groups; `ctest -L packaging` runs these alone, `ctest -LE packaging` leaves them
#                out.
set(pkg_tests ${CMAKE_CURRENT_LIST_DIR})

# The generator is tiny; with the tests on it is built with everything so the test can run it.
set_target_properties(relaywatch_gen_yaml5 PROPERTIES EXCLUDE_FROM_ALL OFF)

add_test(NAME packaging.man_pages
  COMMAND sh ${pkg_tests}/man_test.sh ${PROJECT_SOURCE_DIR} $<TARGET_FILE:relaywatch>
          $<TARGET_FILE:relaywatch_gen_yaml5>)
add_test(NAME packaging.install_supervise
  COMMAND sh ${pkg_tests}/install_supervise_test.sh ${PROJECT_SOURCE_DIR} $<TARGET_FILE:relaywatch>)
add_test(NAME packaging.systemd_unit
  COMMAND sh ${pkg_tests}/systemd_unit_test.sh ${PROJECT_SOURCE_DIR} $<TARGET_FILE:relaywatch>)
set_tests_properties(packaging.man_pages packaging.install_supervise packaging.systemd_unit
  PROPERTIES LABELS integration TIMEOUT 120)
# useradd --root needs root; run as another user the test says so and counts as skipped.
set_tests_properties(packaging.install_supervise PROPERTIES SKIP_RETURN_CODE 77)

add_test(NAME packaging.deb COMMAND sh ${pkg_tests}/deb_test.sh ${PROJECT_SOURCE_DIR})
add_test(NAME packaging.rpm COMMAND sh ${pkg_tests}/rpm_test.sh ${PROJECT_SOURCE_DIR})
# deb_test.sh needs root and, the first time, Debian's archive; both build in their own dirs.
set_tests_properties(packaging.deb packaging.rpm PROPERTIES LABELS packaging TIMEOUT 3600
  RUN_SERIAL ON)
