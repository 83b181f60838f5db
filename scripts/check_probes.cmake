# Every unknown of docs/semantics.md section 4 ("### U<n>. ...", and the
# conflicts "### C<n>. ..." and the model's own unknowns "### M<n>. ...") has a
# probe trace traces/probes/<id>-*.trace, and every probe names its unknown in
# a provenance line ("provenance: probe <id> ...") and says what its answers
# would mean in comments. Probes for unknowns the document does not list are
# an error too (ctest test trace.probes_cover_unknowns, label trace).
#
# cmake -DSEMANTICS=docs/semantics.md -DPROBES=traces/probes -P scripts/check_probes.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS SEMANTICS PROBES)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "check_probes.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${SEMANTICS}")
  message(FATAL_ERROR "check_probes.cmake: ${SEMANTICS}: no such file")
endif()

file(STRINGS "${SEMANTICS}" headings REGEX "^### [UCM][0-9]+\\. ")
set(unknowns "")
foreach(heading IN LISTS headings)
  string(REGEX MATCH "^### ([UCM][0-9]+)\\." _ "${heading}")
  list(APPEND unknowns "${CMAKE_MATCH_1}")
endforeach()
list(LENGTH unknowns count)
if(count EQUAL 0)
  message(FATAL_ERROR "${SEMANTICS}: no '### U<n>.' headings found (section 4 moved?)")
endif()

set(errors "")
foreach(n IN LISTS unknowns)
  file(GLOB probes "${PROBES}/${n}-*.trace")
  if(NOT probes)
    string(APPEND errors "${n} (${SEMANTICS}) has no probe: add ${PROBES}/${n}-<what>.trace\n")
  endif()
endforeach()

file(GLOB all_probes "${PROBES}/*.trace")
foreach(probe IN LISTS all_probes)
  get_filename_component(name "${probe}" NAME)
  if(NOT name MATCHES "^([UCM][0-9]+)-[a-z0-9-]+\\.trace$")
    string(APPEND errors "${probe}: a probe's name is U<n>-<what>.trace (or C<n>-, M<n>-)\n")
    continue()
  endif()
  set(n "${CMAKE_MATCH_1}")
  if(NOT n IN_LIST unknowns)
    string(APPEND errors "${probe}: ${SEMANTICS} lists no unknown ${n}\n")
  endif()
  file(STRINGS "${probe}" provenance REGEX "^provenance: probe ${n} ")
  if(NOT provenance)
    string(APPEND errors "${probe}: no line 'provenance: probe ${n} ...' naming its unknown\n")
  endif()
  file(STRINGS "${probe}" comments REGEX "^#")
  list(LENGTH comments comment_count)
  if(comment_count LESS 2)
    string(APPEND errors
      "${probe}: needs comments saying what the question is and what each answer would mean\n")
  endif()
endforeach()

if(errors)
  message(FATAL_ERROR "check_probes.cmake:\n${errors}")
endif()
list(LENGTH all_probes probe_count)
message(STATUS "${count} unknowns, ${probe_count} probes: every unknown has a probe")
