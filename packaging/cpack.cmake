# Packaging, included at the end of the top CMakeLists.txt: the install layout
# (packaging/install.cmake), the man page generator, the Debian package (CPack DEB generator) and,
# with RELAYWATCH_TESTS, the packaging tests (tests/integration/packaging/tests.cmake).
#
# Build the .deb (the package must be configured for prefix /usr: the config then lands in /etc,
# where relaywatch looks for it):
#   cmake -S . -B build-deb -DCMAKE_INSTALL_PREFIX=/usr -DRELAYWATCH_TESTS=OFF
#   cmake --build build-deb --target package        -> build-deb/relaywatch_0.1.0-1_amd64.deb
# -DRELAYWATCH_PACKAGE_RELEASE=N sets the Debian revision (0.1.0-N).
include(${CMAKE_CURRENT_LIST_DIR}/install.cmake)

# relaywatch.yaml(5)'s key list comes from the option table (packaging/man/gen_yaml5.cpp).
add_executable(relaywatch_gen_yaml5 EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/man/gen_yaml5.cpp)
target_link_libraries(relaywatch_gen_yaml5 PRIVATE rw_config)
add_custom_target(relaywatch-man-update
  COMMAND relaywatch_gen_yaml5 --update ${CMAKE_CURRENT_LIST_DIR}/man/relaywatch.yaml.5
  COMMENT "Regenerating the key list of packaging/man/relaywatch.yaml.5" VERBATIM)

set(RELAYWATCH_PACKAGE_RELEASE "1" CACHE STRING "Debian revision of the package (0.1.0-N)")
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "relaywatch: packages will install under ${CMAKE_INSTALL_PREFIX}; a .deb or "
                 ".rpm wants -DCMAKE_INSTALL_PREFIX=/usr")
endif()

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "relaywatch")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "relaywatch")
set(CPACK_PACKAGE_CONTACT "relaywatch maintainers <postmaster@localhost>"
    CACHE STRING "Maintainer field of the package")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "sender-fraud and abuse alerts for qmail servers")
set(CPACK_PACKAGE_DESCRIPTION
    "relaywatch follows the multilog logs of the qmail services (chkuser, tcpserver, spamdyke, \
qlog lines), counts per authenticated login in sliding windows, and sends one alert per login \
and rule when a login sends as an address it may not use or relays too much. Alerts go out as \
SMS through an email-to-SMS gateway, as email (qmail-inject or SMTP) or to a program. \
relaywatch report runs the same rules over the stored logs.")
# Absolute destinations (/etc/relaywatch) go into the package, not onto the build machine.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_RELEASE "${RELAYWATCH_PACKAGE_RELEASE}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "mail")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# dpkg-shlibdeps names the libraries the binary links (libspdlog1.10, libyaml-cpp0.7, libssl3,
# libfmt9, libstdc++6, libc6); adduser is for the postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "daemontools")

# The config is a conffile: dpkg keeps an edited one on upgrade and asks when both changed.
set(relaywatch_conffiles "${PROJECT_BINARY_DIR}/packaging-staged/debian/conffiles")
file(WRITE "${relaywatch_conffiles}" "${RELAYWATCH_CONF_DIR}/relaywatch.yaml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${relaywatch_conffiles}"
    "${CMAKE_CURRENT_LIST_DIR}/debian/postinst"
    "${CMAKE_CURRENT_LIST_DIR}/debian/prerm"
    "${CMAKE_CURRENT_LIST_DIR}/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)

if(RELAYWATCH_TESTS)
  include(${PROJECT_SOURCE_DIR}/tests/integration/packaging/tests.cmake)
endif()
