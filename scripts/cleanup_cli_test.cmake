# The exit codes of `portpool cleanup` where there is no Windows API (ctest
# test cli_cleanup_not_windows, label conformance): an absent journal or one
# with nothing left is "nothing to clean: not Windows", exit 0; a journal
# listing a reservation left behind is exit 2, naming it; garbage is exit 2.
#
# cmake -DPORTPOOL=path/to/portpool -DWORK_DIR=... -P scripts/cleanup_cli_test.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS PORTPOOL WORK_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "cleanup_cli_test.cmake: -D${var}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

include("${CMAKE_CURRENT_LIST_DIR}/cli_expect.cmake")

# expect(NAME JOURNAL_TEXT|<absent> CODE TEXT): runs cleanup on a journal
# holding JOURNAL_TEXT and checks the exit code and that TEXT is printed.
function(expect name text code expected)
  set(journal "${WORK_DIR}/${name}.txt")
  if(NOT text STREQUAL "<absent>")
    file(WRITE "${journal}" "${text}")
  endif()
  portpool_cli_expect("${name}" "${code}" "${expected}" cleanup --journal "${journal}")
endfunction()

expect(absent "<absent>" 0 "nothing to clean: not Windows")
expect(empty "" 0 "nothing to clean: not Windows")
expect(all-deleted
  "portpool-journal 1\nbegin 1 create tcp 20000 4\nend 1 NO_ERROR\nbegin 2 delete tcp 20000 4\nend 2 NO_ERROR\n"
  0 "nothing to clean: not Windows")
expect(left-behind "portpool-journal 1\nbegin 1 create udp 20010 2\n"
  2 "udp 20010-20011 (create not answered)")
expect(garbage "not a journal\n" 2 "not a portpool journal")
