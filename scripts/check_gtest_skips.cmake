# Runs a gtest executable and checks that it ran at least one test and that
# every test was skipped with a message holding EXPECT. The mingw + Wine lane
# uses it on windows_real_tests: Wine has no port-reservation API, so every
# case must skip with "unsupported on this system: ...", never pass, fail or
# crash. With -DREQUIRE_REAL=1 the test runs with PORTPOOL_REQUIRE_REAL=1 and
# every test must instead FAIL with a message holding EXPECT: a run that
# checked no real answer is never green. Without it, PORTPOOL_REQUIRE_REAL is
# unset for the run.
#
# cmake -DEXE=... [-DEMULATOR=a;b;c] -DWORK_DIR=... -DEXPECT=... [-DREQUIRE_REAL=1] \
#       -P scripts/check_gtest_skips.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS EXE WORK_DIR EXPECT)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "check_gtest_skips.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(xml "${WORK_DIR}/results.xml")

# The XML path is relative to WORK_DIR: under Wine an absolute Unix path is
# not a Windows path.
if(REQUIRE_REAL)
  set(env_args PORTPOOL_REQUIRE_REAL=1)
  set(want "failed")
else()
  set(env_args --unset=PORTPOOL_REQUIRE_REAL)
  set(want "skipped")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env ${env_args} ${EMULATOR} "${EXE}" "--gtest_output=xml:results.xml"
  WORKING_DIRECTORY "${WORK_DIR}"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(want STREQUAL "skipped" AND NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} exited ${rc} (a skip exits 0)\n${out}\n${err}")
endif()
if(want STREQUAL "failed" AND NOT rc EQUAL 1)
  message(FATAL_ERROR "${EXE} exited ${rc} (failed tests exit 1)\n${out}\n${err}")
endif()
if(NOT EXISTS "${xml}")
  message(FATAL_ERROR "${EXE} wrote no ${xml}\n${out}\n${err}")
endif()
file(READ "${xml}" results)
# A CMake list splits at ';', and the XML's character references have one
# (&#x0A; in every skip message, &quot; in string test parameters).
string(REPLACE ";" "," results "${results}")

# One <testcase ...> element per test; skipped ones say result="skipped" and
# carry <skipped message="...EXPECT...">; failed ones carry <failure
# message="...EXPECT...">.
string(REGEX MATCHALL "<testcase [^>]*>" cases "${results}")
list(LENGTH cases total)
if(total EQUAL 0)
  message(FATAL_ERROR "${EXE} ran no test\n${out}")
endif()
if(want STREQUAL "skipped")
  string(REGEX MATCHALL "<testcase [^>]*result=\"skipped\"[^>]*>" matching "${results}")
  # gtest writes the skip message as "FILE:LINE&#x0A;MESSAGE".
  string(REGEX MATCHALL "<skipped message=\"[^\"]*\"" messages "${results}")
else()
  string(REGEX MATCHALL "<failure message=\"[^\"]*\"" matching "${results}")
  set(messages ${matching})
endif()
list(LENGTH matching matching_count)
set(good 0)
set(bad "")
foreach(message IN LISTS messages)
  string(FIND "${message}" "${EXPECT}" at)
  if(at GREATER_EQUAL 0)
    math(EXPR good "${good} + 1")
  else()
    string(APPEND bad "\n  ${message}")
  endif()
endforeach()
if(NOT matching_count EQUAL total OR NOT good EQUAL total)
  message(FATAL_ERROR
    "${EXE}: ${total} tests, ${matching_count} ${want}, ${good} with the reason '${EXPECT}'."
    " Other messages:${bad}\n${out}")
endif()
list(GET messages 0 first)
message(STATUS "${EXE}: all ${total} tests ${want} with '${EXPECT}...', e.g. ${first}")
