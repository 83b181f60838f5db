# Shared by the cmake -P tests of the `portpool` program (cleanup_cli_test,
# record_cli_test): run it, check its exit code and what it prints.
#
# portpool_cli_expect(NAME CODE TEXT ARGS...): runs ${PORTPOOL} ARGS in
# ${WORK_DIR}; fails naming NAME unless it exits CODE and TEXT appears in its
# standard output or error. Through ${EMULATOR} when it is set (Wine, for a
# PE build), and with the environment changes of ${PORTPOOL_CLI_ENV} (in
# `cmake -E env` syntax: NAME=VALUE, --unset=NAME) when that is set.
function(portpool_cli_expect name code expected)
  set(command ${EMULATOR} "${PORTPOOL}" ${ARGN})
  if(PORTPOOL_CLI_ENV)
    set(command "${CMAKE_COMMAND}" -E env ${PORTPOOL_CLI_ENV} ${command})
  endif()
  execute_process(COMMAND ${command}
    WORKING_DIRECTORY "${WORK_DIR}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL code)
    message(FATAL_ERROR "${name}: exit ${rc}, expected ${code}\n${out}${err}")
  endif()
  string(FIND "${out}${err}" "${expected}" at)
  if(at LESS 0)
    message(FATAL_ERROR "${name}: output lacks '${expected}'\n${out}${err}")
  endif()
  message(STATUS "${name}: exit ${rc} as expected")
endfunction()
