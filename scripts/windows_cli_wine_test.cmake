# portpool.exe where the port-reservation API is missing (the mingw + Wine
# lane; ctest test windows_cli_unsupported): `campaign --backend windows`
# writes a report that says nothing was checked (verdict UNSUPPORTED, exit
# 3), never a green CONFORMS; with PORTPOOL_REQUIRE_REAL=1 it fails instead
# (exit 2, "unsupported on this system"); `record --backend windows` exits 2
# naming the missing API.
#
# cmake -DPORTPOOL=portpool.exe [-DEMULATOR=a;b;c] -DPROBE=probe.trace
#       -DWORK_DIR=... -P scripts/windows_cli_wine_test.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS PORTPOOL PROBE WORK_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "windows_cli_wine_test.cmake: -D${var}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(COPY "${PROBE}" DESTINATION "${WORK_DIR}")
get_filename_component(probe_name "${PROBE}" NAME)

include("${CMAKE_CURRENT_LIST_DIR}/cli_expect.cmake")

set(PORTPOOL_CLI_ENV --unset=PORTPOOL_REQUIRE_REAL)
portpool_cli_expect(campaign-nothing-checked 3 "portpool campaign: UNSUPPORTED"
  campaign --backend windows --seeds 2 --no-corpus --quiet -o report)
file(READ "${WORK_DIR}/report/report.md" report)
foreach(text IN ITEMS "## Verdict: UNSUPPORTED"
    "Nothing was checked: the windows backend is not available here (unsupported on this system: ")
  string(FIND "${report}" "${text}" at)
  if(at LESS 0)
    message(FATAL_ERROR "report.md lacks '${text}':\n${report}")
  endif()
endforeach()
set(PORTPOOL_CLI_ENV PORTPOOL_REQUIRE_REAL=1)
portpool_cli_expect(campaign-required 2 "PORTPOOL_REQUIRE_REAL is set"
  campaign --backend windows --seeds 2 --no-corpus --quiet -o required)
portpool_cli_expect(campaign-required-names-the-api 2
  "unsupported on this system: iphlpapi.dll does not export"
  campaign --backend windows --seeds 2 --no-corpus --quiet -o required)
set(PORTPOOL_CLI_ENV --unset=PORTPOOL_REQUIRE_REAL)
portpool_cli_expect(record-unsupported 2 "unsupported on this system"
  record "${probe_name}" --backend windows -o recorded.trace)
