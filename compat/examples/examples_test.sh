#!/usr/bin/env bash
# The compat examples run against the model, driven only by PORTPOOL_*
# environment variables (their sources are unmodified Windows programs).
# Every recorded trace must replay clean with `portpool replay`; under a
# mutant it must diverge. ctest runs one scenario per test (label `compat`):
#
#   examples_test.sh SCENARIO EXAMPLES_DIR PORTPOOL
#
# SCENARIO is quic.{elevated,normal,reboot,mutant},
# container.{elevated,normal,explore,mutant} or
# portres.{elevated,normal,processes,usage}.
set -uo pipefail

scenario="$1"
bin="$2"
cli="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# shellcheck source=scripts/lib/cli_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/cli_checks.sh"

# example NAME ARGS...: runs compat_example_NAME with the caller's PORTPOOL_*.
example() {
  local portpool="$bin/compat_example_$1"
  shift
  run "$@"
}
# replays TRACE DESC: `portpool replay TRACE` conforms.
replays() {
  checks=$((checks + 1))
  if ! "$cli" replay "$1" >"$work/replay" 2>&1 || ! grep -q ': conforms (' "$work/replay"; then
    echo "FAIL: $2: $1 does not replay clean:" >&2
    cat "$work/replay" "$1" >&2
    failures=$((failures + 1))
  fi
}
# diverges TRACE RULE DESC: `portpool replay TRACE` finds a divergence citing RULE.
diverges() {
  checks=$((checks + 1))
  "$cli" replay "$1" >"$work/replay" 2>&1
  local replay_code=$?
  if [[ $replay_code -ne 1 ]] || ! grep -q 'divergence at step' "$work/replay" ||
    ! grep -qF "$2" "$work/replay"; then
    echo "FAIL: $3: expected $1 to diverge citing $2 (exit 1), got exit $replay_code:" >&2
    cat "$work/replay" >&2
    failures=$((failures + 1))
  fi
}
# has FILE TEXT DESC: FILE holds the fixed string TEXT.
has() {
  checks=$((checks + 1))
  grep -qF -- "$2" "$1" || {
    echo "FAIL: $3: $1 lacks '$2'" >&2
    failures=$((failures + 1))
  }
}
# count FILE TEXT: how many lines of FILE hold TEXT.
count() { grep -cF -- "$2" "$1" || true; }

unset PORTPOOL_SEED PORTPOOL_ELEVATED PORTPOOL_STATE PORTPOOL_REBOOT PORTPOOL_TRACE \
  PORTPOOL_ANSWERS PORTPOOL_SCHEDULE PORTPOOL_NEXT_SCHEDULE PORTPOOL_MUTANT
trace="$work/run.trace"
state="$work/machine.trace"

case "$scenario" in
  quic.elevated)
    PORTPOOL_ELEVATED=1 PORTPOOL_TRACE="$trace" example quic_reserve 20000 16 4
    expect_code 0 "quic_reserve as administrator"
    expect_out "created the persistent reservation UDP 20000-20015" "it creates the block"
    expect_out "socket 3: port" "four sockets"
    expect_out "all 4 sockets bound" "every socket bound"
    [[ "$(count "$work/stdout" "(reserved)")" -eq 4 ]] || fail "every port inside the reservation"
    has "$trace" "start-process elevated -> NO_ERROR process=p1" "the trace starts an elevated p1"
    has "$trace" "p1 create udp 20000 16 -> NO_ERROR token=\$" "the create is recorded"
    has "$trace" "associate \$" "the associations are recorded"
    [[ "$(count "$trace" " getsockname -> NO_ERROR port=200")" -eq 4 ]] ||
      fail "four getsockname steps with ports of the block"
    [[ "$(count "$trace" "end-process")" -eq 0 ]] ||
      fail "no end-process step at exit: the machine ends with the program"
    replays "$trace" "the recorded trace"
    # What a Windows runner does with it (docs/drop-in.md), here on the
    # simulator: run the same calls inside a sandbox window of ports.
    checks=$((checks + 1))
    if ! "$cli" record --backend simulator --seed 3 --sandbox 30000-30255 \
      --journal "$work/journal.txt" "$trace" -o "$work/recorded.trace" >"$work/record" 2>&1 ||
      ! grep -q "every answer conforms" "$work/record"; then
      echo "FAIL: portpool record of the trace:" >&2
      cat "$work/record" >&2
      failures=$((failures + 1))
    fi
    has "$work/recorded.trace" "p1 create udp 30000 16 -> NO_ERROR" "ports moved into the sandbox"
    ;;
  quic.normal)
    PORTPOOL_TRACE="$trace" example quic_reserve 20000 16 4
    expect_code 0 "quic_reserve without administrator rights"
    expect_out "falling back to ephemeral ports" "it falls back"
    [[ "$(count "$work/stdout" "(ephemeral)")" -eq 4 ]] || fail "every port ephemeral"
    has "$trace" "start-process normal -> NO_ERROR process=p1" "the trace starts a normal p1"
    has "$trace" "p1 create udp 20000 16 -> ERROR_ACCESS_DENIED" "create is refused"
    replays "$trace" "the recorded trace"
    ;;
  quic.reboot)
    # Install (elevated), reboot, start again: the reservation survives the
    # reboot and is found again, with whatever token it has now.
    PORTPOOL_STATE="$state" PORTPOOL_ELEVATED=1 example quic_reserve 20000 16 2
    expect_code 0 "first run"
    expect_out "created the persistent reservation" "the first run creates the block"
    PORTPOOL_STATE="$state" PORTPOOL_ELEVATED=1 PORTPOOL_REBOOT=1 PORTPOOL_TRACE="$trace" \
      example quic_reserve 20000 16 2
    expect_code 0 "second run, after a reboot"
    expect_out "found the persistent reservation UDP 20000-20015" "the block survived"
    [[ "$(count "$work/stdout" "(reserved)")" -eq 2 ]] || fail "ports inside the block again"
    # A third run without administrator rights: Lookup may or may not be
    # refused (unknown U3), and associating needs elevation; either way the
    # program ends up on ephemeral ports or reserved ones and succeeds.
    PORTPOOL_STATE="$state" example quic_reserve 20000 16 2
    expect_code 0 "third run, not elevated"
    has "$state" "reboot -> NO_ERROR" "the state file holds the reboot"
    [[ "$(count "$state" "start-process")" -eq 3 ]] || fail "three processes in the state file"
    [[ "$(count "$trace" "start-process")" -eq 2 ]] ||
      fail "the second run's trace holds the machine's history up to its end"
    replays "$trace" "the second run's trace"
    replays "$state" "the state file"
    ;;
  quic.mutant)
    # A model that hands out token 0: the recorded trace must not replay clean.
    PORTPOOL_ELEVATED=1 PORTPOOL_MUTANT=zero-token PORTPOOL_TRACE="$trace" \
      example quic_reserve 20000 16 2
    has "$trace" "mutant=zero-token" "the trace says which mutant made it"
    diverges "$trace" "P-CREATE-OK" "a zero token"
    # A surface that forgets the byte order: the program itself notices that
    # its ports are not in the block it asked for.
    PORTPOOL_ELEVATED=1 PORTPOOL_MUTANT=surface-host-order example quic_reserve 20000 16 2
    expect_code 1 "quic_reserve on a surface that swaps StartPort"
    expect_out "is outside the reservation" "the program's own check"
    ;;
  container.elevated | container.normal)
    elevated=0
    [[ "$scenario" == container.elevated ]] && elevated=1
    PORTPOOL_ELEVATED=$elevated PORTPOOL_TRACE="$trace" example container_ports 64
    expect_code 0 "container_ports ($scenario)"
    # The default dynamic range 49152-65535 holds at most 256 blocks of 64
    # ports; wildcard blocks land anywhere free, so gaps between them may
    # leave fewer.
    expect_out "blocks of 64 ports, then the pool ran out" "it exhausts the pool"
    taken="$(sed -n 's/^took \([0-9]*\) blocks.*/\1/p' "$work/stdout")"
    ((${taken:-0} >= 128 && ${taken:-0} <= 256)) || fail "128 to 256 blocks taken, not '$taken'"
    expect_out "container 0 listens on port" "the listener binds in its block"
    expect_out "released $taken blocks" "every block is released"
    [[ "$(count "$trace" " acquire any 64 -> NO_ERROR block=")" -eq "${taken:-0}" ]] ||
      fail "$taken wildcard acquires in the trace"
    replays "$trace" "the recorded trace"
    ;;
  container.explore)
    # Windows does not document the error of a wildcard acquire that finds
    # no free block (unknown U6): run the program once per allowed answer.
    schedule=""
    runs=0
    while ((runs < 20)); do
      runs=$((runs + 1))
      PORTPOOL_ANSWERS=explore PORTPOOL_SCHEDULE="$schedule" \
        PORTPOOL_NEXT_SCHEDULE="$work/next" PORTPOOL_TRACE="$work/run$runs.trace" \
        example container_ports 1024
      expect_code 0 "container_ports, run $runs (schedule '$schedule')"
      grep -o 'then the pool ran out (error [0-9]*)' "$work/stdout" >>"$work/errors"
      has "$work/run$runs.trace" "answers=explore schedule=$schedule" "run $runs's settings"
      replays "$work/run$runs.trace" "run $runs's trace"
      schedule="$(cat "$work/next")"
      [[ "$schedule" == done ]] && break
    done
    [[ "$schedule" == done ]] || fail "the walk over the answers ends within 20 runs"
    for error in 10055 10048 10022; do
      has "$work/errors" "(error $error)" "a run where exhaustion answers $error"
    done
    echo "explored $runs runs: $(sort -u "$work/errors" | tr '\n' ' ')"
    ;;
  container.mutant)
    PORTPOOL_MUTANT=wildcard-outside-dynamic PORTPOOL_TRACE="$trace" example container_ports 64
    diverges "$trace" "R-ACQUIRE-WILDCARD" "wildcard blocks below the dynamic range"
    ;;
  portres.elevated)
    # One process per command, all on one machine (the state file).
    export PORTPOOL_STATE="$state" PORTPOOL_ELEVATED=1
    example portres create tcp 20000 8
    expect_code 0 "create"
    expect_out "create TCP 20000 8 succeeded: token 0x" "create prints the token"
    token="$(grep -o 'token 0x[0-9a-f]*' "$work/stdout")"
    example portres lookup tcp 20000 8
    expect_code 0 "lookup"
    expect_out "lookup TCP 20000 8 succeeded: $token" "lookup gives the same token"
    example portres lookup tcp 20000 4
    expect_code 1 "lookup of part of the block"
    expect_out "failed: 1168 (ERROR_NOT_FOUND)" "a sub-range is not the block"
    example portres create udp 20000 0
    expect_code 1 "create of no ports"
    expect_out "failed: 87 (ERROR_INVALID_PARAMETER)" "zero ports"
    PORTPOOL_TRACE="$trace" example portres delete tcp 20000 8
    expect_code 0 "delete"
    [[ "$(count "$trace" "start-process elevated")" -eq 5 ]] || fail "five processes"
    replays "$trace" "the last process's trace"
    unset PORTPOOL_STATE PORTPOOL_ELEVATED
    ;;
  portres.normal)
    PORTPOOL_TRACE="$trace" example portres create tcp 20000 8
    expect_code 1 "create without administrator rights"
    expect_out "create TCP 20000 8 failed: 5 (ERROR_ACCESS_DENIED)" "access denied"
    replays "$trace" "the recorded trace"
    ;;
  portres.processes)
    # An administrator creates; after a reboot another looks the block up;
    # a standard user may not delete it; the administrator does.
    export PORTPOOL_STATE="$state"
    PORTPOOL_ELEVATED=1 example portres create udp 20100 4
    expect_code 0 "create"
    PORTPOOL_ELEVATED=1 PORTPOOL_REBOOT=1 example portres lookup udp 20100 4
    expect_code 0 "lookup after a reboot"
    expect_out "lookup UDP 20100 4 succeeded: token 0x" "the block survived the reboot"
    example portres delete udp 20100 4
    expect_code 1 "delete by a standard user"
    expect_out "(ERROR_ACCESS_DENIED)" "refused"
    PORTPOOL_ELEVATED=1 PORTPOOL_TRACE="$trace" example portres delete udp 20100 4
    expect_code 0 "delete by an administrator"
    has "$trace" "reboot -> NO_ERROR" "the trace holds the reboot"
    [[ "$(count "$trace" "start-process")" -eq 4 ]] || fail "four processes"
    [[ "$(count "$trace" "end-process")" -eq 4 ]] || fail "four processes end as they exit"
    replays "$trace" "the machine's whole history"
    unset PORTPOOL_STATE
    ;;
  portres.usage)
    example portres
    expect_code 2 "no arguments"
    expect_out "usage: " "usage"
    example portres create sctp 1 1
    expect_code 2 "an unknown protocol"
    # Bad settings stop the program at its first Windows call.
    PORTPOOL_SEED=abc example portres create tcp 20000 1
    expect_code 2 "a bad PORTPOOL_SEED"
    expect_err "portpool compat: PORTPOOL_SEED='abc': expected a number" "names the variable"
    PORTPOOL_MUTANT=no-such-mutant example portres create tcp 20000 1
    expect_code 2 "a bad PORTPOOL_MUTANT"
    expect_err "mutant 'no-such-mutant': expected none or one of" "lists the mutants"
    ;;
  *)
    echo "examples_test.sh: unknown scenario '$scenario'" >&2
    exit 2
    ;;
esac
finish "compat.example.$scenario"
