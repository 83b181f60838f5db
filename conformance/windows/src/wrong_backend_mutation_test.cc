// The drivers a real Windows run uses, against wrong backends: each built-in
// mutant simulator (model/mutant.h) behind RecordTrace (`portpool record`)
// and behind the windowed, sandboxed state machine (windows_real_test.cc).
// A driver that never reports a divergence of a wrong backend would pass any
// Windows machine, so each must report the divergence of every mutant it can
// reach, and none of the correct simulator.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "portpool/conformance/checker.h"
#include "portpool/conformance/documented_cases.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/state_machine.h"
#include "portpool/conformance/windows/journal.h"
#include "portpool/conformance/windows/record_run.h"
#include "portpool/conformance/windows/sandbox.h"
#include "portpool/mutant.h"
#include "rapidcheck.h"

namespace portpool::conformance {
namespace {

const std::vector<DocumentedCase>& Cases() {
  static const auto* cases = [] {
    auto loaded = LoadDocumentedCases(std::string(PORTPOOL_SOURCE_DIR) + "/traces/regression");
    return new std::vector<DocumentedCase>(loaded.ok() ? *std::move(loaded)
                                                       : std::vector<DocumentedCase>{});
  }();
  return *cases;
}

// The first documented case whose recording on `mutant`'s simulator
// diverges (seeds 1 to 4), as "case: message"; "" if none does.
std::string RecordingDivergence(Mutant mutant) {
  for (const DocumentedCase& c : Cases()) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      SimulatorBackend backend(seed, MachineOptions{mutant});
      RecordOptions options;
      options.source = c.path;
      const RecordResult result = RecordTrace(c.trace, backend, options);
      EXPECT_NE(result.kind, RecordResult::Kind::kIncomplete) << c.path << ": " << result.message;
      if (result.kind == RecordResult::Kind::kDiverged) {
        return absl::StrCat(std::filesystem::path(c.path).filename().string(), ": ",
                            result.message.substr(0, 80));
      }
    }
  }
  return "";
}

TEST(WrongBackend, RecordTraceReportsTheDivergenceOfEveryMutantSimulator) {
  ASSERT_FALSE(Cases().empty());
  EXPECT_EQ(RecordingDivergence(Mutant::kNone), "");
  for (Mutant mutant : AllMutants()) {
    const std::string found = RecordingDivergence(mutant);
    std::printf("%-30s %s\n", std::string(MutantName(mutant)).c_str(),
                found.empty() ? "NOT REPORTED" : found.c_str());
    // No documented case looks up a token after a reboot and then uses the
    // old one: only the state machine reaches this mutant (mutants_mutation_test).
    if (mutant == Mutant::kTokensSurviveReboot) continue;
    EXPECT_NE(found, "") << "recording the corpus on " << MutantName(mutant)
                         << " reported no divergence";
  }
}

Journal& TemporaryJournal() {
  static Journal* const journal = [] {
    const std::string path =
        (std::filesystem::path(::testing::TempDir()) / "wrong_backend.journal").string();
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return new Journal(*Journal::Open(path));
  }();
  return *journal;
}

// Whether the windowed state machine (the sandbox of a real run, in the
// default window) reports a divergence of `mutant`'s simulator within 100
// sequences of a fixed seed, without shrinking.
bool WindowedStateMachineReports(Mutant mutant) {
  rc::detail::TestParams params;
  params.seed = 20261202;
  params.maxSuccess = 100;
  params.disableShrinking = true;
  const auto property = [mutant] {
    const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
    SimulatorBackend simulator(seed, MachineOptions{mutant});
    SandboxedBackend sandboxed(simulator, Sandbox(PortRange{20000, 256}), TemporaryJournal());
    Checker checker(sandboxed, {true});
    StateMachineRun run(checker, sandboxed.capabilities(), "windowed wrong backend");
    CheckStateMachine(run);
  };
  rc::detail::TestMetadata metadata;
  metadata.id = metadata.description = absl::StrCat("windowed ", MutantName(mutant));
  return rc::detail::checkTestable(property, metadata, params)
      .template is<rc::detail::FailureResult>();
}

TEST(WrongBackend, TheWindowedStateMachineReportsEveryMutantItCanReach) {
  EXPECT_FALSE(WindowedStateMachineReports(Mutant::kNone));
  // What this run does not reach, measured: a sandboxed run never reboots
  // (tokens-survive-reboot); its window 20000-20255 lies outside the
  // dynamic range, so no system-chosen port or block lands near a block of
  // the window (ephemeral-ignores-blocks, wildcard-outside-dynamic).
  // RecordTrace reports the last two. (release-any-process is reached since
  // the foreign-release scenario steps, conformance/scenarios.h.)
  const std::vector<Mutant> unreachable = {Mutant::kTokensSurviveReboot,
                                           Mutant::kEphemeralIgnoresBlocks,
                                           Mutant::kWildcardOutsideDynamic};
  for (Mutant mutant : AllMutants()) {
    const bool reported = WindowedStateMachineReports(mutant);
    std::printf("%-30s %s\n", std::string(MutantName(mutant)).c_str(),
                reported ? "reported" : "not reported");
    if (std::find(unreachable.begin(), unreachable.end(), mutant) != unreachable.end()) continue;
    EXPECT_TRUE(reported) << "the windowed state machine missed " << MutantName(mutant);
  }
}

}  // namespace
}  // namespace portpool::conformance
