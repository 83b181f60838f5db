#!/usr/bin/env bash
# Installs what is missing, builds, and runs the tests with ctest.
#
#   scripts/test.sh [ctest args...]      e.g. scripts/test.sh -L model
#
# Preset: PORTPOOL_PRESET (default: debug); build dir: build/<preset>.
set -euo pipefail
# shellcheck source=scripts/lib/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"

preset="${PORTPOOL_PRESET:-debug}"
portpool_setup "$preset"

jobs="${PORTPOOL_JOBS:-$(nproc 2>/dev/null || echo 2)}"
portpool_log "testing preset '$preset'"
ctest --preset "$preset" -j "$jobs" "$@"
