# orchestra_add_plugin(<name> OUTPUT_DIR <dir> SOURCES ...)
# Builds lib<name>.so against liborchestra with the flags DESIGN.md §3 fixes:
# hidden visibility and no undefined symbols, so a plugin only reaches the
# host through the public API.
function(orchestra_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIR" "SOURCES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIR}"
    BUILD_RPATH "$ORIGIN/../.."
    INSTALL_RPATH "$ORIGIN/../..")
  target_link_options(${name} PRIVATE "-Wl,--no-undefined")
  target_link_libraries(${name} PRIVATE orchestra::core)
  orchestra_warnings(${name})
  if(NOT ARG_NO_INSTALL)
    install(TARGETS ${name} LIBRARY DESTINATION ${ORCHESTRA_PLUGIN_SUBDIR})
  endif()
endfunction()

function(orchestra_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
endfunction()
