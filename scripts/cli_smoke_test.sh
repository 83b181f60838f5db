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

# --- every subcommand, the same way ----------------------------------------------
# --help, --version and an unknown option: each subcommand's help comes from
# the same declarations, so they must all behave alike.
commands=(campaign replay shrink show simulate explore record matrix worker cleanup from-fuzz demo)
run --help
expect_code 0 "portpool --help"
for command in "${commands[@]}"; do
  expect_out "  $command " "portpool --help lists $command"
done
run --version
expect_code 0 "portpool --version"
checks=$((checks + 1))
grep -Eq '^portpool [0-9]+\.[0-9]+\.[0-9]+ \((commit [0-9a-f]{12}(-dirty)?|not built from a git checkout); rule catalogue: [0-9]+ rules, digest fnv1a64:[0-9a-f]{16}\)$' \
  "$work/stdout" || fail "portpool --version: not 'portpool X.Y.Z (commit ...; rule catalogue: ...)'"
version_line="$(cat "$work/stdout")"
for command in "${commands[@]}"; do
  run "$command" --help
  expect_code 0 "portpool $command --help"
  expect_out "usage: portpool $command" "portpool $command --help"
  expect_out "exit: 0 " "portpool $command --help documents its exit codes"
  run "$command" --version
  expect_code 0 "portpool $command --version"
  checks=$((checks + 1))
  [[ "$(cat "$work/stdout")" == "$version_line" ]] || fail "portpool $command --version differs"
  run "$command" --frobnicate
  expect_code 2 "portpool $command --frobnicate"
  expect_err "portpool $command: unknown option '--frobnicate'" "portpool $command --frobnicate"
  expect_err "(see 'portpool $command --help')" "portpool $command --frobnicate"
done
run help replay
expect_code 0 "portpool help replay"
expect_out "usage: portpool replay" "portpool help replay"
run
expect_code 2 "portpool without a command"
expect_err "usage: portpool COMMAND" "portpool without a command"
run frobnicate
expect_code 2 "an unknown command"
expect_err "portpool: unknown command 'frobnicate'" "an unknown command"

# --- files: missing, a folder for a file, an output that cannot be written -------
# Every file error names the file and the system's reason; exit 2.
mkdir -p folder.trace
run simulate --seed 1 --calls 10 -o ok.trace
expect_code 0 "simulate a small trace"
bad() {  # bad EXPECTED-STDERR DESCRIPTION ARGS...
  local message="$1" description="$2"
  shift 2
  run "$@"
  expect_code 2 "$description"
  expect_err "$message" "$description"
}
missing="No such file or directory"
bad "missing.trace: no such file" "replay of a missing file" replay missing.trace
bad "missing.trace: no such file" "shrink of a missing file" shrink missing.trace
bad "missing.trace: no such file" "show of a missing file" show missing.trace
bad "missing.trace: no such file" "record of a missing file" record missing.trace
bad "missing: $missing" "from-fuzz of a missing file" from-fuzz --target calls missing
bad "--corpus: missing: $missing" "campaign --corpus of a missing folder" campaign --corpus missing
bad "folder.trace: is a directory" "replay of a folder" replay folder.trace
bad "folder.trace: is a directory" "shrink of a folder" shrink folder.trace
bad "folder.trace: is a directory" "show of a folder" show folder.trace
bad "folder.trace: is a directory" "record of a folder" record folder.trace
bad "folder.trace: is a directory" "from-fuzz of a folder" from-fuzz --target calls folder.trace
bad "folder.trace: is a directory" "cleanup of a folder as journal" cleanup --journal folder.trace
bad "--corpus: ok.trace: Not a directory" "campaign --corpus of a file" campaign --corpus ok.trace
unwritable="$work/no/such/dir/out.trace"
bad "cannot write $unwritable: $work/no/such/dir: $missing" "simulate to an unwritable file" \
  simulate -o "$unwritable"
bad "cannot write $unwritable" "shrink to an unwritable file" shrink ok.trace -o "$unwritable"
bad "cannot write $unwritable" "record to an unwritable file" record ok.trace -o "$unwritable"
bad "cannot write $unwritable" "from-fuzz to an unwritable file" \
  from-fuzz --target parser ok.trace -o "$unwritable"
bad "--output: folder.trace: is a directory" "simulate to a folder" simulate -o folder.trace
bad "--output: ok.trace: Not a directory" "campaign to a file" campaign --seeds 1 -o ok.trace
# A journal that is a folder is not "nothing to clean".
checks=$((checks + 1))
[[ ! -s "$work/stdout" ]] || fail "cleanup of a folder printed '$(cat "$work/stdout")'"

# --- bad usage: the real limits, named -----------------------------------------
bad "unknown option '--bogus'" "replay --bogus" replay --bogus x.trace
bad "FILE is required" "replay without files" replay
bad "--seed: must be a whole number from 0 to 2^64-1, not 'abc'" "simulate --seed abc" \
  simulate --seed abc
bad "--seed: must be a whole number from 0 to 2^64-1, not '-1'" "simulate --seed -1" \
  simulate --seed -1
bad "--calls: must be a whole number from 1 to 1,000,000, not '0'" "simulate --calls 0" \
  simulate --calls 0
bad "unexpected argument 'extra'" "simulate with an argument" simulate extra
bad "FILE is required" "shrink without a file" shrink
bad "unexpected argument 'b.trace'" "shrink with two files" shrink a.trace b.trace
bad "FILE is required" "show without a file" show
bad "--time-budget: must be a number of seconds above 0 and at most 10,000,000, not '1e9'" \
  "campaign --time-budget past its limit" campaign --time-budget 1e9
bad "--sandbox: '20000+0' holds no port" "record --sandbox 20000+0" \
  record ok.trace --sandbox 20000+0
bad "--target: must be calls or parser or win32 or checker, not 'bogus'" \
  "from-fuzz --target bogus" from-fuzz --target bogus ok.trace

# --- -oFILE, --name=value, and - for standard input and output ---------------------
run simulate --seed=7 --calls=30 -ojoined.trace
expect_code 0 "simulate --seed=7 -ojoined.trace"
expect_err "portpool simulate: wrote 30 steps to joined.trace" "simulate says what it wrote"
checks=$((checks + 1))
grep -qF "provenance: simulator seed=7 calls=30" joined.trace || fail "-oFILE wrote nothing"
checks=$((checks + 1))
grep -qE "^provenance: portpool version=[0-9.]+ commit=([0-9a-f]{12}(-dirty)?|unknown) rules=[0-9]+ digest=fnv1a64:[0-9a-f]{16}$" \
  joined.trace || fail "the trace lacks the tool's provenance line"
"$portpool" replay - <joined.trace >"$work/stdout" 2>"$work/stderr"
code=$?
expect_code 0 "replay - (standard input)"
expect_out "<stdin>: conforms (30 steps)" "replay - (standard input)"
"$portpool" simulate --seed 7 --calls 30 -o - 2>/dev/null | "$portpool" show - >"$work/stdout" 2>"$work/stderr"
code=$?
expect_code 0 "simulate -o - | show -"
expect_out "<stdin>: conforms (30 steps)" "simulate -o - | show -"

# --- replay --json ------------------------------------------------------------------
json_ok() {  # json_ok DESCRIPTION PYTHON-EXPRESSION-ON-d
  checks=$((checks + 1))
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" \
    "$work/stdout" || fail "$1: $(head -c 400 "$work/stdout")"
}
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
expect_out "sim.trace:4: start-process" "replay --verbose"
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
expect_err "portpool replay: garbage.trace:1:1: " "replay of a garbage file names file:line:column"
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
expect_err "portpool replay: unbound.trace:3:1: p2 is not a process: no earlier step started it" \
  "unbound process"
# The same mistake in the same words from every command that reads traces.
run shrink unbound.trace
expect_code 2 "shrink of a trace naming an unbound process"
expect_err "portpool shrink: unbound.trace:3:1: p2 is not a process: no earlier step started it" \
  "shrink: unbound process"
run record unbound.trace -o recorded.trace
expect_code 2 "record of a trace naming an unbound process"
expect_err "portpool record: unbound.trace:3:1: p2 is not a process: no earlier step started it" \
  "record: unbound process"
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
expect_err "portpool shrink: mutated.trace: shrunk from 300 to " "shrink reports the step counts"
checks=$((checks + 1))
[[ ! -s "$work/stdout" ]] || fail "shrink -o wrote to standard output too"
checks=$((checks + 1))
steps_before=$(grep -c -- ' -> ' mutated.trace)
steps_after=$(grep -c -- ' -> ' small.trace)
[[ "$steps_after" -ge 1 && "$steps_after" -le 8 && "$steps_after" -lt "$steps_before" ]] ||
  fail "shrink left $steps_after of $steps_before steps"
checks=$((checks + 1))
grep -qF "provenance: shrunk from mutated.trace (300 steps)" small.trace ||
  fail "the shrunk trace lacks its provenance"
shrink_says="$(grep -o '^small.trace:[0-9]*: divergence at step [0-9]*' "$work/stderr")"
run replay small.trace
expect_code 1 "replay of the shrunk trace still diverges"
expect_out "ERROR_INVALID_HANDLE" "the shrunk trace diverges at the mutated answer"
# shrink names the line of the divergence in the file it wrote.
checks=$((checks + 1))
[[ -n "$shrink_says" ]] && grep -qF "$shrink_says:" "$work/stdout" ||
  fail "shrink said '$shrink_says', replay says '$(head -1 "$work/stdout")'"
run shrink mutated.trace
expect_code 0 "shrink to stdout"
expect_out "portpool-trace 1" "shrink to stdout writes the trace"
expect_err "shrunk from 300 to" "shrink to stdout reports on stderr"
run shrink sim.trace -o never.trace
expect_code 2 "shrink of a conforming trace"
expect_err "portpool shrink: sim.trace: conforms (120 steps): nothing to shrink" \
  "shrink of a conforming trace"
checks=$((checks + 1))
[[ ! -e never.trace ]] || fail "shrink of a conforming trace wrote a file"
run shrink garbage.trace -o never.trace
expect_code 2 "shrink of a garbage file"

# --- replay --json -------------------------------------------------------------------
run replay --json sim.trace
expect_code 0 "replay --json of a conforming trace"
json_ok "replay --json: one conforming file" \
  "d['format'] == 'portpool-replay' and d['exit_code'] == 0 and d['files'] == [{'path': 'sim.trace', 'status': 'conforms', 'steps_checked': 120}] and d['tool']['rule_digest'].startswith('fnv1a64:') and 'coverage' not in d"
run replay --json --coverage sim.trace mutated.trace unbound.trace missing.trace
expect_code 2 "replay --json of four files"
json_ok "replay --json: conforms, diverges, bad input, missing" \
  "[f['status'] for f in d['files']] == ['conforms', 'diverges', 'bad-input', 'bad-input'] and d['exit_code'] == 2 and d['files'][1]['divergence']['line'] == 250 and d['files'][1]['divergence']['rules'][0]['id'] and d['files'][2]['error'] == {'step': 2, 'line': 3, 'column': 1, 'message': 'p2 is not a process: no earlier step started it'} and 'no such file' in d['files'][3]['error']['message'] and d['coverage']['P-CREATE-OK'] > 0"
checks=$((checks + 1))
grep -q "conforms (" "$work/stdout" && fail "replay --json also printed text on standard output"

# --- explore -------------------------------------------------------------------------
run explore --ports 1 --no-reboots --no-buffer-classes --quiet --report explore.md
expect_code 0 "explore a one-port universe"
expect_out "fixpoint reached" "explore reaches the fixpoint"
checks=$((checks + 1))
grep -q "| fixpoint | yes" explore.md || fail "explore --report: no fixpoint line"
run explore --ports 2 --dynamic-ports 3
expect_code 2 "explore --dynamic-ports past --ports"
expect_err "portpool explore: --dynamic-ports (3) must not exceed --ports (2)" \
  "explore --dynamic-ports past --ports"
run explore --protocols tcp+icmp
expect_code 2 "explore --protocols tcp+icmp"
expect_err "portpool explore: --protocols: 'icmp' is not tcp or udp" "explore --protocols tcp+icmp"
run explore --mutant zero-token --quiet
expect_code 0 "explore --mutant zero-token"
expect_out "zero-token: killed at depth 2" "explore --mutant zero-token"
run explore --mutant bogus
expect_code 2 "explore --mutant bogus"

finish cli_smoke_test
