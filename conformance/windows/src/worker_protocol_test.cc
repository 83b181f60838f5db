// The worker protocol: requests and answers are trace lines, both ways, and
// the worker loop answers each request with exactly one line.
#include "portpool/conformance/windows/worker_protocol.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/conformance/simulator_backend.h"

namespace portpool::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(WorkerProtocol, RequestsRoundTrip) {
  const std::vector<Call> calls = {
      call::StartProcess{false},
      call::EndProcess{ProcessId{3}},
      call::CreatePersistent{ProcessId{1}, Protocol::kUdp, {20000, 4}, /*null_token=*/true},
      call::LookupPersistent{ProcessId{1}, Protocol::kTcp, {65530, 10}, false},
      call::DeletePersistent{ProcessId{1}, Protocol::kTcp, {20000, 0}},
      call::OpenSocket{ProcessId{1}, Protocol::kTcp, Family::kIpv6},
      call::CloseSocket{ProcessId{1}, SocketId{7}},
      call::Acquire{ProcessId{1}, SocketId{7}, {0, 8}, 2, 8},
      call::Release{ProcessId{1}, SocketId{7}, 0x0badc0de0badc0deULL, 4},
      call::Associate{ProcessId{1}, SocketId{7}, 0, 8},
      call::Bind{ProcessId{1}, SocketId{7}, 20001},
      call::GetSockName{ProcessId{1}, SocketId{7}},
  };
  for (const Call& call : calls) {
    const std::string line = WorkerRequest(call);
    absl::StatusOr<Call> back = ParseWorkerRequest(line + "\r\n");
    ASSERT_TRUE(back.ok()) << line << ": " << back.status();
    EXPECT_EQ(*back, call) << line;
  }
  EXPECT_EQ(WorkerRequest(calls[8]), "p1 s7 release 0xbadc0de0badc0de in=4");
}

TEST(WorkerProtocol, AnswersAreStepsOrErrorComments) {
  const Call create = call::CreatePersistent{ProcessId{1}, Protocol::kTcp, {20000, 4}, false};
  Outcome ok;
  ok.token = 0x1f;
  EXPECT_EQ(WorkerAnswer(create, ok), "p1 create tcp 20000 4 -> NO_ERROR token=0x1f");
  EXPECT_EQ(ParseWorkerAnswer(create, WorkerAnswer(create, ok)).value(), ok);

  const absl::Status missing = absl::UnimplementedError("unsupported on this system: no\nexport");
  EXPECT_EQ(WorkerAnswer(create, missing),
            "# error UNIMPLEMENTED: unsupported on this system: no export");
  const absl::StatusOr<Outcome> error =
      ParseWorkerAnswer(create, WorkerAnswer(create, missing) + "\n");
  EXPECT_TRUE(absl::IsUnimplemented(error.status())) << error.status();
  EXPECT_EQ(error.status().message(), "unsupported on this system: no export");

  // Anything else is the worker's fault, never an answer.
  const Call lookup = call::LookupPersistent{ProcessId{1}, Protocol::kTcp, {20000, 4}, false};
  EXPECT_THAT(std::string(ParseWorkerAnswer(lookup, WorkerAnswer(create, ok)).status().message()),
              HasSubstr("answered 'p1 create tcp 20000 4' to 'p1 lookup tcp 20000 4'"));
  EXPECT_TRUE(absl::IsInternal(ParseWorkerAnswer(create, "garbage").status()));
  EXPECT_TRUE(absl::IsInternal(ParseWorkerAnswer(create, "# error NOPE: x").status()));
  EXPECT_TRUE(absl::IsInternal(ParseWorkerAnswer(create, "").status()));
}

TEST(WorkerProtocol, GreetingNamesTheBackend) {
  const std::vector<std::string> lines =
      absl::StrSplit(WorkerGreeting("windows build=22631\nelevated=no"), '\n');
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "portpool-trace 1");
  EXPECT_EQ(ParseWorkerGreeting(lines[0], lines[1] + "\r").value(),
            "windows build=22631 elevated=no");
  EXPECT_FALSE(ParseWorkerGreeting("usage: portpool worker", "").ok());
}

TEST(WorkerProtocol, TheWorkerAnswersEveryLineOnce) {
  SimulatorBackend simulator(1);
  std::istringstream in(
      "start-process elevated\n"
      "p1 socket tcp ipv4\n"
      "\n"
      "p1 create tcp\n"
      "p2 create tcp 20000 4\n"
      "p1 s1 bind 20001\n");
  std::ostringstream out;
  EXPECT_EQ(RunWorker(simulator, in, out), 0);
  const std::vector<std::string> lines = absl::StrSplit(out.str(), '\n');
  EXPECT_THAT(lines,
              ElementsAre("portpool-trace 1", "provenance: simulator seed=1",
                          "start-process elevated -> NO_ERROR process=p1",
                          "p1 socket tcp ipv4 -> NO_ERROR socket=s1",
                          StartsWith("# error INVALID_ARGUMENT: <call>:1:14: expected a port"),
                          "# error FAILED_PRECONDITION: process p2 is not running on this backend",
                          "p1 s1 bind 20001 -> NO_ERROR port=20001", ""));
}

}  // namespace
}  // namespace portpool::conformance
