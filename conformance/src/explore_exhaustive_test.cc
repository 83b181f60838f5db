// ctest label `exhaustive`: the explorer reaches the fixpoint of a small
// universe with the table oracle and the invariants judging every state and
// answer, catches every built-in mutant the Machine can show at its minimal
// depth (the kill depths below), and the committed generated probes replay
// clean. Larger universes are a command (docs/exhaustive.md).
#include <filesystem>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "portpool/conformance/explore.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"
#include "testing/oracle_judge.h"

namespace portpool::conformance {
namespace {

// Under AddressSanitizer and under Wine (the mingw lane) the explorer runs
// several times slower; there the fixpoint test is bounded by depth, which
// keeps every lane near its time budget (CI runs this test in four lanes).
#if defined(__SANITIZE_ADDRESS__) || defined(_WIN32)
constexpr bool kSlowBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSlowBuild = true;
#else
constexpr bool kSlowBuild = false;
#endif
#else
constexpr bool kSlowBuild = false;
#endif

// One elevated process with one TCP IPv4 socket, ports 50000-50001 of which
// 50001 is the dynamic range, reboots.
Universe Small() {
  Universe u;
  u.buffer_classes = false;
  return u;
}

TEST(ExploreExhaustive, ReachesTheFixpointOfASmallUniverse) {
  ExploreOptions options;
  options.universe = Small();
  testing::UseOracleAndInvariants(options);
  if (kSlowBuild) options.max_depth = 6;
  const ExploreResult result = Explore(options);
  ASSERT_FALSE(result.failure) << result.failure->what << "\n"
                               << traces::Print(result.failure->trace);
  EXPECT_EQ(result.fixpoint, !kSlowBuild);
  EXPECT_GT(result.states, kSlowBuild ? 100u : 1000u);
  RecordProperty("states", std::to_string(result.states));
  RecordProperty("transitions", std::to_string(result.transitions));
}

// The mutants' universe: the second process is not elevated (for
// associate-without-elevation) and owns a socket of its own (for
// release-any-process).
TEST(ExploreExhaustive, CatchesEveryMutantAtItsKillDepth) {
  const std::map<std::string, size_t> kKillDepth = {
      {"zero-token", 2},                   // start, create
      {"overlap-misses-low-end", 3},       // start, create 50000, create 50000
      {"overlap-misses-high-end", 3},      //
      {"lookup-finds-sub-range", 3},       // start, create 50000-50001, lookup 50000
      {"delete-finds-sub-range", 3},       //
      {"ephemeral-ignores-blocks", 3},     // start, socket, bind(0)
      {"wildcard-outside-dynamic", 3},     // start, socket, acquire any
      {"access-and-in-use-swapped", 4},    // ..., acquire over a block
      {"create-ignores-bound-ports", 4},   // ..., bind, create over it
      {"tokens-survive-reboot", 5},        // create, reboot, start, lookup
      {"close-keeps-blocks", 5},           // ..., acquire, close, create over it
      {"associate-without-elevation", 5},  // ..., the normal process associates
      {"release-any-process", 6},          // ..., the other process releases
  };
  ExploreOptions options;
  options.universe = Small();
  options.universe.normal_processes = 1;
  options.max_depth = 6;
  for (Mutant m : AllMutants()) {
    // The one survivor runs to the bound: the costliest case, left to the
    // fast lanes.
    if (m == Mutant::kSurfaceHostOrder && kSlowBuild) continue;
    options.system = m;
    const ExploreResult result = Explore(options);
    const std::string name(MutantName(m));
    if (m == Mutant::kSurfaceHostOrder) {
      // Its fault is in the Win32-shaped surface (ModelApi's byte order),
      // which the explorer does not drive: the Machine is the same.
      EXPECT_FALSE(result.failure) << name;
      continue;
    }
    ASSERT_TRUE(result.failure) << name << " survived " << result.states << " states";
    ASSERT_TRUE(kKillDepth.contains(name)) << name << " has no kill depth listed";
    EXPECT_EQ(result.failure->depth, kKillDepth.at(name)) << name << ": " << result.failure->what;
    // The shortest path is a trace: the mutant's answer is the last step.
    EXPECT_EQ(result.failure->trace.steps.size(),
              options.universe.Prelude().size() + result.failure->depth)
        << name;
  }
}

TEST(ExploreExhaustive, GeneratedProbesReplayClean) {
  const std::filesystem::path folder =
      std::filesystem::path(PORTPOOL_SOURCE_DIR) / "traces" / "probes" / "generated";
  size_t probes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() != ".trace") continue;
    ++probes;
    auto trace = traces::ParseFile(entry.path().string());
    ASSERT_TRUE(trace.ok()) << trace.status();
    const traces::ReplayResult replay = traces::Replay(*trace);
    EXPECT_TRUE(replay.conforms) << entry.path();
    EXPECT_TRUE(absl::StrContains(trace->provenance.front(), "explore"));
  }
  EXPECT_GT(probes, 10u);
}

}  // namespace
}  // namespace portpool::conformance
