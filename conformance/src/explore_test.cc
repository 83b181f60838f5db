// The exhaustive explorer on the smallest universes: it reaches the fixpoint
// with the table oracle and the invariants as judges, a failure comes with
// the shortest path as a trace that replays, and probe traces replay clean.
// (The larger universe and the mutants' kill depths: explore_exhaustive_test.cc.)
#include "portpool/conformance/explore.h"

#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"
#include "testing/oracle_judge.h"

namespace portpool::conformance {
namespace {

// One elevated process, one TCP IPv4 socket, one port that is the dynamic range.
ExploreOptions Tiny() {
  ExploreOptions options;
  options.universe.window_ports = 1;
  options.universe.dynamic_ports = 1;
  options.universe.buffer_classes = false;
  testing::UseOracleAndInvariants(options);
  return options;
}

TEST(Universe, RefusesWhatItCannotSetUp) {
  Universe u;
  EXPECT_TRUE(u.Validate().ok());
  u.dynamic_ports = 3;
  EXPECT_TRUE(absl::StrContains(u.Validate().message(), "--dynamic-ports"));
  u = Universe{};
  u.window_start = 65400;  // the 255-port dynamic range would run past 65535
  EXPECT_TRUE(absl::StrContains(u.Validate().message(), "--window-start"));
  u = Universe{};
  u.elevated_processes = 0;
  EXPECT_FALSE(u.Validate().ok());
  u = Universe{};
  u.protocols.clear();
  EXPECT_FALSE(u.Validate().ok());
}

TEST(Universe, PreludeFillsTheDynamicRangePastTheWindow) {
  Universe u;
  u.window_ports = 4;
  u.dynamic_ports = 2;
  EXPECT_EQ(u.dynamic_in_window(), (PortRange{50002, 2}));
  EXPECT_EQ(u.dynamic_range(), (PortRange{50002, 255}));
  // Per protocol: the range of each family, and the filler from 50004 on.
  const std::vector<Call> prelude = u.Prelude();
  ASSERT_EQ(prelude.size(), 6u);
  const auto* filler = std::get_if<call::EnvironmentBlock>(&prelude[2]);
  ASSERT_NE(filler, nullptr);
  EXPECT_EQ(filler->block, (PortRange{50004, 253}));
  EXPECT_EQ(filler->block.last(), u.dynamic_range().last());
}

TEST(Explore, ReachesTheFixpointOfTheTinyUniverse) {
  const ExploreResult result = Explore(Tiny());
  ASSERT_FALSE(result.failure) << result.failure->what << "\n"
                               << traces::Print(result.failure->trace);
  EXPECT_TRUE(result.fixpoint);
  EXPECT_EQ(result.second_judge, "table oracle");
  EXPECT_GT(result.states, 20u);
  EXPECT_GT(result.transitions, result.states);
  EXPECT_EQ(
      std::accumulate(result.states_per_depth.begin(), result.states_per_depth.end(), size_t{0}),
      result.states);
  EXPECT_EQ(result.states_per_depth.size(), result.depth + 1);
}

TEST(Explore, ADepthBoundStopsShortOfTheFixpoint) {
  ExploreOptions options = Tiny();
  options.max_depth = 2;
  const ExploreResult result = Explore(options);
  EXPECT_FALSE(result.failure);
  EXPECT_FALSE(result.fixpoint);
  EXPECT_EQ(result.depth, 2u);  // states at depth 2 are found and checked, not expanded
  EXPECT_EQ(result.states_per_depth.size(), 3u);
}

// The table oracle, except that it refuses every bind(0) success: a planted
// disagreement the explorer must find at its shortest.
class PickyJudge : public SecondJudge {
 public:
  PickyJudge() : inner_(testing::MakeOracleJudge()) {}
  PickyJudge(const PickyJudge& other) : inner_(other.inner_->Clone()) {}
  std::unique_ptr<SecondJudge> Clone() const override {
    return std::make_unique<PickyJudge>(*this);
  }
  void Assign(const SecondJudge& other) override {
    inner_->Assign(*static_cast<const PickyJudge&>(other).inner_);
  }
  std::optional<Allowed> Judge(const Call& call) const override { return inner_->Judge(call); }
  std::string WhyNot(const Call& call, const Outcome& outcome) const override {
    const auto* bind = std::get_if<call::Bind>(&call);
    if (bind != nullptr && bind->port == 0 && outcome.ok()) return "picky";
    return inner_->WhyNot(call, outcome);
  }
  void Apply(const Call& call, const Outcome& outcome, const Machine& model) override {
    inner_->Apply(call, outcome, model);
  }
  std::string Compare(const Machine& model) const override { return inner_->Compare(model); }
  std::string name() const override { return "picky oracle"; }

 private:
  std::unique_ptr<SecondJudge> inner_;
};

TEST(Explore, AFailureComesWithTheShortestPathAsATraceThatReplays) {
  ExploreOptions options = Tiny();
  options.second_judge = [] { return std::make_unique<PickyJudge>(); };
  const ExploreResult result = Explore(options);
  ASSERT_TRUE(result.failure);
  EXPECT_FALSE(result.fixpoint);
  // start-process, socket, bind 0: the shortest way there.
  EXPECT_EQ(result.failure->depth, 3u);
  EXPECT_TRUE(absl::StrContains(result.failure->what, "picky oracle does not"))
      << result.failure->what;
  const traces::Trace& trace = result.failure->trace;
  ASSERT_EQ(trace.steps.size(), options.universe.Prelude().size() + 3);
  EXPECT_TRUE(std::holds_alternative<call::Bind>(trace.steps.back().call));
  // The model allows the answer: the trace replays clean, on the same machine.
  const traces::ReplayResult replay = traces::Replay(trace);
  EXPECT_TRUE(replay.conforms) << traces::Print(trace);
}

TEST(Explore, ABrokenInvariantFailsAtTheInitialState) {
  ExploreOptions options = Tiny();
  options.invariants = [](const Machine&) { return std::string("planted"); };
  const ExploreResult result = Explore(options);
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->depth, 0u);
  EXPECT_TRUE(absl::StrContains(result.failure->what, "planted"));
}

TEST(Explore, ProbesForTheUnknownsReplayClean) {
  ExploreOptions options = Tiny();
  options.probes_per_unknown = 2;
  const ExploreResult result = Explore(options);
  ASSERT_FALSE(result.failure);
  ASSERT_FALSE(result.probes.empty());
  for (const ProbeTrace& probe : result.probes) {
    EXPECT_TRUE(absl::StartsWith(probe.name, probe.unknown + "-")) << probe.name;
    const traces::ReplayResult replay = traces::Replay(probe.trace);
    EXPECT_TRUE(replay.conforms) << probe.name << "\n" << traces::Print(probe.trace);
  }
}

TEST(Explore, TheReportGivesTheFigures) {
  ExploreOptions options = Tiny();
  options.max_depth = 1;
  const ExploreResult result = Explore(options);
  const std::string md = ExploreReportMarkdown(options, result, 1 << 20);
  EXPECT_TRUE(absl::StrContains(md, "| states | "));
  EXPECT_TRUE(absl::StrContains(md, "| peak memory | 1.0 MiB |"));
  EXPECT_TRUE(absl::StrContains(md, "table oracle"));
  EXPECT_TRUE(absl::StrContains(md, "No failure."));
}

}  // namespace
}  // namespace portpool::conformance
