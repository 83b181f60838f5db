#!/usr/bin/env bash
# Runs a Windows program under Wine: the CMAKE_CROSSCOMPILING_EMULATOR of
# cmake/mingw-w64-x86_64.cmake, so ctest runs (and gtest discovers) the .exe
# tests through it.
#
#   scripts/wine-run.sh [--prefix DIR] PROGRAM.exe [ARGS...]
#
# - WINEPREFIX is DIR (default: $WINEPREFIX, else ./wine-prefix), created with
#   `wineboot -i` on first use (under a lock: ctest -j runs several at once).
# - WINEDEBUG=-all and WINEDLLOVERRIDES="mscoree,mshtml=;winedbg.exe=d": no
#   fixme noise, no Gecko/Mono installers, and no winedbg, which would make
#   a crash's exit code unreliable.
# - The program's output goes to files first, then to stdout/stderr: Wine's
#   background processes (wineserver, services.exe) inherit the descriptors
#   and would hold a pipe open long after the program ends.
# - Exits with the program's exit code (126/127 if Wine cannot start it).
# The lane script (scripts/windows-cross.sh) ends with `wineserver -k`.
set -uo pipefail

prefix="${WINEPREFIX:-$PWD/wine-prefix}"
if [[ "${1:-}" == "--prefix" ]]; then
  prefix="$2"
  shift 2
fi
if (($# < 1)); then
  echo "usage: $0 [--prefix DIR] PROGRAM.exe [ARGS...]" >&2
  exit 2
fi

wine="${PORTPOOL_WINE:-/usr/lib/wine/wine64}"
if [[ ! -x "$wine" ]]; then
  wine="$(command -v wine64 || command -v wine || true)"
fi
if [[ -z "$wine" || ! -x "$wine" ]]; then
  echo "wine-run.sh: no Wine (apt-get install wine64)" >&2
  exit 127
fi

export WINEPREFIX="$prefix"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="mscoree,mshtml=;winedbg.exe=d"
export WINEARCH=win64

mkdir -p "$(dirname "$prefix")"
if [[ ! -f "$prefix/system.reg" ]]; then
  (
    flock 9
    if [[ ! -f "$prefix/system.reg" ]]; then
      "$wine" wineboot -i >"$prefix.wineboot.log" 2>&1 </dev/null
    fi
  ) 9>"$prefix.lock"
fi

out="$(mktemp "${TMPDIR:-/tmp}/wine-run.out.XXXXXX")"
err="$(mktemp "${TMPDIR:-/tmp}/wine-run.err.XXXXXX")"
trap 'rm -f "$out" "$err"' EXIT
"$wine" "$@" >"$out" 2>"$err" </dev/null
status=$?
cat "$out"
cat "$err" >&2
exit "$status"
