#!/usr/bin/env bash
# The fuzz smoke test (the fuzz-smoke lane of .ci/run): builds the libFuzzer
# targets with clang and sanitizers (scripts/fuzz.sh, build/fuzz), replays
# every seed corpus as a regression test (ctest -L fuzz-corpus), then runs
# each target for PORTPOOL_FUZZ_SMOKE_SECONDS (default 20) seconds without
# touching the corpora. Fails on a corpus input that fails or any finding.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${PORTPOOL_FUZZ_SMOKE_SECONDS:-20}"
build="${PORTPOOL_FUZZ_BUILD:-$root/build/fuzz}"
status=0
PORTPOOL_FUZZ_MERGE=0 PORTPOOL_FUZZ_BUILD="$build" PORTPOOL_FUZZ_OUT="$build/smoke" \
  bash "$root/scripts/fuzz.sh" all "$seconds" || status=1
if [[ -f "$build/build.ninja" ]]; then
  ctest --test-dir "$build" -L fuzz-corpus --output-on-failure || status=1
else
  status=1
fi
exit "$status"
