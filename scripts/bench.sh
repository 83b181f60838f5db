#!/usr/bin/env bash
# Installs what is missing, builds the benchmarks (bench/) in the release
# preset, and runs them: every figure as Google Benchmark prints it, then a
# summary of the figures, the ratios and the performance targets
# (docs/performance.md). The results are also written as JSON.
#
#   scripts/bench.sh [OUT.json] [extra Google Benchmark flags...]
#
# OUT.json defaults to build/<preset>/bench/results.json. Extra flags follow
# the defaults and override them, e.g. --benchmark_filter=PerCall/create.
# Preset: PORTPOOL_PRESET (default: release). Not a test: nothing here is
# registered with ctest.
set -euo pipefail
# shellcheck source=scripts/lib/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"

preset="${PORTPOOL_PRESET:-release}"
build_dir="$PORTPOOL_ROOT/build/$preset"
out="$build_dir/bench/results.json"
if [[ $# -gt 0 && "$1" != --* ]]; then
  out="$1"
  shift
fi

portpool_ensure_packages
if [[ "${PORTPOOL_RECONFIGURE:-0}" == 1 || ! -f "$build_dir/CMakeCache.txt" \
      || ! -f "$build_dir/build.ninja" ]]; then
  portpool_log "configuring preset '$preset' in build/$preset"
  cmake --preset "$preset"
fi
jobs="${PORTPOOL_JOBS:-$(nproc 2>/dev/null || echo 2)}"
portpool_log "building portpool_bench in build/$preset (-j$jobs)"
if ! cmake --build --preset "$preset" -j "$jobs" --target portpool_bench; then
  portpool_log "error: no portpool_bench target? It needs Google Benchmark (libbenchmark-dev)" \
    "and PORTPOOL_BUILD_TESTS; reconfigure with PORTPOOL_RECONFIGURE=1 or" \
    "-DPORTPOOL_BUILD_BENCHMARKS=ON"
  exit 1
fi

bench="$build_dir/bench/portpool_bench"
mkdir -p "$(dirname "$out")"
portpool_log "running $bench (results: $out)"
"$bench" \
  --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" \
  --benchmark_out_format=json \
  "$@"
portpool_log "results written to $out"
