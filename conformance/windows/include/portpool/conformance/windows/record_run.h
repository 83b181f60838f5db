// Recording: runs a trace's calls on a backend (the simulator, or real
// Windows inside a sandbox) and writes the answers it gave as a new trace.
// This is `portpool record`, and how every run of the Windows job adds
// evidence: the probe traces of traces/probes/ go in, the recorded answers
// come out.
//
// The input trace only says which calls to make (trace_runner.h); its
// recorded answers are not consulted. Every answer is checked against the
// model as it comes, so a recording also says whether the backend conforms.
// The recorded trace keeps the input's comments (a probe's question and what
// each answer would mean) beside the steps they belong to.
//
// Hand-written traces for real machines (the probes) name their specific
// ports in kTraceWindow; RelocatePorts (trace_ports.h) moves them into
// whatever sandbox window the machine allows.
#ifndef PORTPOOL_CONFORMANCE_RECORD_RUN_H_
#define PORTPOOL_CONFORMANCE_RECORD_RUN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/trace_ports.h"
#include "portpool/conformance/windows/journal.h"
#include "portpool/conformance/netsh_parse.h"
#include "portpool/conformance/windows/sandbox.h"
#include "portpool/ids.h"
#include "portpool/port_range.h"
#include "portpool/traces/trace.h"

namespace portpool::conformance {

struct RecordOptions {
  // The first provenance lines of the recorded trace: what the backend is
  // ("windows build=22631 elevated=yes sandbox=20000-20255", "simulator
  // seed=7").
  std::vector<std::string> provenance;
  // The input's name, for the provenance line "recorded from NAME".
  std::string source = "<trace>";
  // What the machine had before the run; seeds the checker's model.
  std::optional<MachineSnapshot> snapshot;
};

struct RecordResult {
  enum class Kind {
    kComplete,    // every call ran and every answer was allowed
    kDiverged,    // an answer the model does not allow (recorded; the run stopped there)
    kIncomplete,  // a call could not run (refused by the sandbox, unsupported on this
                  // system, not possible on this backend, bad input); the run stopped
  };
  Kind kind = Kind::kComplete;
  // Why the run stopped early; empty when complete.
  std::string message;
  // The input's line where it stopped (0: not at a step, or complete).
  int line = 0;
  // kIncomplete because the trace needs what this backend or its sandbox
  // cannot do (a reboot, a dynamic-range change, a port outside the window,
  // a made-up token): the probe is not runnable here, which is no fault of
  // the harness.
  bool not_runnable = false;
  // The recorded trace: every call that ran, with its answer. Written even
  // when the run stopped early (the trailing comment says where and why).
  traces::Trace trace;
  size_t steps_run = 0;
  size_t steps_total = 0;
  // The backend's ids of the processes the run started, in order.
  std::vector<ProcessId> processes;
};

// Runs `input` on `backend` and records it. Never fails as a whole: what
// went wrong is in the result.
RecordResult RecordTrace(const traces::Trace& input, Backend& backend,
                         const RecordOptions& options);

// After a recording through `sandboxed`: deletes every persistent block the
// run created and did not delete (journaled), as the processes the run
// started. Returns what could not be deleted.
std::vector<PendingReservation> CleanUpRecording(SandboxedBackend& sandboxed,
                                                 const RecordResult& result);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_RECORD_RUN_H_
