// One test per rule of bind and getsockname (B-*). Each test names its rule
// in a comment and in every assertion message.
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

constexpr Protocol kTcp = Protocol::kTcp;
constexpr Protocol kUdp = Protocol::kUdp;

// Rule B-BIND-TWICE.
TEST(BindRules, BindOnASocketThatIsAlreadyBoundIsEinval) {
  Bench b;
  const SocketId s = b.Open(b.user());
  b.BindAt(b.user(), s, 7000);
  for (uint16_t port : {uint16_t{0}, uint16_t{7000}, uint16_t{7001}}) {
    SCOPED_TRACE(port);
    ExpectAnswers(b, call::Bind{b.user(), s, port}, {E::kWsaEinval}, false, r::kBindTwice);
  }
}

// Rule B-BIND-INUSE.
TEST(BindRules, BindToAPortBoundBySameProtocolAndFamilyIsEaddrinuse) {
  Bench b;
  const SocketId first = b.Open(b.admin());
  b.BindAt(b.admin(), first, 7000);
  const SocketId second = b.Open(b.user());
  const call::Bind bind{b.user(), second, 7000};
  ExpectAnswers(b, bind, {E::kWsaEaddrinuse}, false, r::kBindInUse);
  EXPECT_FALSE(b.Accepts(bind, OkPort(7000))) << "rule B-BIND-INUSE";
  // Another protocol's pool is separate; a closed socket frees the port.
  const SocketId udp = b.Open(b.user(), kUdp);
  ExpectAnswers(b, call::Bind{b.user(), udp, 7000}, {}, true, r::kBindSpecific);
  b.Run(call::CloseSocket{b.admin(), first});
  ExpectAnswers(b, bind, {}, true, r::kBindSpecific);
}

// Rule B-BIND-FAMILY (loose).
TEST(BindRules, BindToAPortBoundOnlyByTheOtherFamilyMaySucceedOrBeEaddrinuse) {
  Bench b;
  const SocketId v6 = b.Open(b.admin(), kTcp, Family::kIpv6);
  b.BindAt(b.admin(), v6, 7000);
  const SocketId v4 = b.Open(b.user(), kTcp, Family::kIpv4);
  const call::Bind bind{b.user(), v4, 7000};
  ExpectLoose(b, bind, {E::kWsaEaddrinuse}, OkPort(7000),
              {OkPort(7001), ErrorOutcome(E::kWsaEacces)}, r::kBindOtherFamily);
  b.Observe(bind, OkPort(7000));
  const Binding* binding = b.machine().pool(kTcp).BindingAt(7000);
  ASSERT_NE(binding, nullptr);
  EXPECT_TRUE(binding->ipv4 && binding->ipv6) << "rule B-BIND-FAMILY";
  // A third socket of either family now finds its own family taken.
  const SocketId third = b.Open(b.user(), kTcp, Family::kIpv6);
  ExpectAnswers(b, call::Bind{b.user(), third, 7000}, {E::kWsaEaddrinuse}, false, r::kBindInUse);
}

// Rule B-BIND-RUNTIME-OTHER: WSAEACCES, even for an administrator.
TEST(BindRules, BindIntoAnotherProcesssRuntimeBlockIsEaccesEvenForAnAdministrator) {
  Bench b;
  const SocketId acquiring = b.Open(b.user());
  b.Acquire(b.user(), acquiring, {6000, 4});
  const ProcessId admin2 = b.StartProcess(true);
  for (ProcessId p : {b.admin(), admin2}) {
    const SocketId s = b.Open(p);
    for (uint16_t port : {uint16_t{6000}, uint16_t{6003}}) {
      SCOPED_TRACE(port);
      const call::Bind bind{p, s, port};
      ExpectAnswers(b, bind, {E::kWsaEacces}, false, r::kBindRuntimeOther);
      EXPECT_FALSE(b.Accepts(bind, OkPort(port))) << "rule B-BIND-RUNTIME-OTHER";
    }
    ExpectAnswers(b, call::Bind{p, s, 6004}, {}, true, r::kBindSpecific);
  }
}

// Rule B-BIND-RUNTIME-FAMILY (loose).
TEST(BindRules, BindIntoAnotherProcesssRuntimeBlockOfTheOtherFamilyMaySucceed) {
  Bench b;
  const SocketId acquiring = b.Open(b.user(), kTcp, Family::kIpv6);
  b.Acquire(b.user(), acquiring, {6000, 4});
  const SocketId v4 = b.Open(b.admin(), kTcp, Family::kIpv4);
  ExpectLoose(b, call::Bind{b.admin(), v4, 6002}, {E::kWsaEacces}, OkPort(6002),
              {OkPort(6003), ErrorOutcome(E::kWsaEaddrinuse)}, r::kBindRuntimeOtherFamily);
}

// Rule B-BIND-RUNTIME-OWN (loose).
TEST(BindRules, BindWithoutAssociationIntoTheProcesssOwnRuntimeBlockMaySucceed) {
  Bench b;
  const SocketId acquiring = b.Open(b.user());
  b.Acquire(b.user(), acquiring, {6000, 4});
  for (SocketId s : {acquiring, b.Open(b.user(), kTcp, Family::kIpv6)}) {
    SCOPED_TRACE(s.value);
    ExpectLoose(b, call::Bind{b.user(), s, 6001}, {E::kWsaEacces}, OkPort(6001),
                {OkPort(6000), ErrorOutcome(E::kWsaEaddrinuse)}, r::kBindRuntimeOwn);
  }
}

// Rule B-BIND-PERSISTENT (loose), for elevated and non-elevated binders.
TEST(BindRules, BindWithoutAssociationIntoAPersistentBlockMaySucceedOrBeEacces) {
  Bench b;
  b.Create(kTcp, {5000, 10});
  for (ProcessId p : {b.user(), b.admin()}) {
    const SocketId s = b.Open(p);
    ExpectLoose(b, call::Bind{p, s, 5009}, {E::kWsaEacces}, OkPort(5009),
                {OkPort(5008), ErrorOutcome(E::kWsaEaddrinuse)}, r::kBindPersistent);
  }
}

// Rule B-BIND-SPECIFIC.
TEST(BindRules, BindToAFreePortOutsideEveryBlockGivesThatPort) {
  Bench b;
  b.Create(kTcp, {5000, 10});
  const SocketId s = b.Open(b.user());
  for (uint16_t port :
       {uint16_t{1}, uint16_t{4999}, uint16_t{5010}, uint16_t{50000}, uint16_t{65535}}) {
    SCOPED_TRACE(port);
    const call::Bind bind{b.user(), s, port};
    ExpectAnswers(b, bind, {}, true, r::kBindSpecific);
    EXPECT_FALSE(b.Accepts(bind, OkPort(port == 1 ? 2 : 1))) << "rule B-BIND-SPECIFIC";
    EXPECT_FALSE(b.Accepts(bind, OkOutcome())) << "rule B-BIND-SPECIFIC: no port";
  }
  EXPECT_EQ(b.Run(call::Bind{b.user(), s, 5010}).port, 5010) << "rule B-BIND-SPECIFIC";
}

// Rule B-BIND-EPHEMERAL: port 0 skips persistent and runtime blocks (and
// bound ports) of the protocol, and stays inside the dynamic range.
TEST(BindRules, AnEphemeralBindSkipsPersistentAndRuntimeBlocks) {
  Bench b;
  b.SetDynamicRange(kTcp, {65281, 255});  // 65281-65535
  b.Create(kTcp, {65281, 100});           // persistent 65281-65380
  const SocketId acquiring = b.Open(b.admin());
  b.Acquire(b.admin(), acquiring, {65391, 145});  // runtime 65391-65535
  const SocketId bound = b.Open(b.admin());
  b.BindAt(b.admin(), bound, 65385);
  // Left free: 65381-65384 and 65386-65390.
  const SocketId s = b.Open(b.user());
  const call::Bind bind{b.user(), s, 0};
  ExpectAnswers(b, bind, {}, true, r::kBindEphemeral);
  for (uint16_t port : {uint16_t{65381}, uint16_t{65384}, uint16_t{65386}, uint16_t{65390}}) {
    EXPECT_TRUE(b.Accepts(bind, OkPort(port))) << "rule B-BIND-EPHEMERAL " << port;
  }
  for (uint16_t port : {uint16_t{65281}, uint16_t{65380}, uint16_t{65385}, uint16_t{65391},
                        uint16_t{65535}, uint16_t{65280}, uint16_t{5000}}) {
    EXPECT_FALSE(b.Accepts(bind, OkPort(port))) << "rule B-BIND-EPHEMERAL " << port;
  }
  // The simulator fills exactly the nine free ports.
  std::set<uint16_t> ports;
  for (int i = 0; i < 9; ++i) {
    const SocketId t = b.Open(b.user(), kTcp, i % 2 == 0 ? Family::kIpv4 : Family::kIpv6);
    const Outcome o = b.Run(call::Bind{b.user(), t, 0});
    ASSERT_TRUE(o.port.has_value()) << "rule B-BIND-EPHEMERAL";
    ports.insert(*o.port);
  }
  EXPECT_EQ(ports,
            (std::set<uint16_t>{65381, 65382, 65383, 65384, 65386, 65387, 65388, 65389, 65390}))
      << "rule B-BIND-EPHEMERAL";
}

// Rule B-BIND-EPHEMERAL-EXHAUSTED: WSAENOBUFS only, the code Windows gives
// for "no ephemeral port left" (AQ-9: STATUS_TOO_MANY_ADDRESSES).
TEST(BindRules, AnEphemeralBindWithNoFreePortLeftFailsWithWsaenobufs) {
  Bench b;
  b.SetDynamicRange(kUdp, {65281, 255});
  b.Create(kUdp, {65281, 255});
  const SocketId s = b.Open(b.user(), kUdp);
  const call::Bind bind{b.user(), s, 0};
  ExpectAnswers(b, bind, {E::kWsaEnobufs}, false, r::kBindEphemeralExhausted);
  for (const Outcome& o :
       {ErrorOutcome(E::kWsaEaddrinuse), ErrorOutcome(E::kWsaEinval), OkPort(65300)}) {
    EXPECT_FALSE(b.Accepts(bind, o)) << "rule B-BIND-EPHEMERAL-EXHAUSTED: " << o;
  }
  // TCP's pool still has room.
  const SocketId t = b.Open(b.user(), kTcp);
  b.SetDynamicRange(kTcp, {65281, 255});
  ExpectAnswers(b, call::Bind{b.user(), t, 0}, {}, true, r::kBindEphemeral);
}

// Rule B-BIND-ASSOC-ZERO.
TEST(BindRules, AnAssociatedBindToPortZeroGivesAFreePortOfTheBlock) {
  Bench b;
  const SocketId acquiring = b.Open(b.user());
  const Token token = b.Acquire(b.user(), acquiring, {6000, 3}).second;
  std::set<uint16_t> ports;
  for (int i = 0; i < 3; ++i) {
    const SocketId s = b.Open(b.user());
    b.Associate(b.user(), s, token);
    const call::Bind bind{b.user(), s, 0};
    ExpectAnswers(b, bind, {}, true, r::kBindAssociatedAny);
    EXPECT_FALSE(b.Accepts(bind, OkPort(6003))) << "rule B-BIND-ASSOC-ZERO: outside";
    EXPECT_FALSE(b.Accepts(bind, OkPort(50000))) << "rule B-BIND-ASSOC-ZERO: ephemeral";
    for (uint16_t taken : ports) {
      EXPECT_FALSE(b.Accepts(bind, OkPort(taken))) << "rule B-BIND-ASSOC-ZERO: bound";
    }
    const Outcome o = b.Run(bind);
    ASSERT_TRUE(o.port.has_value()) << "rule B-BIND-ASSOC-ZERO";
    EXPECT_TRUE((PortRange{6000, 3}.contains(*o.port))) << "rule B-BIND-ASSOC-ZERO";
    ports.insert(*o.port);
  }
  EXPECT_EQ(ports.size(), 3u) << "rule B-BIND-ASSOC-ZERO";
}

// Rule B-BIND-ASSOC-FULL (loose).
TEST(BindRules, AnAssociatedBindToPortZeroFailsWhenTheBlockHasNoFreePort) {
  Bench b;
  const Token token = b.Create(kTcp, {5000, 1});
  const SocketId first = b.Open(b.admin());
  b.Associate(b.admin(), first, token);
  b.Observe(call::Bind{b.admin(), first, 0}, OkPort(5000));
  const SocketId second = b.Open(b.admin(), kTcp, Family::kIpv6);
  b.Associate(b.admin(), second, token);
  ExpectLoose(b, call::Bind{b.admin(), second, 0}, {E::kWsaEnobufs, E::kWsaEaddrinuse},
              std::nullopt, {OkPort(5000), OkPort(5001), ErrorOutcome(E::kWsaEinval)},
              r::kBindAssociatedFull);
}

// Rule B-BIND-ASSOC-SPECIFIC.
TEST(BindRules, AnAssociatedBindToAFreePortInsideTheBlockGivesThatPort) {
  Bench b;
  const Token token = b.Create(kTcp, {5000, 10});
  const SocketId s = b.Open(b.admin());
  b.Associate(b.admin(), s, token);
  const call::Bind bind{b.admin(), s, 5007};
  ExpectAnswers(b, bind, {}, true, r::kBindAssociatedSpecific);
  EXPECT_FALSE(b.Accepts(bind, OkPort(5006))) << "rule B-BIND-ASSOC-SPECIFIC";
  EXPECT_EQ(b.Run(bind).port, 5007) << "rule B-BIND-ASSOC-SPECIFIC";
  // Taken by the same family now (B-BIND-INUSE).
  const SocketId again = b.Open(b.admin());
  b.Associate(b.admin(), again, token);
  ExpectAnswers(b, call::Bind{b.admin(), again, 5007}, {E::kWsaEaddrinuse}, false, r::kBindInUse);
}

// Rule B-BIND-ASSOC-OUTSIDE (loose).
TEST(BindRules, AnAssociatedBindToAPortOutsideTheBlockMayFailOrBindAsUnassociated) {
  Bench b;
  const Token token = b.Create(kTcp, {5000, 10});
  const SocketId theirs = b.Open(b.user());
  b.Acquire(b.user(), theirs, {6000, 4});
  const SocketId s = b.Open(b.admin());
  b.Associate(b.admin(), s, token);
  // A free port: the two codes, or the plain bind.
  ExpectLoose(b, call::Bind{b.admin(), s, 7000}, {E::kWsaEinval, E::kWsaEaddrnotavail},
              OkPort(7000), {OkPort(5000), ErrorOutcome(E::kWsaEacces)}, r::kBindAssociatedOutside);
  // A port of another process's runtime block: the plain bind fails too.
  ExpectLoose(b, call::Bind{b.admin(), s, 6001},
              {E::kWsaEinval, E::kWsaEaddrnotavail, E::kWsaEacces}, std::nullopt, {OkPort(6001)},
              r::kBindAssociatedOutside);
}

// Rule B-BIND-ASSOC-GONE (loose): the associated block was released.
TEST(BindRules, AnAssociatedBindAfterTheBlockIsGoneMayUseTheOldBlockOrFail) {
  Bench b;
  const SocketId acquiring = b.Open(b.user());
  const Token token = b.Acquire(b.user(), acquiring, {6000, 4}).second;
  const SocketId s = b.Open(b.user());
  b.Associate(b.user(), s, token);
  b.Run(call::Release{b.user(), acquiring, token});
  ASSERT_TRUE(BlocksOf(b.machine(), kTcp).empty());
  ExpectLoose(b, call::Bind{b.user(), s, 0}, {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval},
              OkPort(6002), {OkPort(6004), OkPort(50000), ErrorOutcome(E::kWsaEacces)},
              r::kBindAssociatedGone);
  ExpectLoose(b, call::Bind{b.user(), s, 6003}, {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval},
              OkPort(6003), {OkPort(6002)}, r::kBindAssociatedGone);
  ExpectLoose(b, call::Bind{b.user(), s, 7000}, {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval},
              std::nullopt, {OkPort(7000)}, r::kBindAssociatedGone);
  // The same when a persistent block is deleted after association.
  const Token persistent = b.Create(kTcp, {5000, 2});
  const SocketId t = b.Open(b.admin());
  b.Associate(b.admin(), t, persistent);
  b.Run(call::DeletePersistent{b.admin(), kTcp, {5000, 2}});
  ExpectLoose(b, call::Bind{b.admin(), t, 0}, {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval},
              OkPort(5001), {OkPort(5002)}, r::kBindAssociatedGone);
}

// Rule B-BIND-ASSOC-GONE with B-BIND-RUNTIME-OTHER: once the associated
// block is gone and another process has reserved the same ports, a bind
// through the stale association must not land in that process's block:
// even an administrator's plain bind there is WSAEACCES.
TEST(BindRules, AStaleAssociationDoesNotReachPortsAnotherProcessNowReserves) {
  Bench b;
  const SocketId acquiring = b.Open(b.user());
  const Token token = b.Acquire(b.user(), acquiring, {6000, 4}).second;
  const SocketId s = b.Open(b.user());
  b.Associate(b.user(), s, token);
  b.Run(call::Release{b.user(), acquiring, token});
  const SocketId theirs = b.Open(b.admin());
  b.Acquire(b.admin(), theirs, {6000, 4});  // the same ports, another process's now
  for (const call::Bind& bind : {call::Bind{b.user(), s, 0}, call::Bind{b.user(), s, 6001}}) {
    EXPECT_FALSE(b.Accepts(bind, OkPort(6001)))
        << "rule B-BIND-ASSOC-GONE: " << DescribeCall(bind)
        << " may not take port 6001 of another process's runtime block 6000-6003 "
           "(B-BIND-RUNTIME-OTHER); the model allows "
        << DescribeExpectation(b.Expect(bind));
  }
}

// Rule B-BIND-ASSOC-GONE: only another process's runtime block of the
// socket's family shuts a stale association out. A block the process itself
// acquired since, a persistent one, or another process's block of the other
// family lets even a plain bind through, so the old ports stay possible.
// (The calls fuzzer found the model refusing these where the table oracle
// allowed them: traces/regression/associated-block-gone-own-block-since.trace.)
TEST(BindRules, AStaleAssociationMayReachPortsThatOnlyPermissiveBlocksHoldNow) {
  Bench b;
  const SocketId s = b.Open(b.user());
  const Token first = b.Acquire(b.user(), s, {6000, 4}).second;
  b.Associate(b.user(), s, first);
  b.Run(call::Release{b.user(), s, first});
  b.Acquire(b.user(), s, {6000, 4});  // the same ports, the same socket, a new token
  ExpectLoose(b, call::Bind{b.user(), s, 0}, {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval},
              OkPort(6001), {OkPort(6004), ErrorOutcome(E::kWsaEacces)}, r::kBindAssociatedGone);
  ExpectLoose(b, call::Bind{b.user(), s, 6002}, {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval},
              OkPort(6002), {OkPort(6001)}, r::kBindAssociatedGone);

  // A persistent block over a deleted one's ports, and another process's
  // IPv6 block over an IPv4 socket's old ports.
  const Token persistent = b.Create(kTcp, {5000, 2});
  const SocketId t = b.Open(b.admin());
  b.Associate(b.admin(), t, persistent);
  b.Run(call::DeletePersistent{b.admin(), kTcp, {5000, 2}});
  b.Create(kTcp, {5000, 2});
  ExpectLoose(b, call::Bind{b.admin(), t, 0}, {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval},
              OkPort(5001), {OkPort(5002)}, r::kBindAssociatedGone);
  const SocketId acquiring = b.Open(b.user());
  const Token runtime = b.Acquire(b.user(), acquiring, {7000, 2}).second;
  const SocketId u = b.Open(b.user());
  b.Associate(b.user(), u, runtime);
  b.Run(call::Release{b.user(), acquiring, runtime});
  const SocketId theirs = b.Open(b.admin(), kTcp, Family::kIpv6);
  b.Acquire(b.admin(), theirs, {7000, 2});
  ExpectLoose(b, call::Bind{b.user(), u, 7001}, {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval},
              OkPort(7001), {OkPort(7000)}, r::kBindAssociatedGone);
}

// Rule B-GETSOCKNAME.
TEST(BindRules, GetsocknameGivesTheBoundPortAndEinvalOnAnUnboundSocket) {
  Bench b;
  const SocketId s = b.Open(b.user(), kUdp, Family::kIpv6);
  const call::GetSockName name{b.user(), s};
  ExpectAnswers(b, name, {E::kWsaEinval}, false, r::kGetSockName);
  const Outcome bound = b.Run(call::Bind{b.user(), s, 0});
  ASSERT_TRUE(bound.port.has_value());
  ExpectAnswers(b, name, {}, true, r::kGetSockName);
  EXPECT_TRUE(b.Accepts(name, OkPort(*bound.port))) << "rule B-GETSOCKNAME";
  EXPECT_FALSE(b.Accepts(name, OkPort(*bound.port + 1))) << "rule B-GETSOCKNAME";
  EXPECT_EQ(b.Run(name).port, bound.port) << "rule B-GETSOCKNAME";
}

// Rule DYN-RANGE-FAMILY: bind(0) takes its port from the range of the
// socket's IP version (netsh int ipv6 show dynamicport is its own range).
TEST(BindRules, AnEphemeralBindUsesTheRangeOfItsSocketsFamily) {
  Bench b;
  b.SetDynamicRange(kTcp, {60000, 255}, Family::kIpv4);
  b.SetDynamicRange(kTcp, {62000, 300}, Family::kIpv6);
  const SocketId v4 = b.Open(b.user(), kTcp, Family::kIpv4);
  const SocketId v6 = b.Open(b.user(), kTcp, Family::kIpv6);
  EXPECT_TRUE(b.Accepts(call::Bind{b.user(), v4, 0}, OkPort(60100))) << "rule DYN-RANGE-FAMILY";
  EXPECT_FALSE(b.Accepts(call::Bind{b.user(), v4, 0}, OkPort(62100))) << "rule DYN-RANGE-FAMILY";
  EXPECT_TRUE(b.Accepts(call::Bind{b.user(), v6, 0}, OkPort(62100))) << "rule DYN-RANGE-FAMILY";
  EXPECT_FALSE(b.Accepts(call::Bind{b.user(), v6, 0}, OkPort(60100))) << "rule DYN-RANGE-FAMILY";
  EXPECT_TRUE(NamesRule(b.Expect(call::Bind{b.user(), v6, 0}), r::kDynamicRangeFamily))
      << "rule DYN-RANGE-FAMILY";
  const Outcome o = b.Run(call::Bind{b.user(), v6, 0});
  ASSERT_TRUE(o.port.has_value());
  EXPECT_TRUE((PortRange{62000, 300}.contains(*o.port))) << "rule DYN-RANGE-FAMILY";
}

// Rule B-BIND-EPHEMERAL-OTHER-PROTOCOL (C3): when the other protocol's
// runtime blocks hold every free port, bind(0) may take one of them or find
// none.
TEST(BindRules, AnEphemeralBindMayKeepOutOfTheOtherProtocolsRuntimeBlocks) {
  Bench b;
  b.SetDynamicRange(kTcp, {65281, 255});
  b.Create(kTcp, {65281, 250});  // TCP leaves 65531-65535
  const SocketId udp = b.Open(b.admin(), kUdp);
  b.Acquire(b.admin(), udp, {65531, 5});  // UDP holds them at runtime
  const SocketId s = b.Open(b.user(), kTcp);
  const call::Bind bind{b.user(), s, 0};
  ExpectLoose(b, bind, {E::kWsaEnobufs}, OkPort(65533), {ErrorOutcome(E::kWsaEaddrinuse)},
              r::kBindEphemeralOtherProtocol);
  // With one free port outside the UDP block, the bind must succeed.
  const SocketId udp2 = b.Open(b.admin(), kUdp);
  b.Run(call::CloseSocket{b.admin(), udp});
  b.Acquire(b.admin(), udp2, {65532, 4});
  ExpectAnswers(b, bind, {}, true, r::kBindEphemeral);
}

// Rule B-BIND-EPHEMERAL-OTHER-FAMILY (U12): when only ports inside runtime
// blocks acquired on the other family are left, bind(0) may take one of
// them or fail; never a port of a block of its own family.
TEST(BindRules, AnEphemeralBindMayTakeAPortOfTheOtherFamilysRuntimeBlock) {
  Bench b;
  b.SetDynamicRange(kTcp, {65281, 255});
  const SocketId v4 = b.Open(b.admin(), kTcp, Family::kIpv4);
  b.Acquire(b.admin(), v4, {65281, 255});  // the whole range, on IPv4
  const SocketId v6 = b.Open(b.user(), kTcp, Family::kIpv6);
  ExpectLoose(b, call::Bind{b.user(), v6, 0}, {E::kWsaEnobufs}, OkPort(65400), {OkPort(65280)},
              r::kBindEphemeralOtherFamily);
  const SocketId other_v4 = b.Open(b.user(), kTcp, Family::kIpv4);
  ExpectAnswers(b, call::Bind{b.user(), other_v4, 0}, {E::kWsaEnobufs}, false,
                r::kBindEphemeralExhausted);
}

// Rule B-BIND-ASSOC-GONE: an association with a token the model did not know
// whose every candidate block has learned another token since named none of
// them: a bind through it gets the three codes, never an empty answer set.
TEST(BindRules, ABindThroughAnUnlearnedTokenWhoseCandidatesAllLearnedOthersFails) {
  // An observer that saw the block before it was watched: its token unknown.
  Machine observer(1);
  ASSERT_TRUE(observer.SeedExisting(kTcp, {5000, 4}, BlockKind::kPersistent).ok());
  // Observed, not run: the simulator would settle the unknown token at once.
  const ProcessId admin{1};
  const SocketId s{1};
  Outcome started;
  started.process = admin;
  ASSERT_TRUE(observer.Observe(call::StartProcess{true}, started).ok());
  Outcome opened;
  opened.socket = s;
  ASSERT_TRUE(observer.Observe(call::OpenSocket{admin, kTcp, Family::kIpv4}, opened).ok());
  const Token bogus = 0x5eed;
  ASSERT_TRUE(observer.Observe(call::Associate{admin, s, bogus}, OkOutcome()).ok())
      << "rule R-ASSOC-UNLEARNED";
  // The block's Lookup tells another token: the association named nothing.
  const absl::Status learned =
      observer.Observe(call::LookupPersistent{admin, kTcp, {5000, 4}}, OkToken(0x77));
  ASSERT_TRUE(learned.ok()) << learned;
  const absl::StatusOr<Expectation> e = observer.Expect(call::Bind{admin, s, 0});
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->answers.empty()) << "rule B-BIND-ASSOC-GONE: an empty answer set";
  EXPECT_EQ(ErrorsOf(*e), (std::set<Error>{E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval}))
      << "rule B-BIND-ASSOC-GONE";
  // The association may also have had no effect (R-ASSOC-UNLEARNED): a plain
  // ephemeral port is allowed too.
  EXPECT_TRUE(AllowsSuccess(*e)) << "rule R-ASSOC-UNLEARNED";
  EXPECT_TRUE(NamesRule(*e, r::kBindAssociatedGone)) << "rule B-BIND-ASSOC-GONE";
}

}  // namespace
}  // namespace portpool::testing
