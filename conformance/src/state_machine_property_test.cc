// rapidcheck state-machine tests: random call sequences against the
// simulator backend, every answer checked by the checker against the model.
// A failure shrinks to a minimal sequence and prints it, with the RC_PARAMS
// line that reproduces it (rapidcheck prints that line itself).
#include <chrono>
#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "portpool/conformance/checker.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/state_machine.h"
#include "portpool/conformance/steps.h"
#include "rapidcheck/gtest.h"
#include "testing/agreement.h"

namespace portpool::conformance {
namespace {

// The runner is shared with the real-API run (state_machine.h). The
// simulator and the checker share the model's rules, so the table oracle
// judges every answer too: a bug in a rule is wrong on both sides of the
// checker, never on both judges.
RC_GTEST_PROP(StateMachine, SimulatorAnswersConformToTheModel, ()) {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  SimulatorBackend backend(seed);
  Checker checker(backend, {true});
  StateMachineRun run(checker, Capabilities{},
                      "simulator seed=" + std::to_string(seed) + " state-machine");
  testing::SecondJudge oracle;
  run.second_judge = StateMachineRun::SecondJudge{
      [&oracle](const Machine& model, const Call& call) { return oracle.Before(model, call); },
      [&oracle](const Call& call, const Outcome& outcome) { return oracle.After(call, outcome); }};
  CheckStateMachine(run);
  RC_TAG(oracle.judged() > 0 ? "the oracle judged" : "the oracle stood aside throughout");
  RC_ASSERT(run.refused.empty());
  RC_ASSERT(!run.unsupported);
}

// Sequences as a backend without reboots, process ends or dynamic-range
// changes would be run (real Windows): the generator must leave them out.
RC_GTEST_PROP(StateMachine, RestrictedCapabilitiesAreRespected, ()) {
  Capabilities windows_like;
  windows_like.reboot = false;
  windows_like.end_process = false;
  windows_like.set_dynamic_range = false;
  windows_like.unelevated_process = false;
  const std::vector<StepSpec> steps =
      *rc::gen::container<std::vector<StepSpec>>(40, GenStep(windows_like));
  LiveState live;
  SimulatorBackend backend(*rc::gen::arbitrary<uint64_t>());
  Checker checker(backend, {true});
  for (const StepSpec& spec : steps) {
    std::optional<Call> call = Resolve(spec, live);
    if (!call) continue;
    RC_ASSERT(Supports(windows_like, *call));
    auto checked = checker.Step(*call);
    RC_ASSERT(checked.ok());
    RC_ASSERT(checked->verdict.conforms);
    live.Observe(*checked);
  }
}

// Not a timed test: it checks conformance of a fixed batch and reports the
// throughput it saw, for the record.
TEST(StateMachine, ThroughputOfAFixedBatchIsReported) {
  constexpr int kSequences = 300;
  constexpr int kLength = 60;
  int64_t calls = 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t seed = 1; seed <= kSequences; ++seed) {
    const std::vector<StepSpec> steps = rc::gen::container<std::vector<StepSpec>>(
                                            kLength, GenStep(Capabilities{}))(rc::Random(seed), 50)
                                            .value();
    SimulatorBackend backend(seed);
    Checker checker(backend, {true});
    auto divergence = RunSteps(steps, checker);
    ASSERT_TRUE(divergence.ok()) << divergence.status();
    ASSERT_FALSE(divergence->has_value()) << FormatHistory(checker);
    calls += static_cast<int64_t>(checker.history().size());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "state machine: %d sequences, %lld calls checked in %.2f s: %.0f sequences/s, "
      "%.0f calls/s\n",
      kSequences, static_cast<long long>(calls), seconds, kSequences / seconds,
      static_cast<double>(calls) / seconds);
}

}  // namespace
}  // namespace portpool::conformance
