# `portpool record` end to end on the simulator (ctest test cli_record, labels
# conformance and cli): a probe recorded with --seed has the simulator and
# the seed in its provenance, keeps the probe's comments and replays to
# conformance; the same seed records the same trace; with --journal and
# --sandbox it runs in the sandbox, moves the probe's ports into the window
# and leaves nothing in the journal; bad options and files exit 2 naming what
# is wrong; --backend windows where there is no Windows exits 2.
#
# cmake -DPORTPOOL=path/to/portpool -DPROBE=traces/probes/U10-....trace
#       -DWORK_DIR=... -P scripts/record_cli_test.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS PORTPOOL PROBE WORK_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "record_cli_test.cmake: -D${var}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

include("${CMAKE_CURRENT_LIST_DIR}/cli_expect.cmake")

# expect_in(FILE TEXT): FILE holds TEXT.
function(expect_in file text)
  file(READ "${file}" content)
  string(FIND "${content}" "${text}" at)
  if(at LESS 0)
    message(FATAL_ERROR "${file} lacks '${text}':\n${content}")
  endif()
endfunction()

# A probe on the simulator: provenance, comments, replay, determinism.
portpool_cli_expect(simulator 0 "every answer conforms"
  record "${PROBE}" --backend simulator --seed 7 -o "${WORK_DIR}/a.trace")
expect_in("${WORK_DIR}/a.trace" "provenance: simulator seed=7\n")
expect_in("${WORK_DIR}/a.trace" "provenance: recorded from ${PROBE}\n")
expect_in("${WORK_DIR}/a.trace" "provenance: input: probe U")
expect_in("${WORK_DIR}/a.trace" "# Question:")
portpool_cli_expect(replay-recorded 0 "conforms" replay "${WORK_DIR}/a.trace")
portpool_cli_expect(same-seed 0 "every answer conforms"
  record "${PROBE}" --seed 7 -o "${WORK_DIR}/b.trace")
file(READ "${WORK_DIR}/a.trace" a)
file(READ "${WORK_DIR}/b.trace" b)
if(NOT a STREQUAL b)
  message(FATAL_ERROR "the same seed recorded two different traces")
endif()
portpool_cli_expect(stdout 0 "portpool-trace 1" record "${PROBE}" --seed 7)

# In the sandbox: the journal, the window, the moved ports, nothing left.
portpool_cli_expect(sandboxed 0 "every answer conforms"
  record "${PROBE}" --seed 7 --sandbox 30000-30255 --journal "${WORK_DIR}/journal.txt"
  -o "${WORK_DIR}/sandboxed.trace")
expect_in("${WORK_DIR}/sandboxed.trace" "provenance: simulator seed=7 sandbox=30000-30255\n")
expect_in("${WORK_DIR}/sandboxed.trace" "moved to 30000-30255")
expect_in("${WORK_DIR}/sandboxed.trace" " tcp 30000 ")
expect_in("${WORK_DIR}/journal.txt" "begin 1 create tcp 30000 ")
portpool_cli_expect(journal-clean 0 "nothing to clean" cleanup --journal "${WORK_DIR}/journal.txt")
portpool_cli_expect(replay-sandboxed 0 "conforms" replay "${WORK_DIR}/sandboxed.trace")

# A trace that leaves the window stops there: exit 3 (not runnable here),
# partial trace written; so does one that needs a reboot.
file(WRITE "${WORK_DIR}/outside.trace"
  "portpool-trace 1\nstart-process elevated -> NO_ERROR process=p1\n"
  "p1 create tcp 5000 4 -> NO_ERROR token=$a\n")
portpool_cli_expect(refused 3 "outside.trace:3:1: not runnable here: refused by the sandbox"
  record "${WORK_DIR}/outside.trace" --journal "${WORK_DIR}/journal2.txt"
  -o "${WORK_DIR}/outside-recorded.trace")
expect_in("${WORK_DIR}/outside-recorded.trace" "# recording stopped after 1 of 2 steps, at line 3")
file(WRITE "${WORK_DIR}/reboot.trace"
  "portpool-trace 1\nstart-process elevated -> NO_ERROR process=p1\nreboot -> NO_ERROR\n")
portpool_cli_expect(reboot 3 "reboot.trace:3:1: not runnable here: reboot is not possible on this backend"
  record "${WORK_DIR}/reboot.trace" --journal "${WORK_DIR}/journal3.txt"
  -o "${WORK_DIR}/reboot-recorded.trace")

# Bad usage and bad files.
portpool_cli_expect(no-file 2 "portpool record: TRACE is required" record)
portpool_cli_expect(two-files 2 "portpool record: unexpected argument" record "${PROBE}" "${PROBE}")
portpool_cli_expect(missing 2 "absent.trace: no such file" record "${WORK_DIR}/absent.trace")
file(WRITE "${WORK_DIR}/bad.trace" "portpool-trace 1\np1 frobnicate\n")
portpool_cli_expect(bad-trace 2 "bad.trace:2:" record "${WORK_DIR}/bad.trace")
portpool_cli_expect(bad-backend 2 "--backend: must be windows or simulator, not 'vax'"
  record "${PROBE}" --backend vax)
portpool_cli_expect(bad-seed 2 "--seed: must be a whole number" record "${PROBE}" --seed minus-one)
portpool_cli_expect(bad-window 2 "--sandbox: '70000-70010': the window must start at a port from 1 to 65535"
  record "${PROBE}" --sandbox 70000-70010)
portpool_cli_expect(unknown-option 2 "--frob" record "${PROBE}" --frob)
portpool_cli_expect(unwritable 2 "cannot write ${WORK_DIR}/no/such/dir/out.trace"
  record "${PROBE}" -o "${WORK_DIR}/no/such/dir/out.trace")
if(NOT WIN32)
  portpool_cli_expect(not-windows 2 "needs a build for Windows" record "${PROBE}" --backend windows)
endif()
