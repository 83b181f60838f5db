// `portpool record TRACE`: runs a trace's calls on a backend and writes the
// answers it gave as a new trace (conformance/windows/record_run.h). On
// Windows the backend is the real API, every process of the trace a worker
// process, inside a sandbox window with a journal; elsewhere it is the
// simulator, so that the command can be tried and tested anywhere.
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "files.h"
#include "options.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/windows/journal.h"
#include "portpool/conformance/windows/real_machine.h"
#include "portpool/conformance/windows/record_run.h"
#include "portpool/conformance/windows/sandbox.h"
#include "portpool/conformance/windows/windows_backend.h"
#include "portpool/conformance/windows/worker_pool.h"
#include "trace_io.h"

namespace portpool::cli {
namespace {

#ifdef _WIN32
constexpr const char* kDefaultBackend = "windows";
#else
constexpr const char* kDefaultBackend = "simulator";
#endif

// The trace needs what this backend or its sandbox cannot do; the steps
// before are recorded.
constexpr int kExitNotRunnable = 3;

class RecordCommand : public Command {
 public:
  absl::string_view name() const override { return "record"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "run a trace's calls on a backend and write its answers as a new trace\n\n"
             "Runs the calls of TRACE (its recorded answers are ignored) on a backend,\n"
             "checks every answer against the model, and writes the calls with the\n"
             "answers this backend gave as a new trace. The new trace keeps TRACE's\n"
             "comments; its provenance names the backend: 'windows build=22631\n"
             "elevated=yes sandbox=...' or 'simulator seed=N'. The probe traces\n"
             "(traces/probes/) are meant for it: on Windows their recorded answers\n"
             "settle the unknowns of docs/semantics.md.\n\n"
             "On Windows it needs an elevated administrator shell for the persistent\n"
             "calls; it reads the machine's reservations first and deletes what it\n"
             "created when it ends (docs/windows.md). Every process of the trace is a\n"
             "worker process of its own there. With PORTPOOL_REQUIRE_REAL=1 (as CI sets\n"
             "it) a shell that is not elevated is an error (exit 2).",
             "exit: 0 recorded, every answer conforms; 1 recorded up to an answer the\n"
             "model does not allow; 2 bad usage or input, a call that could not run\n"
             "(unsupported on this system, a harness fault), or reservations left;\n"
             "3 recorded up to a call this backend or its sandbox cannot make (a reboot,\n"
             "a dynamic-range change, a port outside the window): not runnable here");
    AddInputFile(app, file_, "the trace whose calls to run", "TRACE");
    AddOutputFile(app, output_, "where to write the recorded trace");
    backend_ = kDefaultBackend;
    AddChoice(app, "--backend", backend_, {"windows", "simulator"},
              "windows: the real API (only in a build for Windows);\n"
              "simulator: the seeded model");
    seed_option_ = AddSeed(app, seed_, "the simulator's seed");
    sandbox_option_ = AddText(app, "--sandbox", sandbox_, "START-END",
                              "the only ports the run may reserve or bind (also\n"
                              "START+COUNT). It must be clear of every excluded range,\n"
                              "bound port and dynamic range; the default is the first\n"
                              "clear 256 ports from 20000 up. The trace's ports\n"
                              "20000-20255 are moved into it.");
    journal_option_ = AddText(app, "--journal", journal_, "FILE",
                              "every Create and Delete is written here first;\n"
                              "'portpool cleanup --journal FILE' removes what a crashed\n"
                              "run left (windows: default portpool-journal.txt). With\n"
                              "the simulator, --journal or --sandbox runs it in the\n"
                              "sandbox too.");
  }

  int Run(Context& context) override {
    if (backend_ == "windows" && seed_option_->count() > 0) {
      return context.Fail("--seed is for the simulator backend");
    }
    if (journal_option_->count() > 0) {
      if (absl::Status writable = CheckWritable(journal_); !writable.ok()) {
        return context.Fail(absl::StrCat("--journal: ", writable.message()));
      }
    }
    std::optional<PortRange> window;
    if (sandbox_option_->count() > 0) {
      auto parsed = conformance::ParseWindow(sandbox_);
      if (!parsed.ok()) return context.Fail(absl::StrCat("--sandbox: ", parsed.status().message()));
      window = *parsed;
    }
    auto input = LoadTrace(file_);
    if (!input.ok()) return context.Fail(input.status().message());
    const std::string source = InputName(file_);

    if (backend_ == "simulator") {
      conformance::SimulatorBackend simulator(seed_);
      if (journal_option_->count() > 0 || window) {
        return RecordSandboxed(context, *input, simulator, conformance::MachineSnapshot{}, window,
                               {simulator.Describe()}, source);
      }
      conformance::RecordOptions options;
      options.provenance = {simulator.Describe()};
      options.source = source;
      return Finish(context, conformance::RecordTrace(*input, simulator, options), source);
    }
#ifndef _WIN32
    return context.Fail(
        "--backend windows needs a build for Windows (this is not Windows); use --backend "
        "simulator");
#else
    conformance::WindowsBackend windows;
    if (absl::Status available = windows.Available(); !available.ok()) {
      return context.Fail(available.message());
    }
    // Unelevated, the persistent calls would only record ERROR_ACCESS_DENIED:
    // real answers, but not the ones a run that requires them is after.
    if (!windows.system().elevated && conformance::RealAnswersRequired()) {
      return context.Fail(absl::StrCat("not an elevated administrator (", windows.Provenance(),
                                       "), and ", conformance::kRequireRealVariable,
                                       " is set: run from an elevated shell"));
    }
    auto snapshot = conformance::ReadWindowsSnapshot();
    if (!snapshot.ok()) {
      return context.Fail(
          absl::StrCat("cannot read the machine's reservations: ", snapshot.status().message()));
    }
    // Every process of the trace in a worker process of its own: a second
    // process, an unelevated one and a process's end are real.
    absl::StatusOr<std::string> program = conformance::CurrentProgramPath();
    absl::StatusOr<std::unique_ptr<conformance::WorkerPoolBackend> > pool =
        program.ok()
            ? conformance::MakeWindowsWorkerPool(*program, windows.system())
            : absl::StatusOr<std::unique_ptr<conformance::WorkerPoolBackend> >(program.status());
    if (!pool.ok()) {
      return context.Fail(absl::StrCat("cannot start worker processes: ", pool.status().message()));
    }
    return RecordSandboxed(context, *input, **pool, *snapshot, window, {windows.Provenance()},
                           source);
#endif
  }

 private:
  // Writes the recording and says how it went; returns the exit code.
  int Finish(Context& context, const conformance::RecordResult& result, const std::string& source) {
    if (absl::Status written = WriteTrace(context, result.trace, output_); !written.ok()) {
      return context.Fail(written.message());
    }
    const std::string where = output_ != "-" ? output_ : "standard output";
    const std::string at =
        result.line > 0 ? absl::StrCat(source, ":", result.line, ":1: ") : source + ": ";
    switch (result.kind) {
      case conformance::RecordResult::Kind::kComplete:
        context.Say(absl::StrCat("recorded ", result.steps_run, " steps to ", where,
                                 "; every answer conforms"));
        return kExitOk;
      case conformance::RecordResult::Kind::kDiverged:
        context.Say(absl::StrCat("recorded ", result.steps_run, " of ", result.steps_total,
                                 " steps to ", where, "; divergence at ", at, result.message));
        return kExitDivergence;
      case conformance::RecordResult::Kind::kIncomplete:
        break;
    }
    if (result.not_runnable) {
      context.Say(absl::StrCat(at, "not runnable here: ", result.message, " (recorded only ",
                               result.steps_run, " of ", result.steps_total, " steps to ", where,
                               ")"));
      return kExitNotRunnable;
    }
    return context.Fail(absl::StrCat(at, result.message, " (recorded only ", result.steps_run,
                                     " of ", result.steps_total, " steps to ", where, ")"));
  }

  // Runs `input` through a sandbox over `backend` with the journal, deletes
  // what the run left, and writes the recording.
  int RecordSandboxed(Context& context, const traces::Trace& input, conformance::Backend& backend,
                      const conformance::MachineSnapshot& snapshot, std::optional<PortRange> window,
                      std::vector<std::string> provenance, const std::string& source) {
    conformance::SandboxOptions sandbox_options;
    if (window) sandbox_options.window = *window;
    auto sandbox = conformance::Sandbox::Choose(snapshot, sandbox_options);
    if (!sandbox.ok()) {
      return context.Fail(absl::StrCat("no sandbox window: ", sandbox.status().message()));
    }
    auto moved =
        conformance::RelocatePorts(input, conformance::kTraceWindow, sandbox->window().start);
    if (!moved.ok()) return context.Fail(absl::StrCat(source, ": ", moved.status().message()));
    auto journal = conformance::Journal::Open(journal_);
    if (!journal.ok()) return context.Fail(journal.status().message());
    const std::string window_text = FormatRange(sandbox->window());
    provenance.back() += absl::StrCat(" sandbox=", window_text);
    if (sandbox->window().start != conformance::kTraceWindow.start) {
      provenance.push_back(absl::StrCat("ports ", FormatRange(conformance::kTraceWindow),
                                        " of the input moved to ", window_text));
    }
    (void)journal->Note(absl::StrCat("portpool record ", source, " on ", provenance.front()));
    conformance::SandboxedBackend sandboxed(backend, *sandbox, *journal, snapshot);
    conformance::RecordOptions options;
    options.provenance = std::move(provenance);
    options.source = source;
    options.snapshot = snapshot;
    const conformance::RecordResult result = conformance::RecordTrace(*moved, sandboxed, options);
    const std::vector<conformance::PendingReservation> left =
        conformance::CleanUpRecording(sandboxed, result);
    int code = Finish(context, result, source);
    if (!left.empty()) {
      code = context.Fail(absl::StrCat(left.size(),
                                       " reservation(s) the run created could not be deleted; "
                                       "run 'portpool cleanup --journal ",
                                       journal_, "'"));
    }
    return code;
  }

  std::string file_;
  std::string output_ = "-";
  std::string backend_;
  uint64_t seed_ = 1;
  std::string sandbox_;
  std::string journal_ = "portpool-journal.txt";
  CLI::Option* seed_option_ = nullptr;
  CLI::Option* sandbox_option_ = nullptr;
  CLI::Option* journal_option_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> MakeRecordCommand() { return std::make_unique<RecordCommand>(); }

}  // namespace portpool::cli
