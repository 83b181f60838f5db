// Tests of the byte decoding the call-sequence and checker targets share
// (call_decoder.h, simulated_calls.h): deterministic, reaches every call kind
// and the states the rules need, and gives traces that replay.
#include "portpool/fuzz/call_decoder.h"

#include <set>
#include <string>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "portpool/fuzz/simulated_calls.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"
#include "testing/test_inputs.h"

namespace portpool::fuzz {
namespace {

using testing::RandomBytes;
using testing::ReplayFailure;

TEST(CallDecoder, AnEmptyInputDecodesToNoCalls) {
  SimulatedCalls run(nullptr, 0);
  EXPECT_FALSE(run.Next().has_value());
  EXPECT_TRUE(run.trace().steps.empty());
}

TEST(CallDecoder, TheSameBytesGiveTheSameTrace) {
  const std::vector<uint8_t> bytes = RandomBytes(7, 600);
  EXPECT_EQ(traces::Print(SimulatedCallsTrace(bytes.data(), bytes.size())),
            traces::Print(SimulatedCallsTrace(bytes.data(), bytes.size())));
}

TEST(CallDecoder, StopsAfterAtMostMaxCalls) {
  const std::vector<uint8_t> bytes = RandomBytes(3, 1 << 16);
  SimulatedCalls run(bytes.data(), bytes.size());
  size_t calls = 0;
  while (auto call = run.Next()) {
    run.Record(*call, run.mutable_machine().Run(*call));
    ++calls;
  }
  EXPECT_EQ(calls, kMaxCalls);
}

// Every kind of call, reboots and process ends (REBOOT-ENDS-PROCESSES,
// PROCESS-END) included, and the states the overlap, exhaustion and
// association rules need: short random inputs must reach them.
TEST(CallDecoder, RandomInputsReachEveryCallKindAndTheInterestingAnswers) {
  std::set<size_t> kinds;
  std::set<std::string> rules;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    const std::vector<uint8_t> bytes = RandomBytes(seed, 400);
    SimulatedCalls run(bytes.data(), bytes.size());
    while (auto call = run.Next()) {
      kinds.insert(call->index());
      RuleId rule;
      auto outcome = run.mutable_machine().Run(*call, &rule);
      if (outcome.ok()) rules.insert(std::string(rule));
      run.Record(*call, outcome);
    }
  }
  EXPECT_EQ(kinds.size(), std::variant_size_v<Call>);
  for (const char* rule :
       {"P-CREATE-OVERLAP", "P-CREATE-OK", "P-LOOKUP-TOKEN", "P-DELETE-OK", "R-ACQUIRE-WILDCARD",
        "R-ACQUIRE-EXHAUSTED", "R-ACQUIRE-OVERLAP", "R-ASSOC-PERSISTENT", "R-ASSOC-RUNTIME",
        "R-RELEASE-OK", "B-BIND-EPHEMERAL", "B-BIND-INUSE", "B-BIND-PERSISTENT", "SOCK-NOTSOCK",
        "DYN-RANGE-SET", "DYN-RANGE-INVALID"}) {
    EXPECT_TRUE(rules.contains(rule)) << rule;
  }
}

// The trace from-fuzz writes for a calls input replays to conformance: the
// simulator only gives answers the model allows.
TEST(CallDecoder, TheTraceOfAnyInputReplaysToConformance) {
  for (uint64_t seed = 0; seed < 100; ++seed) {
    const std::vector<uint8_t> bytes = RandomBytes(seed, 500);
    const std::string text = traces::Print(SimulatedCallsTrace(bytes.data(), bytes.size()));
    auto trace = traces::Parse(text);
    ASSERT_TRUE(trace.ok()) << trace.status() << "\n" << text;
    const traces::ReplayResult result = traces::Replay(*trace);
    EXPECT_TRUE(result.conforms) << ReplayFailure(result) << "\n" << text;
  }
}

}  // namespace
}  // namespace portpool::fuzz
