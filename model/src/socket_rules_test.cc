// One test per rule of sockets, processes and the dynamic range (SOCK-*,
// PROCESS-*, DYN-RANGE-*). Each test names its rule in a comment and in
// every assertion message.
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/machine.h"
#include "portpool/rules.h"
#include "testing/rule_test_util.h"

namespace portpool::testing {
namespace {

namespace r = rules;
using E = Error;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr Protocol kTcp = Protocol::kTcp;
constexpr Protocol kUdp = Protocol::kUdp;

// Rule PROCESS-START.
TEST(SocketRules, StartingAProcessGivesANewProcessElevatedOrNot) {
  Bench b;
  const call::StartProcess start{true};
  ExpectAnswers(b, start, {}, true, r::kProcessStart);
  Outcome reused;
  reused.process = b.user();
  EXPECT_FALSE(b.Accepts(start, reused)) << "rule PROCESS-START: an id in use";
  const ProcessId elevated = b.StartProcess(true);
  const ProcessId plain = b.StartProcess(false);
  EXPECT_NE(elevated, plain) << "rule PROCESS-START";
  EXPECT_TRUE(b.machine().process(elevated)->elevated) << "rule PROCESS-START";
  EXPECT_FALSE(b.machine().process(plain)->elevated) << "rule PROCESS-START";
  // Ids are never reused, even after the process ends.
  b.machine().EndProcess(plain);
  Outcome again;
  again.process = plain;
  EXPECT_FALSE(b.Accepts(start, again)) << "rule PROCESS-START: an ended process's id";
  EXPECT_GT(b.StartProcess(false).value, plain.value) << "rule PROCESS-START";
}

// Rule PROCESS-END: its sockets close (ports and runtime blocks freed);
// persistent blocks it created stay; other processes are untouched.
TEST(SocketRules, EndingAProcessClosesAllItsSocketsAndNothingElse) {
  Bench b;
  const ProcessId p = b.StartProcess(true);
  b.Create(p, kTcp, {5000, 10});
  const SocketId acquiring = b.Open(p);
  const Token token = b.Acquire(p, acquiring, {6000, 4}).second;
  const SocketId bound = b.Open(p, kUdp, Family::kIpv6);
  b.BindAt(p, bound, 7000);
  const SocketId associated = b.Open(p);
  b.Associate(p, associated, token);
  const SocketId survivor = b.Open(b.user());
  b.BindAt(b.user(), survivor, 7001);
  const call::EndProcess end{p};
  ExpectAnswers(b, end, {}, true, r::kProcessEnd);
  EXPECT_TRUE(NamesRule(b.Expect(end), r::kSocketClose)) << "rule PROCESS-END";
  b.Run(end);
  EXPECT_FALSE(b.machine().IsLive(p)) << "rule PROCESS-END";
  for (SocketId s : {acquiring, bound, associated}) {
    EXPECT_EQ(b.machine().socket(s), nullptr) << "rule PROCESS-END";
  }
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ElementsAre(Pair(PortRange{5000, 10}, BlockKind::kPersistent)))
      << "rule PROCESS-END";
  EXPECT_EQ(b.machine().pool(kUdp).BindingAt(7000), nullptr) << "rule PROCESS-END";
  EXPECT_NE(b.machine().pool(kTcp).BindingAt(7001), nullptr) << "rule PROCESS-END";
  // The ended process can make no more calls.
  EXPECT_FALSE(b.machine().Expect(call::OpenSocket{p, kTcp, Family::kIpv4}).ok())
      << "rule PROCESS-END";
  EXPECT_FALSE(b.machine().Expect(call::EndProcess{p}).ok()) << "rule PROCESS-END";
}

// Rule DYN-RANGE-DEFAULT.
TEST(SocketRules, TheDynamicRangeOfEachProtocolStartsAt49152With16384Ports) {
  Bench b;
  for (Protocol p : kAllProtocols) {
    EXPECT_EQ(b.machine().pool(p).dynamic_range(), (PortRange{49152, 16384}))
        << "rule DYN-RANGE-DEFAULT";
    const SocketId s = b.Open(b.user(), p);
    const call::Bind bind{b.user(), s, 0};
    EXPECT_TRUE(b.Accepts(bind, OkPort(49152))) << "rule DYN-RANGE-DEFAULT";
    EXPECT_TRUE(b.Accepts(bind, OkPort(65535))) << "rule DYN-RANGE-DEFAULT";
    EXPECT_FALSE(b.Accepts(bind, OkPort(49151))) << "rule DYN-RANGE-DEFAULT";
    const SocketId w = b.Open(b.user(), p);
    const call::Acquire wildcard{b.user(), w, {0, 16384}};
    EXPECT_TRUE(b.Accepts(wildcard, OkBlock({49152, 16384}, 0x5))) << "rule DYN-RANGE-DEFAULT";
  }
}

// Rule DYN-RANGE-SET: valid at the limits; only later allocations change.
TEST(SocketRules, SettingAValidDynamicRangeChangesOnlyLaterAllocations) {
  Bench b;
  const SocketId early = b.Open(b.user());
  const auto [old_block, old_token] = b.Acquire(b.user(), early, {0, 4});
  for (PortRange range : {PortRange{1025, 255}, PortRange{65281, 255}, PortRange{1025, 64511}}) {
    SCOPED_TRACE(FormatRange(range));
    ExpectAnswers(b, call::SetDynamicRange{kTcp, range}, {}, true, r::kDynamicRangeSet);
  }
  b.SetDynamicRange(kTcp, {65000, 536});
  EXPECT_EQ(b.machine().pool(kTcp).dynamic_range(), (PortRange{65000, 536}))
      << "rule DYN-RANGE-SET";
  EXPECT_EQ(b.machine().pool(kUdp).dynamic_range(), (PortRange{49152, 16384}))
      << "rule DYN-RANGE-SET: the other protocol keeps its range";
  // The block acquired before stays where it is.
  EXPECT_NE(b.machine().pool(kTcp).FindExact(old_block), nullptr) << "rule DYN-RANGE-SET";
  // New ephemeral ports and wildcard blocks come from the new range.
  for (int i = 0; i < 20; ++i) {
    const SocketId s = b.Open(b.user());
    const Outcome bound = b.Run(call::Bind{b.user(), s, 0});
    ASSERT_TRUE(bound.port.has_value());
    EXPECT_GE(*bound.port, 65000) << "rule DYN-RANGE-SET";
    const SocketId unbound = b.Open(b.user());
    const auto [block, token] = b.Acquire(b.user(), unbound, {0, 2});
    EXPECT_TRUE((PortRange{65000, 536}.contains(block))) << "rule DYN-RANGE-SET";
  }
}

// Rule DYN-RANGE-FAMILY (NS-8): each IP version has its own range; setting
// one leaves the other as it was.
TEST(SocketRules, EachIpVersionHasItsOwnDynamicRange) {
  Bench b;
  ExpectAnswers(b, call::SetDynamicRange{kTcp, {2000, 1000}, Family::kIpv6}, {}, true,
                r::kDynamicRangeSet);
  EXPECT_TRUE(NamesRule(b.Expect(call::SetDynamicRange{kTcp, {2000, 1000}, Family::kIpv6}),
                        r::kDynamicRangeFamily))
      << "rule DYN-RANGE-FAMILY";
  b.SetDynamicRange(kTcp, {2000, 1000}, Family::kIpv6);
  EXPECT_EQ(b.machine().pool(kTcp).dynamic_range(Family::kIpv6), (PortRange{2000, 1000}))
      << "rule DYN-RANGE-FAMILY";
  EXPECT_EQ(b.machine().pool(kTcp).dynamic_range(Family::kIpv4), (PortRange{49152, 16384}))
      << "rule DYN-RANGE-FAMILY: IPv4 keeps its range";
  // A wildcard acquire on each family's socket lands in that family's range.
  const SocketId v6 = b.Open(b.user(), kTcp, Family::kIpv6);
  const SocketId v4 = b.Open(b.user(), kTcp, Family::kIpv4);
  EXPECT_TRUE((PortRange{2000, 1000}.contains(b.Acquire(b.user(), v6, {0, 8}).first)))
      << "rule DYN-RANGE-FAMILY";
  EXPECT_FALSE(b.Accepts(call::Acquire{b.user(), v4, {0, 8}}, OkBlock({2100, 8}, 0x3)))
      << "rule DYN-RANGE-FAMILY";
}

// Rule DYN-RANGE-SEEDED: a machine may be in a range that netsh's set
// command would refuse (runner images: start 1024, 64511 ports); seeding a
// model with it works, setting it does not.
TEST(SocketRules, SeedingAcceptsAnyRangeAMachineMayBeIn) {
  Machine machine(1);
  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    EXPECT_TRUE(machine.SeedDynamicRange(kTcp, f, {1024, 64511}).ok()) << "rule DYN-RANGE-SEEDED";
    EXPECT_EQ(machine.pool(kTcp).dynamic_range(f), (PortRange{1024, 64511}))
        << "rule DYN-RANGE-SEEDED";
  }
  EXPECT_TRUE(machine.SeedDynamicRange(kUdp, Family::kIpv4, {1, 65535}).ok())
      << "rule DYN-RANGE-SEEDED";
  EXPECT_FALSE(machine.SeedDynamicRange(kUdp, Family::kIpv4, {65535, 2}).ok())
      << "rule DYN-RANGE-SEEDED: it must still fit";
  EXPECT_FALSE(machine.SeedDynamicRange(kUdp, Family::kIpv4, {0, 0}).ok())
      << "rule DYN-RANGE-SEEDED: it must hold a port";
  EXPECT_FALSE(machine.SetDynamicRange(kTcp, {1024, 64511}).ok()) << "rule DYN-RANGE-INVALID";
}

// Rule DYN-RANGE-INVALID.
TEST(SocketRules, ADynamicRangeOutsideTheLimitsIsInvalidParameter) {
  Bench b;
  for (PortRange range : {PortRange{1024, 255}, PortRange{1025, 254}, PortRange{65282, 255},
                          PortRange{0, 0}, PortRange{1, 65535}}) {
    SCOPED_TRACE(FormatRange(range));
    const call::SetDynamicRange set{kTcp, range};
    ExpectAnswers(b, set, {E::kInvalidParameter}, false, r::kDynamicRangeInvalid);
    EXPECT_FALSE(b.machine().SetDynamicRange(kTcp, range).ok()) << "rule DYN-RANGE-INVALID";
    EXPECT_EQ(b.machine().pool(kTcp).dynamic_range(), (PortRange{49152, 16384}))
        << "rule DYN-RANGE-INVALID";
  }
}

// Rule SOCK-OPEN.
TEST(SocketRules, SocketOpensAnUnboundTcpOrUdpSocketOfEitherFamily) {
  Bench b;
  std::set<uint32_t> ids;
  for (Protocol p : kAllProtocols) {
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      const call::OpenSocket open{b.user(), p, f};
      ExpectAnswers(b, open, {}, true, r::kSocketOpen);
      const SocketId s = b.Open(b.user(), p, f);
      ids.insert(s.value);
      const SocketState* state = b.machine().socket(s);
      ASSERT_NE(state, nullptr) << "rule SOCK-OPEN";
      EXPECT_EQ(state->protocol, p) << "rule SOCK-OPEN";
      EXPECT_EQ(state->family, f) << "rule SOCK-OPEN";
      EXPECT_EQ(state->owner, b.user()) << "rule SOCK-OPEN";
      EXPECT_FALSE(state->bound_port.has_value()) << "rule SOCK-OPEN";
      ExpectAnswers(b, call::GetSockName{b.user(), s}, {E::kWsaEinval}, false, r::kGetSockName);
      Outcome reused;
      reused.socket = s;
      EXPECT_FALSE(b.Accepts(open, reused)) << "rule SOCK-OPEN: an id in use";
    }
  }
  EXPECT_EQ(ids.size(), 4u) << "rule SOCK-OPEN";
}

// Rule SOCK-NOTSOCK: a closed socket, another process's socket, an id
// never handed out; for every socket call.
TEST(SocketRules, ACallOnASocketNotOpenInTheCallingProcessIsEnotsock) {
  Bench b;
  const SocketId closed = b.Open(b.user());
  b.Run(call::CloseSocket{b.user(), closed});
  const SocketId theirs = b.Open(b.admin());
  for (SocketId s : {closed, theirs, SocketId{999}}) {
    SCOPED_TRACE(s.value);
    const ProcessId p = b.user();
    for (const Call& call : std::vector<Call>{
             call::CloseSocket{p, s}, call::Acquire{p, s, {6000, 1}}, call::Release{p, s, 1},
             call::Associate{p, s, 1}, call::Bind{p, s, 0}, call::GetSockName{p, s}}) {
      ExpectAnswers(b, call, {E::kWsaEnotsock}, false, r::kSocketNotSocket);
    }
  }
  EXPECT_NE(b.machine().socket(theirs), nullptr) << "rule SOCK-NOTSOCK";
}

// Rule SOCK-CLOSE: its bound port and the runtime blocks acquired on it, no
// more: not blocks acquired on other sockets, nor ports bound from its
// blocks by other sockets.
TEST(SocketRules, ClosingASocketFreesItsPortAndTheRuntimeBlocksAcquiredOnIt) {
  Bench b;
  const SocketId s = b.Open(b.user());
  const Token token = b.Acquire(b.user(), s, {6000, 4}).second;
  b.Acquire(b.user(), s, {6100, 4});
  b.BindAt(b.user(), s, 6500);
  const SocketId other = b.Open(b.user());
  b.Acquire(b.user(), other, {6200, 4});
  const SocketId consumer = b.Open(b.user());
  b.Associate(b.user(), consumer, token);
  b.Observe(call::Bind{b.user(), consumer, 0}, OkPort(6001));
  const call::CloseSocket close{b.user(), s};
  ExpectAnswers(b, close, {}, true, r::kSocketClose);
  b.Run(close);
  EXPECT_EQ(b.machine().socket(s), nullptr) << "rule SOCK-CLOSE";
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ElementsAre(Pair(PortRange{6200, 4}, BlockKind::kRuntime)))
      << "rule SOCK-CLOSE";
  EXPECT_EQ(b.machine().pool(kTcp).BindingAt(6500), nullptr) << "rule SOCK-CLOSE";
  EXPECT_NE(b.machine().pool(kTcp).BindingAt(6001), nullptr) << "rule SOCK-CLOSE";
  // Its ports are free for anyone now.
  ExpectAnswers(b, call::CreatePersistent{b.admin(), kTcp, {6000, 201}}, {E::kSharingViolation},
                false, r::kCreateRuntime);
  ExpectAnswers(b, call::CreatePersistent{b.admin(), kTcp, {6100, 4}}, {}, true, r::kCreateOk);
  ExpectAnswers(b, call::Bind{b.user(), other, 6500}, {}, true, r::kBindSpecific);
}

}  // namespace
}  // namespace portpool::testing
