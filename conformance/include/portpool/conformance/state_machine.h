// The rapidcheck state machine that every backend runs: random step
// sequences (steps.h) resolved against the live run, every call checked
// against the model by the checker. The simulator's properties and the real
// Windows run (conformance/windows/windows_real_test.cc) share this runner,
// so what the simulator proves about the generator holds where it matters.
#ifndef PORTPOOL_CONFORMANCE_STATE_MACHINE_H_
#define PORTPOOL_CONFORMANCE_STATE_MACHINE_H_

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "portpool/call.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/checker.h"
#include "portpool/conformance/steps.h"
#include "rapidcheck/state.h"

namespace portpool::conformance {

// rapidcheck's model of the system: the steps resolve everything against the
// live run, so generation needs only what the backend can do.
struct StateMachineModel {
  Capabilities capabilities;
};

// One sequence's run: the checker over the backend under test, and what is
// live in it.
struct StateMachineRun {
  StateMachineRun(Checker& run_checker, Capabilities run_capabilities, std::string run_provenance)
      : checker(run_checker),
        capabilities(std::move(run_capabilities)),
        provenance(std::move(run_provenance)) {}

  Checker& checker;
  // What the backend can do: steers generation and resolution.
  Capabilities capabilities;
  // The first line of the trace a divergence prints.
  std::string provenance;
  LiveState live;
  // Called with every resolved call before it runs (tests assert on it).
  std::function<void(const Call&)> on_call;
  // A second judge of every conforming answer (the table oracle, where the
  // backend is the simulator: its rules are the checker's, so only another
  // judge sees a bug they share). `before` gets the checker's model before
  // the call runs, `after` the answer once it conformed; each returns "" or
  // what it found wrong, which fails the property with the run so far.
  struct SecondJudge {
    std::function<std::string(const Machine& model, const Call&)> before;
    std::function<std::string(const Call&, const Outcome&)> after;
  };
  std::optional<SecondJudge> second_judge;
  // Calls a sandbox refused ("refused by the sandbox: ..."): never run, so
  // neither passes nor divergences; the caller reports them as skipped.
  std::vector<std::string> refused;
  // Set when the backend has no such API ("unsupported on this system:
  // ..."): the rest of the sequence is not run and the caller skips.
  std::optional<std::string> unsupported;
};

// One generated step; a divergence fails the property with the run so far
// as a replayable trace (docs/trace-format.md).
struct StateMachineStep final : rc::state::Command<StateMachineModel, StateMachineRun> {
  explicit StateMachineStep(const StateMachineModel& model);

  void run(const StateMachineModel& model, StateMachineRun& sut) const override;
  void show(std::ostream& os) const override;

  StepSpec spec;
};

// Draws one sequence of steps for `run.capabilities` and runs it (call it
// inside a rapidcheck property: rapidcheck draws, shrinks and reports).
void CheckStateMachine(StateMachineRun& run);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_STATE_MACHINE_H_
