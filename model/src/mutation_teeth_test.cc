// The property checks have teeth: the agreement between the Machine and the
// table oracle (testing/agreement.h) fails for every deliberate fault of the
// simulator (portpool/mutant.h) that shows at the call level, within a few
// hundred generated sequences. (kSurfaceHostOrder lives in ModelApi, below
// the calls; win32_surface_test.cc's BYTE-ORDER tests are what catch it.)
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "portpool/machine.h"
#include "portpool/mutant.h"
#include "rapidcheck.h"
#include "testing/agreement.h"
#include "testing/call_generators.h"

namespace portpool::testing {
namespace {

// The first disagreement over `tries` sequences sampled from fixed seeds,
// or "" if there is none.
std::string FirstDisagreement(Mutant mutant, uint64_t tries) {
  for (uint64_t i = 0; i < tries; ++i) {
    StepOptions options;
    options.crowded = i % 3 == 0;
    const std::vector<Step> steps = GenSteps(options)(rc::Random(i), /*size=*/60).value();
    MachineOptions machine_options;
    machine_options.mutant = mutant;
    std::string found = FindDisagreement(steps, /*seed=*/i, options, machine_options);
    if (!found.empty()) return found;
  }
  return "";
}

TEST(MutationTeeth, TheCorrectMachineAgreesWithTheOracleOnTheSameSequences) {
  EXPECT_EQ(FirstDisagreement(Mutant::kNone, 100), "");
}

TEST(MutationTeeth, TheOracleAgreementCatchesEveryCallLevelMutant) {
  for (Mutant mutant : AllMutants()) {
    if (mutant == Mutant::kSurfaceHostOrder) continue;
    EXPECT_NE(FirstDisagreement(mutant, 400), "")
        << "the agreement with the table oracle misses mutant " << MutantName(mutant);
  }
}

}  // namespace
}  // namespace portpool::testing
