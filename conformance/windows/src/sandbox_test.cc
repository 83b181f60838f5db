// The sandbox and journal rules of SandboxedBackend, on the simulator: what
// it refuses never reaches the backend, every Create and Delete is
// journaled before it runs, and nothing it did not create is deleted.
#include "portpool/conformance/windows/sandbox.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/conformance/simulator_backend.h"
#include "testing/scratch_files.h"

namespace portpool::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string TempPath() { return testing::ScratchFile("sandbox-test", "journal").string(); }

using testing::ReadWholeFile;

std::string LastLine(const std::string& text) {
  const size_t end = text.find_last_not_of('\n');
  const size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - start);
}

// The simulator, watched: records every call that reaches it and, for each
// Create and Delete, the journal's last line at that moment.
class WatchedBackend final : public Backend {
 public:
  WatchedBackend(uint64_t seed, std::string journal) : inner_(seed), journal_(journal) {}
  std::string Describe() const override { return inner_.Describe(); }
  Capabilities capabilities() const override { return inner_.capabilities(); }
  absl::StatusOr<Outcome> Run(const Call& call) override {
    calls.push_back(call);
    if (std::holds_alternative<call::CreatePersistent>(call) ||
        std::holds_alternative<call::DeletePersistent>(call)) {
      journal_at_call.push_back(LastLine(ReadWholeFile(journal_)));
    }
    return inner_.Run(call);
  }
  SimulatorBackend& inner() { return inner_; }

  std::vector<Call> calls;
  std::vector<std::string> journal_at_call;

 private:
  SimulatorBackend inner_;
  std::string journal_;
};

constexpr PortRange kWindow{20000, 256};
constexpr Protocol kTcp = Protocol::kTcp;
constexpr Protocol kUdp = Protocol::kUdp;

// --- Choosing a window ---------------------------------------------------------

TEST(ParseWindow, Forms) {
  EXPECT_EQ(*ParseWindow("20000-20255"), kWindow);
  EXPECT_EQ(*ParseWindow(" 20000+256 "), kWindow);
  EXPECT_EQ(*ParseWindow("65535-65535"), (PortRange{65535, 1}));
  for (const char* bad : {"", "20000", "20255-20000", "0-10", "65535+2", "a-b", "1-70000"}) {
    EXPECT_FALSE(ParseWindow(bad).ok()) << bad;
  }
}

TEST(ParseWindow, ErrorsSayWhatIsWrong) {
  EXPECT_THAT(ParseWindow("20000+0").status().message(), HasSubstr("holds no port"));
  EXPECT_THAT(ParseWindow("20255-20000").status().message(), HasSubstr("END must not be below"));
  EXPECT_THAT(ParseWindow("0-10").status().message(), HasSubstr("from 1 to 65535"));
  EXPECT_THAT(ParseWindow("65500+100").status().message(), HasSubstr("ends at port 65599"));
  EXPECT_THAT(ParseWindow("a-b").status().message(), HasSubstr("START-END or START+COUNT"));
}

TEST(SandboxChoose, ScansFrom20000PastEverythingInTheWay) {
  MachineSnapshot snapshot;
  auto empty = Sandbox::Choose(snapshot);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->window(), kWindow);

  snapshot.of(kTcp).excluded = {{{20100, 100}, false}};
  snapshot.of(kUdp).excluded = {{{20300, 1}, true}};
  snapshot.of(kUdp).bound = {20400};
  auto chosen = Sandbox::Choose(snapshot);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->window(), (PortRange{20401, 256}));
  EXPECT_THAT(WindowConflicts(snapshot, chosen->window()), IsEmpty());

  SandboxOptions small;
  small.size = 16;
  small.scan_from = 20090;
  EXPECT_EQ(Sandbox::Choose(snapshot, small)->window(), (PortRange{20200, 16}));
}

TEST(SandboxChoose, AvoidsTheDynamicRangeAndFailsWhenNothingFits) {
  MachineSnapshot snapshot;
  snapshot.of(kUdp).dynamic = PortRange{10000, 20000};  // 10000-29999
  auto chosen = Sandbox::Choose(snapshot);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->window(), (PortRange{30000, 256}));
  snapshot.of(kTcp).dynamic = PortRange{1025, 64511};  // everything
  auto none = Sandbox::Choose(snapshot);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("no clear window"));
}

TEST(SandboxChoose, AUserWindowMustBeClear) {
  MachineSnapshot snapshot;
  snapshot.of(kTcp).excluded = {{{50000, 60}, true}};
  snapshot.of(kTcp).bound = {20001};
  SandboxOptions options;
  options.window = PortRange{20000, 16};
  auto refused = Sandbox::Choose(snapshot, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("tcp port 20001 bound"));
  options.window = PortRange{49990, 20};
  refused = Sandbox::Choose(snapshot, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("tcp excluded 50000-50059 *"));
  EXPECT_THAT(refused.status().message(), HasSubstr("dynamic range 49152-65535"));
  options.window = PortRange{30000, 16};
  auto ok = Sandbox::Choose(snapshot, options);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->window(), (PortRange{30000, 16}));
}

// --- Admission -----------------------------------------------------------------

TEST(SandboxAdmit, PortsMustKeepToTheWindow) {
  const Sandbox sandbox(kWindow);
  const ProcessId p{1};
  const SocketId s{1};
  auto admits = [&](const Call& call) { return sandbox.Admit(call).ok(); };
  EXPECT_TRUE(admits(call::CreatePersistent{p, kTcp, {20000, 256}}));
  EXPECT_TRUE(admits(call::CreatePersistent{p, kTcp, {20255, 1}}));
  EXPECT_TRUE(admits(call::CreatePersistent{p, kTcp, {20000, 0}}));
  EXPECT_FALSE(admits(call::CreatePersistent{p, kTcp, {20250, 7}}));
  EXPECT_FALSE(admits(call::CreatePersistent{p, kTcp, {19999, 2}}));
  EXPECT_FALSE(admits(call::CreatePersistent{p, kTcp, {0, 4}}));
  EXPECT_FALSE(admits(call::DeletePersistent{p, kUdp, {0, 0}}));
  EXPECT_FALSE(admits(call::DeletePersistent{p, kUdp, {65530, 10}}));
  EXPECT_TRUE(admits(call::LookupPersistent{p, kUdp, {65530, 10}}));  // reading only
  EXPECT_TRUE(admits(call::Acquire{p, s, {20010, 4}}));
  EXPECT_FALSE(admits(call::Acquire{p, s, {30000, 4}}));
  EXPECT_TRUE(admits(call::Acquire{p, s, {0, 8}}));
  EXPECT_TRUE(admits(call::Bind{p, s, 0}));
  EXPECT_TRUE(admits(call::Bind{p, s, 20100}));
  EXPECT_FALSE(admits(call::Bind{p, s, 445}));
  EXPECT_FALSE(admits(call::Reboot{}));
  EXPECT_FALSE(admits(call::SetDynamicRange{kTcp, {1025, 1000}}));
  EXPECT_TRUE(admits(call::OpenSocket{p, kTcp, Family::kIpv6}));
  EXPECT_TRUE(admits(call::StartProcess{true}));

  // Past 65535: only the part that exists counts.
  const Sandbox top(PortRange{65280, 256});
  EXPECT_TRUE(top.Admit(call::DeletePersistent{p, kTcp, {65530, 10}}).ok());
  EXPECT_TRUE(top.Admit(call::Acquire{p, s, {65530, 10}}).ok());

  const Sandbox strict(kWindow, /*allow_system_chosen=*/false);
  EXPECT_FALSE(strict.Admit(call::Bind{p, s, 0}).ok());
  EXPECT_FALSE(strict.Admit(call::Acquire{p, s, {0, 8}}).ok());
  EXPECT_TRUE(strict.Admit(call::Acquire{p, s, {20000, 8}}).ok());
}

// --- The decorator on the simulator ---------------------------------------------

class SandboxedBackendTest : public ::testing::Test {
 protected:
  SandboxedBackendTest()
      : path_(TempPath()),
        journal_(*Journal::Open(path_)),
        watched_(11, path_),
        sandboxed_(watched_, Sandbox(kWindow), journal_) {}

  ProcessId Start() { return *sandboxed_.Run(call::StartProcess{true})->process; }

  std::string path_;
  Journal journal_;
  WatchedBackend watched_;
  SandboxedBackend sandboxed_;
};

TEST_F(SandboxedBackendTest, RefusedCallsNeverReachTheBackend) {
  const ProcessId p = Start();
  const size_t before = watched_.calls.size();
  for (const Call& call : std::vector<Call>{
           call::CreatePersistent{p, kTcp, {5000, 10}}, call::DeletePersistent{p, kTcp, {5000, 10}},
           call::Reboot{}, call::SetDynamicRange{kUdp, {1025, 300}},
           call::Acquire{p, SocketId{1}, {5000, 1}}, call::Bind{p, SocketId{1}, 80}}) {
    auto refused = sandboxed_.Run(call);
    ASSERT_FALSE(refused.ok()) << DescribeCall(call);
    EXPECT_TRUE(absl::StartsWith(refused.status().message(), kRefusedBySandbox))
        << refused.status();
  }
  EXPECT_EQ(watched_.calls.size(), before);
  EXPECT_EQ(sandboxed_.refused(), 6);
  EXPECT_THAT(ReadWholeFile(path_),
              HasSubstr("# refused: create 5000+10 reaches outside the sandbox"));
  EXPECT_FALSE(sandboxed_.capabilities().reboot);
  EXPECT_FALSE(sandboxed_.capabilities().set_dynamic_range);
  EXPECT_EQ(sandboxed_.Describe(), "simulator seed=11 sandbox=20000-20255");
}

TEST_F(SandboxedBackendTest, CreateAndDeleteAreJournaledBeforeTheCall) {
  const ProcessId p = Start();
  auto created = sandboxed_.Run(call::CreatePersistent{p, kTcp, {20000, 4}});
  ASSERT_TRUE(created.ok() && created->ok());
  auto again = sandboxed_.Run(call::CreatePersistent{p, kTcp, {20002, 4}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->error, Error::kSharingViolation);
  auto deleted = sandboxed_.Run(call::DeletePersistent{p, kTcp, {20000, 4}});
  ASSERT_TRUE(deleted.ok() && deleted->ok());
  EXPECT_THAT(watched_.journal_at_call,
              ElementsAre("begin 1 create tcp 20000 4", "begin 2 create tcp 20002 4",
                          "begin 3 delete tcp 20000 4"));
  EXPECT_EQ(ReadWholeFile(path_),
            "portpool-journal 1\n"
            "begin 1 create tcp 20000 4\nend 1 NO_ERROR\n"
            "begin 2 create tcp 20002 4\nend 2 ERROR_SHARING_VIOLATION\n"
            "begin 3 delete tcp 20000 4\nend 3 NO_ERROR\n");
  EXPECT_THAT(*ReadPendingReservations(path_), IsEmpty());
}

TEST_F(SandboxedBackendTest, NeverDeletesAReservationItDidNotCreate) {
  const ProcessId p = Start();
  // Another program's block inside the window (made behind the sandbox's back).
  ASSERT_TRUE(watched_.inner().Run(call::CreatePersistent{p, kUdp, {20100, 2}})->ok());
  const size_t before = watched_.calls.size();
  auto refused = sandboxed_.Run(call::DeletePersistent{p, kUdp, {20100, 2}});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("this run did not create"));
  // Only the Lookup that checked ran; the block is still there.
  ASSERT_EQ(watched_.calls.size(), before + 1);
  EXPECT_TRUE(std::holds_alternative<call::LookupPersistent>(watched_.calls.back()));
  EXPECT_NE(watched_.inner().machine().pool(kUdp).FindExact({20100, 2}), nullptr);
  // A Delete of a block nobody has runs (and answers ERROR_NOT_FOUND).
  auto missing = sandboxed_.Run(call::DeletePersistent{p, kUdp, {20200, 2}});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->error, Error::kNotFound);
}

TEST_F(SandboxedBackendTest, NeverDeletesWhatWasThereBefore) {
  MachineSnapshot snapshot;
  snapshot.of(kTcp).excluded = {{{20050, 10}, true}};
  SandboxedBackend sandboxed(watched_, Sandbox(kWindow), journal_, snapshot);
  const ProcessId p = *sandboxed.Run(call::StartProcess{true})->process;
  const size_t before = watched_.calls.size();
  auto refused = sandboxed.Run(call::DeletePersistent{p, kTcp, {20050, 10}});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("was there before the run"));
  EXPECT_EQ(watched_.calls.size(), before);
}

TEST_F(SandboxedBackendTest, TokensMustBeTheRunsOwn) {
  const ProcessId p = Start();
  const SocketId s = *sandboxed_.Run(call::OpenSocket{p, kTcp, Family::kIpv4})->socket;
  // A token of another program's block (obtained behind the sandbox's back).
  const Outcome foreign = *watched_.inner().Run(call::CreatePersistent{p, kTcp, {30000, 1}});
  ASSERT_TRUE(foreign.token);
  auto refused = sandboxed_.Run(call::Associate{p, s, *foreign.token});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("which this run did not obtain"));
  EXPECT_FALSE(sandboxed_.Run(call::Release{p, s, *foreign.token}).ok());
  // A lookup outside the window reads the token, but does not make it ours.
  const Outcome read = *sandboxed_.Run(call::LookupPersistent{p, kTcp, {30000, 1}});
  ASSERT_EQ(read.token, foreign.token);
  EXPECT_FALSE(sandboxed_.Run(call::Associate{p, s, *foreign.token}).ok());
  // Its own tokens, 0 and the made-up one pass.
  const Outcome own = *sandboxed_.Run(call::Acquire{p, s, {20000, 2}});
  ASSERT_TRUE(own.token);
  EXPECT_TRUE(sandboxed_.Run(call::Release{p, s, *own.token}).ok());
  EXPECT_TRUE(sandboxed_.Run(call::Release{p, s, kInvalidToken}).ok());
  EXPECT_TRUE(sandboxed_.Run(call::Associate{p, s, Sandbox::kBogusToken}).ok());
  const Outcome persistent = *sandboxed_.Run(call::CreatePersistent{p, kTcp, {20010, 1}});
  EXPECT_TRUE(sandboxed_.Run(call::Associate{p, s, *persistent.token}).ok());
}

TEST_F(SandboxedBackendTest, CleanUpDeletesWhatTheRunLeft) {
  const ProcessId p = Start();
  ASSERT_TRUE(sandboxed_.Run(call::CreatePersistent{p, kTcp, {20000, 4}})->ok());
  ASSERT_TRUE(sandboxed_.Run(call::CreatePersistent{p, kUdp, {20000, 4}})->ok());
  ASSERT_TRUE(sandboxed_.Run(call::CreatePersistent{p, kUdp, {20010, 1}})->ok());
  ASSERT_TRUE(sandboxed_.Run(call::DeletePersistent{p, kUdp, {20010, 1}})->ok());
  EXPECT_EQ(sandboxed_.Pending().size(), 2u);
  EXPECT_EQ(ReadPendingReservations(path_)->size(), 2u);
  EXPECT_THAT(sandboxed_.CleanUp(p), IsEmpty());
  EXPECT_THAT(sandboxed_.Pending(), IsEmpty());
  EXPECT_THAT(*ReadPendingReservations(path_), IsEmpty());
  EXPECT_TRUE(watched_.inner().machine().pool(kTcp).blocks().empty());
  EXPECT_TRUE(watched_.inner().machine().pool(kUdp).blocks().empty());
}

TEST_F(SandboxedBackendTest, CleanUpWithoutAProcessEndsTheRunsAndDeletesAsAFreshOne) {
  // The process that created the block has ended, and the one left is
  // unelevated: neither could delete it.
  const ProcessId admin = Start();
  const ProcessId user = sandboxed_.Run(call::StartProcess{false})->process.value();
  ASSERT_TRUE(sandboxed_.Run(call::CreatePersistent{admin, kTcp, {20000, 4}})->ok());
  ASSERT_TRUE(sandboxed_.Run(call::EndProcess{admin})->ok());
  const SocketId s = sandboxed_.Run(call::OpenSocket{user, kTcp, Family::kIpv4})->socket.value();
  ASSERT_TRUE(sandboxed_.Run(call::Bind{user, s, 20010})->ok());
  const size_t before = watched_.calls.size();
  EXPECT_THAT(sandboxed_.CleanUp(), IsEmpty());
  EXPECT_TRUE(watched_.inner().machine().pool(kTcp).blocks().empty());
  // The user's process ended first; the delete came from a fresh elevated
  // process, itself ended after.
  std::vector<std::string> calls;
  for (size_t i = before; i < watched_.calls.size(); ++i)
    calls.push_back(DescribeCall(watched_.calls[i]));
  EXPECT_THAT(calls, ElementsAre(DescribeCall(call::EndProcess{user}),
                                 DescribeCall(call::StartProcess{true}),
                                 "p3 DeletePersistentTcpPortReservation(20000, 4)",
                                 DescribeCall(call::EndProcess{ProcessId{3}})));
  EXPECT_FALSE(watched_.inner().machine().IsLive(user));
}

}  // namespace
}  // namespace portpool::conformance
