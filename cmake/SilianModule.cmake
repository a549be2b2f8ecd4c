# silian_module(TARGET PREFIX): gives library TARGET an include root of its own that holds only PREFIX/,
# a link to the folder of the current CMakeLists.txt. A file that links TARGET includes its headers as
# "PREFIX/name.h"; a module that does not link TARGET (directly or through a module it links) cannot name
# them, so an include against the layering fails to compile. No library exports the project root.
function(silian_module target prefix)
  set(root "${PROJECT_BINARY_DIR}/include-roots/${target}")
  file(MAKE_DIRECTORY "${root}")
  file(REMOVE "${root}/${prefix}")
  file(CREATE_LINK "${CMAKE_CURRENT_SOURCE_DIR}" "${root}/${prefix}" SYMBOLIC)
  target_include_directories(${target} PUBLIC "${root}")
endfunction()
