# seedgrid_kernel_build_hash(OUT_VAR FILES <files...> [EXTRA <text>])
# A determinism class names the build of the kernels that decide its bits: the first 8 hex digits
# of the SHA-256 over every such file (path and digest, in path order) plus EXTRA (e.g. the
# compiler version). Editing any of the files re-runs CMake, so the class changes exactly when the
# kernels do.
function(seedgrid_kernel_build_hash out_var)
  cmake_parse_arguments(H "" "EXTRA" "FILES" ${ARGN})
  set(_files ${H_FILES})
  list(SORT _files)
  set(_digests "")
  foreach(f IN LISTS _files)
    file(SHA256 ${f} _digest)
    file(RELATIVE_PATH _rel ${PROJECT_SOURCE_DIR} ${f})
    string(APPEND _digests "${_rel} ${_digest}\n")
  endforeach()
  if(H_EXTRA)
    string(APPEND _digests "${H_EXTRA}\n")
  endif()
  string(SHA256 _hash "${_digests}")
  string(SUBSTRING "${_hash}" 0 8 _short)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_files})
  set(${out_var} ${_short} PARENT_SCOPE)
endfunction()
