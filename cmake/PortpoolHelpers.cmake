# Helpers shared by the per-folder CMakeLists.txt files.

include("${CMAKE_CURRENT_LIST_DIR}/PortpoolSuiteTests.cmake")

# portpool_add_component(<name>
#     [DEPS <target>...]        PUBLIC link dependencies of the library
#     [TEST_DEPS <target>...]   extra link dependencies of the tests
#     [LABEL <label>])          ctest label of the tests (default: <name>)
#
# Globs the calling folder (CONFIGURE_DEPENDS, so new files need no CMake edit):
#   include/**/*.h        public headers            (include as "portpool/...")
#   src/*.cc, src/*.h     library sources, except src/*_test.cc (and, unless
#                         WIN32, except src/windows_*.cc: Windows-only code)
#   src/*_test.cc         tests
#   src/testing/*.{h,cc}  test-only helpers, except src/testing/*_test.cc (tests)
# and defines whatever of these has sources (nothing when the folder is empty):
#   portpool_<name>           library, STATIC (INTERFACE if header-only);
#                             ALIAS portpool::<name>, EXPORT_NAME <name>
#   portpool_<name>_testing   test-only helper library, linked by the tests only
#   <name>_tests              one gtest executable for all tests of the folder,
#                             registered with gtest_discover_tests(PRE_TEST),
#                             or one ctest per suite under an emulator (Wine)
#                             and with PORTPOOL_CTEST_PER_SUITE
# Tests and test helpers see <folder>/src and the repository root on the
# include path, and get PORTPOOL_SOURCE_DIR="<repository root>" defined.
set(PORTPOOL_TEST_KINDS property mutation exhaustive)

# One ctest per GoogleTest suite instead of one per test: ~870 processes
# become ~150. Each test process of an ASan build takes most of a second to
# start, which was most of the ci-asan lane's test time; the CI presets turn
# it on. A failing suite's output names the failing test.
option(PORTPOOL_CTEST_PER_SUITE "Register one ctest per GoogleTest suite" OFF)

function(portpool_add_component name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "LABEL" "DEPS;TEST_DEPS")
  if(NOT arg_LABEL)
    set(arg_LABEL "${name}")
  endif()
  set(dir "${CMAKE_CURRENT_SOURCE_DIR}")
  set(lib "portpool_${name}")
  set(testing_lib "portpool_${name}_testing")

  file(GLOB_RECURSE public_headers CONFIGURE_DEPENDS "${dir}/include/*.h")
  file(GLOB src_cc CONFIGURE_DEPENDS "${dir}/src/*.cc")
  file(GLOB src_h CONFIGURE_DEPENDS "${dir}/src/*.h")
  file(GLOB testing_cc CONFIGURE_DEPENDS "${dir}/src/testing/*.cc")
  file(GLOB testing_h CONFIGURE_DEPENDS "${dir}/src/testing/*.h")
  # src/windows_*.cc (and windows_*_test.cc) use the Windows API: built only
  # when targeting Windows (MSVC, or mingw-w64 with cmake/mingw-w64-x86_64.cmake).
  if(NOT WIN32)
    list(FILTER src_cc EXCLUDE REGEX "/windows_[^/]*\\.cc$")
  endif()

  set(lib_sources ${src_cc})
  list(FILTER lib_sources EXCLUDE REGEX "_test\\.cc$")
  set(test_sources ${src_cc} ${testing_cc})
  list(FILTER test_sources INCLUDE REGEX "_test\\.cc$")
  list(FILTER testing_cc EXCLUDE REGEX "_test\\.cc$")

  # --- library ---------------------------------------------------------------
  if(lib_sources)
    add_library(${lib} STATIC ${lib_sources} ${src_h} ${public_headers})
    set(scope PUBLIC)
    target_include_directories(${lib} PRIVATE "${dir}/src")
  elseif(public_headers)
    add_library(${lib} INTERFACE ${public_headers})
    set(scope INTERFACE)
  endif()
  if(TARGET ${lib})
    add_library(portpool::${name} ALIAS ${lib})
    set_target_properties(${lib} PROPERTIES EXPORT_NAME ${name})
    target_include_directories(${lib} ${scope}
      "$<BUILD_INTERFACE:${dir}/include>"
      "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
    target_compile_features(${lib} ${scope} cxx_std_20)
    target_link_libraries(${lib} ${scope} ${arg_DEPS})
  endif()

  if(NOT PORTPOOL_BUILD_TESTS)
    return()
  endif()

  # --- test-only helpers -----------------------------------------------------
  if(testing_cc)
    add_library(${testing_lib} STATIC ${testing_cc} ${testing_h})
    set(scope PUBLIC)
  elseif(testing_h)
    add_library(${testing_lib} INTERFACE ${testing_h})
    set(scope INTERFACE)
  endif()
  if(TARGET ${testing_lib})
    target_include_directories(${testing_lib} ${scope} "${dir}/src" "${PROJECT_SOURCE_DIR}")
    target_compile_definitions(${testing_lib} ${scope} PORTPOOL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_link_libraries(${testing_lib} ${scope}
      $<TARGET_NAME_IF_EXISTS:${lib}> ${arg_DEPS} GTest::gmock rapidcheck)
  endif()

  # --- tests -----------------------------------------------------------------
  # Tests whose file ends in _<kind>_test.cc for a kind in PORTPOOL_TEST_KINDS
  # (property, mutation) get an executable <name>_<kind>_tests and the ctest
  # labels <kind> and the folder's; the rest go to <name>_tests with the
  # folder's label.
  set(groups "")
  foreach(kind IN LISTS PORTPOOL_TEST_KINDS)
    set(kind_sources ${test_sources})
    list(FILTER kind_sources INCLUDE REGEX "_${kind}_test\\.cc$")
    list(FILTER test_sources EXCLUDE REGEX "_${kind}_test\\.cc$")
    if(kind_sources)
      set(sources_${kind} ${kind_sources})
      list(APPEND groups ${kind})
    endif()
  endforeach()
  if(test_sources)
    set(sources_main ${test_sources})
    list(APPEND groups main)
  endif()
  foreach(group IN LISTS groups)
    if(group STREQUAL "main")
      set(exe "${name}_tests")
      set(label "${arg_LABEL}")
    else()
      set(exe "${name}_${group}_tests")
      set(label "${group}")
    endif()
    add_executable(${exe} ${sources_${group}})
    target_include_directories(${exe} PRIVATE "${dir}/src" "${PROJECT_SOURCE_DIR}")
    target_compile_definitions(${exe} PRIVATE PORTPOOL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_link_libraries(${exe} PRIVATE
      $<TARGET_NAME_IF_EXISTS:${lib}>
      $<TARGET_NAME_IF_EXISTS:${testing_lib}>
      ${arg_DEPS} ${arg_TEST_DEPS}
      GTest::gtest_main GTest::gmock rapidcheck rapidcheck_gtest)
    set(rc_environment)
    if(PORTPOOL_RC_PARAMS)
      set(rc_environment ENVIRONMENT "RC_PARAMS=${PORTPOOL_RC_PARAMS}")
    endif()
    if(CMAKE_CROSSCOMPILING_EMULATOR OR PORTPOOL_CTEST_PER_SUITE)
      # Under Wine, or asked for: one ctest per suite (PortpoolSuiteTests.cmake).
      if(group STREQUAL "main")
        portpool_add_suite_tests(${exe} LABELS ${label} ${rc_environment})
      else()
        portpool_add_suite_tests(${exe} LABELS ${label} ${arg_LABEL} ${rc_environment})
      endif()
      continue()
    endif()
    gtest_discover_tests(${exe}
      DISCOVERY_MODE PRE_TEST
      DISCOVERY_TIMEOUT 120
      PROPERTIES LABELS "${label}" ${rc_environment})
    if(NOT group STREQUAL "main")
      # Kind tests also carry the folder's label (e.g. `property` and `model`),
      # so `ctest -L model` runs all of the model's tests. PROPERTIES above
      # cannot pass a list, so a file ctest includes after the discovered
      # tests sets both labels on them (${exe}_TESTS lists their names).
      set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${exe}_labels.cmake")
      file(WRITE "${labels_file}"
        "if(${exe}_TESTS)\n"
        "  set_tests_properties(\${${exe}_TESTS} PROPERTIES LABELS \"${label};${arg_LABEL}\")\n"
        "endif()\n")
      set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
    endif()
  endforeach()
endfunction()

# portpool_install_component(<name>)
#
# Installs the library portpool_<name> as the component <name> of the CMake
# package `portpool`: the static library, its public headers
# (<folder>/include/portpool/...), and the exported target portpool::<name>
# in lib/cmake/portpool/portpool-<name>-targets.cmake. Each component has an
# export file of its own, so that a consumer loads (and needs the
# dependencies of) only the components it asks for. A new component is this
# call in its folder plus one entry in cmake/portpoolConfig.cmake.in.
function(portpool_install_component name)
  install(TARGETS portpool_${name}
    EXPORT portpool-${name}-targets
    ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/include/portpool"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
    FILES_MATCHING PATTERN "*.h")
  install(EXPORT portpool-${name}-targets
    NAMESPACE portpool::
    FILE portpool-${name}-targets.cmake
    DESTINATION "${PORTPOOL_INSTALL_CMAKEDIR}")
endfunction()
