# Compiles SOURCE with the drop-in folder INCLUDE on the include path and
# expects the compiler to refuse it with portpool compat's message about
# <sys/socket.h>; anything else (it compiles, or fails for another reason)
# fails the test.
#
#   cmake -DCXX=... -DSOURCE=... -DINCLUDE=... -P expect_compile_error.cmake
cmake_minimum_required(VERSION 3.25)
foreach(var IN ITEMS CXX SOURCE INCLUDE)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "expect_compile_error.cmake: -D${var}=... is required")
  endif()
endforeach()

execute_process(
  COMMAND "${CXX}" -std=c++20 -fsyntax-only "-I${INCLUDE}" "${SOURCE}"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but mixing the drop-in Windows sockets headers "
    "with <sys/socket.h> must be a compile error")
endif()
set(expected "portpool compat: this source file includes .*<sys/socket.h>.* cannot share a source file: keep Windows code and POSIX code in separate files")
if(NOT err MATCHES "${expected}")
  message(FATAL_ERROR "${SOURCE} failed to compile, but without portpool compat's message "
    "(expected to match '${expected}'):\n${err}")
endif()
# The first error must be ours, not a clash the message should have
# prevented.
string(REGEX MATCH "error[^\n]*" first_error "${err}")
if(NOT first_error MATCHES "portpool compat")
  message(FATAL_ERROR "the first error is not portpool compat's:\n${first_error}\n\n${err}")
endif()
message(STATUS "refused as expected: ${first_error}")
