# ctest helper: replays a trace from traces/divergent/ and passes only if the
# replay reports a divergence (exit 1) that cites the rule the trace names in
# its "provenance: divergent rule=RULE-ID" line.
#   cmake -DPORTPOOL=<portpool binary> -DTRACE=<file> -P expect_divergence.cmake
file(STRINGS "${TRACE}" provenance REGEX "^provenance: divergent rule=")
if(NOT provenance)
  message(FATAL_ERROR "${TRACE}: no 'provenance: divergent rule=RULE-ID' line")
endif()
string(REGEX REPLACE "^provenance: divergent rule=([A-Z0-9-]+).*" "\\1" rule "${provenance}")
execute_process(COMMAND "${PORTPOOL}" replay "${TRACE}"
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 1)
  message(FATAL_ERROR "${TRACE}: expected a divergence (exit 1), got exit ${status}\n${out}${err}")
endif()
string(FIND "${out}${err}" "    ${rule} (" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${TRACE}: the divergence does not cite ${rule}\n${out}${err}")
endif()
message(STATUS "${TRACE}: diverges, citing ${rule}")
