#include "portpool/conformance/windows/record_run.h"

#include <utility>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "portpool/conformance/checker.h"
#include "portpool/conformance/trace_runner.h"
#include "portpool/traces/record.h"

namespace portpool::conformance {

RecordResult RecordTrace(const traces::Trace& input, Backend& backend,
                         const RecordOptions& options) {
  RecordResult result;
  result.steps_total = input.steps.size();
  Checker checker(backend);
  std::vector<std::string> seed_warnings;
  traces::TraceRecorder recorder;
  for (const std::string& line : options.provenance) recorder.AddProvenance(line);
  recorder.AddProvenance(absl::StrCat("recorded from ", options.source));
  for (const std::string& line : input.provenance) {
    recorder.AddProvenance(absl::StrCat("input: ", line));
  }

  std::string stop_line;
  if (options.snapshot) {
    if (absl::Status seeded = SeedModel(*options.snapshot, checker.mutable_model(), &seed_warnings);
        !seeded.ok()) {
      result.kind = RecordResult::Kind::kIncomplete;
      result.message =
          absl::StrCat("cannot seed the model with the machine's state: ", seeded.message());
    }
  }
  if (result.message.empty()) {
    absl::StatusOr<TraceRun> run = RunTrace(input, checker, backend.capabilities(), &recorder);
    if (!run.ok()) {
      result.kind = RecordResult::Kind::kIncomplete;
      result.message = std::string(run.status().message());
      result.not_runnable = absl::StrContains(result.message, kRefusedBySandbox);
    } else if (run->divergence) {
      const CheckedCall& bad = run->steps[*run->divergence];
      result.kind = RecordResult::Kind::kDiverged;
      result.message =
          absl::StrCat("the model does not allow this answer: ", bad.verdict.explanation);
      result.line = input.steps[*run->divergence].line;
    } else if (run->failed || run->unsupported) {
      result.kind = RecordResult::Kind::kIncomplete;
      result.message = run->failed ? *run->failed : *run->unsupported;
      result.line = run->stopped_line;
      // A call the sandbox refused, or one this backend cannot make: the
      // probe is not runnable here.
      result.not_runnable =
          run->unsupported.has_value() || absl::StrContains(result.message, kRefusedBySandbox);
    }
  }
  for (const CheckedCall& step : checker.history()) {
    if (std::holds_alternative<call::StartProcess>(step.call) && step.outcome.ok() &&
        step.outcome.process) {
      result.processes.push_back(*step.outcome.process);
    }
  }

  result.trace = std::move(recorder).Finish();
  traces::Trace& out = result.trace;
  result.steps_run = out.steps.size();
  // The input's comments go with the steps they were written for: step i of
  // the recording is step i of the input.
  out.comments.insert(out.comments.end(), input.comments.begin(), input.comments.end());
  for (const std::string& warning : seed_warnings) out.comments.push_back(warning);
  for (size_t i = 0; i < out.steps.size() && i < input.steps.size(); ++i) {
    out.steps[i].comments = input.steps[i].comments;
  }
  if (result.kind == RecordResult::Kind::kComplete) {
    out.trailing_comments = input.trailing_comments;
  } else {
    const std::string note = absl::StrCat(
        "recording stopped after ", result.steps_run, " of ", result.steps_total, " steps",
        result.line > 0 ? absl::StrCat(", at line ", result.line) : "", ": ", result.message);
    if (out.steps.empty()) {
      out.comments.push_back(note);
    } else {
      out.trailing_comments.push_back(note);
    }
  }
  return result;
}

std::vector<PendingReservation> CleanUpRecording(SandboxedBackend& sandboxed,
                                                 const RecordResult& result) {
  if (sandboxed.Pending().empty()) return {};
  // A backend that can start another elevated process deletes with a fresh
  // one: the run's own may have ended, or be unelevated.
  const Capabilities caps = sandboxed.capabilities();
  if (caps.several_processes && caps.elevated_process) {
    sandboxed.CleanUp();
    return sandboxed.Pending();
  }
  // Otherwise the last process first: an earlier one may have ended (and
  // its deletes would fail).
  for (auto it = result.processes.rbegin(); it != result.processes.rend(); ++it) {
    if (sandboxed.Pending().empty()) break;
    sandboxed.CleanUp(*it);
  }
  return sandboxed.Pending();
}

}  // namespace portpool::conformance
