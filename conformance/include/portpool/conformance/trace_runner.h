// Runs a trace's calls on a backend, checking every answer: the trace says
// which calls to make (its recorded answers are not consulted), the backend
// answers, the checker judges. This is how documented cases and regression
// traces run against any backend, and how `portpool record` gathers
// evidence from real Windows.
//
// The trace's names are bound to the backend's values as its outcomes
// arrive: p1 to the process the backend started for the step that creates
// p1, $a to the token the backend returned where the trace first returns $a.
// A token name the trace uses before any outcome returns it stands for a
// token nobody was given; it gets a value the backend has not returned.
#ifndef PORTPOOL_CONFORMANCE_TRACE_RUNNER_H_
#define PORTPOOL_CONFORMANCE_TRACE_RUNNER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "portpool/conformance/checker.h"
#include "portpool/traces/record.h"
#include "portpool/traces/trace.h"

namespace portpool::conformance {

struct TraceRun {
  // Every step the backend ran, checked.
  std::vector<CheckedCall> steps;
  // The index of the first divergent step, if any (the run stops there).
  std::optional<size_t> divergence;
  // Steps left out because the backend cannot run them (a reboot on real
  // Windows, say); the run stops at the first one.
  std::optional<std::string> unsupported;
  // Why a step could not run: it names a process no earlier step started
  // (bad input, in traces::Replay's words), or the backend refused the call
  // (a sandbox, say). The run stops there.
  std::optional<std::string> failed;
  // Where the run stopped early (unsupported or failed): the step's index in
  // the trace, and its line (0 for a trace built in memory).
  size_t stopped_step = 0;
  int stopped_line = 0;
};

// Runs `trace` on the checker's backend. If `recorder` is given, every call
// and its answer is recorded there. A step that cannot run ends the run, as
// `failed` in the result.
absl::StatusOr<TraceRun> RunTrace(const traces::Trace& trace, Checker& checker,
                                  const Capabilities& capabilities,
                                  traces::TraceRecorder* recorder = nullptr);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_TRACE_RUNNER_H_
