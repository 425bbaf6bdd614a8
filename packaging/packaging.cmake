# Packaging, included at the end of the top CMakeLists.txt: the install layout
# (packaging/install.cmake), the man page generator and, with RELAYWATCH_TESTS, the packaging tests
# (tests/integration/packaging/tests.cmake).
#
# The packages are built by their own tools from files under packaging/, not by CMake:
#   Debian:  sh packaging/build-deb.sh      (debhelper, from packaging/debian)
#   EL 8/9:  rpmbuild -ta relaywatch-VERSION.tar.gz      (packaging/rpm/relaywatch.spec)
# Both configure with prefix /usr, where the config lands in /etc, where relaywatch looks for it.
include(${CMAKE_CURRENT_LIST_DIR}/install.cmake)

# relaywatch.yaml(5)'s key list comes from the option table (packaging/man/gen_yaml5.cpp).
add_executable(relaywatch_gen_yaml5 EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/man/gen_yaml5.cpp)
target_link_libraries(relaywatch_gen_yaml5 PRIVATE rw_config)
add_custom_target(relaywatch-man-update
  COMMAND relaywatch_gen_yaml5 --update ${CMAKE_CURRENT_LIST_DIR}/man/relaywatch.yaml.5
  COMMENT "Regenerating the key list of packaging/man/relaywatch.yaml.5" VERBATIM)

if(RELAYWATCH_TESTS)
  include(${PROJECT_SOURCE_DIR}/tests/integration/packaging/tests.cmake)
endif()
