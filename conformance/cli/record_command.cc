// `portpool record TRACE`: runs a trace's calls on a backend and writes the
// answers it gave as a new trace (conformance/windows/record_run.h). On
// Windows the backend is the real API, every process of the trace a worker
// process, inside a sandbox window with a journal; elsewhere it is the
// simulator, so that the command can be tried and tested anywhere.
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "args.h"
#include "commands.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/windows/journal.h"
#include "portpool/conformance/windows/real_machine.h"
#include "portpool/conformance/windows/record_run.h"
#include "portpool/conformance/windows/sandbox.h"
#include "portpool/conformance/windows/windows_backend.h"
#include "portpool/conformance/windows/worker_pool.h"
#include "portpool/traces/print.h"
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

struct Output {
  std::ostream& out;
  std::ostream& err;
  std::optional<std::string> path;
};

// Writes the recording and says how it went; returns the exit code.
int Finish(const conformance::RecordResult& result, const Output& o) {
  const std::string text = traces::Print(result.trace);
  if (o.path && *o.path != "-") {
    if (absl::Status written = WriteFile(*o.path, text); !written.ok()) {
      o.err << "portpool record: " << written.message() << "\n";
      return kExitBadInput;
    }
  } else {
    o.out << text;
  }
  const std::string where = o.path && *o.path != "-" ? *o.path : "standard output";
  switch (result.kind) {
    case conformance::RecordResult::Kind::kComplete:
      o.err << "portpool record: recorded " << result.steps_run << " steps to " << where
            << "; every answer conforms\n";
      return kExitOk;
    case conformance::RecordResult::Kind::kDiverged:
      o.err << "portpool record: recorded " << result.steps_run << " of " << result.steps_total
            << " steps to " << where << "; divergence at " << result.message << "\n";
      return kExitDivergence;
    case conformance::RecordResult::Kind::kIncomplete:
      break;
  }
  o.err << "portpool record: recorded only " << result.steps_run << " of " << result.steps_total
        << " steps to " << where << ": " << (result.not_runnable ? "not runnable here: " : "")
        << result.message << "\n";
  return result.not_runnable ? kExitNotRunnable : kExitBadInput;
}

// Runs `input` through a sandbox over `backend` with the journal at
// `journal_path`, deletes what the run left, and writes the recording.
int RecordSandboxed(const traces::Trace& input, conformance::Backend& backend,
                    const conformance::MachineSnapshot& snapshot,
                    const std::optional<std::string>& window_text, const std::string& journal_path,
                    std::vector<std::string> provenance, const std::string& source,
                    const Output& o) {
  conformance::SandboxOptions sandbox_options;
  if (window_text) {
    auto window = conformance::ParseWindow(*window_text);
    if (!window.ok()) {
      o.err << "portpool record: --sandbox " << *window_text << ": " << window.status().message()
            << "\n";
      return kExitBadInput;
    }
    sandbox_options.window = *window;
  }
  auto sandbox = conformance::Sandbox::Choose(snapshot, sandbox_options);
  if (!sandbox.ok()) {
    o.err << "portpool record: no sandbox window: " << sandbox.status().message() << "\n";
    return kExitBadInput;
  }
  auto moved =
      conformance::RelocatePorts(input, conformance::kTraceWindow, sandbox->window().start);
  if (!moved.ok()) {
    o.err << "portpool record: " << source << ": " << moved.status().message() << "\n";
    return kExitBadInput;
  }
  auto journal = conformance::Journal::Open(journal_path);
  if (!journal.ok()) {
    o.err << "portpool record: " << journal.status().message() << "\n";
    return kExitBadInput;
  }
  const std::string window = FormatRange(sandbox->window());
  provenance.back() += absl::StrCat(" sandbox=", window);
  if (sandbox->window().start != conformance::kTraceWindow.start) {
    provenance.push_back(absl::StrCat("ports ", FormatRange(conformance::kTraceWindow),
                                      " of the input moved to ", window));
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
  int code = Finish(result, o);
  if (!left.empty()) {
    o.err << "portpool record: " << left.size()
          << " reservation(s) the run created could not be deleted; run 'portpool cleanup "
             "--journal "
          << journal_path << "'\n";
    code = kExitBadInput;
  }
  return code;
}

}  // namespace

const char kRecordUsage[] =
    "usage: portpool record TRACE [-o OUT] [--backend windows|simulator] [--seed N]\n"
    "                       [--sandbox START-END] [--journal FILE]\n\n"
    "Runs the calls of TRACE (its recorded answers are ignored) on a backend,\n"
    "checks every answer against the model, and writes the calls with the\n"
    "answers this backend gave as a new trace, to OUT or standard output. The\n"
    "new trace keeps TRACE's comments; its provenance names the backend:\n"
    "'windows build=22631 elevated=yes sandbox=...' or 'simulator seed=N'.\n"
    "The probe traces (traces/probes/) are meant for it: on Windows their\n"
    "recorded answers settle the unknowns of docs/semantics.md.\n\n"
    "  -o, --output OUT      where to write the recorded trace\n"
    "  --backend NAME        windows: the real API (the default on Windows; an\n"
    "                        error elsewhere); simulator: the seeded model (the\n"
    "                        default elsewhere)\n"
    "  --seed N              the simulator's seed (default 1)\n"
    "  --sandbox START-END   the only ports the run may reserve or bind (also\n"
    "                        START+COUNT). It must be clear of every excluded\n"
    "                        range, bound port and dynamic range; the default\n"
    "                        is the first clear 256 ports from 20000 up. The\n"
    "                        trace's ports 20000-20255 are moved into it.\n"
    "  --journal FILE        every Create and Delete is written here first;\n"
    "                        'portpool cleanup --journal FILE' removes what a\n"
    "                        crashed run left (windows: default\n"
    "                        portpool-journal.txt). With the simulator, giving\n"
    "                        --journal or --sandbox runs it in the sandbox too.\n\n"
    "On Windows it needs an elevated administrator shell for the persistent\n"
    "calls; it reads the machine's reservations first and deletes what it\n"
    "created when it ends (docs/windows.md). With PORTPOOL_REQUIRE_REAL=1 (as CI\n"
    "sets it) a shell that is not elevated is an error (exit 2).\n\n"
    "exit: 0 recorded, every answer conforms; 1 recorded up to an answer the\n"
    "model does not allow; 2 bad usage or input, a call that could not run\n"
    "(unsupported on this system, a harness fault), or reservations left; 3\n"
    "recorded up to a call this backend or its sandbox cannot make (a reboot, a\n"
    "dynamic-range change, a port outside the window): not runnable here\n";

int RunRecord(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = Args::Parse(raw, {{"output", "o", true},
                                {"backend", "", true},
                                {"seed", "", true},
                                {"sandbox", "", true},
                                {"journal", "", true}});
  if (!args.ok()) {
    err << "portpool record: " << args.status().message() << "\n" << kRecordUsage;
    return kExitBadInput;
  }
  if (args->positional().size() != 1) {
    err << "portpool record: give exactly one trace file (got " << args->positional().size()
        << ")\n"
        << kRecordUsage;
    return kExitBadInput;
  }
  const std::string backend_name = args->Get("backend").value_or(kDefaultBackend);
  if (backend_name != "simulator" && backend_name != "windows") {
    err << "portpool record: --backend must be 'windows' or 'simulator', not '" << backend_name
        << "'\n";
    return kExitBadInput;
  }
  auto seed = args->GetNumber("seed", 1, 0, UINT64_MAX);
  if (!seed.ok()) {
    err << "portpool record: " << seed.status().message() << "\n";
    return kExitBadInput;
  }
  if (backend_name == "windows" && args->Has("seed")) {
    err << "portpool record: --seed is for the simulator backend\n";
    return kExitBadInput;
  }
  const std::string& file = args->positional()[0];
  auto input = LoadTrace(file);
  if (!input.ok()) {
    err << "portpool record: " << input.status().message() << "\n";
    return kExitBadInput;
  }
  const Output o{out, err, args->Get("output")};

  if (backend_name == "simulator") {
    conformance::SimulatorBackend simulator(*seed);
    if (args->Has("journal") || args->Has("sandbox")) {
      return RecordSandboxed(
          *input, simulator, conformance::MachineSnapshot{}, args->Get("sandbox"),
          args->Get("journal").value_or("portpool-journal.txt"), {simulator.Describe()}, file, o);
    }
    conformance::RecordOptions options;
    options.provenance = {simulator.Describe()};
    options.source = file;
    return Finish(conformance::RecordTrace(*input, simulator, options), o);
  }

#ifndef _WIN32
  err << "portpool record: --backend windows needs a build for Windows (this is not Windows); "
         "use --backend simulator\n";
  return kExitBadInput;
#else
  conformance::WindowsBackend windows;
  if (absl::Status available = windows.Available(); !available.ok()) {
    err << "portpool record: " << available.message() << "\n";
    return kExitBadInput;
  }
  // Unelevated, the persistent calls would only record ERROR_ACCESS_DENIED:
  // real answers, but not the ones a run that requires them is after.
  if (!windows.system().elevated && conformance::RealAnswersRequired()) {
    err << "portpool record: not an elevated administrator (" << windows.Provenance() << "), and "
        << conformance::kRequireRealVariable << " is set: run from an elevated shell\n";
    return kExitBadInput;
  }
  auto snapshot = conformance::ReadWindowsSnapshot();
  if (!snapshot.ok()) {
    err << "portpool record: cannot read the machine's reservations: "
        << snapshot.status().message() << "\n";
    return kExitBadInput;
  }
  // Every process of the trace in a worker process of its own: a second
  // process, an unelevated one and a process's end are real.
  absl::StatusOr<std::string> program = conformance::CurrentProgramPath();
  absl::StatusOr<std::unique_ptr<conformance::WorkerPoolBackend> > pool =
      program.ok()
          ? conformance::MakeWindowsWorkerPool(*program, windows.system())
          : absl::StatusOr<std::unique_ptr<conformance::WorkerPoolBackend> >(program.status());
  if (!pool.ok()) {
    err << "portpool record: cannot start worker processes: " << pool.status().message() << "\n";
    return kExitBadInput;
  }
  return RecordSandboxed(*input, **pool, *snapshot, args->Get("sandbox"),
                         args->Get("journal").value_or("portpool-journal.txt"),
                         {windows.Provenance()}, file, o);
#endif
}

}  // namespace portpool::cli
