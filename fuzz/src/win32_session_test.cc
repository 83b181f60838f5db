// Tests of the raw Win32 call decoding (win32_session.h): every surface rule
// (W32-*) and the byte-order mistake (BYTE-ORDER) are reached, and the trace
// of any input replays to conformance.
#include "portpool/fuzz/win32_session.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"
#include "testing/test_inputs.h"

namespace portpool::fuzz {
namespace {

using testing::RandomBytes;
using testing::ReplayFailure;

TEST(Win32Session, RandomInputsReachEverySurfaceRuleAndBothByteOrders) {
  std::set<std::string> surface_rules;
  bool raw_port = false, passed_on = false, ended = false;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    const std::vector<uint8_t> bytes = RandomBytes(seed, 400);
    Win32Session session(bytes.data(), bytes.size());
    while (auto call = session.Next()) {
      const Win32Answer answer = session.Run(*call);
      if (!call->model_call) surface_rules.insert(call->surface_rule);
      if (call->model_call && !call->control) passed_on = true;
      raw_port |= call->raw_port;
      ended |= !answer.status.ok();  // W32-PROCESS-ENDED
    }
  }
  for (const char* rule : {"W32-SOCKET-ARGS", "W32-NULL-POINTER", "W32-OVERLAPPED",
                           "W32-UNKNOWN-IOCTL", "SOCK-NOTSOCK"}) {
    EXPECT_TRUE(surface_rules.contains(rule)) << rule;
  }
  EXPECT_TRUE(raw_port);
  EXPECT_TRUE(passed_on);
  EXPECT_TRUE(ended);
}

TEST(Win32Session, TheTraceOfAnyInputReplaysToConformance) {
  for (uint64_t seed = 0; seed < 100; ++seed) {
    const std::vector<uint8_t> bytes = RandomBytes(seed, 500);
    const std::string text = traces::Print(Win32SessionTrace(bytes.data(), bytes.size()));
    auto trace = traces::Parse(text);
    ASSERT_TRUE(trace.ok()) << trace.status() << "\n" << text;
    const traces::ReplayResult result = traces::Replay(*trace);
    EXPECT_TRUE(result.conforms) << ReplayFailure(result) << "\n" << text;
  }
}

}  // namespace
}  // namespace portpool::fuzz
