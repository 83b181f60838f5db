# Run by ctest (through the file portpool_add_suite_tests generates, see
# PortpoolSuiteTests.cmake): lists a test program's suites and adds one test
# per suite. Reads portpool_exe, portpool_emulator, portpool_labels and
# portpool_environment (one VAR=value the suites run with, or empty).

function(portpool_add_listed_suites target timeout resource_lock)
  string(REPLACE "\\;" ";" labels "${portpool_labels}")
  if(NOT EXISTS "${portpool_exe}")
    add_test("${target}.NOT_BUILT" "${portpool_exe}")
    set_tests_properties("${target}.NOT_BUILT" PROPERTIES LABELS "${labels}")
    return()
  endif()
  execute_process(
    COMMAND ${portpool_emulator} "${portpool_exe}" --gtest_list_tests
    TIMEOUT 300
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE listing
    ERROR_VARIABLE errors)
  if(NOT rc EQUAL 0)
    # A test that fails and says why, rather than a run that silently lacks
    # this program's tests.
    add_test("${target}.NOT_LISTED" "${CMAKE_COMMAND}" -E echo
      "${portpool_exe} --gtest_list_tests exited ${rc}: ${errors}")
    set_tests_properties("${target}.NOT_LISTED" PROPERTIES
      LABELS "${labels}" WILL_FAIL TRUE)
    return()
  endif()
  # A suite line starts in column 0 and ends with '.', maybe followed by a
  # comment (typed suites: "  # TypeParam = ..."); test lines are indented.
  string(REPLACE "\r" "" listing "${listing}")
  string(REPLACE ";" "," listing "${listing}")
  string(REPLACE "\n" ";" lines "${listing}")
  set(count 0)
  foreach(line IN LISTS lines)
    if(line MATCHES "^([^ #][^ ]*)\\.( +#.*)?$")
      set(suite "${CMAKE_MATCH_1}")
      add_test("${suite}.*" ${portpool_emulator} "${portpool_exe}" "--gtest_filter=${suite}.*")
      set_tests_properties("${suite}.*" PROPERTIES LABELS "${labels}" TIMEOUT ${timeout})
      if(portpool_environment)
        set_tests_properties("${suite}.*" PROPERTIES ENVIRONMENT "${portpool_environment}")
      endif()
      if(resource_lock)
        set_tests_properties("${suite}.*" PROPERTIES RESOURCE_LOCK "${resource_lock}")
      endif()
      math(EXPR count "${count} + 1")
    endif()
  endforeach()
  if(count EQUAL 0)
    add_test("${target}.NO_SUITES" "${CMAKE_COMMAND}" -E echo
      "${portpool_exe} --gtest_list_tests listed no suite")
    set_tests_properties("${target}.NO_SUITES" PROPERTIES LABELS "${labels}" WILL_FAIL TRUE)
  endif()
endfunction()
