#include "portpool/traces/shared_machine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/replay.h"

#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace portpool::traces {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr PortRange kBlock{20000, 10};

// A state file path of this test's own, removed before and after.
class StateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             absl::StrCat("portpool-shared-machine-",
                          ::testing::UnitTest::GetInstance()->current_test_info()->name(), "-",
                          ::testing::UnitTest::GetInstance()->random_seed(), ".trace"))
                .string();
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  SharedMachineOptions Options(uint64_t seed = 7) const {
    SharedMachineOptions options;
    options.seed = seed;
    options.state_file = path_;
    options.program = "shared_machine_test";
    return options;
  }
  std::unique_ptr<SharedMachine> OpenOk(const SharedMachineOptions& options) {
    auto shared = SharedMachine::Open(options);
    EXPECT_TRUE(shared.ok()) << shared.status();
    return shared.ok() ? *std::move(shared) : nullptr;
  }
  std::string FileText() const {
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  void WriteFile(const std::string& text) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << text;
  }

  std::string path_;
};

// Runs `call` under the lock and expects it to be accepted.
Outcome RunLocked(SharedMachine& shared, const Call& call) {
  auto lock = shared.AcquireLock();
  EXPECT_TRUE(lock.ok()) << lock.status();
  auto outcome = shared.Run(call);
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  return outcome.ok() ? *outcome : Outcome{};
}

// The history must replay clean with `portpool replay`'s replayer.
void ExpectReplaysClean(const std::string& text) {
  auto trace = Parse(text, "history");
  ASSERT_TRUE(trace.ok()) << trace.status();
  const ReplayResult result = Replay(*trace);
  EXPECT_TRUE(result.conforms) << text << (result.divergence ? result.divergence->recorded : "")
                               << (result.error ? result.error->message : "");
}

TEST(SharedMachineInMemory, RecordsEveryCallAsATraceThatReplaysClean) {
  auto shared = SharedMachine::Open({});
  ASSERT_TRUE(shared.ok()) << shared.status();
  SharedMachine& m = **shared;
  const ProcessId p = *RunLocked(m, call::StartProcess{true}).process;
  const Token token = *RunLocked(m, call::CreatePersistent{p, Protocol::kTcp, kBlock}).token;
  const SocketId s = *RunLocked(m, call::OpenSocket{p, Protocol::kTcp, Family::kIpv4}).socket;
  EXPECT_TRUE(RunLocked(m, call::Associate{p, s, token}).ok());
  EXPECT_TRUE(RunLocked(m, call::Bind{p, s, 0}).ok());
  EXPECT_THAT(m.text(), HasSubstr("p1 create tcp 20000 10 -> NO_ERROR token=$a\n"));
  EXPECT_THAT(m.text(), HasSubstr("p1 s1 associate $a -> NO_ERROR\n"));
  EXPECT_THAT(m.text(), HasSubstr("# started by OS process "));
  ExpectReplaysClean(m.text());
}

TEST(SharedMachineInMemory, WritesAMadeUpTokenAsItsValueSoThatReplayPassesItAgain) {
  auto shared = SharedMachine::Open({});
  ASSERT_TRUE(shared.ok());
  SharedMachine& m = **shared;
  const ProcessId p = *RunLocked(m, call::StartProcess{true}).process;
  const SocketId s = *RunLocked(m, call::OpenSocket{p, Protocol::kUdp, Family::kIpv4}).socket;
  RunLocked(m, call::Release{p, s, 0x1234abcd});
  EXPECT_THAT(m.text(), HasSubstr("p1 s1 release 0x1234abcd -> "));
  ExpectReplaysClean(m.text());
}

TEST(SharedMachineInMemory, NotesACallOnASocketNoCallReturnedInsteadOfRecordingIt) {
  // SOCK-NOTSOCK: the model answers WSAENOTSOCK, but a trace cannot name
  // such a socket, so the history notes the call and stays replayable.
  auto shared = SharedMachine::Open({});
  ASSERT_TRUE(shared.ok());
  SharedMachine& m = **shared;
  const ProcessId p = *RunLocked(m, call::StartProcess{false}).process;
  EXPECT_EQ(RunLocked(m, call::Bind{p, SocketId{999}, 0}).error, Error::kWsaEnotsock);
  EXPECT_THAT(m.text(), HasSubstr("# p1 s999 bind(0) -> WSAENOTSOCK"));
  EXPECT_THAT(m.text(), HasSubstr("(not a step: no socket call returned this handle"));
  ExpectReplaysClean(m.text());
}

TEST(SharedMachineInMemory, EndOwnProcessesEndsTheLiveProcessesItStarted) {
  auto shared = SharedMachine::Open({});
  ASSERT_TRUE(shared.ok());
  SharedMachine& m = **shared;
  const ProcessId a = *RunLocked(m, call::StartProcess{true}).process;
  const ProcessId b = *RunLocked(m, call::StartProcess{false}).process;
  RunLocked(m, call::EndProcess{a});
  auto lock = m.AcquireLock();
  ASSERT_TRUE(m.EndOwnProcesses().ok());
  EXPECT_FALSE(m.machine().IsLive(b));
  EXPECT_THAT(m.text(), HasSubstr("end-process p2 -> NO_ERROR\n"));
  EXPECT_THAT(m.text(), Not(HasSubstr("end-process p1 -> NO_ERROR\nend-process p1")));
}

TEST_F(StateFileTest, ASecondOpenReplaysTheSameMachineWithTheSameTokens) {
  auto first = OpenOk(Options());
  const ProcessId p = *RunLocked(*first, call::StartProcess{true}).process;
  RunLocked(*first, call::CreatePersistent{p, Protocol::kUdp, kBlock});
  RunLocked(*first, call::Reboot{});
  EXPECT_EQ(FileText(), first->text());

  auto second = OpenOk(Options());
  EXPECT_EQ(second->text(), first->text());
  EXPECT_EQ(second->machine().boot(), 1u);
  // The token the reboot gave the block (it may change, TOKEN-REBOOT) is
  // the same in both: the seed decides it.
  const auto& blocks = second->machine().pool(Protocol::kUdp).blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks.begin()->second.token,
            first->machine().pool(Protocol::kUdp).blocks().begin()->second.token);
  EXPECT_NE(blocks.begin()->second.token, kInvalidToken);
  ExpectReplaysClean(FileText());
}

TEST_F(StateFileTest, StepsAppendedByOneAreAppliedByTheOtherAtItsNextLock) {
  auto a = OpenOk(Options());
  auto b = OpenOk(Options());
  const ProcessId pa = *RunLocked(*a, call::StartProcess{true}).process;
  RunLocked(*a, call::CreatePersistent{pa, Protocol::kTcp, kBlock});
  EXPECT_TRUE(b->machine().pool(Protocol::kTcp).blocks().empty()) << "b has not locked yet";
  const ProcessId pb = *RunLocked(*b, call::StartProcess{true}).process;
  EXPECT_NE(pb, pa);
  // P-CREATE-OVERLAP: b sees a's block.
  EXPECT_EQ(RunLocked(*b, call::CreatePersistent{pb, Protocol::kTcp, kBlock}).error,
            Error::kSharingViolation);
  RunLocked(*a, call::Reboot{});
  EXPECT_EQ(a->text(), FileText());
  EXPECT_LT(b->text().size(), a->text().size()) << "b has not seen the reboot yet";
  ExpectReplaysClean(FileText());
}

TEST_F(StateFileTest, RefusesAFileMadeWithOtherSettings) {
  OpenOk(Options(7));
  auto other = SharedMachine::Open(Options(8));
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(other.status().message(), HasSubstr("'shared-machine seed=7'"));
  EXPECT_THAT(other.status().message(), HasSubstr("'shared-machine seed=8'"));
  SharedMachineOptions mutated = Options(7);
  mutated.mutant = Mutant::kZeroToken;
  EXPECT_FALSE(SharedMachine::Open(mutated).ok());
}

TEST_F(StateFileTest, AnEditedAnswerIsAnErrorNamingTheLine) {
  {
    auto shared = OpenOk(Options());
    const ProcessId p = *RunLocked(*shared, call::StartProcess{true}).process;
    RunLocked(*shared, call::CreatePersistent{p, Protocol::kTcp, kBlock});
  }
  const std::string text = FileText();
  WriteFile(absl::StrReplaceAll(text, {{"-> NO_ERROR token=$a", "-> ERROR_SHARING_VIOLATION"}}));
  auto reopened = SharedMachine::Open(Options());
  ASSERT_FALSE(reopened.ok());
  EXPECT_THAT(reopened.status().message(), HasSubstr(path_ + ":5: replaying it gives "));
  EXPECT_THAT(reopened.status().message(), HasSubstr("or edited"));
}

TEST_F(StateFileTest, AMalformedFileIsAnErrorWithLineAndColumn) {
  WriteFile(
      "portpool-trace 1\nprovenance: shared-machine seed=7\nstart-process root -> NO_ERROR\n");
  auto opened = SharedMachine::Open(Options());
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(opened.status().message(), HasSubstr(path_ + ":3:15: expected 'elevated'"));
}

TEST_F(StateFileTest, AMalformedLineAppendedLaterIsAnErrorWithItsLine) {
  auto shared = OpenOk(Options());
  std::ofstream(path_, std::ios::app) << "# a comment\nreboot -> WHAT\n";
  auto lock = shared->AcquireLock();
  ASSERT_FALSE(lock.ok());
  EXPECT_THAT(lock.status().message(), HasSubstr(path_ + ":4:11: unknown error 'WHAT'"));
}

TEST_F(StateFileTest, CallsNeedTheLock) {
  auto shared = OpenOk(Options());
  auto outcome = shared->Run(call::StartProcess{true});
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(outcome.status().message(), HasSubstr("lock"));
}

TEST_F(StateFileTest, AProcessWhoseOSProcessHasGoneIsEndedAtTheNextLock) {
  // Hand-written history: p1 names no OS process, so none runs it.
  WriteFile(
      "portpool-trace 1\nprovenance: shared-machine seed=7\n"
      "start-process elevated -> NO_ERROR process=p1\n"
      "p1 socket tcp ipv4 -> NO_ERROR socket=s1\n"
      "p1 s1 acquire 20000 4 -> NO_ERROR block=20000-20003 token=$a\n");
  auto shared = OpenOk(Options());
  EXPECT_FALSE(shared->machine().IsLive(ProcessId{1}));
  EXPECT_TRUE(shared->machine().pool(Protocol::kTcp).blocks().empty())
      << "its runtime block goes with it (R-ACQUIRE lasts as long as the socket)";
  EXPECT_THAT(FileText(), HasSubstr("has gone without ending p1"));
  EXPECT_THAT(FileText(), HasSubstr("end-process p1 -> NO_ERROR\n"));
  ExpectReplaysClean(FileText());
}

#ifndef _WIN32
TEST_F(StateFileTest, ConcurrentProcessesAppendWholeStepsUnderTheLock) {
  OpenOk(Options());
  constexpr int kChildren = 3;
  constexpr int kRounds = 15;
  for (int child = 0; child < kChildren; ++child) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto shared = SharedMachine::Open(Options());
      bool ok = shared.ok();
      for (int round = 0; ok && round < kRounds; ++round) {
        auto lock = (*shared)->AcquireLock();
        ok = lock.ok() && (*shared)->Run(call::StartProcess{round % 2 == 0}).ok();
      }
      if (ok) {
        auto lock = (*shared)->AcquireLock();
        ok = lock.ok() && (*shared)->EndOwnProcesses().ok();
      }
      _exit(ok ? 0 : 1);
    }
  }
  for (int child = 0; child < kChildren; ++child) {
    int status = 0;
    wait(&status);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto final_state = OpenOk(Options());
  auto trace = Parse(FileText(), path_);
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->steps.size(), static_cast<size_t>(2 * kChildren * kRounds));
  EXPECT_TRUE(final_state->machine().processes().empty());
  ExpectReplaysClean(FileText());
}
#endif

// --- the explore policy --------------------------------------------------------

TEST(NextSchedule, WalksEveryCombinationDepthFirst) {
  EXPECT_EQ(NextSchedule({}), std::nullopt);
  EXPECT_EQ(NextSchedule({{0, 3}}), (std::vector<size_t>{1}));
  EXPECT_EQ(NextSchedule({{0, 2}, {1, 2}}), (std::vector<size_t>{1}));
  EXPECT_EQ(NextSchedule({{1, 2}, {0, 3}}), (std::vector<size_t>{1, 1}));
  EXPECT_EQ(NextSchedule({{1, 2}, {2, 3}}), std::nullopt);
}

TEST(Schedule, ParsesAndFormatsAnswerNumbers) {
  EXPECT_EQ(ParseSchedule("1.0.12").value(), (std::vector<size_t>{1, 0, 12}));
  EXPECT_EQ(ParseSchedule("").value(), std::vector<size_t>{});
  EXPECT_EQ(FormatSchedule({1, 0, 12}), "1.0.12");
  for (const char* bad : {"1..2", "a", "1.", "-1", "99999999999999999999"}) {
    auto parsed = ParseSchedule(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_THAT(parsed.status().message(), HasSubstr("answer numbers separated by '.'")) << bad;
  }
}

// A Lookup of an existing block with a null token is loose: INVALID_PARAMETER,
// NOACCESS or success (P-LOOKUP-NULL-TOKEN).
std::vector<Choice> RunLooseLookup(SharedMachine& m, Error* answer) {
  const ProcessId admin = *RunLocked(m, call::StartProcess{true}).process;
  const ProcessId user = *RunLocked(m, call::StartProcess{false}).process;
  RunLocked(m, call::CreatePersistent{admin, Protocol::kTcp, kBlock});
  *answer =
      RunLocked(m, call::LookupPersistent{user, Protocol::kTcp, kBlock, /*null_token=*/true}).error;
  return m.choices();
}

TEST(SharedMachineExplore, EverySchedulePicksADifferentAllowedAnswer) {
  std::vector<Error> seen;
  std::optional<std::vector<size_t>> schedule = std::vector<size_t>{};
  for (int run = 0; schedule && run < 10; ++run) {
    SharedMachineOptions options;
    options.answers = AnswerPolicy::kExplore;
    options.schedule = *schedule;
    auto shared = SharedMachine::Open(options);
    ASSERT_TRUE(shared.ok()) << shared.status();
    Error answer;
    const std::vector<Choice> choices = RunLooseLookup(**shared, &answer);
    ASSERT_EQ(choices.size(), 1u) << (*shared)->text();
    EXPECT_THAT((*shared)->text(), HasSubstr(absl::StrCat("# answer ", choices[0].answer, " of ",
                                                          choices[0].of, ": ")));
    ExpectReplaysClean((*shared)->text());
    seen.push_back(answer);
    schedule = NextSchedule(choices);
  }
  EXPECT_EQ(schedule, std::nullopt) << "the walk ends";
  EXPECT_THAT(seen, ::testing::UnorderedElementsAre(Error::kNoError, Error::kInvalidParameter,
                                                    Error::kNoAccess));
}

TEST(SharedMachineExplore, AScheduleTheCallsDoNotFitIsAnError) {
  SharedMachineOptions options;
  options.answers = AnswerPolicy::kExplore;
  options.schedule = {5};
  auto shared = SharedMachine::Open(options);
  ASSERT_TRUE(shared.ok());
  SharedMachine& m = **shared;
  const ProcessId admin = *RunLocked(m, call::StartProcess{true}).process;
  const ProcessId user = *RunLocked(m, call::StartProcess{false}).process;
  RunLocked(m, call::CreatePersistent{admin, Protocol::kTcp, kBlock});
  auto lock = m.AcquireLock();
  auto outcome = m.Run(call::LookupPersistent{user, Protocol::kTcp, kBlock, /*null_token=*/true});
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(outcome.status().message(), HasSubstr("asks for answer 5 of loose call number 1"));
}

TEST_F(StateFileTest, ExploreReplaysTheForcedAnswersOfTheFile) {
  SharedMachineOptions options = Options();
  options.answers = AnswerPolicy::kExplore;
  options.schedule = {1};
  Error first_answer;
  {
    auto shared = OpenOk(options);
    RunLooseLookup(*shared, &first_answer);
  }
  auto reopened = OpenOk(options);
  ASSERT_EQ(reopened->choices().size(), 1u);
  EXPECT_EQ(reopened->choices()[0].answer, 1u);
  EXPECT_THAT(FileText(),
              HasSubstr("provenance: shared-machine seed=7 answers=explore schedule=1\n"));
}

}  // namespace
}  // namespace portpool::traces
