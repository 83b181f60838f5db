# The ctest `msvc_deprecated_calls` (label `lint`): no source of ours calls a
# C runtime function that MSVC deprecates (warning C4996, an error under the
# `windows` preset's /WX). No g++ or clang flag reports these, so this check
# stands in for MSVC on Linux (see cmake/PortpoolWarnings.cmake).
#
#   cmake -DROOT=<repository root> -P scripts/check_msvc_deprecated.cmake
#
# Scans every *.cc and *.h under model/, traces/, conformance/, fuzz/, bench/
# and compat/. A call is the function's name, bare or as std::name or ::name,
# followed by "(": member calls (`file.close()`) and other namespaces'
# functions are not the CRT's. Text after // is not looked at. A line that
# must call one (in a branch MSVC never compiles) says so with the comment
# `C4996-safe: <why>`. Use instead: std::ifstream/std::ofstream for files, the
# environment and terminal helpers of the code around, absl::StrFormat for
# sprintf, std::error_code(...).message() for strerror.
cmake_minimum_required(VERSION 3.25)

if(NOT ROOT)
  message(FATAL_ERROR "check_msvc_deprecated.cmake: -DROOT=<repository root> is required")
endif()

# The CRT functions MSVC marks deprecated ("This function or variable may be
# unsafe", "The POSIX name for this item is deprecated") that C++ code is
# likely to reach for.
set(deprecated
  fopen freopen fdopen tmpfile tmpnam tempnam mktemp
  getenv putenv setenv unsetenv
  strcpy strncpy strcat strncat strtok strdup strerror
  sprintf vsprintf sscanf fscanf scanf vscanf wcscpy wcsncpy wcscat wcstok
  localtime gmtime ctime asctime
  mbstowcs wcstombs mbrtowc wcrtomb
  fileno isatty unlink getcwd chdir rmdir access dup dup2 lseek umask chmod
  _open _creat _sopen)
list(JOIN deprecated "|" names)
# Not a letter, digit, '_', '.', '>' or ':' before (so no member or other
# namespace's call), then the optional qualifier, the name, "(".
set(call_regex "(^|[^A-Za-z0-9_.>:])(std::|::)?(${names})[ \t]*\\(")

set(sources)
foreach(dir model traces conformance fuzz bench compat)
  if(IS_DIRECTORY "${ROOT}/${dir}")
    file(GLOB_RECURSE found "${ROOT}/${dir}/*.cc" "${ROOT}/${dir}/*.h")
    list(APPEND sources ${found})
  endif()
endforeach()
list(LENGTH sources count)
if(count EQUAL 0)
  message(FATAL_ERROR "check_msvc_deprecated.cmake: no sources found under ${ROOT}")
endif()

# A file becomes a CMake list of its lines: ';', '[', ']' and '\' (which a
# list would split on, or not split after or inside) stand in as control
# characters meanwhile.
string(ASCII 1 semicolon)
string(ASCII 2 open_bracket)
string(ASCII 3 close_bracket)
string(ASCII 4 backslash)
set(findings "")
foreach(source IN LISTS sources)
  file(READ "${source}" text)
  string(REPLACE "\\" "${backslash}" text "${text}")
  string(REPLACE ";" "${semicolon}" text "${text}")
  string(REPLACE "[" "${open_bracket}" text "${text}")
  string(REPLACE "]" "${close_bracket}" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(line MATCHES "C4996-safe:")
      continue()
    endif()
    string(REGEX REPLACE "//.*$" "" code "${line}")
    if(code MATCHES "${call_regex}")
      file(RELATIVE_PATH relative "${ROOT}" "${source}")
      string(STRIP "${line}" shown)
      string(REPLACE "${semicolon}" ";" shown "${shown}")
      string(REPLACE "${open_bracket}" "[" shown "${shown}")
      string(REPLACE "${close_bracket}" "]" shown "${shown}")
      string(REPLACE "${backslash}" "\\" shown "${shown}")
      string(APPEND findings "  ${relative}:${number}: ${CMAKE_MATCH_3}(): ${shown}\n")
    endif()
  endforeach()
endforeach()

if(findings)
  message(FATAL_ERROR
    "calls MSVC deprecates (C4996, an error with /W4 /WX):\n${findings}"
    "Use a portable replacement (see the top of scripts/check_msvc_deprecated.cmake), or "
    "mark a line MSVC never compiles with a comment `C4996-safe: <why>`.")
endif()
message(STATUS "msvc_deprecated_calls: ${count} sources, no call MSVC deprecates")
