#!/usr/bin/env bash
# Writes the seed corpora of the fuzz targets (docs/fuzzing.md, "Corpora"):
#   fuzz/corpus/parser/   the regression and divergent traces, as they are
#   fuzz/corpus/{calls,win32,checker}/seed-NNN
#                         inputs picked by fuzz_seed_corpus (fuzz/tools/): each
#                         reaches a rule or answer no earlier seed reached
# Inputs a campaign merged in (named by their SHA-1) are kept.
#
#   scripts/fuzz_seeds.sh [BUILD_DIR]     (default: build/debug, preset debug)
set -euo pipefail
# shellcheck source=scripts/lib/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"

build="${1:-$PORTPOOL_ROOT/build/debug}"
if [[ ! -f "$build/build.ninja" ]]; then
  portpool_ensure_packages
  cmake --preset debug
fi
cmake --build "$build" --target fuzz_seed_corpus -j "${PORTPOOL_JOBS:-$(nproc)}"

corpus="$PORTPOOL_ROOT/fuzz/corpus"
mkdir -p "$corpus/parser"
rm -f "$corpus/parser/"*.trace
for kind in regression divergent; do
  for trace in "$PORTPOOL_ROOT/traces/$kind/"*.trace; do
    cp "$trace" "$corpus/parser/$kind-$(basename "$trace")"
  done
done
echo "parser: $(find "$corpus/parser" -name '*.trace' | wc -l) traces"
for target in calls win32 checker; do
  mkdir -p "$corpus/$target"
  rm -f "$corpus/$target/"seed-*
  "$build/fuzz/fuzz_seed_corpus" "$target" "$corpus/$target" 60
done
