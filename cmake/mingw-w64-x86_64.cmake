# Toolchain: cross-compile for 64-bit Windows with Debian's mingw-w64 (posix
# thread model: g++-mingw-w64-x86-64-posix), link statically, and run the
# programs (tests, gtest discovery) under Wine through scripts/wine-run.sh.
#
#   cmake -S . -B build/mingw -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
#     -DPORTPOOL_MINGW_DEPS=/var/cache/portpool/mingw-deps/<key>
#
# PORTPOOL_MINGW_DEPS: the prefixes (a list) holding googletest, rapidcheck
# and Abseil built for mingw, and the header-only CLI11 and nlohmann-json
# (scripts/windows-cross.sh makes them). The Wine prefix is
# <build dir>/wine-prefix, created on first use.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(PORTPOOL_MINGW_TRIPLE x86_64-w64-mingw32)
find_program(CMAKE_C_COMPILER NAMES ${PORTPOOL_MINGW_TRIPLE}-gcc-posix REQUIRED)
find_program(CMAKE_CXX_COMPILER NAMES ${PORTPOOL_MINGW_TRIPLE}-g++-posix REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${PORTPOOL_MINGW_TRIPLE}-windres)
find_program(CMAKE_AR NAMES ${PORTPOOL_MINGW_TRIPLE}-gcc-ar-posix ${PORTPOOL_MINGW_TRIPLE}-ar)
find_program(CMAKE_RANLIB
  NAMES ${PORTPOOL_MINGW_TRIPLE}-gcc-ranlib-posix ${PORTPOOL_MINGW_TRIPLE}-ranlib)

# Static: with the posix thread model anything using threads would otherwise
# need libwinpthread-1.dll (and libstdc++/libgcc DLLs) beside the .exe.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Look for libraries and packages only in the target's sysroot and in the
# mingw dependency prefix, never in the host's /usr.
set(CMAKE_FIND_ROOT_PATH /usr/${PORTPOOL_MINGW_TRIPLE})
if(PORTPOOL_MINGW_DEPS)
  list(PREPEND CMAKE_FIND_ROOT_PATH "${PORTPOOL_MINGW_DEPS}")
  list(APPEND CMAKE_PREFIX_PATH "${PORTPOOL_MINGW_DEPS}")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Programs run under Wine, with their own prefix in the build tree.
set(CMAKE_CROSSCOMPILING_EMULATOR
  "${CMAKE_CURRENT_LIST_DIR}/../scripts/wine-run.sh;--prefix;${CMAKE_BINARY_DIR}/wine-prefix")
