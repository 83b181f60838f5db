// The differential run against the real Windows API (ctest label
// `windows-real`; built only for Windows). Every case of DifferentialCases()
// runs on a fresh WindowsBackend inside a SandboxedBackend, its answers
// checked against the model seeded with what the machine had before, its
// calls recorded as a trace. Then the regression corpus
// (traces/regression/*.trace): each trace's calls, moved into the sandbox
// window, run on the real API through the checker (record_run.h), and the
// recording lands in REPORT_DIR/corpus/. Last, the rapidcheck state machine
// (state_machine.h) runs random sequences kept to the sandbox window.
// docs/windows.md explains how to run it.
//
// Environment:
//   PORTPOOL_REPORT_DIR   where report.md and traces/*.trace go
//                         (default: windows-real-report in the working dir)
//   PORTPOOL_JOURNAL      the journal of creates and deletes
//                         (default: REPORT_DIR/journal.txt)
//   PORTPOOL_SANDBOX      the window, START-END or START+COUNT (default: the
//                         lowest clear 256-port window from 20000 up)
//   PORTPOOL_SANDBOX_FROM where the scan for a window starts (default 20000)
//   PORTPOOL_STATE_MACHINE_SEQUENCES  state-machine sequences (default 30)
//   PORTPOOL_STATE_MACHINE_STEPS      at most this many steps each (default 40)
//   PORTPOOL_REQUIRE_REAL  set (CI sets it): a test that could not ask the
//                          real API, or not as an elevated administrator,
//                          fails instead of skipping
//
// Every model process runs in a worker process of its own (the build's
// portpool program, `portpool worker --backend windows`; worker_pool.h), so
// the cases and sequences may start a second process, an unelevated one,
// and end processes.
//
// Without the API (Wine) every test skips: "unsupported on this system: ...";
// with PORTPOOL_REQUIRE_REAL set, every test fails with that reason.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "portpool/conformance/netsh_parse.h"
#include "portpool/conformance/state_machine.h"
#include "portpool/conformance/steps.h"
#include "portpool/conformance/windows/differential.h"
#include "portpool/conformance/windows/journal.h"
#include "portpool/conformance/windows/real_machine.h"
#include "portpool/conformance/windows/record_run.h"
#include "portpool/conformance/windows/sandbox.h"
#include "portpool/conformance/windows/windows_backend.h"
#include "portpool/conformance/windows/worker_pool.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "rapidcheck.h"
#include "testing/worker_program.h"

namespace portpool::conformance {
namespace {

std::optional<std::string> GetEnv(const char* name) { return EnvironmentVariable(name); }

// A reason to skip, or with PORTPOOL_REQUIRE_REAL set, to fail: a green run
// must mean real answers were checked.
#define PORTPOOL_SKIP_OR_FAIL(reason)                                       \
  do {                                                                      \
    if (RealAnswersRequired()) {                                            \
      FAIL() << kRequireRealVariable                                        \
             << " is set, and real answers were not checked: " << (reason); \
    }                                                                       \
    GTEST_SKIP() << (reason);                                               \
  } while (false)

// Every model process in a worker process: the build's portpool program.
std::unique_ptr<Backend> MakeBackend(const WindowsSystem& system) {
  absl::StatusOr<std::unique_ptr<WorkerPoolBackend>> pool =
      MakeWindowsWorkerPool(testing::WorkerProgram(), system);
  if (!pool.ok()) {
    ADD_FAILURE() << "cannot start worker processes: " << pool.status();
    return std::make_unique<WindowsBackend>();
  }
  return *std::move(pool);
}

// What every test of this process shares, set up once.
struct Shared {
  std::optional<std::string> skip;   // every test skips with this
  std::optional<std::string> error;  // every test fails with this
  std::string report_dir;
  std::optional<Journal> journal;
  DifferentialEnvironment environment;
  WindowsSystem system;
};

Shared& SharedSetUp() {
  static Shared* const shared = [] {
    auto* s = new Shared;
    s->report_dir = GetEnv("PORTPOOL_REPORT_DIR").value_or("windows-real-report");
    WindowsBackend probe;
    s->system = probe.system();
    if (absl::Status available = probe.Available(); !available.ok()) {
      s->skip = std::string(available.message());
      return s;
    }
    if (!probe.elevated()) {
      s->skip = absl::StrCat(
          "needs an elevated administrator (persistent reservations need one): run from an "
          "elevated shell; ",
          probe.Provenance());
      return s;
    }
    absl::StatusOr<MachineSnapshot> snapshot = ReadWindowsSnapshot();
    if (!snapshot.ok()) {
      s->error = absl::StrCat("cannot read what the machine has: ", snapshot.status().message());
      return s;
    }
    SandboxOptions options;
    if (std::optional<std::string> window = GetEnv("PORTPOOL_SANDBOX")) {
      absl::StatusOr<PortRange> range = ParseWindow(*window);
      if (!range.ok()) {
        s->error = absl::StrCat("PORTPOOL_SANDBOX: ", range.status().message());
        return s;
      }
      options.window = *range;
    }
    if (std::optional<std::string> from = GetEnv("PORTPOOL_SANDBOX_FROM")) {
      uint32_t value = 0;
      if (!absl::SimpleAtoi(*from, &value) || value == 0 || value > kMaxPort) {
        s->error = absl::StrCat("PORTPOOL_SANDBOX_FROM: '", *from, "' is not a port");
        return s;
      }
      options.scan_from = static_cast<uint16_t>(value);
    }
    absl::StatusOr<Sandbox> sandbox = Sandbox::Choose(*snapshot, options);
    if (!sandbox.ok()) {
      s->error = std::string(sandbox.status().message());
      return s;
    }
    const std::string journal_path =
        GetEnv("PORTPOOL_JOURNAL").value_or(s->report_dir + "/journal.txt");
    std::error_code ignored;
    std::filesystem::create_directories(s->report_dir, ignored);
    absl::StatusOr<Journal> journal = Journal::Open(journal_path);
    if (!journal.ok()) {
      s->error = std::string(journal.status().message());
      return s;
    }
    s->journal.emplace(*std::move(journal));
    s->environment.provenance = {probe.Provenance()};
    s->environment.snapshot = *std::move(snapshot);
    s->environment.sandbox = *sandbox;
    s->environment.journal = &*s->journal;
    (void)s->journal->Note(absl::StrCat(probe.Provenance(),
                                        " sandbox=", FormatRange(sandbox->window()),
                                        " machine: ", DescribeSnapshot(s->environment.snapshot)));
    return s;
  }();
  return *shared;
}

class WindowsReal : public ::testing::TestWithParam<size_t> {};

TEST_P(WindowsReal, Case) {
  Shared& shared = SharedSetUp();
  if (shared.skip) PORTPOOL_SKIP_OR_FAIL(*shared.skip);
  ASSERT_FALSE(shared.error) << *shared.error;
  const DifferentialCase& c = DifferentialCases()[GetParam()];
  RecordProperty("question", c.question);
  DifferentialResult result;
  {
    // Fresh per case: its workers, and their sockets, end with it.
    std::unique_ptr<Backend> backend = MakeBackend(shared.system);
    result = RunDifferentialCase(c, *backend, shared.environment);
  }
  if (absl::Status written = WriteCaseReport(shared.report_dir, c, result); !written.ok()) {
    ADD_FAILURE() << written.message();
  }
  std::string account;
  for (const std::string& line : result.lines) absl::StrAppend(&account, "  ", line, "\n");
  switch (result.kind) {
    case DifferentialResult::Kind::kConforms:
      std::cout << c.name << ": conforms (" << result.steps << " calls, " << result.refused
                << " refused by the sandbox)\n"
                << account;
      break;
    case DifferentialResult::Kind::kUnsupported:
      PORTPOOL_SKIP_OR_FAIL(result.message);
      return;
    case DifferentialResult::Kind::kNotRunnable:
      GTEST_SKIP() << "not runnable here: " << result.message;
    case DifferentialResult::Kind::kDiverged:
      FAIL() << c.name << " diverges from the model: " << result.message << "\n" << account;
    case DifferentialResult::Kind::kError:
      FAIL() << c.name << ": " << result.message << "\n" << account;
  }
}

std::vector<size_t> CaseIndexes() {
  std::vector<size_t> indexes;
  for (size_t i = 0; i < DifferentialCases().size(); ++i) indexes.push_back(i);
  return indexes;
}

INSTANTIATE_TEST_SUITE_P(Cases, WindowsReal, ::testing::ValuesIn(CaseIndexes()),
                         [](const ::testing::TestParamInfo<size_t>& p) {
                           std::string name = DifferentialCases()[p.param].name;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

// --- The regression corpus on the real API -----------------------------------------

constexpr const char* kNoCorpus = "no_corpus";

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  std::error_code error;
  const std::filesystem::path dir =
      std::filesystem::path(PORTPOOL_SOURCE_DIR) / "traces" / "regression";
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".trace") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  // One test that says so, rather than none (gtest would fail without a word).
  if (files.empty()) files.push_back(kNoCorpus);
  return files;
}

class WindowsRealCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(WindowsRealCorpus, Trace) {
  Shared& shared = SharedSetUp();
  if (shared.skip) PORTPOOL_SKIP_OR_FAIL(*shared.skip);
  ASSERT_FALSE(shared.error) << *shared.error;
  const std::string& file = GetParam();
  ASSERT_NE(file, kNoCorpus) << "no traces in " << PORTPOOL_SOURCE_DIR << "/traces/regression";
  absl::StatusOr<traces::Trace> trace = traces::ParseFile(file);
  ASSERT_TRUE(trace.ok()) << trace.status().message();

  // The trace's ports, moved as one block into the window.
  const PortRange window = shared.environment.sandbox.window();
  traces::Trace input = *trace;
  if (const std::optional<PortRange> span = SpecificPortSpan(*trace)) {
    if (span->count > window.count) {
      GTEST_SKIP() << "not runnable here: its ports span " << FormatRange(*span)
                   << ", wider than the sandbox window " << FormatRange(window);
    }
    absl::StatusOr<traces::Trace> moved = RelocatePorts(*trace, *span, window.start);
    ASSERT_TRUE(moved.ok()) << moved.status().message();
    input = *std::move(moved);
  }
  RecordResult result;
  std::vector<PendingReservation> left;
  {
    std::unique_ptr<Backend> backend = MakeBackend(shared.system);  // fresh per trace
    SandboxedBackend sandboxed(*backend, shared.environment.sandbox, *shared.journal,
                               shared.environment.snapshot);
    RecordOptions options;
    options.provenance = {absl::StrCat(backend->Describe(), " sandbox=", FormatRange(window))};
    options.source = std::filesystem::path(file).filename().string();
    options.snapshot = shared.environment.snapshot;
    result = RecordTrace(input, sandboxed, options);
    left = CleanUpRecording(sandboxed, result);
  }
  const std::filesystem::path out = std::filesystem::path(shared.report_dir) / "corpus";
  std::error_code ignored;
  std::filesystem::create_directories(out, ignored);
  {
    std::ofstream recorded(out / std::filesystem::path(file).filename(),
                           std::ios::binary | std::ios::trunc);
    recorded << traces::Print(result.trace);
  }
  EXPECT_TRUE(left.empty()) << left.size()
                            << " reservation(s) could not be deleted: run portpool cleanup";
  switch (result.kind) {
    case RecordResult::Kind::kComplete:
      std::cout << file << ": conforms (" << result.steps_run << " calls)\n";
      return;
    case RecordResult::Kind::kDiverged:
      FAIL() << file << " diverges on this machine: " << result.message << "\n"
             << traces::Print(result.trace);
    case RecordResult::Kind::kIncomplete:
      break;
  }
  // What the backend or the sandbox cannot do (a reboot, a second or an
  // unelevated process, a token the run did not obtain) is a skip; any other
  // stop is the harness's fault.
  if (const size_t at = result.message.find(std::string(kUnsupportedOnThisSystem));
      at != std::string::npos) {
    PORTPOOL_SKIP_OR_FAIL(result.message.substr(at));
  }
  if (result.not_runnable) {
    GTEST_SKIP() << "not runnable here: " << result.message;
  }
  FAIL() << file << ": " << result.message;
}

INSTANTIATE_TEST_SUITE_P(Regression, WindowsRealCorpus, ::testing::ValuesIn(CorpusFiles()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string name = std::filesystem::path(p.param).stem().string();
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

// --- The state machine on the real API ---------------------------------------------
//
// The rapidcheck state machine of state_machine_property_test.cc (the same
// runner, state_machine.h) on the real API inside the sandbox: the sandbox's
// capabilities carry its window, so every port and block a step names lies
// inside it (steps.h); each sequence starts from a model seeded with what the
// machine has, on a fresh backend, and what it created is deleted when it
// ends, failed or not. A call the sandbox still refuses is not run, and is
// reported as skipped, never as a pass.

// A positive count from the environment, or `fallback`; why not in `error`.
int EnvCount(const char* name, int fallback, std::string* error) {
  const std::optional<std::string> text = GetEnv(name);
  if (!text) return fallback;
  int value = 0;
  if (!absl::SimpleAtoi(*text, &value) || value < 1) {
    absl::StrAppend(error, name, ": '", *text, "' is not a positive count; ");
    return fallback;
  }
  return value;
}

// What the sequences of one property run add up to.
struct StateMachineTally {
  int sequences = 0;
  int calls = 0;
  std::vector<std::string> refused;
  std::optional<std::string> unsupported;
  std::vector<std::string> left;  // what a sequence could not delete
  std::string failing_trace;      // the last failing sequence (shrunk)
};

// One sequence: a fresh backend (its sockets close with it), the sandbox,
// the checker over it seeded with what the machine had.
class RealSequence {
 public:
  RealSequence(Shared& shared, StateMachineTally& tally)
      : tally_(tally),
        backend_(MakeBackend(shared.system)),
        sandboxed_(*backend_, shared.environment.sandbox, *shared.journal,
                   shared.environment.snapshot),
        checker_(sandboxed_),
        run_(checker_, sandboxed_.capabilities(),
             absl::StrCat(backend_->Describe(), " sandbox=",
                          FormatRange(shared.environment.sandbox.window()), " state-machine")) {
    seeded_ = SeedModel(shared.environment.snapshot, checker_.mutable_model());
  }
  RealSequence(const RealSequence&) = delete;
  RealSequence& operator=(const RealSequence&) = delete;
  // Persistent reservations outlive the process: delete them now, whether
  // the sequence passed or a divergence is unwinding it.
  // As an elevated process started for it: the sequence's own may have
  // ended, or be unelevated.
  ~RealSequence() {
    for (const PendingReservation& r : sandboxed_.CleanUp()) {
      tally_.left.push_back(absl::StrCat(ProtocolName(r.protocol), " ", FormatRange(r.block)));
    }
  }

  const absl::Status& seeded() const { return seeded_; }
  StateMachineRun& run() { return run_; }
  const Checker& checker() const { return checker_; }

 private:
  StateMachineTally& tally_;
  std::unique_ptr<Backend> backend_;
  SandboxedBackend sandboxed_;
  Checker checker_;
  StateMachineRun run_;
  absl::Status seeded_;
};

TEST(WindowsRealStateMachine, SequencesConformToTheModel) {
  Shared& shared = SharedSetUp();
  if (shared.skip) PORTPOOL_SKIP_OR_FAIL(*shared.skip);
  ASSERT_FALSE(shared.error) << *shared.error;
  std::string error;
  const int sequences = EnvCount("PORTPOOL_STATE_MACHINE_SEQUENCES", 30, &error);
  const int steps = EnvCount("PORTPOOL_STATE_MACHINE_STEPS", 40, &error);
  ASSERT_TRUE(error.empty()) << error;

  // The seed comes from RC_PARAMS as usual; the count and length are ours,
  // kept modest because every call reaches the real API.
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = sequences;
  // rapidcheck's command sequences have at most size + 1 commands.
  params.maxSize = steps - 1;
  rc::detail::TestMetadata metadata;
  metadata.id = "WindowsRealStateMachine/SequencesConformToTheModel";
  metadata.description = "SequencesConformToTheModel";
  StateMachineTally tally;
  const auto property = [&shared, &tally] {
    RealSequence sequence(shared, tally);
    if (!sequence.seeded().ok()) {
      RC_FAIL(absl::StrCat("cannot seed the model with what the machine has: ",
                           sequence.seeded().message()));
    }
    try {
      CheckStateMachine(sequence.run());
    } catch (...) {
      tally.failing_trace = HistoryAsTrace(sequence.checker(), sequence.run().provenance);
      throw;
    }
    ++tally.sequences;
    tally.calls += static_cast<int>(sequence.checker().history().size());
    for (const std::string& refused : sequence.run().refused) tally.refused.push_back(refused);
    if (sequence.run().unsupported) tally.unsupported = sequence.run().unsupported;
  };
  const rc::detail::TestResult result = rc::detail::checkTestable(property, metadata, params);

  EXPECT_TRUE(tally.left.empty()) << tally.left.size()
                                  << " reservation(s) could not be deleted (run portpool "
                                     "cleanup): "
                                  << absl::StrJoin(tally.left, ", ");
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream message;
    rc::detail::printResultMessage(result, message);
    if (!tally.failing_trace.empty()) {
      const std::filesystem::path out =
          std::filesystem::path(shared.report_dir) / "state-machine-divergence.trace";
      std::ofstream(out, std::ios::binary | std::ios::trunc) << tally.failing_trace;
      message << "\nthe shrunk sequence as a trace (also in " << out.string() << "):\n"
              << tally.failing_trace;
    }
    FAIL() << message.str();
  }
  if (tally.unsupported) PORTPOOL_SKIP_OR_FAIL(*tally.unsupported);
  RecordProperty("sequences", tally.sequences);
  RecordProperty("calls", tally.calls);
  RecordProperty("refused", static_cast<int>(tally.refused.size()));
  std::cout << "state machine: " << tally.sequences << " sequences of at most " << steps
            << " steps, " << tally.calls << " calls checked in the sandbox window "
            << FormatRange(shared.environment.sandbox.window()) << "\n";
  // Not run, so neither passed nor failed: skipped, and said so.
  if (!tally.refused.empty()) {
    std::cout << tally.refused.size() << " call(s) skipped (refused by the sandbox, not run):\n";
    for (const std::string& refused : tally.refused) std::cout << "  " << refused << "\n";
  }
}

}  // namespace
}  // namespace portpool::conformance
