#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: a one-minute
# conformance campaign (`portpool campaign`) against the simulator, which
# writes a report folder; then says where the report is.
#
#   scripts/run.sh [extra args for `portpool campaign`...]
#
# Budget: PORTPOOL_TIME_BUDGET seconds (default: 60). First seed: SEED
# (default: 1). Report folder: PORTPOOL_REPORT (default: build/report).
# Preset: PORTPOOL_PRESET (default: release). `portpool demo` and the trace
# commands are in the same program: build/<preset>/conformance/portpool --help.
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
report="${PORTPOOL_REPORT:-$PORTPOOL_ROOT/build/report}"
args=(campaign --time-budget "${PORTPOOL_TIME_BUDGET:-60}" --seed "${SEED:-1}" -o "$report" "$@")
portpool_log "running: portpool ${args[*]}"
set +e
"$cli" "${args[@]}"
status=$?
set -e
if [[ -f "$report/report.md" ]]; then
  report="$(cd "$report" && pwd)"
  portpool_log "report (Markdown): $report/report.md"
  portpool_log "report (HTML):     $report/report.html  (open file://$report/report.html)"
fi
exit "$status"
