# One ctest per GoogleTest suite instead of one per test, for test programs
# that run under an emulator (the mingw + Wine lane) or whose processes are
# slow to start (ASan; PORTPOOL_CTEST_PER_SUITE). Starting a PE program under
# Wine costs most of a second, so ~900 tests as ~900 processes spent most of
# that lane's time starting Wine; a suite's tests share one process. A
# failing suite's output names the failing test, as gtest prints it.
#
#   portpool_add_suite_tests(<target> [LABELS <label>...] [TIMEOUT <s>]
#                            [RESOURCE_LOCK <name>] [ENVIRONMENT <VAR=value>])
#
# Like gtest_discover_tests(DISCOVERY_MODE PRE_TEST): the list is read when
# ctest starts (`<emulator> <exe> --gtest_list_tests`), so a test added to a
# file needs no new configure. Each suite <S> becomes the ctest "<S>.*",
# running `<exe> --gtest_filter=<S>.*`. A program that cannot list its tests
# becomes one failing test, "<target>.NOT_LISTED", saying why.

function(portpool_add_suite_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TIMEOUT;RESOURCE_LOCK;ENVIRONMENT" "LABELS")
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 600)
  endif()
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake")
  # Lists become bracket arguments, so their ';' survive the generated file.
  string(REPLACE ";" "\\;" labels "${arg_LABELS}")
  file(GENERATE OUTPUT "${include_file}" CONTENT
"set(portpool_exe [==[$<TARGET_FILE:${target}>]==])
set(portpool_emulator [==[${CMAKE_CROSSCOMPILING_EMULATOR}]==])
set(portpool_labels [==[${labels}]==])
set(portpool_environment [==[${arg_ENVIRONMENT}]==])
include([==[${PROJECT_SOURCE_DIR}/cmake/PortpoolSuiteTestsAdd.cmake]==])
portpool_add_listed_suites([==[${target}]==] ${arg_TIMEOUT} \"${arg_RESOURCE_LOCK}\")
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
