#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: the `portpool demo`
# command of the conformance CLI.
#
#   scripts/run.sh [extra args for `portpool demo`...]
#
# Seed: SEED (default: 42). Preset: PORTPOOL_PRESET (default: release).
set -euo pipefail
# shellcheck source=scripts/lib/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"

preset="${PORTPOOL_PRESET:-release}"
portpool_setup "$preset"

cli="$PORTPOOL_ROOT/build/$preset/conformance/portpool"
if [[ ! -x "$cli" ]]; then
  portpool_log "error: $cli was not built (are there sources in conformance/cli/?)"
  exit 1
fi
portpool_log "running: portpool demo --seed ${SEED:-42} $*"
exec "$cli" demo --seed "${SEED:-42}" "$@"
