#!/usr/bin/env bash
# The long, randomised run of every rapidcheck property (ctest fixes their
# seed, PORTPOOL_RC_PARAMS): each round runs the test programs' properties
# with a fresh random seed and more cases, and stops at the first failure,
# whose seed rapidcheck prints ("Using configuration: seed=...") so that
#   RC_PARAMS="seed=<seed>" build/<preset>/<dir>/<program> --gtest_filter=<test>
# repeats it.
#
#   scripts/explore_properties.sh [rounds]    default 10 rounds
#   EXPLORE_MAX_SUCCESS=1000                  cases per property (default 500)
# Preset: PORTPOOL_PRESET (default: debug); builds what is missing first.
set -euo pipefail
# shellcheck source=scripts/lib/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"

preset="${PORTPOOL_PRESET:-debug}"
portpool_setup "$preset"
build="$PORTPOOL_ROOT/build/$preset"
rounds="${1:-10}"
max_success="${EXPLORE_MAX_SUCCESS:-500}"
programs=(model/model_tests conformance/conformance_property_tests conformance/conformance_tests
  traces/traces_tests)
for ((round = 1; round <= rounds; ++round)); do
  for program in "${programs[@]}"; do
    [[ -x "$build/$program" ]] || continue
    portpool_log "round $round/$rounds: $program (max_success=$max_success, random seed)"
    if ! RC_PARAMS="max_success=$max_success" "$build/$program" --gtest_brief=1; then
      portpool_log "a property failed in round $round: the seed is above ('Using configuration')"
      exit 1
    fi
  done
done
portpool_log "explore: $rounds rounds passed"
