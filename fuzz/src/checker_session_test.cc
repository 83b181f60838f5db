// Tests of the checker fed fuzzed answers (checker_session.h): some answers
// are replaced, runs reach both verdicts, and the trace parses.
#include "portpool/fuzz/checker_session.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "portpool/random.h"
#include "portpool/traces/parse.h"

namespace portpool::fuzz {
namespace {

std::vector<uint8_t> RandomBytes(uint64_t seed, size_t size) {
  SplitMix64 rng(seed);
  std::vector<uint8_t> bytes(size);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.Next());
  return bytes;
}

TEST(CheckerSession, RunsReachConformingAndDivergentAnswersAndWriteTraces) {
  int replaced = 0, diverged = 0, conformed = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const std::vector<uint8_t> bytes = RandomBytes(seed, 400);
    CheckerSession session(bytes.data(), bytes.size());
    while (auto result = session.Next()) {
      if (!result->checked.ok()) continue;
      (result->checked->verdict.conforms ? conformed : diverged)++;
    }
    replaced += session.backend().replaced();
    auto trace = traces::Parse(session.TraceText());
    EXPECT_TRUE(trace.ok()) << trace.status();
  }
  EXPECT_GT(replaced, 0);
  EXPECT_GT(diverged, 10);
  EXPECT_GT(conformed, 1000);
}

}  // namespace
}  // namespace portpool::fuzz
