#include "portpool/conformance/windows/real_machine.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "portpool/conformance/trace_ports.h"

namespace portpool::conformance {
namespace {

// A backend that only says why it could not be made: every call is a
// harness error the campaign reports.
class UnmadeBackend final : public Backend {
 public:
  UnmadeBackend(std::string description, absl::Status why)
      : description_(std::move(description)), why_(std::move(why)) {}
  std::string Describe() const override { return description_; }
  Capabilities capabilities() const override { return Capabilities{}; }
  absl::StatusOr<Outcome> Run(const Call&) override { return why_; }

 private:
  std::string description_;
  absl::Status why_;
};

// One sequence's backend: the sandbox over a fresh backend of the machine,
// cleaning up after itself.
class SandboxedSession final : public Backend {
 public:
  SandboxedSession(std::unique_ptr<Backend> inner, const RealMachineRun& run)
      : inner_(std::move(inner)),
        sandboxed_(*inner_, run.sandbox, *run.journal, run.snapshot),
        left_(run.left) {}
  // Persistent reservations outlive processes: delete what the sequence
  // created, whether it conformed or not.
  ~SandboxedSession() override {
    for (const PendingReservation& r : sandboxed_.CleanUp()) left_->push_back(r);
  }
  SandboxedSession(const SandboxedSession&) = delete;
  SandboxedSession& operator=(const SandboxedSession&) = delete;

  std::string Describe() const override { return sandboxed_.Describe(); }
  Capabilities capabilities() const override { return sandboxed_.capabilities(); }
  absl::StatusOr<Outcome> Run(const Call& call) override { return sandboxed_.Run(call); }

 private:
  std::unique_ptr<Backend> inner_;
  SandboxedBackend sandboxed_;
  std::shared_ptr<std::vector<PendingReservation>> left_;
};

}  // namespace

std::optional<std::string> EnvironmentVariable(const std::string& name) {
#ifdef _MSC_VER
  // getenv is deprecated there (C4996); _dupenv_s copies the value.
  char* value = nullptr;
  size_t size = 0;
  if (_dupenv_s(&value, &size, name.c_str()) != 0 || value == nullptr) return std::nullopt;
  std::string text(value);
  std::free(value);
#else
  const char* value = std::getenv(name.c_str());  // C4996-safe: MSVC takes _dupenv_s above
  if (value == nullptr) return std::nullopt;
  std::string text(value);
#endif
  if (text.empty()) return std::nullopt;
  return text;
}

bool RealAnswersRequired() {
  const std::optional<std::string> value = EnvironmentVariable(std::string(kRequireRealVariable));
  return value && *value != "0";
}

absl::StatusOr<RealMachineRun> OpenRealMachineRun(
    std::string description, MachineSnapshot snapshot,
    const std::optional<std::string>& window_text, const std::string& journal_path,
    std::function<absl::StatusOr<std::unique_ptr<Backend>>()> make_backend) {
  SandboxOptions sandbox_options;
  if (window_text) {
    absl::StatusOr<PortRange> window = ParseWindow(*window_text);
    if (!window.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("sandbox ", *window_text, ": ", window.status().message()));
    }
    sandbox_options.window = *window;
  }
  absl::StatusOr<Sandbox> sandbox = Sandbox::Choose(snapshot, sandbox_options);
  if (!sandbox.ok()) {
    return absl::Status(sandbox.status().code(),
                        absl::StrCat("no sandbox window: ", sandbox.status().message()));
  }
  absl::StatusOr<Journal> journal = Journal::Open(journal_path);
  if (!journal.ok()) return journal.status();
  RealMachineRun run;
  run.description = std::move(description);
  run.snapshot = std::move(snapshot);
  run.sandbox = *sandbox;
  run.journal = std::make_shared<Journal>(*std::move(journal));
  run.make_backend = std::move(make_backend);
  (void)run.journal->Note(absl::StrCat(run.description,
                                       " sandbox=", FormatRange(run.sandbox.window()),
                                       " machine: ", DescribeSnapshot(run.snapshot)));
  return run;
}

void SetUpRealMachineCampaign(const RealMachineRun& run, CampaignOptions& options) {
  options.checker.simulator_contract = false;
  options.surface_cases = false;
  options.make_backend = [run](uint64_t) -> std::unique_ptr<Backend> {
    absl::StatusOr<std::unique_ptr<Backend>> inner = run.make_backend();
    if (!inner.ok()) return std::make_unique<UnmadeBackend>(run.description, inner.status());
    return std::make_unique<SandboxedSession>(*std::move(inner), run);
  };
  options.prepare_model = [snapshot = run.snapshot](Machine& model) {
    return SeedModel(snapshot, model);
  };
  options.adapt_case =
      [window = run.sandbox.window()](const traces::Trace& trace) -> absl::StatusOr<traces::Trace> {
    const std::optional<PortRange> span = SpecificPortSpan(trace);
    if (!span) return trace;
    if (span->count > window.count) {
      return absl::OutOfRangeError(absl::StrCat("its ports span ", FormatRange(*span),
                                                ", wider than the sandbox window ",
                                                FormatRange(window)));
    }
    return RelocatePorts(trace, *span, window.start);
  };
}

}  // namespace portpool::conformance
