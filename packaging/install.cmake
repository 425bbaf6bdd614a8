# Install layout (cmake --install, and what the Debian and RPM packages hold), prefix-aware through
# GNUInstallDirs:
#   bin/relaywatch                                      (the install(TARGETS) in CMakeLists.txt)
#   <sysconfdir>/relaywatch/relaywatch.yaml             the example; never replaces an existing one
#   share/doc/relaywatch/examples/relaywatch.yaml       the example as shipped, always current
#   share/man/man8/relaywatch.8.gz, man5/relaywatch.yaml.5.gz
#   share/relaywatch/supervise/{run,log/run}            daemontools templates (supervise/relaywatch)
#   share/relaywatch/install-supervise.sh               sets the service up from those templates
#   lib/systemd/system/relaywatch.service               for hosts without daemontools (the
#                                                       directory is RELAYWATCH_SYSTEMD_UNIT_DIR:
#                                                       /lib/systemd/system in the .deb,
#                                                       %{_unitdir} in the RPM)
#   share/relaywatch/systemd/strict.conf                a stricter drop-in for smtp-only sites
# With prefix /usr, GNUInstallDirs puts sysconfdir at /etc, which is where relaywatch looks for its
# config by default; with another prefix (/usr/local: /usr/local/etc) pass -c or link the file.
# /var/lib/relaywatch is not installed: it belongs to the service user, so the Debian postinst,
# the RPM (its %files, after %pre made the user) and install-supervise.sh create it.
include(GNUInstallDirs)

set(RELAYWATCH_CONF_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/relaywatch")
set(RELAYWATCH_SHARE_DIR "${CMAKE_INSTALL_DATADIR}/relaywatch")
set(RELAYWATCH_SYSTEMD_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
    CACHE PATH "Where relaywatch.service is installed")

# Files that name installed paths are written with this prefix's paths; for prefix /usr they are
# byte for byte the sources.
function(relaywatch_install_with_paths src dest_dir mode)
  file(READ "${src}" text)
  string(REPLACE "/usr/bin/relaywatch" "${CMAKE_INSTALL_FULL_BINDIR}/relaywatch" text "${text}")
  string(REPLACE "/etc/relaywatch" "${RELAYWATCH_CONF_DIR}" text "${text}")
  file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${src}")
  set(out "${PROJECT_BINARY_DIR}/packaging-staged/${rel}")
  # Rewritten only when it changed, so an install after a reconfigure does not touch it.
  file(WRITE "${out}.new" "${text}")
  file(COPY_FILE "${out}.new" "${out}" ONLY_IF_DIFFERENT)
  file(REMOVE "${out}.new")
  set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${src}")
  if(mode STREQUAL "PROGRAMS")
    install(PROGRAMS "${out}" DESTINATION "${dest_dir}")
  else()
    install(FILES "${out}" DESTINATION "${dest_dir}")
  endif()
endfunction()

# The config: installed only when there is none, so a reinstall never replaces an edited one.
# (The Debian package marks it a conffile and the RPM %config(noreplace): they handle upgrades.)
install(CODE "
  set(conf \"\$ENV{DESTDIR}${RELAYWATCH_CONF_DIR}/relaywatch.yaml\")
  if(EXISTS \"\${conf}\")
    message(STATUS \"Kept: \${conf} (exists; the shipped example is in share/doc/relaywatch/examples)\")
  else()
    file(INSTALL \"${PROJECT_SOURCE_DIR}/config/relaywatch.yaml\"
         DESTINATION \"${RELAYWATCH_CONF_DIR}\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()
")
install(FILES config/relaywatch.yaml DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples")

# Man pages, compressed as Debian policy wants (man reads .gz everywhere; rpmbuild keeps them).
foreach(page relaywatch.8 relaywatch.yaml.5)
  string(REGEX MATCH "[0-9]$" section "${page}")
  set(gz "${PROJECT_BINARY_DIR}/packaging-staged/man/${page}.gz")
  add_custom_command(OUTPUT "${gz}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${PROJECT_BINARY_DIR}/packaging-staged/man"
    COMMAND sh -c "gzip -9n -c \"$1\" > \"$2\"" gzip "${PROJECT_SOURCE_DIR}/packaging/man/${page}" "${gz}"
    DEPENDS "${PROJECT_SOURCE_DIR}/packaging/man/${page}" VERBATIM)
  list(APPEND relaywatch_man_gz "${gz}")
  install(FILES "${gz}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${section}")
endforeach()
add_custom_target(relaywatch-man ALL DEPENDS ${relaywatch_man_gz})

relaywatch_install_with_paths("${PROJECT_SOURCE_DIR}/supervise/relaywatch/run"
                              "${RELAYWATCH_SHARE_DIR}/supervise" PROGRAMS)
relaywatch_install_with_paths("${PROJECT_SOURCE_DIR}/supervise/relaywatch/log/run"
                              "${RELAYWATCH_SHARE_DIR}/supervise/log" PROGRAMS)
install(PROGRAMS packaging/install-supervise.sh DESTINATION "${RELAYWATCH_SHARE_DIR}")
relaywatch_install_with_paths("${PROJECT_SOURCE_DIR}/packaging/systemd/relaywatch.service"
                              "${RELAYWATCH_SYSTEMD_UNIT_DIR}" FILES)
install(FILES packaging/systemd/strict.conf DESTINATION "${RELAYWATCH_SHARE_DIR}/systemd")
