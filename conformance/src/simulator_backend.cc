#include "portpool/conformance/simulator_backend.h"

#include "absl/strings/str_cat.h"

namespace portpool::conformance {

SimulatorBackend::SimulatorBackend(uint64_t seed, MachineOptions options)
    : seed_(seed), machine_(seed, options) {}

std::string SimulatorBackend::Describe() const {
  std::string text = absl::StrCat("simulator seed=", seed_);
  if (machine_.options().mutant != Mutant::kNone) {
    absl::StrAppend(&text, " mutant=", MutantName(machine_.options().mutant));
  }
  return text;
}

absl::StatusOr<Outcome> SimulatorBackend::Run(const Call& call) {
  if (const auto* start = std::get_if<call::StartProcess>(&call)) {
    auto outcome = machine_.Run(*start);
    if (outcome.ok() && outcome->process) {
      apis_[*outcome->process] = std::make_unique<win32::ModelApi>(machine_, *outcome->process);
    }
    return outcome;
  }
  if (const auto* end = std::get_if<call::EndProcess>(&call)) {
    auto outcome = machine_.Run(*end);
    if (outcome.ok() && outcome->ok()) {
      runner_.ForgetSocketsOf(end->process);
      apis_.erase(end->process);
    }
    return outcome;
  }
  if (std::holds_alternative<call::Reboot>(call)) {
    auto outcome = machine_.Run(call);
    if (outcome.ok() && outcome->ok()) {
      runner_.ForgetSockets();
      apis_.clear();
    }
    return outcome;
  }
  if (std::holds_alternative<call::SetDynamicRange>(call)) return machine_.Run(call);
  const ProcessId caller = CallerOf(call).value_or(ProcessId{});
  auto api = apis_.find(caller);
  if (api == apis_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("process p", caller.value, " is not running on this backend"));
  }
  return runner_.Run(*api->second, call);
}

}  // namespace portpool::conformance
