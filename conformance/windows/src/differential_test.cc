// The differential run's cases, on the simulator: every case runs to the end
// and conforms (or is marked not runnable), nothing is left in the journal,
// the traces are valid and replay, and a mutant simulator is caught. This is
// what makes the Windows run (windows_real_tests) trustworthy before it ever
// meets Windows.
#include "portpool/conformance/windows/differential.h"

#include <filesystem>
#include <set>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/windows/windows_backend.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"
#include "testing/scratch_files.h"

namespace portpool::conformance {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A backend that answers every API call "unsupported", as WindowsBackend does
// under Wine.
class UnsupportedBackend final : public Backend {
 public:
  std::string Describe() const override { return "unsupported"; }
  Capabilities capabilities() const override { return Capabilities{}; }
  absl::StatusOr<Outcome> Run(const Call& call) override {
    if (std::holds_alternative<call::StartProcess>(call)) {
      Outcome o;
      o.process = ProcessId{1};
      return o;
    }
    return absl::UnimplementedError(absl::StrCat(kUnsupportedOnThisSystem,
                                                 ": iphlpapi.dll does not export "
                                                 "CreatePersistentTcpPortReservation"));
  }
};

TEST(DifferentialCases, NamesAreUniqueAndEveryUnknownHasAProbe) {
  std::set<std::string> names;
  std::set<std::string> probes;
  for (const DifferentialCase& c : DifferentialCases()) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
    EXPECT_FALSE(c.question.empty()) << c.name;
    if (absl::StartsWith(c.name, "probe-")) {
      probes.insert(c.name.substr(6, c.name.find('-', 6) - 6));
    } else {
      EXPECT_TRUE(absl::StartsWith(c.name, "doc-")) << c.name;
    }
  }
  // The unknowns of docs/semantics.md section 4 (U8 is probed with U7, M5
  // with U1).
  EXPECT_EQ(probes, (std::set<std::string>{"U1",  "U2",  "U3",  "U4",  "U5",  "U6",  "U7", "U9",
                                           "U10", "U11", "U12", "U13", "U14", "U15", "C1", "C2",
                                           "C3",  "M1",  "M2",  "M3",  "M4",  "M6",  "M7"}));
  EXPECT_GE(names.size(), 25u);
}

class OnTheSimulator : public ::testing::TestWithParam<uint64_t> {};

TEST_P(OnTheSimulator, EveryCaseConformsAndCleansUp) {
  const auto dir = testing::ScratchDir("differential-test");
  const std::string journal_path = (dir / "journal.txt").string();
  auto journal = Journal::Open(journal_path);
  ASSERT_TRUE(journal.ok());
  DifferentialEnvironment environment;
  environment.provenance = {"simulator test"};
  environment.journal = &*journal;
  int runnable = 0;
  for (const DifferentialCase& c : DifferentialCases()) {
    SimulatorBackend backend(GetParam());
    const DifferentialResult result = RunDifferentialCase(c, backend, environment);
    std::string account;
    for (const std::string& line : result.lines) account += "  " + line + "\n";
    // The simulator starts any process: every probe runs in full but the two
    // that need a machine changed from outside the run.
    if (result.kind == DifferentialResult::Kind::kNotRunnable) {
      EXPECT_TRUE(c.name == "probe-U2-acquire-exhausted" || c.name == "probe-U14-active-store")
          << c.name;
      continue;
    }
    ++runnable;
    EXPECT_THAT(result.lines, ::testing::Not(::testing::Contains(HasSubstr("not runnable here"))))
        << c.name;
    ASSERT_EQ(result.kind, DifferentialResult::Kind::kConforms)
        << c.name << ": " << result.message << "\n"
        << account;
    EXPECT_GT(result.steps, 1) << c.name;
    // Only the probes that reach past 65535 have calls the sandbox refuses.
    if (c.name == "probe-U5-past-max") {
      EXPECT_EQ(result.refused, 2) << account;
    } else if (c.name == "probe-U3-acquire-codes") {
      EXPECT_EQ(result.refused, 1) << account;
    } else {
      EXPECT_EQ(result.refused, 0) << c.name << "\n" << account;
    }
    // The trace is valid text, and replays as conforming (the simulator
    // started empty, as the replay does).
    ASSERT_TRUE(traces::ValidateTrace(result.trace).ok()) << c.name;
    auto parsed = traces::Parse(traces::Print(result.trace));
    ASSERT_TRUE(parsed.ok()) << c.name << ": " << parsed.status();
    const traces::ReplayResult replay = traces::Replay(*parsed);
    EXPECT_TRUE(replay.conforms) << c.name << "\n" << traces::Print(result.trace);
    EXPECT_THAT(result.trace.provenance,
                ::testing::ElementsAre("simulator test", "sandbox=20000-20255", "case=" + c.name));
    ASSERT_TRUE(WriteCaseReport(dir.string(), c, result).ok());
  }
  EXPECT_GE(runnable, 25);
  // Every case deleted what it created.
  auto pending = ReadPendingReservations(journal_path);
  ASSERT_TRUE(pending.ok());
  EXPECT_THAT(*pending, IsEmpty());
  // The report has a section per case and the traces are there.
  const std::string report = testing::ReadWholeFile(dir / "report.md");
  EXPECT_THAT(report, HasSubstr("## doc-create-lookup-delete: CONFORMS"));
  EXPECT_THAT(report, HasSubstr("## probe-U1-associated-bind-failures: CONFORMS"));
  EXPECT_TRUE(std::filesystem::exists(dir / "traces" / "probe-U4-bad-tokens.trace"));
}

INSTANTIATE_TEST_SUITE_P(Seeds, OnTheSimulator, ::testing::Values(1, 2, 3, 42, 1234567));

// The simulator as the in-process Windows backend is: one elevated process.
class OneProcessSimulator final : public Backend {
 public:
  std::string Describe() const override { return "one process"; }
  Capabilities capabilities() const override {
    Capabilities caps;
    caps.several_processes = caps.unelevated_process = caps.end_process = false;
    return caps;
  }
  absl::StatusOr<Outcome> Run(const Call& call) override { return inner_.Run(call); }

 private:
  SimulatorBackend inner_{9};
};

TEST(Differential, WithOneProcessTheSecondProcessProbesAreNotRunnable) {
  const auto dir = testing::ScratchDir("differential-test");
  auto journal = Journal::Open((dir / "journal.txt").string());
  ASSERT_TRUE(journal.ok());
  DifferentialEnvironment environment;
  environment.journal = &*journal;
  std::set<std::string> not_runnable;
  std::set<std::string> partial;
  for (const DifferentialCase& c : DifferentialCases()) {
    OneProcessSimulator backend;
    const DifferentialResult result = RunDifferentialCase(c, backend, environment);
    if (result.kind == DifferentialResult::Kind::kNotRunnable) {
      not_runnable.insert(c.name);
      continue;
    }
    EXPECT_EQ(result.kind, DifferentialResult::Kind::kConforms) << c.name << ": " << result.message;
    for (const std::string& line : result.lines) {
      if (absl::StrContains(line, "not runnable here")) partial.insert(c.name);
    }
  }
  EXPECT_EQ(not_runnable,
            (std::set<std::string>{"probe-U10-lookup-elevation", "probe-U12-runtime-families",
                                   "probe-U2-acquire-exhausted", "probe-U14-active-store"}));
  EXPECT_EQ(partial,
            (std::set<std::string>{"probe-M2-error-order", "probe-U7-delete-in-use",
                                   "probe-U4-bad-tokens", "probe-C1-bind-into-persistent"}));
}

TEST(Differential, AMutantSimulatorIsCaught) {
  const auto dir = testing::ScratchDir("differential-test");
  auto journal = Journal::Open((dir / "journal.txt").string());
  ASSERT_TRUE(journal.ok());
  DifferentialEnvironment environment;
  environment.journal = &*journal;
  const struct {
    Mutant mutant;
    const char* case_name;
  } expected[] = {
      {Mutant::kOverlapMissesHighEnd, "doc-create-overlap"},
      {Mutant::kLookupFindsSubRange, "doc-exact-match"},
      {Mutant::kCreateIgnoresBoundPorts, "doc-create-over-bound-port"},
      {Mutant::kCloseKeepsBlocks, "doc-create-over-runtime-block"},
      {Mutant::kSurfaceHostOrder, "doc-associate-persistent"},
  };
  for (const auto& e : expected) {
    const DifferentialCase* found = nullptr;
    for (const DifferentialCase& c : DifferentialCases()) {
      if (c.name == e.case_name) found = &c;
    }
    ASSERT_NE(found, nullptr) << e.case_name;
    SimulatorBackend backend(5, MachineOptions{e.mutant});
    const DifferentialResult result = RunDifferentialCase(*found, backend, environment);
    EXPECT_EQ(result.kind, DifferentialResult::Kind::kDiverged)
        << MutantName(e.mutant) << " on " << e.case_name << ": " << result.message;
  }
}

TEST(Differential, AnUnsupportedBackendStopsTheCase) {
  const auto dir = testing::ScratchDir("differential-test");
  auto journal = Journal::Open((dir / "journal.txt").string());
  ASSERT_TRUE(journal.ok());
  DifferentialEnvironment environment;
  environment.journal = &*journal;
  UnsupportedBackend backend;
  const DifferentialResult result =
      RunDifferentialCase(DifferentialCases().front(), backend, environment);
  EXPECT_EQ(result.kind, DifferentialResult::Kind::kUnsupported);
  EXPECT_TRUE(absl::StartsWith(result.message, "unsupported on this system: ")) << result.message;
  EXPECT_EQ(result.steps, 1);  // the process start only
  // The create that got no answer stays in the journal for cleanup.
  auto pending = ReadPendingReservations((dir / "journal.txt").string());
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].why, "create not answered");
}

}  // namespace
}  // namespace portpool::conformance
