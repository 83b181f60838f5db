// The steps' printed history is a trace that replays to the same verdict,
// so a failing state machine hands over something to replay and shrink.
#include "portpool/conformance/steps.h"

#include "gtest/gtest.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/replay.h"

namespace portpool::conformance {
namespace {

std::vector<StepSpec> Steps(uint64_t seed) {
  return rc::gen::container<std::vector<StepSpec>>(80, GenStep(Capabilities{}))(rc::Random(seed))
      .value();
}

TEST(StepsTest, AConformingRunPrintsAsATraceThatReplaysToConformance) {
  SimulatorBackend backend(3);
  Checker checker(backend, {.simulator_contract = true});
  auto divergence = RunSteps(Steps(3), checker);
  ASSERT_TRUE(divergence.ok()) << divergence.status();
  ASSERT_FALSE(divergence->has_value());
  auto trace = traces::Parse(HistoryAsTrace(checker, "simulator seed=3 state-machine"));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->steps.size(), checker.history().size());
  const traces::ReplayResult replay = traces::Replay(*trace);
  EXPECT_TRUE(replay.conforms) << (replay.error ? replay.error->message : "")
                               << (replay.divergence ? replay.divergence->call + " -> " +
                                                           replay.divergence->recorded +
                                                           " allowed " + replay.divergence->allowed
                                                     : "");
}

TEST(StepsTest, ADivergentRunPrintsAsATraceThatReplaysToADivergence) {
  // A simulator that forgets the overlap check at a block's low end.
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    SimulatorBackend backend(seed, MachineOptions{Mutant::kOverlapMissesLowEnd});
    Checker checker(backend, {.simulator_contract = true});
    auto divergence = RunSteps(Steps(seed), checker);
    ASSERT_TRUE(divergence.ok()) << divergence.status();
    if (!divergence->has_value()) continue;
    const std::string text = HistoryAsTrace(checker, "simulator seed=1 mutant");
    auto trace = traces::Parse(text);
    ASSERT_TRUE(trace.ok()) << trace.status() << "\n" << text;
    const traces::ReplayResult replay = traces::Replay(*trace);
    EXPECT_TRUE(replay.diverges()) << text;
    EXPECT_EQ(replay.steps_checked, checker.history().size()) << text;
    return;
  }
  FAIL() << "no seed made the mutant diverge";
}

}  // namespace
}  // namespace portpool::conformance
