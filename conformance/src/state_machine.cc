#include "portpool/conformance/state_machine.h"

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace portpool::conformance {

StateMachineStep::StateMachineStep(const StateMachineModel& model)
    : spec(*GenStep(model.capabilities)) {}

void StateMachineStep::run(const StateMachineModel&, StateMachineRun& sut) const {
  if (sut.unsupported) return;
  std::optional<Call> call = Resolve(spec, sut.live, sut.capabilities);
  if (!call) return;
  if (sut.on_call) sut.on_call(*call);
  const auto second_judge_fails = [&](const std::string& wrong) {
    if (wrong.empty()) return;
    RC_FAIL(absl::StrCat(sut.provenance, ": the second judge disagrees: ", wrong, "\n",
                         HistoryAsTrace(sut.checker, sut.provenance)));
  };
  if (sut.second_judge) second_judge_fails(sut.second_judge->before(sut.checker.model(), *call));
  absl::StatusOr<CheckedCall> checked = sut.checker.Step(*call);
  if (!checked.ok()) {
    const absl::string_view message = checked.status().message();
    // Not answers: the call never reached the API, so it proves nothing
    // either way.
    if (absl::StrContains(message, kUnsupportedOnThisSystem)) {
      sut.unsupported = std::string(message.substr(message.find(kUnsupportedOnThisSystem)));
      return;
    }
    if (absl::StartsWith(message, kRefusedBySandbox)) {
      sut.refused.push_back(absl::StrCat(DescribeCall(*call), ": ", message));
      return;
    }
    RC_FAIL(absl::StrCat("the backend could not run ", DescribeCall(*call), ": ", message));
  }
  if (!checked->verdict.conforms) {
    // The sequence as a trace: replay it with `portpool replay`, shrink it
    // with `portpool shrink`, keep it in traces/regression/.
    RC_FAIL(absl::StrCat(sut.provenance, ": the backend diverged from the model:\n",
                         HistoryAsTrace(sut.checker, sut.provenance)));
  }
  if (sut.second_judge && !checked->environment) {
    second_judge_fails(sut.second_judge->after(checked->call, checked->outcome));
  }
  sut.live.Observe(*checked);
}

void StateMachineStep::show(std::ostream& os) const { os << spec; }

void CheckStateMachine(StateMachineRun& run) {
  rc::state::check(StateMachineModel{run.capabilities}, run,
                   rc::state::gen::execOneOfWithArgs<StateMachineStep>());
}

}  // namespace portpool::conformance
