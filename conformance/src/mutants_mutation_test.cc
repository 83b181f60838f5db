// The mutation test: every deliberately broken simulator (model/mutant.h)
// must be caught by the suite — the documented cases or the state machine —
// checked by the correct model. A mutant that survives means a check has no
// teeth; add a case or a property that catches it, and for every bug the
// suite is found to miss, add a mutant here.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "portpool/conformance/documented_cases.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/steps.h"
#include "portpool/mutant.h"

namespace portpool::conformance {
namespace {

constexpr int kSequences = 400;
constexpr int kSequenceLength = 80;

// Which part of the suite caught a mutant first, and where.
std::string CaughtByDocumentedCases(Mutant mutant, const std::vector<DocumentedCase>& cases) {
  for (const DocumentedCase& c : cases) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      SimulatorBackend backend(seed, MachineOptions{mutant});
      RuleCoverage coverage;
      auto result = RunDocumentedCase(c, backend, {.simulator_contract = true}, coverage);
      if (!result.ok()) return absl::StrCat("documented case ", c.path, " (harness error)");
      if (result->run.divergence) {
        const CheckedCall& step = result->run.steps[*result->run.divergence];
        return absl::StrCat("documented case ", c.rule, " (", DescribeCall(step.call), ")");
      }
    }
  }
  return "";
}

// Whether the state machine's sequence of `seed` catches `mutant`: "" if
// not, else where (or the harness error).
std::string CaughtBySeed(Mutant mutant, uint64_t seed) {
  const std::vector<StepSpec> steps =
      rc::gen::container<std::vector<StepSpec>>(kSequenceLength, GenStep(Capabilities{}))(
          rc::Random(seed), 50)
          .value();
  SimulatorBackend backend(seed, MachineOptions{mutant});
  Checker checker(backend, {.simulator_contract = true});
  auto divergence = RunSteps(steps, checker);
  if (!divergence.ok()) return absl::StrCat("state machine seed ", seed, " (harness error)");
  if (!divergence->has_value()) return "";
  return absl::StrCat("state machine seed ", seed, " after ", checker.history().size(), " calls (",
                      (*divergence)->verdict.explanation.substr(0, 60), "...)");
}

std::string CaughtByStateMachine(Mutant mutant) {
  for (uint64_t seed = 1; seed <= kSequences; ++seed) {
    if (std::string where = CaughtBySeed(mutant, seed); !where.empty()) return where;
  }
  return "";
}

TEST(MutationTest, EveryMutantIsCaughtBySomePartOfTheSuite) {
  auto cases = LoadDocumentedCases(std::string(PORTPOOL_SOURCE_DIR) + "/traces/regression");
  ASSERT_TRUE(cases.ok()) << cases.status();
  std::printf("%-30s %-20s %s\n", "mutant", "caught by", "where");
  int survivors = 0;
  for (Mutant mutant : AllMutants()) {
    const std::string by_cases = CaughtByDocumentedCases(mutant, *cases);
    const std::string by_state_machine = CaughtByStateMachine(mutant);
    std::printf("%-30s %-20s %s\n", std::string(MutantName(mutant)).c_str(),
                by_cases.empty() && by_state_machine.empty() ? "SURVIVED"
                : by_cases.empty()                           ? "state machine"
                : by_state_machine.empty()                   ? "documented cases"
                                                             : "both",
                (by_cases.empty() ? by_state_machine : by_cases).c_str());
    if (by_cases.empty() && by_state_machine.empty()) {
      ++survivors;
      ADD_FAILURE() << "mutant " << MutantName(mutant) << " survived the suite";
    }
  }
  EXPECT_EQ(survivors, 0);
}

// How many of the state machine's seeds catch each mutant: a mutant caught
// by a few seeds only is caught by luck. The scenario steps
// (scenarios.h) build the rare states each mutant needs, so every mutant
// must be caught by at least half of the seeds. The sequences are fixed
// (seeds 1 to 100), so the counts are exact: each must also stay at or
// above the count last measured (docs/mutation.md section 5), and the table
// is printed for the record.
TEST(MutationTest, EachMutantIsCaughtByMostStateMachineSeeds) {
  constexpr int kSeeds = 100;
  // Measured with these generators; raise a floor when a generator improves.
  const std::vector<std::pair<Mutant, int>> floors = {
      {Mutant::kOverlapMissesLowEnd, 68},     {Mutant::kOverlapMissesHighEnd, 73},
      {Mutant::kLookupFindsSubRange, 58},     {Mutant::kDeleteFindsSubRange, 64},
      {Mutant::kTokensSurviveReboot, 83},     {Mutant::kZeroToken, 100},
      {Mutant::kEphemeralIgnoresBlocks, 59},  {Mutant::kSurfaceHostOrder, 100},
      {Mutant::kCloseKeepsBlocks, 56},        {Mutant::kAccessAndInUseSwapped, 87},
      {Mutant::kCreateIgnoresBoundPorts, 59}, {Mutant::kReleaseAnyProcess, 56},
      {Mutant::kWildcardOutsideDynamic, 77},  {Mutant::kAssociateWithoutElevation, 65}};
  ASSERT_EQ(floors.size(), AllMutants().size()) << "a mutant without a floor";
  std::printf("%-30s %s\n", "mutant", "seeds that catch it");
  for (const auto& [mutant, floor] : floors) {
    int caught = 0;
    for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
      const std::string where = CaughtBySeed(mutant, seed);
      ASSERT_EQ(where.find("harness error"), std::string::npos) << where;
      if (!where.empty()) ++caught;
    }
    std::printf("%-30s %3d of %d\n", std::string(MutantName(mutant)).c_str(), caught, kSeeds);
    EXPECT_GE(caught, floor) << MutantName(mutant) << " is caught by fewer seeds than before";
    EXPECT_GE(2 * caught, kSeeds) << MutantName(mutant)
                                  << " is caught by fewer than half the seeds";
  }
}

TEST(MutationTest, TheCorrectSimulatorIsNotFlagged) {
  auto cases = LoadDocumentedCases(std::string(PORTPOOL_SOURCE_DIR) + "/traces/regression");
  ASSERT_TRUE(cases.ok()) << cases.status();
  EXPECT_EQ(CaughtByDocumentedCases(Mutant::kNone, *cases), "");
  EXPECT_EQ(CaughtByStateMachine(Mutant::kNone), "");
}

}  // namespace
}  // namespace portpool::conformance
