# hfcpp_add_module(NAME [DEPS targets...] [ISA_OBJECTS objlibs...])
# One static library per module, sources globbed from src/<name>/ (every .cpp below it
# except the isa/ folders, which are built per instruction set by hfcpp_add_isa).
# Adding a file to a module needs no CMake edit.
set(HFCPP_MODULES "" CACHE INTERNAL "")
function(hfcpp_add_module name)
  cmake_parse_arguments(M "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${name}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX "/isa/")
  if(srcs)
    add_library(hfcpp_${name} STATIC ${srcs})
    set(pub PUBLIC)
    target_include_directories(hfcpp_${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(hfcpp_${name} PRIVATE ${M_PRIVATE_DEPS})
  else()
    # A module whose sources are not written yet: headers and dependencies only.
    add_library(hfcpp_${name} INTERFACE)
    set(pub INTERFACE)
  endif()
  add_library(hfcpp::${name} ALIAS hfcpp_${name})
  target_include_directories(hfcpp_${name}
    ${pub} $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
           $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/generated>
           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(hfcpp_${name} ${pub} ${M_DEPS})
  set_target_properties(hfcpp_${name} PROPERTIES EXPORT_NAME ${name})
  install(TARGETS hfcpp_${name} EXPORT hfcppTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set(HFCPP_MODULES ${HFCPP_MODULES} hfcpp_${name} CACHE INTERNAL "")
endfunction()

# hfcpp_add_isa(MODULE ISA "flags;...") builds src/<module>/cpu/isa/<ISA>/*.cpp (or
# src/<module>/isa/<ISA>) with that instruction set's flags into the module library.
# Kernels there are only called after run-time CPU detection (core/cpu_features).
function(hfcpp_add_isa module isa flags)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/${module}/*/isa/${isa}/*.cpp
       ${CMAKE_CURRENT_SOURCE_DIR}/${module}/isa/${isa}/*.cpp)
  if(NOT srcs)
    return()
  endif()
  get_target_property(kind hfcpp_${module} TYPE)
  if(kind STREQUAL "INTERFACE_LIBRARY")
    return()
  endif()
  set_source_files_properties(${srcs} PROPERTIES COMPILE_OPTIONS "${flags}")
  target_sources(hfcpp_${module} PRIVATE ${srcs})
endfunction()

# hfcpp_add_tests(MODULE [LIBS ...]): one gtest binary per module from tests/<module>/*_test.cpp.
function(hfcpp_add_tests module)
  cmake_parse_arguments(T "" "" "LIBS;LABELS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${module}/*_test.cpp)
  if(NOT srcs)
    return()
  endif()
  add_executable(${module}_tests ${srcs})
  target_include_directories(${module}_tests PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${module}_tests PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${module}_tests PRIVATE
    HFCPP_SOURCE_DIR="${PROJECT_SOURCE_DIR}" HFCPP_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  gtest_discover_tests(${module}_tests WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${T_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
