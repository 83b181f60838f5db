# ctest test `junit_summary`: scripts/junit_summary.py turns ctest's JUnit XML
# (a captured file with a passed, a skipped and a failed test) into the
# expected Markdown, and a file that is not JUnit XML exits 2.
#
# cmake -DPYTHON=... -DSCRIPT=... -DINPUT=... -DEXPECTED=... -DOUTPUT=... -P junit_summary_test.cmake
cmake_minimum_required(VERSION 3.25)
execute_process(
  COMMAND "${PYTHON}" "${SCRIPT}" "${INPUT}" --title "ctest on windows-2022" -o "${OUTPUT}"
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "junit_summary.py exited ${rc}: ${err}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${OUTPUT}" "${EXPECTED}"
  RESULT_VARIABLE different)
if(NOT different EQUAL 0)
  file(READ "${OUTPUT}" got)
  message(FATAL_ERROR "junit_summary.py wrote\n${got}\nnot ${EXPECTED}")
endif()
execute_process(COMMAND "${PYTHON}" "${SCRIPT}" "${EXPECTED}" RESULT_VARIABLE rc
  OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "not XML")
  message(FATAL_ERROR "a Markdown file should exit 2 as not XML, got ${rc}: ${err}")
endif()
message(STATUS "junit_summary.py: as expected")
