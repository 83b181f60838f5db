#include "portpool/traces/shrink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "portpool/rules.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/simulate.h"

namespace portpool::traces {
namespace {

Outcome Err(Error e) {
  Outcome o;
  o.error = e;
  return o;
}

using ::testing::HasSubstr;

std::vector<std::string> Ids(const Divergence& d) {
  std::vector<std::string> ids;
  for (const RuleCitation& c : d.rules) ids.push_back(c.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Trace Simulated(uint64_t seed, int calls, bool sockets = true) {
  SimulateOptions options;
  options.seed = seed;
  options.calls = calls;
  options.sockets = sockets;
  auto trace = Simulate(options);
  EXPECT_TRUE(trace.ok()) << trace.status();
  return *trace;
}

// The trace with step `at`'s answer replaced by one the model never allows.
Trace Mutated(Trace trace, size_t at) {
  trace.steps[at].outcome = Err(Error::kInvalidHandle);
  trace.steps[at].outcome_token_name.reset();
  return trace;
}

TEST(ShrinkTest, ALongDivergentTraceShrinksToAFewSteps) {
  const Trace original = Mutated(Simulated(3, 400), 300);
  const ReplayResult before = Replay(original);
  ASSERT_TRUE(before.diverges());

  auto shrunk = Shrink(original, {.source_name = "long.trace"});
  ASSERT_TRUE(shrunk.ok()) << shrunk.status();
  EXPECT_EQ(shrunk->original_steps, 400u);
  EXPECT_EQ(shrunk->shrunk_steps, shrunk->trace.steps.size());
  EXPECT_LE(shrunk->shrunk_steps, 4u);
  EXPECT_GE(shrunk->shrunk_steps, 1u);

  const ReplayResult after = Replay(shrunk->trace);
  ASSERT_TRUE(after.diverges());
  EXPECT_EQ(after.divergence->step, shrunk->trace.steps.size() - 1);
  EXPECT_EQ(Ids(*after.divergence), Ids(*before.divergence));
  EXPECT_EQ(shrunk->divergence.call, after.divergence->call);
  // The header is kept and the shrink is recorded.
  ASSERT_EQ(shrunk->trace.provenance.size(), 2u);
  EXPECT_EQ(shrunk->trace.provenance[0], original.provenance[0]);
  EXPECT_EQ(shrunk->trace.provenance[1], "shrunk from long.trace (400 steps)");
}

TEST(ShrinkTest, IsDeterministic) {
  const Trace original = Mutated(Simulated(11, 150), 120);
  auto first = Shrink(original);
  auto second = Shrink(original);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(first->trace.steps.size(), second->trace.steps.size());
  for (size_t i = 0; i < first->trace.steps.size(); ++i) {
    EXPECT_EQ(first->trace.steps[i].line, second->trace.steps[i].line);
    EXPECT_EQ(first->trace.steps[i].call, second->trace.steps[i].call);
  }
  EXPECT_EQ(first->replays, second->replays);
}

TEST(ShrinkTest, AHandWrittenOverlapKeepsItsRule) {
  // Filler around the fault: a second process and a reboot that do not matter.
  Trace trace;
  trace.provenance = {"hand-written"};
  auto add = [&](Call call, Outcome outcome, std::optional<std::string> token = {}) {
    Step step;
    step.call = std::move(call);
    step.outcome = std::move(outcome);
    step.outcome_token_name = std::move(token);
    step.line = static_cast<int>(trace.steps.size()) + 3;
    trace.steps.push_back(std::move(step));
  };
  Outcome p1, p2, token;
  p1.process = ProcessId{1};
  p2.process = ProcessId{2};
  token.token = 0;
  add(call::StartProcess{false}, p2);
  add(call::StartProcess{true}, p1);
  add(call::LookupPersistent{ProcessId{2}, Protocol::kUdp, {7000, 3}}, Err(Error::kNotFound));
  add(call::CreatePersistent{ProcessId{1}, Protocol::kTcp, {5000, 10}}, token, "$a");
  add(call::CreatePersistent{ProcessId{1}, Protocol::kUdp, {5000, 10}}, token, "$b");
  add(call::CreatePersistent{ProcessId{2}, Protocol::kTcp, {6000, 10}}, Err(Error::kAccessDenied));
  add(call::CreatePersistent{ProcessId{1}, Protocol::kTcp, {5009, 2}}, token, "$c");  // overlap
  add(call::Reboot{}, Outcome{});
  auto shrunk = Shrink(trace);
  ASSERT_TRUE(shrunk.ok()) << shrunk.status();
  ASSERT_EQ(shrunk->trace.steps.size(), 3u);
  EXPECT_EQ(shrunk->trace.steps[0].line, 4);
  EXPECT_EQ(shrunk->trace.steps[1].line, 6);
  EXPECT_EQ(shrunk->trace.steps[2].line, 9);
  EXPECT_THAT(Ids(shrunk->divergence), testing::Contains(std::string("P-CREATE-OVERLAP")));
  EXPECT_EQ(shrunk->trace.provenance.back(), "shrunk from a trace (8 steps)");
}

TEST(ShrinkTest, RefusesAConformingTrace) {
  auto shrunk = Shrink(Simulated(5, 50));
  ASSERT_FALSE(shrunk.ok());
  EXPECT_EQ(shrunk.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(shrunk.status().message(), HasSubstr("nothing to shrink"));
}

TEST(ShrinkTest, RefusesBadInput) {
  Trace trace;
  Step step;
  step.call = call::Reboot{};
  step.line = 2;
  trace.steps.push_back(step);
  step.call = call::EndProcess{ProcessId{1}};
  step.line = 3;
  trace.steps.push_back(step);
  auto shrunk = Shrink(trace);
  ASSERT_FALSE(shrunk.ok());
  EXPECT_EQ(shrunk.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(shrunk.status().message(), HasSubstr("line 3"));
}

RC_GTEST_PROP(ShrinkProperty, AMutatedSimulationShrinksSmallAndStillDiverges,
              (uint64_t seed, bool sockets)) {
  const int calls = *rc::gen::inRange(2, 160);
  const Trace simulated = Simulated(seed, calls, sockets);
  const size_t at = *rc::gen::inRange<size_t>(0, simulated.steps.size());
  const Trace original = Mutated(simulated, at);
  const ReplayResult before = Replay(original);
  RC_ASSERT(before.diverges());
  auto shrunk = Shrink(original);
  RC_ASSERT(shrunk.ok());
  // Only removal, no rewriting: an association and a bind through it may be
  // needed to reproduce the same rules, so a few steps more than a handful.
  RC_ASSERT(shrunk->trace.steps.size() <= std::min<size_t>(at + 1, 8));
  const ReplayResult after = Replay(shrunk->trace);
  RC_ASSERT(after.diverges());
  RC_ASSERT(Ids(*after.divergence) == Ids(*before.divergence));
  // The same step diverges: the last one kept is the mutated one.
  RC_ASSERT(after.divergence->step + 1 == shrunk->trace.steps.size());
  RC_ASSERT(shrunk->trace.steps.back().call == original.steps[at].call);
  RC_ASSERT(shrunk->trace.steps.back().outcome == original.steps[at].outcome);
}

RC_GTEST_PROP(ShrinkProperty, AChangedTokenShrinksToTheStepsItNeeds, (uint64_t seed)) {
  // A lookup or create answering with a token name of its own making.
  const Trace simulated = Simulated(seed, *rc::gen::inRange(20, 300));
  std::vector<size_t> tokens;
  for (size_t i = 0; i < simulated.steps.size(); ++i) {
    if (simulated.steps[i].outcome_token_name &&
        std::holds_alternative<call::LookupPersistent>(simulated.steps[i].call)) {
      tokens.push_back(i);
    }
  }
  RC_PRE(!tokens.empty());
  const size_t at = *rc::gen::elementOf(tokens);
  Trace original = simulated;
  original.steps[at].outcome_token_name = "$made_up";
  const ReplayResult before = Replay(original);
  // The first lookup after a reboot may return any new token, so the
  // made-up one may conform there, and a later lookup diverge instead.
  RC_PRE(before.diverges());
  auto shrunk = Shrink(original);
  RC_ASSERT(shrunk.ok());
  // After a reboot: create, reboot, start, socket, associate, bind and the
  // like may all be needed.
  RC_ASSERT(shrunk->trace.steps.size() <= 10u);
  RC_ASSERT(shrunk->trace.steps.back().call == original.steps[before.divergence->step].call);
}

}  // namespace
}  // namespace portpool::traces

namespace portpool::traces {
namespace {

// A later divergence gets a trace of its own: the run without the earlier
// divergent step still reaches it under the same rule (P-LOOKUP-TOKEN).
TEST(IsolateDivergenceTest, ALaterDivergenceReplaysOnItsOwn) {
  absl::StatusOr<Trace> trace = Parse(
      "portpool-trace 1\n"
      "start-process elevated -> NO_ERROR process=p1\n"
      "p1 create tcp 5000 4 -> ERROR_ACCESS_DENIED\n"
      "p1 create tcp 6000 4 -> NO_ERROR token=$a\n"
      "p1 lookup tcp 6000 4 -> ERROR_NOT_FOUND\n",
      "<test>");
  ASSERT_TRUE(trace.ok()) << trace.status();
  absl::StatusOr<Trace> own = IsolateDivergence(*trace, {1}, 3);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->steps.size(), 3u);
  const ReplayResult replay = Replay(*own);
  ASSERT_TRUE(replay.divergence);
  EXPECT_EQ(replay.divergence->step, 2u);
  EXPECT_THAT(Ids(*replay.divergence), ::testing::Contains(std::string(rules::kLookupToken)));
}

// A later divergence that needs an earlier divergent answer (the Lookup
// should find the block only because the Create that should have failed,
// P-CREATE-ELEVATION, was adopted) has no trace of its own.
TEST(IsolateDivergenceTest, ADivergenceThatNeedsAnEarlierOneHasNoTraceOfItsOwn) {
  absl::StatusOr<Trace> trace = Parse(
      "portpool-trace 1\n"
      "start-process normal -> NO_ERROR process=p1\n"
      "p1 create tcp 5000 4 -> NO_ERROR token=$a\n"
      "p1 lookup tcp 5000 4 -> ERROR_NOT_FOUND\n",
      "<test>");
  ASSERT_TRUE(trace.ok()) << trace.status();
  const ReplayResult whole = Replay(*trace, {.keep_going = true});
  ASSERT_TRUE(whole.divergence);
  ASSERT_EQ(whole.later_divergences.size(), 1u);
  absl::StatusOr<Trace> own = IsolateDivergence(*trace, {1}, 2);
  EXPECT_EQ(own.status().code(), absl::StatusCode::kFailedPrecondition) << own.status();
}

TEST(IsolateDivergenceTest, AStepThatDoesNotDivergeIsAnError) {
  absl::StatusOr<Trace> trace =
      Parse("portpool-trace 1\nstart-process elevated -> NO_ERROR process=p1\n", "<test>");
  ASSERT_TRUE(trace.ok());
  EXPECT_EQ(IsolateDivergence(*trace, {}, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(IsolateDivergence(*trace, {}, 5).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace portpool::traces
