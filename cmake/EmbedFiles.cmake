# orchestra_embed_files(<target> <function> BASE <dir> FILES <paths under BASE>... [DEPENDS <targets>])
# Compiles files into <target> and defines, in the global namespace,
#   std::vector<orchestra::console::Asset> <function>();
# with each file's path (as given) and bytes. The bytes are included by the
# assembler (.incbin) from a source generated at build time, whose assembly
# names each file's SHA-256 so that a changed file is never taken from
# ccache.
function(orchestra_embed_files target function)
  cmake_parse_arguments(ARG "" "BASE" "FILES;DEPENDS" ${ARGN})
  set(output "${CMAKE_CURRENT_BINARY_DIR}/${function}.cpp")
  set(inputs "")
  foreach(file IN LISTS ARG_FILES)
    list(APPEND inputs "${ARG_BASE}/${file}")
  endforeach()
  string(REPLACE ";" "|" files_argument "${ARG_FILES}")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND "${CMAKE_COMMAND}" "-DFUNCTION=${function}" "-DBASE=${ARG_BASE}"
            "-DFILES=${files_argument}" "-DOUTPUT=${output}"
            -P "${ORCHESTRA_EMBED_SCRIPT}"
    DEPENDS ${inputs} "${ORCHESTRA_EMBED_SCRIPT}" ${ARG_DEPENDS}
    COMMENT "Embedding ${function}"
    VERBATIM)
  target_sources(${target} PRIVATE "${output}")
endfunction()

set(ORCHESTRA_EMBED_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake")
