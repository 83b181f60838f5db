# Compiler flags for every target this project defines (not its consumers):
# warnings, warnings as errors (PORTPOOL_WERROR), and the standard library's
# assertions (PORTPOOL_STDLIB_ASSERTIONS). Included once, from the top
# CMakeLists.txt, before any target is defined.
#
# The code must build warning-free with MSVC `/W4 /permissive- /EHsc` (the
# `windows` preset, with /WX). No MSVC runs where most of the work happens, so
# every g++ and clang build also turns on the warnings that come closest to
# what /W4 reports (PORTPOOL_MSVC_WARNINGS, on by default): CI builds them with
# -Werror in every lane (g++ Debug and ASan, clang++ over every target
# including the benchmarks, libFuzzer, and mingw-w64 over the Windows-only
# sources), so code that MSVC would reject fails on Linux first.
#
# MSVC /W4 warning                          g++ / clang flag that catches it
# ----------------------------------------  -----------------------------------------
# C4244 int/float narrowing "possible loss   -Wconversion (g++ also flags compound
#       of data" (`uint16_t -= int`,         assignments such as `u16 -= i`, which
#       int64 -> int, int64 -> double)        clang 14 misses: the mingw and g++
#                                             lanes catch those)
# C4267 size_t -> a smaller integer          -Wconversion (clang: -Wshorten-64-to-32)
# C4245 signed constant -> unsigned          -Wsign-conversion
# C4018, C4389 signed/unsigned comparison    -Wsign-compare (in -Wall)
# C4305, C4310, C4309 constant truncation    -Wconversion, -Wconstant-conversion
# C4456, C4457, C4459 a declaration hides    -Wshadow (g++'s also covers C4458 for
#       a local, a parameter, a global        locals hiding members; clang needs
# C4458 hides a class member (constructor     -Wshadow-field-in-constructor for
#       parameters included)                  constructor parameters)
# C4100 unreferenced formal parameter        -Wunused-parameter (in -Wextra)
# C4189, C4505 unused local, unused static   -Wunused-variable, -Wunused-function
#       function                              (in -Wall)
# C4701, C4703 possibly uninitialised local  -Wuninitialized (-Wmaybe-uninitialized
#                                             in g++'s optimised builds)
# C4706 assignment in a condition            -Wparentheses (in -Wall)
# C4715 not every path returns a value       -Wreturn-type (g++ also after a switch
#                                             that covers every enumerator, as MSVC)
# C4390 empty controlled statement           -Wempty-body (in -Wextra)
# C4996 deprecated CRT call (fopen, getenv,  no flag: the ctest `msvc_deprecated_calls`
#       strcpy, sprintf, localtime, ...)      (scripts/check_msvc_deprecated.cmake)
#                                             fails on any call in our sources
# C4127 conditional expression is constant   no g++/clang equivalent; write
#                                             `if constexpr` for compile-time tests
# C4146 unary minus on an unsigned value     partly -Wsign-conversion
#
# -Wimplicit-fallthrough is on too (MSVC reports fallthrough only under /analyze,
# C26819): a case that falls through says so with [[fallthrough]]. Left out on
# purpose: -Wold-style-cast and -Wcast-qual (MSVC has no such warning at /W4;
# they would only add noise), -Wshadow-uncaptured-local (MSVC does not warn).
#
# Third-party headers (Abseil, GoogleTest, rapidcheck, Google Benchmark, the
# Windows SDK) come in as system includes, so their warnings do not count.

option(PORTPOOL_MSVC_WARNINGS
  "With g++ or clang: also the warnings that approximate MSVC /W4 (-Wconversion, -Wshadow, ...)"
  ON)
option(PORTPOOL_STDLIB_ASSERTIONS
  "Turn on libstdc++'s cheap precondition checks (_GLIBCXX_ASSERTIONS; g++ and clang only)" OFF)

if(MSVC)
  # /EHsc: C++ exceptions unwind (CMake's default flags have it too, but a
  # preset or user replacing CMAKE_CXX_FLAGS must not lose it: C4530).
  # /permissive-: standard conformance (two-phase lookup and the rest).
  # /utf-8: sources and execution character set are UTF-8 (the docs and some
  # messages hold non-ASCII characters). /bigobj: test files instantiating
  # gtest, rapidcheck and Abseil templates can pass the 65,279 sections of a
  # plain object file (C1128).
  add_compile_options(/W4 /permissive- /EHsc /utf-8 /bigobj)
  # <windows.h> must not define min and max as macros (std::min, limits).
  add_compile_definitions(NOMINMAX)
  if(PORTPOOL_WERROR)
    add_compile_options(/WX)
  endif()
else()
  add_compile_options(-Wall -Wextra -Wpedantic)
  if(PORTPOOL_MSVC_WARNINGS)
    add_compile_options(-Wconversion -Wsign-conversion -Wshadow -Wimplicit-fallthrough)
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
      add_compile_options(-Wshadow-field-in-constructor)
    endif()
  endif()
  if(PORTPOOL_WERROR)
    add_compile_options(-Werror)
  endif()
  if(PORTPOOL_STDLIB_ASSERTIONS)
    add_compile_definitions(_GLIBCXX_ASSERTIONS)
  endif()
endif()
