# `portpool matrix` end to end (ctest test cli_matrix, labels conformance and
# cli), on the recordings of two fake Windows builds in
# conformance/testdata/matrix/: it writes matrix.md and matrix.html, prints
# the Markdown unless --quiet, exits 1 because one recorded answer is one the
# model does not allow, and 2 for bad usage or a folder without traces. Every
# table line the README shows as its output must be in what it wrote, so the
# README's example cannot drift from the program.
#
# cmake -DPORTPOOL=path/to/portpool -DDATA=conformance/testdata/matrix
#       -DREADME=README.md -DWORK_DIR=... -P scripts/matrix_cli_test.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS PORTPOOL DATA README WORK_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "matrix_cli_test.cmake: -D${var}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
# The runs as the README names them: folders in the working directory.
foreach(run IN ITEMS build-11111 build-22222)
  file(COPY "${DATA}/${run}" DESTINATION "${WORK_DIR}")
endforeach()

include("${CMAKE_CURRENT_LIST_DIR}/cli_expect.cmake")

portpool_cli_expect(two-builds 1 "| C1 | C1-bind-into-persistent | 4 | 1 | 3 | 1 |"
  matrix build-11111 build-22222 -o table)
foreach(file IN ITEMS matrix.md matrix.html)
  if(NOT EXISTS "${WORK_DIR}/table/${file}")
    message(FATAL_ERROR "portpool matrix wrote no table/${file}")
  endif()
endforeach()
file(READ "${WORK_DIR}/table/matrix.md" markdown)
file(READ "${WORK_DIR}/table/matrix.html" html)
string(FIND "${html}" "every build: NO_ERROR [B-BIND-PERSISTENT]" at)
if(at LESS 0)
  message(FATAL_ERROR "matrix.html lacks the agreed answer of C1's first bind")
endif()

# --quiet: the same files, nothing on standard output.
execute_process(COMMAND "${PORTPOOL}" matrix build-11111 build-22222 -o quiet --quiet
  WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT out STREQUAL "")
  message(FATAL_ERROR "--quiet: exit ${rc} (expected 1), standard output '${out}'\n${err}")
endif()
file(READ "${WORK_DIR}/quiet/matrix.md" quiet_markdown)
if(NOT quiet_markdown STREQUAL markdown)
  message(FATAL_ERROR "--quiet wrote another table than without it")
endif()

# One build alone, where every answer is allowed: exit 0.
portpool_cli_expect(one-build 0 "wrote" matrix build-11111 -o one --quiet)

portpool_cli_expect(no-folder 2 "portpool matrix: DIR is required" matrix)
file(MAKE_DIRECTORY "${WORK_DIR}/empty")
portpool_cli_expect(empty-folder 2 "no *.trace files" matrix empty)
portpool_cli_expect(bad-option 2 "portpool matrix: unknown option '--colour'" matrix build-11111 --colour)

# The README's example: each table line under "portpool matrix build-11111
# build-22222 -o table" is a line of what the command wrote.
file(READ "${README}" readme)
string(FIND "${readme}" "$ portpool matrix build-11111 build-22222 -o table" start)
if(start LESS 0)
  message(FATAL_ERROR "${README} does not show 'portpool matrix build-11111 build-22222'")
endif()
string(SUBSTRING "${readme}" ${start} -1 example)
string(FIND "${example}" "\n## " end)
string(SUBSTRING "${example}" 0 ${end} example)
string(REGEX MATCHALL "\n\\|[^\n]*" shown "${example}")
list(LENGTH shown shown_count)
if(shown_count LESS 6)
  message(FATAL_ERROR "${README}: the matrix example shows ${shown_count} table lines, "
    "expected the summary and some steps")
endif()
foreach(line IN LISTS shown)
  string(FIND "${markdown}" "${line}\n" at)
  if(at LESS 0)
    message(FATAL_ERROR "${README} shows a line portpool matrix does not write:${line}")
  endif()
endforeach()
message(STATUS "the README's ${shown_count} example lines are what portpool matrix writes")
