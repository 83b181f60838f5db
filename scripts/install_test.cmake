# Install test, run by ctest (test `install_test`, label `install`):
#   1. cmake --install BUILD_DIR into WORK_DIR/prefix; the docs must be in
#      share/doc/portpool;
#   2. configure CONSUMER_DIR (a project doing find_package(portpool
#      COMPONENTS model traces)) with CMAKE_PREFIX_PATH=WORK_DIR/prefix and
#      the enclosing build's compiler, build type and flags,
#   3. build it and run it on the installed regression corpus, and its
#      second program, which uses the conformance component alone;
#   4. configure it asking for a component that does not exist: it must fail
#      with the package's own message, naming the components there are;
#   5. build the same consumer with pkg-config (portpool.pc) alone, and run it.
#
# cmake -DBUILD_DIR=... -DCONSUMER_DIR=... -DWORK_DIR=... [-DBUILD_TYPE=...]
#       [-DGENERATOR=...] [-DGENERATOR_PLATFORM=...] [-DMAKE_PROGRAM=...]
#       [-DCXX_COMPILER=...] [-DCXX_FLAGS=...] [-DEXE_LINKER_FLAGS=...]
#       [-DTOOLCHAIN_FILE=...] [-DVCPKG_INSTALLED_DIR=... -DVCPKG_TARGET_TRIPLET=...]
#       -P scripts/install_test.cmake
# With vcpkg (the `windows` preset) the consumer, which has no manifest, finds
# Abseil among the packages the enclosing build installed.
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS BUILD_DIR CONSUMER_DIR WORK_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/consumer-build")

function(run_step what)
  message(STATUS "install_test: ${what}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install_test: ${what} failed (${rc})")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(config_args)
if(BUILD_TYPE)
  set(config_args --config "${BUILD_TYPE}")
endif()
run_step("install ${BUILD_DIR} into ${prefix}"
  "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})

set(configure_args
  -S "${CONSUMER_DIR}" -B "${consumer_build}"
  "-DCMAKE_PREFIX_PATH=${prefix}"
  "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"
  "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
if(GENERATOR)
  list(APPEND configure_args -G "${GENERATOR}")
endif()
if(GENERATOR_PLATFORM)
  list(APPEND configure_args -A "${GENERATOR_PLATFORM}")
endif()
if(MAKE_PROGRAM)
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
# A Visual Studio generator picks the compiler from its toolset.
if(CXX_COMPILER AND NOT GENERATOR MATCHES "^Visual Studio")
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
if(TOOLCHAIN_FILE)
  list(APPEND configure_args "-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN_FILE}")
endif()
if(VCPKG_INSTALLED_DIR)
  list(APPEND configure_args "-DVCPKG_INSTALLED_DIR=${VCPKG_INSTALLED_DIR}"
    "-DVCPKG_TARGET_TRIPLET=${VCPKG_TARGET_TRIPLET}" -DVCPKG_MANIFEST_MODE=OFF)
endif()
run_step("configure consumer" "${CMAKE_COMMAND}" ${configure_args})

# The consumer must have found the package in the temporary prefix, not an
# installation somewhere else on the machine.
file(STRINGS "${consumer_build}/CMakeCache.txt" found_dir REGEX "^portpool_DIR:")
string(REGEX REPLACE "^portpool_DIR:[A-Z]+=" "" found_dir "${found_dir}")
file(REAL_PATH "${prefix}" real_prefix)
file(REAL_PATH "${found_dir}" real_found_dir)
string(FIND "${real_found_dir}/" "${real_prefix}/" pos)
if(NOT pos EQUAL 0)
  message(FATAL_ERROR
    "install_test: portpool was found in '${found_dir}', not under '${prefix}'")
endif()

run_step("build consumer" "${CMAKE_COMMAND}" --build "${consumer_build}" ${config_args})

set(exe_name "portpool_install_test")
if(CMAKE_HOST_WIN32)
  string(APPEND exe_name ".exe")
endif()
set(exe "${consumer_build}/${exe_name}")
if(BUILD_TYPE AND EXISTS "${consumer_build}/${BUILD_TYPE}/${exe_name}")
  set(exe "${consumer_build}/${BUILD_TYPE}/${exe_name}")  # multi-config
endif()
file(GLOB corpus_dirs LIST_DIRECTORIES true "${prefix}/share/portpool/traces/regression")
if(NOT corpus_dirs)
  message(FATAL_ERROR "install_test: no share/portpool/traces/regression in ${prefix}")
endif()
run_step("run consumer" "${exe}" "${corpus_dirs}")
set(conformance_exe "${consumer_build}/portpool_install_test_conformance")
if(BUILD_TYPE AND EXISTS "${consumer_build}/${BUILD_TYPE}/portpool_install_test_conformance")
  set(conformance_exe "${consumer_build}/${BUILD_TYPE}/portpool_install_test_conformance")
endif()
run_step("run the conformance component's consumer" "${conformance_exe}")

# The docs the report and the README point to.
foreach(doc IN ITEMS README.md semantics.md trace-format.md windows.md report-json.md)
  if(NOT EXISTS "${prefix}/share/doc/portpool/${doc}")
    message(FATAL_ERROR "install_test: share/doc/portpool/${doc} is not installed")
  endif()
endforeach()

# A component that does not exist: the package's own message.
execute_process(COMMAND "${CMAKE_COMMAND}" ${configure_args}
    -B "${WORK_DIR}/consumer-bad-component" -DPORTPOOL_COMPONENTS=frobnicate
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
# (CMake wraps the message: compare it with its white space folded.)
string(REGEX REPLACE "[ \t\r\n]+" " " folded "${out}${err}")
string(FIND "${folded}" "portpool has no component 'frobnicate'; its components are: model, traces, conformance" at)
if(rc EQUAL 0 OR at LESS 0)
  message(FATAL_ERROR "install_test: asking for component 'frobnicate' gave (exit ${rc}):\n${out}${err}")
endif()
message(STATUS "install_test: an unknown component is named as such")

# pkg-config: the same consumer, compiled and linked with portpool.pc's flags.
if(NOT WIN32)
  find_program(PKG_CONFIG NAMES pkg-config pkgconf)
  if(NOT PKG_CONFIG)
    message(FATAL_ERROR "install_test: pkg-config is missing (apt-get install pkg-config)")
  endif()
  file(GLOB_RECURSE pc_files "${prefix}/*/portpool.pc")
  if(NOT pc_files)
    message(FATAL_ERROR "install_test: no portpool.pc under ${prefix}")
  endif()
  list(GET pc_files 0 pc_file)
  get_filename_component(pc_dir "${pc_file}" DIRECTORY)
  execute_process(COMMAND "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${pc_dir}"
      "${PKG_CONFIG}" --cflags --libs portpool
    RESULT_VARIABLE rc OUTPUT_VARIABLE pc_flags ERROR_VARIABLE err
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install_test: pkg-config --cflags --libs portpool failed:\n${err}")
  endif()
  separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
  separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
  separate_arguments(link_flags UNIX_COMMAND "${EXE_LINKER_FLAGS}")
  set(compiler "${CXX_COMPILER}")
  if(NOT compiler)
    set(compiler c++)
  endif()
  set(pc_exe "${WORK_DIR}/portpool_install_test_pkgconfig")
  run_step("build consumer with pkg-config"
    "${compiler}" -std=c++20 ${cxx_flags} "${CONSUMER_DIR}/main.cc" -o "${pc_exe}"
    ${pc_flags} ${link_flags})
  run_step("run consumer built with pkg-config" "${pc_exe}" "${corpus_dirs}")
endif()
message(STATUS "install_test: OK")
