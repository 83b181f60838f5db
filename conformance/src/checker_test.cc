// The checker's two answers to a divergence: reading a fresh listing for
// reservations the environment made (ENV-*), and going on after a divergence
// (CheckerOptions::keep_going).
#include "portpool/conformance/checker.h"

#include <memory>

#include "gtest/gtest.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/steps.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/replay.h"
#include "testing/hidden_environment_backend.h"

namespace portpool::conformance {
namespace {

using testing::HiddenEnvironmentBackend;

std::vector<StepSpec> Steps(uint64_t seed, int length = 80) {
  return rc::gen::container<std::vector<StepSpec>>(static_cast<size_t>(length),
                                                   GenStep(Capabilities{}))(rc::Random(seed))
      .value();
}

// An elevated process with one open IPv4 socket of `protocol`, through the
// checker: the ids it gave.
struct Opened {
  ProcessId process;
  SocketId socket;
};
Opened OpenOne(Checker& checker, Protocol protocol) {
  absl::StatusOr<CheckedCall> p = checker.Step(call::StartProcess{true});
  EXPECT_TRUE(p.ok() && p->outcome.process) << p.status();
  const ProcessId process = p.ok() ? p->outcome.process.value_or(ProcessId{}) : ProcessId{};
  absl::StatusOr<CheckedCall> s = checker.Step(call::OpenSocket{process, protocol, Family::kIpv4});
  EXPECT_TRUE(s.ok() && s->outcome.socket) << s.status();
  return {process, s.ok() ? s->outcome.socket.value_or(SocketId{}) : SocketId{}};
}

// A block the environment makes between two calls (ENV-RUNTIME-BLOCK): the
// bind into it is WSAEACCES on the backend; the checker reads the listing,
// records the change and judges the bind again: it conforms.
TEST(CheckerEnvironmentTest, ABlockShownByTheListingExplainsTheAnswer_ENV_RUNTIME_BLOCK) {
  SimulatorBackend backend(1);
  Checker checker(backend);
  const auto [process, socket] = OpenOne(checker, Protocol::kTcp);
  // The checker does not see this call: the environment makes it.
  ASSERT_TRUE(backend
                  .Run(call::EnvironmentBlock{true, EnvironmentStore::kRuntime, Protocol::kTcp,
                                              PortRange{50000, 100}})
                  .ok());
  auto bind = checker.Step(call::Bind{process, socket, 50050});
  ASSERT_TRUE(bind.ok()) << bind.status();
  EXPECT_EQ(bind->outcome.error, Error::kWsaEacces);
  EXPECT_TRUE(bind->verdict.conforms) << bind->verdict.explanation;
  EXPECT_EQ(checker.divergences(), 0);
  // The change is in the history, before the bind, and replays as a trace.
  ASSERT_EQ(checker.history().size(), 4u);
  EXPECT_TRUE(checker.history()[2].environment);
  EXPECT_EQ(checker.history()[2].verdict.rule, rules::kEnvironmentRuntime);
  auto trace = traces::Parse(HistoryAsTrace(checker, "checker test"));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_TRUE(traces::Replay(*trace).conforms);
}

// The same block, hidden from the listing: nothing explains the answer, and
// the divergence says so.
TEST(CheckerEnvironmentTest, ABlockNoListingShowsIsADivergence_ENV_RUNTIME_BLOCK) {
  HiddenEnvironmentBackend backend(1);
  Checker checker(backend);
  const auto [process, socket] = OpenOne(checker, Protocol::kTcp);
  ASSERT_TRUE(backend.Inject(call::EnvironmentBlock{true, EnvironmentStore::kRuntime,
                                                    Protocol::kTcp, PortRange{50000, 100}}));
  auto bind = checker.Step(call::Bind{process, socket, 50050});
  ASSERT_TRUE(bind.ok()) << bind.status();
  EXPECT_FALSE(bind->verdict.conforms);
  EXPECT_NE(bind->verdict.explanation.find("a fresh listing shows no reservation"),
            std::string::npos)
      << bind->verdict.explanation;
  EXPECT_EQ(checker.divergences(), 1);
}

// Without follow_environment, the block the listing shows is not read.
TEST(CheckerEnvironmentTest, FollowingTheEnvironmentCanBeSwitchedOff) {
  SimulatorBackend backend(1);
  Checker checker(backend, {.follow_environment = false});
  const auto [process, socket] = OpenOne(checker, Protocol::kUdp);
  ASSERT_TRUE(backend
                  .Run(call::EnvironmentBlock{true, EnvironmentStore::kRuntime, Protocol::kUdp,
                                              PortRange{50000, 64}})
                  .ok());
  auto bind = checker.Step(call::Bind{process, socket, 50010});
  ASSERT_TRUE(bind.ok());
  EXPECT_FALSE(bind->verdict.conforms);
}

// A simulator that makes and drops environment reservations at random while
// generated sequences run (ENV-*, REBOOT-ENV-REPLACED) conforms: every
// answer they change is explained by a fresh listing.
TEST(CheckerEnvironmentTest, SequencesWithEnvironmentChangesConform_ENV_RUNTIME_BLOCK) {
  int explained = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SimulatorOptions options;
    options.environment.rate = 0.1;
    options.environment.initial_blocks = 2;
    SimulatorBackend backend(seed, options);
    Checker checker(backend, {.simulator_contract = true});
    auto divergence = RunSteps(Steps(seed), checker);
    ASSERT_TRUE(divergence.ok()) << divergence.status();
    ASSERT_FALSE(divergence->has_value())
        << "seed " << seed << ": " << (*divergence)->verdict.explanation << "\n"
        << FormatHistory(checker);
    for (const CheckedCall& c : checker.history()) explained += c.environment ? 1 : 0;
  }
  // The path was taken: some answers needed the environment to explain them.
  EXPECT_GT(explained, 0);
}

// keep_going: a faulty backend diverges again and again; the checker reports
// every divergence, marks what follows the first, and goes to the end.
TEST(CheckerKeepGoingTest, ReportsEveryDivergenceAndMarksWhatFollows) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    SimulatorBackend backend(seed, MachineOptions{Mutant::kAccessAndInUseSwapped});
    Checker checker(backend, {.simulator_contract = true, .keep_going = true});
    const std::vector<StepSpec> steps = Steps(seed, 160);
    auto divergent = RunStepsKeepingGoing(steps, checker);
    ASSERT_TRUE(divergent.ok()) << divergent.status();
    if (divergent->size() < 2 || checker.lost()) continue;
    EXPECT_EQ(static_cast<int>(divergent->size()), checker.divergences());
    const auto& history = checker.history();
    for (size_t i = 0; i < history.size(); ++i) {
      EXPECT_EQ(history[i].after_divergence, i > divergent->front()) << i;
    }
    for (size_t index : *divergent) EXPECT_FALSE(history[index].verdict.conforms);
    return;
  }
  FAIL() << "no seed gave two divergences";
}

// Without keep_going the first divergence ends the run (RunSteps).
TEST(CheckerKeepGoingTest, WithoutKeepGoingTheRunStopsAtTheFirst) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    SimulatorBackend backend(seed, MachineOptions{Mutant::kAccessAndInUseSwapped});
    Checker checker(backend, {.simulator_contract = true});
    auto divergence = RunSteps(Steps(seed, 160), checker);
    ASSERT_TRUE(divergence.ok());
    if (!divergence->has_value()) continue;
    EXPECT_EQ(checker.divergences(), 1);
    EXPECT_FALSE(checker.history().back().verdict.conforms);
    return;
  }
  FAIL() << "no seed diverged";
}

// An answer the model cannot hold (token 0 for a Create: it names no
// reservation) leaves the checker lost: it says why and refuses to go on.
TEST(CheckerKeepGoingTest, AnAnswerThatCannotBeAdoptedLeavesTheCheckerLost) {
  SimulatorBackend backend(1, MachineOptions{Mutant::kZeroToken});
  Checker checker(backend, {.keep_going = true});
  auto p = checker.Step(call::StartProcess{true});
  ASSERT_TRUE(p.ok());
  auto create =
      checker.Step(call::CreatePersistent{*p->outcome.process, Protocol::kTcp, PortRange{5000, 4}});
  ASSERT_TRUE(create.ok()) << create.status();
  EXPECT_FALSE(create->verdict.conforms);
  ASSERT_TRUE(checker.lost());
  EXPECT_NE(checker.why_lost().find("token 0"), std::string::npos) << checker.why_lost();
  auto next =
      checker.Step(call::LookupPersistent{*p->outcome.process, Protocol::kTcp, PortRange{5000, 4}});
  EXPECT_EQ(next.status().code(), absl::StatusCode::kFailedPrecondition);
}

// An adopted answer is what the model follows, and what comes after is
// marked: a Lookup of a sub-range that the faulty backend answers with a
// token (P-LOOKUP-EXACT wants ERROR_NOT_FOUND) is adopted, and the block's
// own Delete then conforms, judged after a divergence.
TEST(CheckerKeepGoingTest, TheModelFollowsAnAdoptedAnswer_P_LOOKUP_EXACT) {
  SimulatorBackend backend(1, MachineOptions{Mutant::kLookupFindsSubRange});
  Checker checker(backend, {.keep_going = true});
  auto p = checker.Step(call::StartProcess{true});
  ASSERT_TRUE(p.ok());
  const ProcessId process = *p->outcome.process;
  ASSERT_TRUE(
      checker.Step(call::CreatePersistent{process, Protocol::kTcp, PortRange{5000, 4}}).ok());
  auto lookup = checker.Step(call::LookupPersistent{process, Protocol::kTcp, PortRange{5000, 2}});
  ASSERT_TRUE(lookup.ok()) << lookup.status();
  EXPECT_FALSE(lookup->verdict.conforms);
  EXPECT_FALSE(lookup->after_divergence);
  EXPECT_FALSE(checker.lost()) << checker.why_lost();
  auto del = checker.Step(call::DeletePersistent{process, Protocol::kTcp, PortRange{5000, 4}});
  ASSERT_TRUE(del.ok()) << del.status();
  EXPECT_TRUE(del->verdict.conforms) << del->verdict.explanation;
  EXPECT_TRUE(del->after_divergence);
  EXPECT_EQ(checker.divergences(), 1);
}

}  // namespace
}  // namespace portpool::conformance
