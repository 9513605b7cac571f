# claimsuite_service(<name>): the executable of services/<name>/ from every .c file below the
# folder (one folder per resource, see docs/architecture.md), tools (tool_*.c) left out.
# Headers are found from any of the service's folders: <name>_headers carries those include
# directories for the unit tests that compile a service's files.
function(claimsuite_service name)
  set(dir ${CMAKE_CURRENT_SOURCE_DIR})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${dir}/*.c)
  list(FILTER sources EXCLUDE REGEX ".*/tool_[^/]*\\.c$")
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS ${dir}/*.h)
  set(include_dirs ${dir})
  foreach(h ${headers})
    get_filename_component(d ${h} DIRECTORY)
    list(APPEND include_dirs ${d})
  endforeach()
  list(REMOVE_DUPLICATES include_dirs)

  add_library(${name}_headers INTERFACE)
  target_include_directories(${name}_headers INTERFACE ${include_dirs})

  add_executable(${name} ${sources})
  target_compile_options(${name} PRIVATE ${CLAIMSUITE_WARNINGS})
  target_link_libraries(${name} PRIVATE claimsuite_common ${name}_headers)
  install(TARGETS ${name} RUNTIME DESTINATION bin)
endfunction()
