# Precompiled headers: the standard library and Abseil headers nearly every
# source includes, plus GoogleTest and rapidcheck for test code and CLI11 for
# the command line, parsed once per target instead of once per source file.
# Parsing them was most of a clean build's time (a CLI source preprocesses to
# ~120k lines and took ~10 s in Debug), and CI builds everything from scratch
# in five lanes.
#
#   portpool_precompile(<target> [TESTS] [HEADERS <header>...])
#
# TESTS adds the test frameworks. Targets with fewer than three sources gain
# nothing and are left alone. -DPORTPOOL_PCH=OFF turns it off (every source
# still includes what it uses; the PCH only makes those includes cheap).
option(PORTPOOL_PCH "Precompile the headers most sources include" ON)

set(PORTPOOL_PCH_COMMON
  <algorithm> <cstddef> <cstdint> <filesystem> <map> <memory> <optional> <set> <string>
  <string_view> <utility> <variant> <vector>
  <absl/container/flat_hash_map.h> <absl/status/status.h> <absl/status/statusor.h>
  <absl/strings/match.h> <absl/strings/str_cat.h> <absl/strings/str_format.h>
  <absl/strings/str_join.h> <absl/strings/str_split.h> <absl/strings/string_view.h>)
set(PORTPOOL_PCH_TESTS
  <gtest/gtest.h> <gmock/gmock.h> <rapidcheck.h> <rapidcheck/gtest.h>)

function(portpool_precompile target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "TESTS" "" "HEADERS")
  if(NOT PORTPOOL_PCH)
    return()
  endif()
  get_target_property(sources ${target} SOURCES)
  list(FILTER sources INCLUDE REGEX "\\.(cc|cpp)$")
  list(LENGTH sources count)
  if(count LESS 3)
    return()
  endif()
  set(headers ${PORTPOOL_PCH_COMMON} ${arg_HEADERS})
  if(arg_TESTS)
    list(APPEND headers ${PORTPOOL_PCH_TESTS})
  endif()
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()
