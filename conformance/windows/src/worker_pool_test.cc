// The worker pool with real worker processes: `portpool worker --backend
// simulator --state FILE`, one per model process, sharing one simulated
// machine through the state file (shared_simulator.h). Every answer goes
// through the checker, so a pool that routes a call to the wrong process,
// mixes up socket ids or leaves a dead process's sockets open diverges.
// The same tests run on the Windows build (under Wine in the mingw lane),
// where they start the workers with CreateProcessW in a job object.
#include "portpool/conformance/windows/worker_pool.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/conformance/campaign.h"
#include "portpool/conformance/checker.h"
#include "portpool/conformance/steps.h"
#include "portpool/conformance/windows/shared_simulator.h"
#include "testing/scratch_files.h"
#include "testing/worker_program.h"

namespace portpool::conformance {
namespace {

using ::testing::HasSubstr;

// A pool of simulator workers sharing `state`; with `listing`, the pool
// lists the shared machine as a Windows pool runs netsh.
std::unique_ptr<WorkerPoolBackend> SimulatorPool(const std::filesystem::path& state,
                                                 uint64_t seed = 1, bool listing = false) {
  absl::StatusOr<std::unique_ptr<WorkerLauncher>> launcher =
      MakeProcessLauncher(testing::WorkerProgram());
  EXPECT_TRUE(launcher.ok()) << launcher.status();
  if (!launcher.ok()) return nullptr;
  WorkerPoolOptions options;
  options.description = absl::StrCat("simulator seed=", seed, " workers");
  options.spec = [state, seed](bool) {
    return WorkerSpec{{"worker", "--backend", "simulator", "--seed", absl::StrCat(seed), "--state",
                       state.string()}};
  };
  if (listing) {
    options.listing = [state, seed] {
      return SharedSimulatorBackend(state.string(), seed).Listing();
    };
  }
  return std::make_unique<WorkerPoolBackend>(*std::move(launcher), std::move(options));
}

class Session {
 public:
  explicit Session(Backend& backend) : checker_(backend) {}
  // Runs `call` and checks its answer against the model.
  Outcome Do(const Call& call) {
    absl::StatusOr<CheckedCall> checked = checker_.Step(call);
    EXPECT_TRUE(checked.ok()) << DescribeCall(call) << ": " << checked.status();
    if (!checked.ok()) return Outcome{};
    EXPECT_TRUE(checked->verdict.conforms)
        << DescribeCall(call) << ": " << checked->verdict.explanation;
    return checked->outcome;
  }

 private:
  Checker checker_;
};

// The launchers' line reading: lines split across reads, "\r\n" (a Windows
// pipe), several lines in one read, and the end of the output.
TEST(WorkerPool, NextLineJoinsChunksAndEndsWithTheStream) {
  std::vector<std::string> chunks = {"portpool-", "trace 1\r\np1 cre", "ate\nlast\n", "half"};
  size_t next = 0;
  const auto read_more = [&](std::string& buffer) {
    if (next == chunks.size()) return absl::UnavailableError("the worker's output ended");
    buffer += chunks[next++];
    return absl::OkStatus();
  };
  std::string buffer;
  EXPECT_EQ(NextLine(buffer, read_more).value_or("?"), "portpool-trace 1");
  EXPECT_EQ(NextLine(buffer, read_more).value_or("?"), "p1 create");
  EXPECT_EQ(NextLine(buffer, read_more).value_or("?"), "last");
  const absl::StatusOr<std::string> ended = NextLine(buffer, read_more);
  EXPECT_EQ(ended.status().message(), "the worker's output ended");
  EXPECT_EQ(buffer, "half");
}

TEST(WorkerPool, ProcessesShareTheMachineAndEndWithTheirWorkers) {
  const auto state = testing::ScratchFile("worker_pool", "state.trace");
  std::unique_ptr<WorkerPoolBackend> pool = SimulatorPool(state);
  ASSERT_NE(pool, nullptr);
  Session s(*pool);
  const ProcessId p1 = s.Do(call::StartProcess{true}).process.value_or(ProcessId{});
  const ProcessId p2 = s.Do(call::StartProcess{false}).process.value_or(ProcessId{});
  ASSERT_EQ(p1, ProcessId{1});
  ASSERT_EQ(p2, ProcessId{2});
  EXPECT_EQ(pool->running(), 2u);
  EXPECT_EQ(pool->WorkerDescription(p2), "simulator seed=1 shared");

  const SocketId s1 = s.Do(call::OpenSocket{p1, Protocol::kTcp, Family::kIpv4}).socket.value();
  EXPECT_EQ(s.Do(call::Bind{p1, s1, 20001}).error, Error::kNoError);
  const SocketId s2 = s.Do(call::OpenSocket{p2, Protocol::kTcp, Family::kIpv4}).socket.value();
  EXPECT_NE(s1, s2);
  // One machine: p2 sees p1's port and p1's reservation.
  EXPECT_EQ(s.Do(call::Bind{p2, s2, 20001}).error, Error::kWsaEaddrinuse);
  EXPECT_EQ(s.Do(call::CreatePersistent{p2, Protocol::kTcp, {20100, 1}, false}).error,
            Error::kAccessDenied);
  const Outcome created = s.Do(call::CreatePersistent{p1, Protocol::kTcp, {20100, 1}, false});
  ASSERT_TRUE(created.token);
  s.Do(call::LookupPersistent{p2, Protocol::kTcp, {20100, 1}, false});
  // A socket of another process is not p2's.
  EXPECT_EQ(s.Do(call::GetSockName{p2, s1}).error, Error::kWsaEnotsock);

  // The end of p1 is its worker's: the machine closes p1's socket.
  EXPECT_EQ(s.Do(call::EndProcess{p1}).error, Error::kNoError);
  EXPECT_EQ(pool->running(), 1u);
  const SocketId s3 = s.Do(call::OpenSocket{p2, Protocol::kTcp, Family::kIpv4}).socket.value();
  EXPECT_EQ(s.Do(call::Bind{p2, s3, 20001}).port, 20001);
  const absl::StatusOr<Outcome> gone =
      pool->Run(call::CreatePersistent{p1, Protocol::kTcp, {20200, 1}, false});
  EXPECT_TRUE(absl::IsFailedPrecondition(gone.status())) << gone.status();
  // The state file is a trace of the machine's calls, the reaped end among them.
  EXPECT_THAT(testing::ReadWholeFile(state), HasSubstr("is gone\nend-process p1 -> NO_ERROR\n"));
}

TEST(WorkerPool, GeneratedSequencesOfSeveralProcessesConform) {
  // The campaign's generator with the pool's capabilities: several
  // processes, elevated or not, ending in the middle.
  int starts = 0, unelevated = 0, ends = 0, most_live = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const auto state = testing::ScratchFile("worker_pool", absl::StrCat("seq-", seed));
    std::unique_ptr<WorkerPoolBackend> pool = SimulatorPool(state, seed);
    ASSERT_NE(pool, nullptr);
    const Capabilities caps = pool->capabilities();
    ASSERT_TRUE(caps.several_processes && caps.end_process && caps.unelevated_process);
    Checker checker(*pool);
    absl::StatusOr<std::optional<CheckedCall>> divergent =
        RunSteps(GenerateSequence(seed, 40, caps), checker, caps);
    ASSERT_TRUE(divergent.ok()) << "seed " << seed << ": " << divergent.status() << "\n"
                                << FormatHistory(checker);
    EXPECT_FALSE(divergent->has_value()) << "seed " << seed << ":\n" << FormatHistory(checker);
    int live = 0;
    for (const CheckedCall& c : checker.history()) {
      if (const auto* start = std::get_if<call::StartProcess>(&c.call)) {
        ++starts;
        if (!start->elevated) ++unelevated;
        most_live = std::max(most_live, ++live);
      }
      if (std::holds_alternative<call::EndProcess>(c.call)) {
        ++ends;
        --live;
      }
    }
  }
  // The sequences did what the pool is for.
  EXPECT_GE(most_live, 2);
  EXPECT_GE(unelevated, 1);
  EXPECT_GE(ends, 1);
  EXPECT_GE(starts, 8);
}

// Rule ENV-RUNTIME-BLOCK through a pool: a block someone outside the run
// took (here a process of the shared machine the pool does not speak for)
// refuses a bind the model thought free. A pool that lists the machine lets
// the checker read the block and judge the bind again; one that cannot
// list leaves the divergence standing.
TEST(WorkerPool, APoolThatListsTheMachineFollowsTheEnvironment) {
  for (const bool listing : {true, false}) {
    const auto state = testing::ScratchFile("worker_pool", absl::StrCat("environment-", listing));
    std::unique_ptr<WorkerPoolBackend> pool = SimulatorPool(state, 1, listing);
    ASSERT_NE(pool, nullptr);
    EXPECT_EQ(pool->Listing().ok(), listing) << pool->Listing().status();
    Checker checker(*pool);
    absl::StatusOr<CheckedCall> started = checker.Step(call::StartProcess{true});
    ASSERT_TRUE(started.ok() && started->outcome.process) << started.status();
    const ProcessId mine = *started->outcome.process;

    SharedSimulatorBackend outsider(state.string(), 1);
    const ProcessId theirs = outsider.Run(call::StartProcess{true})->process.value();
    const SocketId their_socket =
        outsider.Run(call::OpenSocket{theirs, Protocol::kTcp, Family::kIpv4})->socket.value();
    ASSERT_EQ(outsider.Run(call::Acquire{theirs, their_socket, {50000, 4}})->error,
              Error::kNoError);

    const SocketId my_socket =
        checker.Step(call::OpenSocket{mine, Protocol::kTcp, Family::kIpv4})->outcome.socket.value();
    absl::StatusOr<CheckedCall> bound = checker.Step(call::Bind{mine, my_socket, 50001});
    ASSERT_TRUE(bound.ok()) << bound.status();
    EXPECT_NE(bound->outcome.error, Error::kNoError);
    EXPECT_EQ(bound->verdict.conforms, listing) << FormatHistory(checker);
    const bool read_the_block = std::any_of(checker.history().begin(), checker.history().end(),
                                            [](const CheckedCall& c) { return c.environment; });
    EXPECT_EQ(read_the_block, listing) << FormatHistory(checker);
  }
}

TEST(WorkerPool, AWorkerThatDoesNotGreetIsAnError) {
  absl::StatusOr<std::unique_ptr<WorkerLauncher>> launcher =
      MakeProcessLauncher(testing::WorkerProgram());
  ASSERT_TRUE(launcher.ok()) << launcher.status();
  WorkerPoolOptions options;
  options.description = "broken";
  // `portpool worker` without --backend prints its usage and exits 2.
  options.spec = [](bool) { return WorkerSpec{{"worker"}}; };
  WorkerPoolBackend pool(*std::move(launcher), std::move(options));
  const absl::StatusOr<Outcome> started = pool.Run(call::StartProcess{true});
  EXPECT_TRUE(absl::IsInternal(started.status())) << started.status();
  EXPECT_THAT(std::string(started.status().message()), HasSubstr("did not greet"));
  EXPECT_EQ(pool.running(), 0u);
  EXPECT_TRUE(absl::IsFailedPrecondition(
      pool.Run(call::OpenSocket{ProcessId{1}, Protocol::kTcp, Family::kIpv4}).status()));
  EXPECT_TRUE(absl::IsUnimplemented(pool.Run(call::Reboot{}).status()));
}

TEST(WorkerPool, AMissingProgramIsNamed) {
  absl::StatusOr<std::unique_ptr<WorkerLauncher>> launcher =
      MakeProcessLauncher(testing::WorkerProgram() + ".missing");
  ASSERT_FALSE(launcher.ok());
  EXPECT_THAT(std::string(launcher.status().message()), HasSubstr(".missing"));
}

// The launcher's job object is Windows' (POSIX workers end with their
// channel: their input ends), so this test exists only there.
#ifdef _WIN32
TEST(WorkerPool, WorkersEndWithTheirLauncher) {
  absl::StatusOr<std::unique_ptr<WorkerLauncher>> launcher =
      MakeProcessLauncher(testing::WorkerProgram());
  ASSERT_TRUE(launcher.ok()) << launcher.status();
  absl::StatusOr<std::unique_ptr<WorkerChannel>> worker =
      (*launcher)->Launch(WorkerSpec{{"worker", "--backend", "simulator"}});
  ASSERT_TRUE(worker.ok()) << worker.status();
  EXPECT_EQ((*worker)->ReadLine().value_or(""), "portpool-trace 1");
  EXPECT_EQ((*worker)->ReadLine().value_or(""), "provenance: simulator seed=1");
  // Closing the job object (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE) ends the
  // worker, as the end of this process would: its output ends. (If it did
  // not, this read would wait for a line that never comes, and ctest's
  // timeout would fail the test.)
  launcher->reset();
  EXPECT_FALSE((*worker)->ReadLine().ok());
}
#endif

}  // namespace
}  // namespace portpool::conformance
