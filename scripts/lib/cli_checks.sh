# Checks for the shell tests of the `portpool` program (campaign_cli_test.sh,
# cli_smoke_test.sh): run it, then assert on its exit code, output and files.
# Source it after setting `portpool` (the program) and `work` (a scratch
# folder); end the test with `finish NAME`.
#   run ARGS...               runs portpool, keeping stdout, stderr and the exit code
#   expect_code N DESC        the exit code is N
#   expect_out TEXT DESC      stdout holds the fixed string TEXT
#   expect_err TEXT DESC      stderr holds the fixed string TEXT
#   expect_file PATH DESC     PATH exists and is not empty
#   expect_in PATH TEXT DESC  the file PATH holds the fixed string TEXT
#   expect_match PATH RE DESC the file PATH has a line matching the extended regex RE
#   fail DESC                 records a failed check, with the last command's output
# Tests with checks of their own count them in `checks` and call `fail`.

failures=0
checks=0
code=0

run() {
  "$portpool" "$@" >"$work/stdout" 2>"$work/stderr"
  code=$?
}
fail() {
  echo "FAIL: $*" >&2
  echo "  exit code: $code" >&2
  echo "  stdout: $(head -c 2000 "$work/stdout")" >&2
  echo "  stderr: $(head -c 2000 "$work/stderr")" >&2
  failures=$((failures + 1))
}
expect_code() {
  checks=$((checks + 1))
  [[ "$code" -eq "$1" ]] || fail "$2: expected exit $1, got $code"
}
expect_out() { expect_in "$work/stdout" "$1" "$2"; }
expect_err() { expect_in "$work/stderr" "$1" "$2"; }
expect_file() {
  checks=$((checks + 1))
  [[ -s "$1" ]] || fail "$2: no file $1"
}
expect_in() {
  checks=$((checks + 1))
  grep -qF -- "$2" "$1" || fail "$3: $1 lacks '$2'"
}
expect_match() {
  checks=$((checks + 1))
  grep -qE -- "$2" "$1" || fail "$3: no line of $1 matches '$2'"
}
# finish NAME: prints the tally; the exit status is 0 only if nothing failed.
finish() {
  echo "$1: $((checks - failures)) of $checks checks passed"
  [[ "$failures" -eq 0 ]]
}
