#!/usr/bin/env bash
# Smoke test of the `portpool` program's trace subcommands: exit codes and the
# key lines of their output, end to end through real files.
#
#   scripts/cli_smoke_test.sh build/debug/conformance/portpool
#
# Exits 0 if every check passes; otherwise lists the failed checks and exits 1.
set -uo pipefail
# shellcheck source=scripts/lib/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cli_checks.sh"

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 PATH/TO/portpool" >&2
  exit 2
fi
# Absolute, since the checks run in a scratch directory.
portpool="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="$(mktemp -d "${TMPDIR:-/tmp}/portpool-cli.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

# --- help --------------------------------------------------------------------
run --help
expect_code 0 "portpool --help"
for command in simulate replay shrink show; do
  expect_out "  $command " "portpool --help lists $command"
done
for command in simulate replay shrink show; do
  run "$command" --help
  expect_code 0 "portpool $command --help"
  expect_out "usage: portpool $command" "portpool $command --help"
done
run
expect_code 2 "portpool without a command"
run frobnicate
expect_code 2 "an unknown command"

# --- bad usage ---------------------------------------------------------------
run replay --bogus x.trace
expect_code 2 "replay --bogus"
expect_err "unknown option '--bogus'" "replay --bogus"
run replay
expect_code 2 "replay without files"
run simulate --seed abc
expect_code 2 "simulate --seed abc"
run simulate --calls 0
expect_code 2 "simulate --calls 0"
run simulate extra
expect_code 2 "simulate with an argument"
run shrink
expect_code 2 "shrink without a file"
run shrink a.trace b.trace
expect_code 2 "shrink with two files"
run show
expect_code 2 "show without a file"
run simulate -o "$work/no/such/dir/x.trace"
expect_code 2 "simulate to an unwritable file"

# --- simulate -> replay --------------------------------------------------------
run simulate --seed 7 --calls 120 -o sim.trace
expect_code 0 "simulate -o"
checks=$((checks + 1))
[[ -s sim.trace ]] || fail "simulate -o wrote nothing"
checks=$((checks + 1))
head -1 sim.trace | grep -q '^portpool-trace 1$' || fail "sim.trace has no header"
checks=$((checks + 1))
grep -qF "provenance: simulator seed=7 calls=120" sim.trace || fail "sim.trace provenance"
run simulate --seed 7 --calls 120
expect_code 0 "simulate to stdout"
checks=$((checks + 1))
cmp -s "$work/stdout" sim.trace || fail "simulate is not deterministic (stdout != -o file)"
run replay sim.trace
expect_code 0 "replay of a simulated trace"
expect_out "sim.trace: conforms (120 steps)" "replay of a simulated trace"
run simulate --seed 8 --calls 60 --persistent-only -o persistent.trace
expect_code 0 "simulate --persistent-only"
run replay sim.trace persistent.trace --coverage
expect_code 0 "replay of two simulated traces with --coverage"
expect_out "persistent.trace: conforms (60 steps)" "replay of two files"
expect_out "P-CREATE-OK" "coverage table"
expect_out "rules exercised" "coverage table"
run replay --verbose sim.trace
expect_code 0 "replay --verbose"
expect_out "sim.trace:3: start-process" "replay --verbose"
run show sim.trace
expect_code 0 "show of a simulated trace"
expect_out "Protocol tcp Port Exclusion Ranges" "show"
expect_out "Protocol udp Dynamic Port Range" "show"
expect_out "Protocol tcp Bound Ports" "show"

# --- a divergent trace ---------------------------------------------------------
cat >overlap.trace <<'EOF'
portpool-trace 1
provenance: hand-written
start-process elevated -> NO_ERROR process=p1
p1 create tcp 5000 10 -> NO_ERROR token=$a
p1 create tcp 5005 10 -> NO_ERROR token=$b
reboot -> NO_ERROR
EOF
run replay overlap.trace
expect_code 1 "replay of a divergent trace"
expect_out "overlap.trace:5: divergence" "divergence location"
expect_out "p1 create tcp 5005 10" "divergence call"
expect_out "ERROR_SHARING_VIOLATION [P-CREATE-OVERLAP]" "divergence allowed answers"
expect_out "P-CREATE-OVERLAP (documented; source: " "divergence rule with its source"
run replay sim.trace overlap.trace
expect_code 1 "replay of a conforming and a divergent trace"
expect_out "sim.trace: conforms" "replay of a conforming and a divergent trace"
run show overlap.trace
expect_code 1 "show of a divergent trace"
expect_out "The state before step 3" "show of a divergent trace"

# --- bad input -----------------------------------------------------------------
printf 'this is not a trace\n\x01\x02\n' >garbage.trace
run replay garbage.trace
expect_code 2 "replay of a garbage file"
expect_err "garbage.trace:1" "replay of a garbage file names file:line"
run replay missing.trace
expect_code 2 "replay of a missing file"
expect_err "missing.trace" "replay of a missing file names it"
run replay missing.trace sim.trace
expect_code 2 "bad input outranks a conforming file"
cat >unbound.trace <<'EOF'
portpool-trace 1
start-process elevated -> NO_ERROR process=p1
p2 create tcp 5000 10 -> NO_ERROR token=$a
EOF
run replay unbound.trace
expect_code 2 "replay of a trace naming an unbound process"
expect_err "unbound.trace:3: bad trace: p2 is not a process" "unbound process"
run show unbound.trace
expect_code 2 "show of bad input"

# --- shrink ----------------------------------------------------------------------
run simulate --seed 3 --calls 300 -o long.trace
expect_code 0 "simulate a long trace"
# Replace the answer of the step on line 250 with one the model never allows.
awk 'NR == 250 { sub(/ -> .*/, " -> ERROR_INVALID_HANDLE") } { print }' long.trace >mutated.trace
run replay mutated.trace
expect_code 1 "replay of the mutated trace"
expect_out "mutated.trace:250: divergence" "the mutated step diverges"
run shrink mutated.trace -o small.trace
expect_code 0 "shrink -o"
expect_out "mutated.trace: shrunk from 300 to " "shrink reports the step counts"
checks=$((checks + 1))
steps_before=$(grep -c -- ' -> ' mutated.trace)
steps_after=$(grep -c -- ' -> ' small.trace)
[[ "$steps_after" -ge 1 && "$steps_after" -le 8 && "$steps_after" -lt "$steps_before" ]] ||
  fail "shrink left $steps_after of $steps_before steps"
checks=$((checks + 1))
grep -qF "provenance: shrunk from mutated.trace (300 steps)" small.trace ||
  fail "the shrunk trace lacks its provenance"
run replay small.trace
expect_code 1 "replay of the shrunk trace still diverges"
expect_out "ERROR_INVALID_HANDLE" "the shrunk trace diverges at the mutated answer"
run shrink mutated.trace
expect_code 0 "shrink to stdout"
expect_out "portpool-trace 1" "shrink to stdout writes the trace"
expect_err "shrunk from 300 to" "shrink to stdout reports on stderr"
run shrink sim.trace -o never.trace
expect_code 2 "shrink of a conforming trace"
expect_err "nothing to shrink" "shrink of a conforming trace"
checks=$((checks + 1))
[[ ! -e never.trace ]] || fail "shrink of a conforming trace wrote a file"
run shrink garbage.trace -o never.trace
expect_code 2 "shrink of a garbage file"

finish cli_smoke_test
