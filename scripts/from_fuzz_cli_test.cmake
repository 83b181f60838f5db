# `portpool from-fuzz` end to end (ctest test cli_from_fuzz, labels fuzz and
# cli): each target's seed input becomes a trace that `portpool replay`
# accepts, the target is taken from the path when --target is left out, a
# parser input is its own trace, and bad usage, an unknown target, a missing
# file and a parser input that is not a trace are exit 2 with a message
# naming what is wrong.
#
# cmake -DPORTPOOL=path/to/portpool -DCORPUS=fuzz/corpus -DWORK_DIR=... \
#       -P scripts/from_fuzz_cli_test.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS PORTPOOL CORPUS WORK_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "from_fuzz_cli_test.cmake: -D${var}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

include("${CMAKE_CURRENT_LIST_DIR}/cli_expect.cmake")

# Bad usage and bad input: exit 2, saying what and where.
portpool_cli_expect(no-file 2 "portpool from-fuzz: FILE is required" from-fuzz)
portpool_cli_expect(unknown-target 2 "--target: must be calls or parser or win32 or checker, not 'bogus'"
  from-fuzz --target bogus "${CORPUS}/calls/seed-000")
portpool_cli_expect(missing-file 2 "${WORK_DIR}/absent: No such file or directory"
  from-fuzz --target calls "${WORK_DIR}/absent")
# A folder is no input (this crashed once: the file was read without the
# shared reader).
portpool_cli_expect(folder 2 "${CORPUS}/calls/: is a directory, not a file"
  from-fuzz "${CORPUS}/calls/")
file(WRITE "${WORK_DIR}/input" "xyz")
portpool_cli_expect(no-target 2 "cannot tell the target from the path" from-fuzz input)
portpool_cli_expect(not-a-trace 2 "is not a trace"
  from-fuzz --target parser input)
portpool_cli_expect(unknown-option 2 "--frobnicate" from-fuzz --frobnicate input)

# Each byte-decoding target: a seed becomes a trace that replays (exit 0;
# the checker's trace may diverge on purpose: exit 0 or 1, never 2).
foreach(target IN ITEMS calls win32 checker)
  portpool_cli_expect(${target}-written 0 "" from-fuzz --target ${target}
    "${CORPUS}/${target}/seed-001" -o "${WORK_DIR}/${target}.trace")
  file(READ "${WORK_DIR}/${target}.trace" text)
  string(FIND "${text}" "provenance: fuzz target=${target}" at)
  if(at LESS 0)
    message(FATAL_ERROR "${target}: the trace lacks its provenance:\n${text}")
  endif()
  execute_process(COMMAND "${PORTPOOL}" replay "${WORK_DIR}/${target}.trace"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 2 OR (NOT target STREQUAL "checker" AND NOT rc EQUAL 0))
    message(FATAL_ERROR "${target}: replay of its trace exits ${rc}\n${out}${err}")
  endif()
  message(STATUS "${target}: the trace replays (exit ${rc})")
endforeach()

# The target from the path (fuzz/corpus/calls/...), to standard output.
portpool_cli_expect(target-from-path 0 "provenance: fuzz target=calls"
  from-fuzz "${CORPUS}/calls/seed-002")

# A parser input that parses is its own trace, byte for byte.
file(GLOB parser_inputs "${CORPUS}/parser/regression-*.trace")
list(GET parser_inputs 0 parser_input)
execute_process(COMMAND "${PORTPOOL}" from-fuzz "${parser_input}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ "${parser_input}" expected)
if(NOT rc EQUAL 0 OR NOT out STREQUAL expected)
  message(FATAL_ERROR "parser: exit ${rc}; the output is not the input\n${out}${err}")
endif()
message(STATUS "parser: the input is its own trace")
