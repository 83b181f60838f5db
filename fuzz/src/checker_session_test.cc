// Tests of the checker fed fuzzed answers (checker_session.h): some answers
// are replaced, runs reach both verdicts, and the trace parses.
#include "portpool/fuzz/checker_session.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "portpool/traces/parse.h"
#include "testing/test_inputs.h"

namespace portpool::fuzz {
namespace {

using testing::RandomBytes;

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
