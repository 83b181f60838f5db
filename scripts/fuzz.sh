#!/usr/bin/env bash
# A libFuzzer campaign over the targets in fuzz/ (docs/fuzzing.md).
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     e.g. scripts/fuzz.sh calls 600
#
# TARGET is calls, parser, win32 or checker (default: all, one after the
# other); SECONDS is the time per target (default 60). It
#   1. installs clang and libFuzzer if missing (scripts/lib/setup.sh),
#   2. configures and builds the targets with clang in their own build dir
#      (build/fuzz: -fsanitize=fuzzer,address,undefined; with
#      PORTPOOL_FUZZ_SANITIZE=0, build/fuzz-nosan: -fsanitize=fuzzer only),
#   3. runs each target with -fork=JOBS (JOBS child processes on the cores)
#      from its seed corpus fuzz/corpus/TARGET and dictionary
#      fuzz/dict/TARGET.dict, printing libFuzzer's progress lines, and stops
#      by itself after SECONDS,
#   4. merges the inputs that add coverage into fuzz/corpus/TARGET (-merge=1),
#   5. lists the findings (crash-*, leak-*, timeout-*, oom-* in
#      OUT/findings/TARGET/), writes the trace of each next to it and prints
#      the `portpool from-fuzz` command that writes it.
# Exit: 0 no findings, 1 findings, 2 bad usage or a failed build.
#
# Environment:
#   PORTPOOL_FUZZ_JOBS      parallel jobs per target (default: nproc)
#   PORTPOOL_FUZZ_SANITIZE  1 (default) address+undefined; 0 none (for exec/s)
#   PORTPOOL_FUZZ_BUILD     the build folder (default: build/fuzz or build/fuzz-nosan)
#   PORTPOOL_FUZZ_OUT       campaign folder (default: BUILD/campaign)
#   PORTPOOL_FUZZ_MERGE     1 (default) merge new inputs into fuzz/corpus; 0 not
#   PORTPOOL_FUZZ_NICE      run the fuzzers under `nice -n N` (default: no nice)
#   PORTPOOL_FUZZ_ARGS      extra libFuzzer flags, e.g. "-max_len=2048"
#   PORTPOOL_JOBS           build parallelism (default: nproc)
set -euo pipefail
# shellcheck source=scripts/lib/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"

TARGETS=(calls parser win32 checker)
# The header above, from the usage line to the list of environment
# variables, is the help.
usage() {
  sed -n '4,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

target="${1:-all}"
seconds="${2:-60}"
if [[ "$target" == -h || "$target" == --help ]]; then
  usage
  exit 0
fi
if (($# > 2)); then
  echo "fuzz.sh: too many arguments; see scripts/fuzz.sh --help" >&2
  exit 2
fi
if [[ "$target" == all ]]; then
  selected=("${TARGETS[@]}")
elif [[ " ${TARGETS[*]} " == *" $target "* ]]; then
  selected=("$target")
else
  echo "fuzz.sh: unknown target '$target': expected ${TARGETS[*]} or all" >&2
  exit 2
fi
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a positive whole number, not '$seconds'" >&2
  exit 2
fi

jobs="${PORTPOOL_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"
build_jobs="${PORTPOOL_JOBS:-$(nproc 2>/dev/null || echo 2)}"
if [[ "${PORTPOOL_FUZZ_SANITIZE:-1}" == 1 ]]; then
  build="${PORTPOOL_FUZZ_BUILD:-$PORTPOOL_ROOT/build/fuzz}"
  flags="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined"
  flags+=" -fno-sanitize-recover=all"
  link_flags="-fsanitize=address,undefined"
else
  build="${PORTPOOL_FUZZ_BUILD:-$PORTPOOL_ROOT/build/fuzz-nosan}"
  flags="-O2 -g -fsanitize=fuzzer-no-link"
  link_flags=""
fi
out="${PORTPOOL_FUZZ_OUT:-$build/campaign}"

# --- 1. clang and libFuzzer (in scripts/lib/setup.sh's package list) ---------
portpool_ensure_packages
clangxx="$(command -v clang++-14 || command -v clang++ || true)"
if [[ -z "$clangxx" ]]; then
  echo "fuzz.sh: clang++ not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi

# --- 2. build -------------------------------------------------------------------
if [[ "${PORTPOOL_RECONFIGURE:-0}" == 1 || ! -f "$build/build.ninja" ]]; then
  portpool_log "configuring the fuzzers in ${build#"$PORTPOOL_ROOT"/} ($clangxx)"
  cmake -S "$PORTPOOL_ROOT" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Fuzz \
    -DCMAKE_CXX_COMPILER="$clangxx" \
    -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$link_flags" \
    -DPORTPOOL_BUILD_FUZZERS=ON \
    -DPORTPOOL_BUILD_TESTS=ON \
    -DPORTPOOL_BUILD_BENCHMARKS=OFF \
    -DPORTPOOL_WERROR=ON >/dev/null || exit 2
fi
portpool_log "building the fuzzers (-j$build_jobs)"
build_targets=(fuzzers)
# `portpool from-fuzz` for the findings; only the sanitizer build links it
# (uninstrumented by libFuzzer, it needs a sanitizer runtime for the
# coverage callbacks).
[[ "${PORTPOOL_FUZZ_SANITIZE:-1}" == 1 ]] && build_targets+=(portpool)
cmake --build "$build" -j "$build_jobs" --target "${build_targets[@]}" || exit 2
portpool_cli="$build/conformance/portpool"

# --- 3. and 4. the campaign -------------------------------------------------------
nice_cmd=()
[[ -n "${PORTPOOL_FUZZ_NICE:-}" ]] && nice_cmd=(nice -n "$PORTPOOL_FUZZ_NICE")
mkdir -p "$out"
findings=0
for t in "${selected[@]}"; do
  exe="$build/fuzz/fuzz_$t"
  seeds="$PORTPOOL_ROOT/fuzz/corpus/$t"
  work="$out/$t/corpus"
  artifacts="$out/findings/$t"
  mkdir -p "$work" "$artifacts" "$seeds"
  max_len=1024
  [[ "$t" == parser ]] && max_len=4096
  portpool_log "fuzzing '$t' for ${seconds}s with $jobs jobs; progress below," \
    "log in ${out#"$PORTPOOL_ROOT"/}/$t/fuzz.log"
  # -fork: JOBS child processes, each merging what it found into $work;
  # after a crash, leak or timeout the campaign goes on (-ignore_*), so a
  # bounded run always ends at -max_total_time.
  # shellcheck disable=SC2086
  "${nice_cmd[@]}" "$exe" "$work" "$seeds" \
    -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -dict="$PORTPOOL_ROOT/fuzz/dict/$t.dict" -artifact_prefix="$artifacts/" \
    -print_final_stats=1 -print_funcs=0 ${PORTPOOL_FUZZ_ARGS:-} 2>&1 |
    tee "$out/$t/fuzz.log" | grep --line-buffered -E '^#[0-9]+|INFO: fuzzed for|ERROR|SUMMARY|==== portpool' || true
  if [[ "${PORTPOOL_FUZZ_MERGE:-1}" == 1 ]]; then
    before=$(find "$seeds" -type f | wc -l)
    "$exe" -merge=1 -max_len="$max_len" "$seeds" "$work" >"$out/$t/merge.log" 2>&1 ||
      portpool_log "merge of '$t' failed; see ${out#"$PORTPOOL_ROOT"/}/$t/merge.log"
    after=$(find "$seeds" -type f | wc -l)
    portpool_log "'$t': $((after - before)) new inputs merged into fuzz/corpus/$t ($after in all)"
  fi
  # --- 5. findings ------------------------------------------------------------
  while IFS= read -r -d '' crash; do
    findings=$((findings + 1))
    echo "FINDING ($t): $crash"
    echo "  its trace:  $portpool_cli from-fuzz --target $t $crash -o $crash.trace"
    if [[ -x "$portpool_cli" ]]; then
      "$portpool_cli" from-fuzz --target "$t" "$crash" -o "$crash.trace" 2>/dev/null &&
        echo "  written:    $crash.trace" ||
        echo "  (from-fuzz could not write it; for the parser, the input is the case itself)"
    fi
  done < <(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) ! -name '*.trace' -print0 | sort -z)
done

if ((findings > 0)); then
  portpool_log "$findings finding(s); see above and docs/fuzzing.md (\"A finding\")"
  exit 1
fi
portpool_log "no findings"
