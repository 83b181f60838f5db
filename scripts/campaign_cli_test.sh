#!/usr/bin/env bash
# End-to-end test of `portpool campaign`: its options and exit codes, the
# report folder, reproducibility, progress output, the time budget, Ctrl-C,
# the default corpus, and a divergence found in a corpus.
#
#   scripts/campaign_cli_test.sh build/debug/conformance/portpool
#
# The ctest test `campaign_cli` (label `conformance`) runs it. Exits 0 if every
# check passes; otherwise lists the failed checks and exits 1.
set -uo pipefail
# shellcheck source=scripts/lib/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cli_checks.sh"

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 PATH/TO/portpool" >&2
  exit 2
fi
portpool="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="$(mktemp -d "${TMPDIR:-/tmp}/portpool-campaign.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

# report.md without its timing line.
deterministic() { grep -v '^Timing (wall clock' "$1"; }

# --- help ----------------------------------------------------------------------
run --help
expect_code 0 "portpool --help"
expect_out "  campaign " "portpool --help lists campaign"
run campaign --help
expect_code 0 "campaign --help"
expect_out "usage: portpool campaign" "campaign --help"

# --- bad options: exit 2 with a message naming the option -------------------------
bad() {  # bad EXPECTED-MESSAGE ARGS...
  local message="$1"
  shift
  run campaign "$@" -o "$work/never"
  expect_code 2 "campaign $*"
  expect_err "$message" "campaign $*"
}
bad "--seeds: must be a whole number from 1 to 1,000,000,000, not '0'" --seeds 0
bad "--seeds: must be a whole number" --seeds many
bad "--length: must be a whole number from 1 to 100,000, not '0'" --length 0
bad "--seed: must be a whole number from 0 to 2^64-1, not '-1'" --seed -1
bad "--time-budget: must be a number of seconds above 0 and at most 10,000,000, not '0'" \
  --time-budget 0
bad "--time-budget: must be a number of seconds" --time-budget soon
bad "--time-budget: must be a number of seconds" --time-budget 1e9
bad "--backend windows runs only in a build for Windows" --backend windows
bad "--backend: must be simulator or windows, not 'qemu'" --backend qemu
bad "--corpus: /no/such/folder: No such file or directory" --corpus /no/such/folder
bad "give --corpus DIR or --no-corpus, not both" --corpus "$work" --no-corpus
bad "unexpected argument 'extra'" extra
bad "unknown option '--frobnicate'" --frobnicate
bad "unknown option '--out'" --out "$work/never"
touch "$work/a-file"
run campaign --seeds 1 -o "$work/a-file/report"
expect_code 2 "campaign -o under a file"
expect_err "portpool campaign: --output: cannot create the report folder $work/a-file/report: " \
  "campaign -o under a file"
checks=$((checks + 1))
[[ ! -e "$work/never" ]] || fail "a campaign with bad options wrote a report"

# --- a short campaign, twice ---------------------------------------------------------
run campaign --seeds 10 --length 40 -o one
expect_code 0 "a short campaign"
expect_out "portpool campaign: CONFORMS" "a short campaign"
expect_out "10 sequences (seeds 1-10)" "a short campaign"
expect_out "report: one/report.md" "a short campaign"
expect_out "one/report.html" "a short campaign"
expect_out "one/report.json" "a short campaign"
for file in report.md report.html report.json sample.trace; do
  expect_file "one/$file" "a short campaign"
done
# Progress on standard error: plain lines when it is not a terminal, each
# phase's line with its totals (as many corpus traces as the summary says).
expect_err "[done] 10/10 sequences" "progress lines"
corpus_count="$(grep -o '[0-9]* corpus traces replayed' "$work/stdout" | cut -d' ' -f1)"
expect_err "[replaying the corpus] $corpus_count traces replayed" "the corpus line counts them all"
checks=$((checks + 1))
grep -q $'\r' "$work/stderr" && fail "progress rewrites its line although stderr is a file"
# One calls/s figure: the summary's is report.md's and report.json's.
rate="$(sed -n 's/^  [0-9.]* s, \([0-9,]*\) calls\/s$/\1/p' "$work/stdout")"
checks=$((checks + 1))
[[ -n "$rate" ]] && grep -qF ", $rate calls/s." one/report.md ||
  fail "the summary's calls/s ($rate) is not report.md's: $(grep 'calls/s' one/report.md)"
checks=$((checks + 1))
python3 - "$rate" one/report.json <<'PY' || fail "report.json: $(head -c 600 one/report.json)"
import json, sys
rate, path = sys.argv[1], sys.argv[2]
d = json.load(open(path))
ok = (d["format"] == "portpool-report" and d["verdict"] == "CONFORMS" and d["conforms"]
      and d["figures"]["sequences"] == 10 and len(d["rules"]) == d["figures"]["rules_total"]
      and "says nothing about Windows" in d["what_it_shows"]
      and d["tool"]["rule_digest"].startswith("fnv1a64:")
      and f"{round(d['timing']['calls_per_second']):,}" == rate)
sys.exit(0 if ok else 1)
PY
expect_in one/report.md '**What this shows:** The simulator answers from the model itself' \
  "what a simulator campaign shows"
expect_match one/sample.trace '^provenance: portpool version=[0-9.]+ commit=' \
  "the tool's provenance line"
run campaign --seeds 10 --length 40 -o two --quiet
expect_code 0 "the same campaign again"
checks=$((checks + 1))
[[ ! -s "$work/stderr" ]] || fail "--quiet still printed progress"
checks=$((checks + 1))
cmp -s <(deterministic one/report.md) <(deterministic two/report.md) ||
  fail "the same options gave different reports: $(diff <(deterministic one/report.md) \
    <(deterministic two/report.md) | head -10)"
checks=$((checks + 1))
cmp -s one/sample.trace two/sample.trace || fail "the same options gave different sample traces"
checks=$((checks + 1))
[[ "$(grep -c '^Timing (wall clock' one/report.md)" -eq 1 ]] || fail "report.md needs one timing line"
run replay one/sample.trace
expect_code 0 "the sample trace replays"
run campaign --seeds 10 --length 40 --seed 99 -o three --quiet
checks=$((checks + 1))
cmp -s <(deterministic one/report.md) <(deterministic three/report.md) &&
  fail "another seed gave the same report"

# --- on a terminal: one line rewritten in place, unless TERM=dumb ------------------
# script(1) (util-linux, essential on Debian) gives the campaign a terminal.
checks=$((checks + 1))
if ! command -v script >/dev/null 2>&1; then
  fail "script(1) is missing: cannot test the progress line on a terminal"
else
  TERM=xterm script -qec "'$portpool' campaign --seeds 3 --no-corpus -o tty" /dev/null \
    >"$work/tty.out" 2>&1
  grep -q $'\r\033\[K\[' "$work/tty.out" || fail "no in-place progress line on a terminal"
  checks=$((checks + 1))
  TERM=dumb script -qec "'$portpool' campaign --seeds 3 --no-corpus -o tty" /dev/null \
    >"$work/tty.out" 2>&1
  grep -q $'\033' "$work/tty.out" && fail "TERM=dumb still got escape sequences"
  checks=$((checks + 1))
  grep -q '^\[done\] 3/3 sequences' "$work/tty.out" || fail "TERM=dumb: no plain progress lines"
fi

# --- the default corpus is found from any working folder -----------------------------
mkdir -p elsewhere && cd elsewhere || exit 2
run campaign --seeds 2 --quiet
cd "$work" || exit 2
expect_code 0 "a campaign with the default corpus"
expect_file elsewhere/portpool-report/report.md "the default --out folder"
checks=$((checks + 1))
grep -q '| corpus | the regression corpus of this build (traces/regression, [0-9]* traces) |' \
  elsewhere/portpool-report/report.md || fail "the default corpus was not used"
run campaign --seeds 2 --no-corpus -o nocorpus --quiet
expect_code 0 "--no-corpus"
expect_out " 0 corpus traces replayed, 0 documented cases run" "--no-corpus"
# Without the corpus, rules go unchecked: the verdict says so.
expect_out "portpool campaign: CONFORMS (partial: " "--no-corpus: a partial verdict"
expect_match nocorpus/report.md \
  '^## Verdict: CONFORMS \(partial: [0-9]+ of [0-9]+ rules checked\)$' "a partial verdict"
expect_in nocorpus/report.html 'class="verdict CONFORMS partial"' "a partial verdict, not plain green"

# --- a time budget ------------------------------------------------------------------------
run campaign --time-budget 1 --length 20 --no-corpus -o budget --quiet
expect_code 0 "--time-budget 1"
checks=$((checks + 1))
grep -qF 'by the time budget of 1 s' budget/report.md || fail "the report does not name the budget"

# --- a divergence in the corpus -------------------------------------------------------------
mkdir -p corpus
cat >corpus/overlap.trace <<'EOF'
portpool-trace 1
provenance: hand-written
start-process elevated -> NO_ERROR process=p1
p1 create udp 7000 3 -> NO_ERROR token=$x
p1 create tcp 5000 10 -> NO_ERROR token=$a
p1 create tcp 5005 10 -> NO_ERROR token=$b
EOF
mkdir -p divergent && echo stale >divergent/divergence-9.trace
run campaign --seeds 3 --corpus corpus -o divergent
expect_code 1 "a campaign over a divergent corpus"
expect_out "portpool campaign: DIVERGES" "a divergent corpus"
# The step and line of the divergence in the corpus trace, not its length.
expect_in divergent/report.md 'at step 4 of 4 (corpus/overlap.trace:6)' \
  "the divergence's step and line in the corpus trace"
expect_in divergent/report.md 'The state just before step 3:' "the state before the divergent step"
expect_out "divergence 1: P-CREATE-OVERLAP, found by corpus replay of corpus/overlap.trace" \
  "a divergent corpus"
expect_file divergent/divergence-1.trace "a divergent corpus"
expect_file divergent/divergence-1-full.trace "a divergent corpus"
checks=$((checks + 1))
[[ ! -e divergent/divergence-9.trace ]] || fail "a stale divergence file was left in the folder"
expect_in divergent/report.md 'P-CREATE-OVERLAP (documented; source: ' "the rule with its source"
run replay divergent/divergence-1.trace
expect_code 1 "the minimal trace still diverges"
expect_out "p1 create tcp 5005 10" "the minimal trace's divergent call"
checks=$((checks + 1))
[[ "$(grep -c -- ' -> ' divergent/divergence-1.trace)" -eq 3 ]] ||
  fail "the minimal trace is not 3 steps: $(cat divergent/divergence-1.trace)"
# "Run again" works from anywhere, although the corpus was given relatively.
again="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["run_again"])' \
  divergent/report.json)"
checks=$((checks + 1))
[[ "$again" == "portpool campaign --backend simulator --seed 1 --seeds 3 --length 80 --corpus $work/corpus" ]] ||
  fail "run again: '$again'"
mkdir -p "$work/away dir" && cd "$work/away dir" || exit 2
eval "\"\$portpool\" ${again#portpool } -o again --quiet" >"$work/stdout" 2>"$work/stderr"
code=$?
cd "$work" || exit 2
expect_code 1 "the run-again command, from another folder"
expect_out "divergence 1: P-CREATE-OVERLAP" "the run-again command finds the same divergence"

# --- Ctrl-C: a partial report --------------------------------------------------------------
# Job control gives the background campaign its own process group, where
# SIGINT is not ignored (as it would be for a plain background job).
set -m
"$portpool" campaign --seeds 100000000 --length 40 --no-corpus -o interrupted \
  >"$work/stdout" 2>"$work/stderr" &
pid=$!
for _ in $(seq 50); do
  grep -q '^\[sequences\]' "$work/stderr" 2>/dev/null && break
  sleep 0.2
done
sleep 0.5
kill -INT "$pid"
wait "$pid"
code=$?
set +m
expect_code 130 "a campaign stopped by SIGINT"
expect_err "interrupted; finishing the current sequence" "SIGINT"
expect_out "interrupted: the report is partial" "SIGINT"
expect_file interrupted/report.md "SIGINT"
checks=$((checks + 1))
grep -qF '## Verdict: INTERRUPTED' interrupted/report.md || fail "the partial report lacks its verdict"
checks=$((checks + 1))
grep -qF 'this report is partial' interrupted/report.md || fail "the partial report does not say so"

finish campaign_cli_test
