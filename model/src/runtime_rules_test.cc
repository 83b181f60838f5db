// One test per rule of the runtime reservations (SIO_ACQUIRE /
// SIO_RELEASE / SIO_ASSOCIATE_PORT_RESERVATION, rules R-*). Each test names
// its rule in a comment and in every assertion message. R-ASSOC-UNLEARNED,
// which needs a reboot, is in reboot_test.cc.
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

// Rule R-IOCTL-INBUF (loose).
TEST(RuntimeRules, AnIoctlWithAMissingOrShortInputBufferFailsWithEinvalOrEfault) {
  Bench b;
  const SocketId s = b.Open(b.user());
  const Token token = b.Acquire(b.user(), s, {6000, 4}).second;
  for (uint32_t size : {0u, 2u, 3u}) {
    SCOPED_TRACE(size);
    ExpectLoose(b, call::Acquire{b.user(), s, {7000, 4}, size}, {E::kWsaEinval, E::kWsaEfault},
                std::nullopt, {ErrorOutcome(E::kWsaEacces), OkBlock({7000, 4}, 0x99)},
                r::kIoctlInputBuffer);
  }
  for (uint32_t size : {0u, 4u, 7u}) {
    SCOPED_TRACE(size);
    ExpectLoose(b, call::Release{b.user(), s, token, size}, {E::kWsaEinval, E::kWsaEfault},
                std::nullopt, {ErrorOutcome(E::kWsaEacces)}, r::kIoctlInputBuffer);
    ExpectLoose(b, call::Associate{b.user(), s, token, size}, {E::kWsaEinval, E::kWsaEfault},
                std::nullopt, {ErrorOutcome(E::kWsaEacces)}, r::kIoctlInputBuffer);
  }
  // The exact sizes are enough.
  EXPECT_TRUE(AllowsSuccess(b.Expect(call::Acquire{b.user(), s, {7000, 4}, 4})))
      << "rule R-IOCTL-INBUF";
  EXPECT_TRUE(AllowsSuccess(b.Expect(call::Release{b.user(), s, token, 8})))
      << "rule R-IOCTL-INBUF";
}

// Rule R-ACQUIRE-OUTBUF.
TEST(RuntimeRules, AnAcquireWithAnOutputBufferUnder16BytesIsEinval) {
  Bench b;
  const SocketId s = b.Open(b.user());
  for (uint32_t size : {0u, 8u, 15u}) {
    SCOPED_TRACE(size);
    const call::Acquire acquire{b.user(), s, {6000, 4}, call::kPortRangeSize, size};
    ExpectAnswers(b, acquire, {E::kWsaEinval}, false, r::kAcquireOutputBuffer);
    b.Run(acquire);
  }
  EXPECT_THAT(BlocksOf(b.machine(), kTcp), IsEmpty()) << "rule R-ACQUIRE-OUTBUF";
  ExpectAnswers(b, call::Acquire{b.user(), s, {6000, 4}, 4, 16}, {}, true, r::kAcquireSpecific);
}

// Rule R-ACQUIRE-SPECIFIC.
TEST(RuntimeRules, ASpecificAcquireOfAClearBlockGivesThatBlockWithOrWithoutElevation) {
  Bench b;
  for (ProcessId p : {b.user(), b.admin()}) {
    const SocketId s = b.Open(p);
    const uint16_t start = p == b.user() ? 6000 : 6100;
    const call::Acquire acquire{p, s, {start, 10}};
    ExpectAnswers(b, acquire, {}, true, r::kAcquireSpecific);
    EXPECT_TRUE(b.Accepts(acquire, OkBlock({start, 10}, 0x77))) << "rule R-ACQUIRE-SPECIFIC";
    EXPECT_FALSE(b.Accepts(acquire, OkBlock({static_cast<uint16_t>(start + 1), 10}, 0x77)))
        << "rule R-ACQUIRE-SPECIFIC: another block";
    EXPECT_FALSE(b.Accepts(acquire, OkBlock({start, 10}, kInvalidToken)))
        << "rule R-ACQUIRE-SPECIFIC: token 0";
    const auto [block, token] = b.Acquire(p, s, {start, 10});
    EXPECT_EQ(block, (PortRange{start, 10})) << "rule R-ACQUIRE-SPECIFIC";
    EXPECT_NE(token, kInvalidToken) << "rule R-ACQUIRE-SPECIFIC";
  }
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ElementsAre(Pair(PortRange{6000, 10}, BlockKind::kRuntime),
                          Pair(PortRange{6100, 10}, BlockKind::kRuntime)))
      << "rule R-ACQUIRE-SPECIFIC";
}

// Rule R-ACQUIRE-OVERLAP: against a persistent block (one port at each end
// is enough), the process's own runtime block and another process's.
TEST(RuntimeRules, ASpecificAcquireOverlappingAnyBlockIsEaddrinuse) {
  Bench b;
  b.Create(kTcp, {5000, 10});  // persistent 5000-5009
  const SocketId other = b.Open(b.admin());
  b.Acquire(b.admin(), other, {6000, 10});  // another process's 6000-6009
  const SocketId s = b.Open(b.user());
  b.Acquire(b.user(), s, {7000, 10});  // own 7000-7009
  for (PortRange block :
       {PortRange{5000, 10}, PortRange{4991, 10}, PortRange{5009, 3}, PortRange{6009, 1},
        PortRange{5995, 6}, PortRange{7005, 1}, PortRange{6990, 11}}) {
    SCOPED_TRACE(FormatRange(block));
    ExpectAnswers(b, call::Acquire{b.user(), s, block}, {E::kWsaEaddrinuse}, false,
                  r::kAcquireOverlap);
  }
  // Adjacent blocks and the other protocol are clear.
  for (PortRange block : {PortRange{4990, 10}, PortRange{5010, 5}, PortRange{6010, 1}}) {
    SCOPED_TRACE(FormatRange(block));
    ExpectAnswers(b, call::Acquire{b.user(), s, block}, {}, true, r::kAcquireSpecific);
  }
  const SocketId u = b.Open(b.user(), kUdp);
  ExpectAnswers(b, call::Acquire{b.user(), u, {5000, 10}}, {}, true, r::kAcquireSpecific);
}

// Rule R-ACQUIRE-INUSE.
TEST(RuntimeRules, ASpecificAcquireOverABoundPortIsEaddrinuse) {
  Bench b;
  const SocketId bound = b.Open(b.admin(), kTcp, Family::kIpv6);
  b.BindAt(b.admin(), bound, 8000);
  const SocketId s = b.Open(b.user());
  ExpectAnswers(b, call::Acquire{b.user(), s, {7995, 10}}, {E::kWsaEaddrinuse}, false,
                r::kAcquireInUse);
  ExpectAnswers(b, call::Acquire{b.user(), s, {8000, 1}}, {E::kWsaEaddrinuse}, false,
                r::kAcquireInUse);
  ExpectAnswers(b, call::Acquire{b.user(), s, {8001, 1}}, {}, true, r::kAcquireSpecific);
  // A UDP socket on 8000 does not matter to TCP.
  const SocketId u = b.Open(b.user(), kUdp);
  b.BindAt(b.user(), u, 8100);
  ExpectAnswers(b, call::Acquire{b.user(), s, {8100, 1}}, {}, true, r::kAcquireSpecific);
}

// Rule R-ACQUIRE-WILDCARD: any clear block of the size inside the dynamic
// range is allowed, and nothing else.
TEST(RuntimeRules, AWildcardAcquireGivesAnyClearBlockInsideTheDynamicRange) {
  Bench b;
  b.SetDynamicRange(kTcp, {65000, 536});  // 65000-65535
  b.Create(kTcp, {65100, 10});            // persistent 65100-65109
  const SocketId other = b.Open(b.admin());
  b.Acquire(b.admin(), other, {65200, 10});  // runtime 65200-65209
  const SocketId bound = b.Open(b.admin());
  b.BindAt(b.admin(), bound, 65300);
  const SocketId s = b.Open(b.user());
  const call::Acquire wildcard{b.user(), s, {0, 10}};
  ExpectAnswers(b, wildcard, {}, true, r::kAcquireWildcard);
  for (PortRange block : {PortRange{65000, 10}, PortRange{65090, 10}, PortRange{65110, 10},
                          PortRange{65526, 10}, PortRange{65290, 10}}) {
    EXPECT_TRUE(b.Accepts(wildcard, OkBlock(block, 0x99)))
        << "rule R-ACQUIRE-WILDCARD " << FormatRange(block);
  }
  for (PortRange block : {
           PortRange{64990, 10},  // starts below the dynamic range
           PortRange{64995, 10},  // straddles its start
           PortRange{65091, 10},  // overlaps the persistent block by one port
           PortRange{65109, 10},  // the same at its other end
           PortRange{65195, 10},  // overlaps the runtime block
           PortRange{65295, 10},  // holds the bound port
           PortRange{65000, 11},  // the wrong size
           PortRange{1, 10},      // far outside
       }) {
    EXPECT_FALSE(b.Accepts(wildcard, OkBlock(block, 0x99)))
        << "rule R-ACQUIRE-WILDCARD " << FormatRange(block);
  }
  EXPECT_FALSE(b.Accepts(wildcard, OkBlock({65000, 10}, kInvalidToken)))
      << "rule R-ACQUIRE-WILDCARD: token 0";
  // The simulator's choices obey the same rule, many times over.
  for (int i = 0; i < 40; ++i) {
    const SocketId t = b.Open(b.user());
    const auto [block, token] = b.Acquire(b.user(), t, {0, 3});
    EXPECT_TRUE((PortRange{65000, 536}.contains(block))) << "rule R-ACQUIRE-WILDCARD";
  }
  EXPECT_EQ(b.machine().pool(kTcp).blocks().size(), 42u) << "rule R-ACQUIRE-WILDCARD";
}

// Rule R-ACQUIRE-EXHAUSTED (loose).
TEST(RuntimeRules, AWildcardAcquireWithNoClearBlockLeftFails) {
  Bench b;
  b.SetDynamicRange(kTcp, {65281, 255});
  const SocketId s = b.Open(b.user());
  // Too big for the range at all.
  ExpectLoose(b, call::Acquire{b.user(), s, {0, 256}},
              {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval}, std::nullopt,
              {OkBlock({65281, 255}, 0x5)}, r::kAcquireExhausted);
  // Half the range reserved, the other half with a bound port in its middle.
  b.Create(kTcp, {65281, 128});  // 65281-65408
  const SocketId bound = b.Open(b.admin());
  b.BindAt(b.admin(), bound, 65470);
  ExpectLoose(b, call::Acquire{b.user(), s, {0, 66}},
              {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval}, std::nullopt,
              {ErrorOutcome(E::kWsaEacces)}, r::kAcquireExhausted);
  ExpectAnswers(b, call::Acquire{b.user(), s, {0, 65}}, {}, true, r::kAcquireWildcard);
  // Wildcard blocks fill the rest; then nothing is left.
  EXPECT_EQ(b.Acquire(b.user(), s, {0, 65}).first, (PortRange{65471, 65}))
      << "rule R-ACQUIRE-WILDCARD";
  EXPECT_EQ(b.Acquire(b.user(), s, {0, 61}).first, (PortRange{65409, 61}))
      << "rule R-ACQUIRE-WILDCARD";
  ExpectLoose(b, call::Acquire{b.user(), s, {0, 1}},
              {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval}, std::nullopt, {},
              r::kAcquireExhausted);
}

// Rule R-ACQUIRE-ZERO-COUNT (U3): WSAEINVAL, the catch-all for an input
// that is not acceptable; a success would be a finding.
TEST(RuntimeRules, AnAcquireOfZeroPortsFails) {
  Bench b;
  const SocketId s = b.Open(b.user());
  for (PortRange request : {PortRange{0, 0}, PortRange{6000, 0}}) {
    SCOPED_TRACE(FormatRange(request));
    ExpectLoose(b, call::Acquire{b.user(), s, request}, {E::kWsaEinval}, std::nullopt,
                {OkBlock({6000, 1}, 0x5), ErrorOutcome(E::kWsaEfault), ErrorOutcome(E::kWsaEnobufs),
                 ErrorOutcome(E::kWsaEaddrinuse)},
                r::kAcquireZeroCount);
  }
}

// Rule R-ACQUIRE-PAST-MAX (U3).
TEST(RuntimeRules, ASpecificAcquirePastPort65535Fails) {
  Bench b;
  const SocketId s = b.Open(b.user());
  ExpectLoose(b, call::Acquire{b.user(), s, {65535, 2}}, {E::kWsaEinval}, std::nullopt,
              {OkBlock({65535, 2}, 0x5), ErrorOutcome(E::kWsaEacces), ErrorOutcome(E::kWsaEnobufs),
               ErrorOutcome(E::kWsaEaddrinuse)},
              r::kAcquirePastMax);
  ExpectAnswers(b, call::Acquire{b.user(), s, {65535, 1}}, {}, true, r::kAcquireSpecific);
}

// Rule R-RELEASE-OK: ports already bound from the block stay bound.
TEST(RuntimeRules, ReleasingATokenOnItsAcquiringSocketFreesTheBlock) {
  Bench b;
  const SocketId s = b.Open(b.user());
  const Token token = b.Acquire(b.user(), s, {6000, 4}).second;
  const SocketId user = b.Open(b.user());
  b.Associate(b.user(), user, token);
  b.Observe(call::Bind{b.user(), user, 0}, OkPort(6002));
  const call::Release release{b.user(), s, token};
  ExpectAnswers(b, release, {}, true, r::kReleaseOk);
  b.Run(release);
  EXPECT_THAT(BlocksOf(b.machine(), kTcp), IsEmpty()) << "rule R-RELEASE-OK";
  EXPECT_TRUE(b.Accepts(call::GetSockName{b.user(), user}, OkPort(6002))) << "rule R-RELEASE-OK";
  // The ports are free again, except the bound one; the token is dead.
  ExpectAnswers(b, call::Acquire{b.user(), s, {6000, 2}}, {}, true, r::kAcquireSpecific);
  ExpectAnswers(b, call::Acquire{b.user(), s, {6002, 1}}, {E::kWsaEaddrinuse}, false,
                r::kAcquireInUse);
  // Released twice: R-RELEASE-INVALID, whose success releases nothing.
  EXPECT_THAT(b.Expect(release).Rules(), ::testing::ElementsAre(r::kReleaseInvalid))
      << "rule R-RELEASE-OK: released twice";
}

// Rule R-RELEASE-OTHER-SOCKET (loose).
TEST(RuntimeRules, ReleasingATokenOnAnotherSocketOfTheSameProcessMaySucceedOrFail) {
  Bench b;
  const SocketId s = b.Open(b.user());
  const Token token = b.Acquire(b.user(), s, {6000, 4}).second;
  const SocketId other = b.Open(b.user(), kTcp, Family::kIpv6);
  const call::Release release{b.user(), other, token};
  ExpectLoose(b, release, {E::kWsaEinval, E::kWsaEacces, E::kWsaEaddrinuse}, OkOutcome(),
              {ErrorOutcome(E::kWsaEfault), OkToken(token)}, r::kReleaseOtherSocket);
  Bench released = b;
  released.Observe(release, OkOutcome());
  EXPECT_THAT(BlocksOf(released.machine(), kTcp), IsEmpty()) << "rule R-RELEASE-OTHER-SOCKET";
  b.Observe(release, ErrorOutcome(E::kWsaEinval));
  EXPECT_EQ(BlocksOf(b.machine(), kTcp).size(), 1u) << "rule R-RELEASE-OTHER-SOCKET";
}

// Rule R-RELEASE-INVALID (U4): an error, or a success that releases
// nothing; never WSAEFAULT, which is for bad pointers.
TEST(RuntimeRules, ReleasingAnUnknownPersistentOrForeignTokenFailsOrDoesNothing) {
  Bench b;
  const Token persistent = b.Create(kTcp, {5000, 10});
  const SocketId mine = b.Open(b.user());
  const SocketId theirs = b.Open(b.admin());
  const Token foreign = b.Acquire(b.admin(), theirs, {6000, 4}).second;
  const SocketId udp = b.Open(b.user(), kUdp);
  const Token udp_token = b.Acquire(b.user(), udp, {6100, 4}).second;
  for (Token token : {Token{0}, Token{0xdeadbeef}, persistent, foreign, udp_token}) {
    SCOPED_TRACE(token);
    ExpectLoose(b, call::Release{b.user(), mine, token},
                {E::kWsaEinval, E::kWsaEacces, E::kWsaEaddrinuse}, OkOutcome(),
                {ErrorOutcome(E::kWsaEfault)}, r::kReleaseInvalid);
    b.Observe(call::Release{b.user(), mine, token}, OkOutcome());
  }
  EXPECT_EQ(BlocksOf(b.machine(), kTcp).size(), 2u) << "rule R-RELEASE-INVALID";
  EXPECT_EQ(BlocksOf(b.machine(), kUdp).size(), 1u) << "rule R-RELEASE-INVALID";
}

// Rule R-ASSOC-PERSISTENT.
TEST(RuntimeRules, AnElevatedProcessMayAssociateAnUnboundSocketWithAPersistentToken) {
  Bench b;
  const Token token = b.Create(kTcp, {5000, 10});
  const ProcessId other = b.StartProcess(/*elevated=*/true);  // not the creator
  const SocketId s = b.Open(other, kTcp, Family::kIpv6);
  const call::Associate associate{other, s, token};
  ExpectAnswers(b, associate, {}, true, r::kAssociatePersistent);
  b.Run(associate);
  const Outcome bound = b.Run(call::Bind{other, s, 0});
  ASSERT_TRUE(bound.port.has_value()) << "rule R-ASSOC-PERSISTENT";
  EXPECT_TRUE((PortRange{5000, 10}.contains(*bound.port))) << "rule R-ASSOC-PERSISTENT";
}

// Rule R-ASSOC-ELEVATION.
TEST(RuntimeRules, AssociatingWithAPersistentTokenWithoutElevationIsEacces) {
  Bench b;
  const Token token = b.Create(kTcp, {5000, 10});
  const SocketId s = b.Open(b.user());
  ExpectAnswers(b, call::Associate{b.user(), s, token}, {E::kWsaEacces}, false,
                r::kAssociateElevation);
}

// Rule R-ASSOC-RUNTIME: any socket of the acquiring process, the acquiring
// socket itself included, and without elevation.
TEST(RuntimeRules, AnySocketOfTheAcquiringProcessMayAssociateWithItsRuntimeToken) {
  Bench b;
  const SocketId s = b.Open(b.user());
  const Token token = b.Acquire(b.user(), s, {6000, 4}).second;
  const SocketId second = b.Open(b.user(), kTcp, Family::kIpv6);
  ExpectAnswers(b, call::Associate{b.user(), s, token}, {}, true, r::kAssociateRuntime);
  ExpectAnswers(b, call::Associate{b.user(), second, token}, {}, true, r::kAssociateRuntime);
  b.Run(call::Associate{b.user(), second, token});
  const Outcome bound = b.Run(call::Bind{b.user(), second, 0});
  ASSERT_TRUE(bound.port.has_value()) << "rule R-ASSOC-RUNTIME";
  EXPECT_TRUE((PortRange{6000, 4}.contains(*bound.port))) << "rule R-ASSOC-RUNTIME";
}

// Rule R-ASSOC-INVALID (U4): an error, or a success that associates
// nothing; never WSAEFAULT.
TEST(RuntimeRules, AssociatingWithAnUnknownForeignOrOtherProtocolTokenFailsOrDoesNothing) {
  Bench b;
  const SocketId theirs = b.Open(b.admin());
  const Token foreign = b.Acquire(b.admin(), theirs, {6000, 4}).second;
  const Token udp_persistent = b.Create(kUdp, {5000, 10});
  const SocketId udp = b.Open(b.user(), kUdp);
  const Token udp_runtime = b.Acquire(b.user(), udp, {6100, 4}).second;
  const SocketId mine = b.Open(b.user());
  for (Token token : {Token{0}, Token{0xdeadbeef}, foreign, udp_persistent, udp_runtime}) {
    SCOPED_TRACE(token);
    ExpectLoose(b, call::Associate{b.user(), mine, token},
                {E::kWsaEinval, E::kWsaEacces, E::kWsaEaddrinuse}, OkOutcome(),
                {ErrorOutcome(E::kWsaEfault)}, r::kAssociateInvalid);
    b.Observe(call::Associate{b.user(), mine, token}, OkOutcome());
    EXPECT_FALSE(b.machine().socket(mine)->associated()) << "rule R-ASSOC-INVALID";
  }
  // A bind through the socket is a plain one.
  ExpectAnswers(b, call::Bind{b.user(), mine, 0}, {}, true, r::kBindEphemeral);
  // Even an elevated process cannot use another process's runtime token.
  const SocketId admin = b.Open(b.admin());
  const SocketId udp_mine = b.Open(b.user(), kUdp);
  ExpectLoose(b, call::Associate{b.admin(), admin, udp_runtime},
              {E::kWsaEinval, E::kWsaEacces, E::kWsaEaddrinuse}, OkOutcome(), {},
              r::kAssociateInvalid);
  ExpectAnswers(b, call::Associate{b.user(), udp_mine, udp_runtime}, {}, true,
                r::kAssociateRuntime);
}

// Rule R-ASSOC-AFTER-BIND (loose): success has no effect.
TEST(RuntimeRules, AssociatingABoundSocketFailsOrSucceedsWithNoEffect) {
  Bench b;
  const SocketId s = b.Open(b.user());
  const Token token = b.Acquire(b.user(), s, {6000, 4}).second;
  const SocketId bound = b.Open(b.user());
  b.BindAt(b.user(), bound, 7000);
  const call::Associate associate{b.user(), bound, token};
  ExpectLoose(b, associate, {E::kWsaEinval, E::kWsaEacces, E::kWsaEaddrinuse}, OkOutcome(),
              {ErrorOutcome(E::kWsaEfault)}, r::kAssociateAfterBind);
  b.Observe(associate, OkOutcome());
  EXPECT_FALSE(b.machine().socket(bound)->associated()) << "rule R-ASSOC-AFTER-BIND";
  EXPECT_TRUE(b.Accepts(call::GetSockName{b.user(), bound}, OkPort(7000)))
      << "rule R-ASSOC-AFTER-BIND";
}

// Rule R-ACQUIRE-BOUND (AQ-5, M6): an acquire on a bound socket may be
// refused with a U4 code, or answered as on an unbound socket.
TEST(RuntimeRules, AnAcquireOnABoundSocketMayFailOrGoAhead) {
  Bench b;
  const SocketId s = b.Open(b.user());
  b.BindAt(b.user(), s, 7000);
  const call::Acquire acquire{b.user(), s, {6000, 4}};
  ExpectLoose(b, acquire, {E::kWsaEinval, E::kWsaEacces, E::kWsaEaddrinuse},
              OkBlock({6000, 4}, 0x77), {ErrorOutcome(E::kWsaEfault), OkBlock({6001, 4}, 0x77)},
              r::kAcquireBound);
  // An unbound socket has no such choice.
  const SocketId fresh = b.Open(b.user());
  ExpectAnswers(b, call::Acquire{b.user(), fresh, {6000, 4}}, {}, true, r::kAcquireSpecific);
}

// Rule R-ACQUIRE-OTHER-PROTOCOL (C3): a specific acquire over the other
// protocol's runtime block may fail with WSAEADDRINUSE or succeed; over its
// persistent block it succeeds (POOL-PER-PROTOCOL).
TEST(RuntimeRules, ASpecificAcquireOverTheOtherProtocolsRuntimeBlockMayFail) {
  Bench b;
  const SocketId udp = b.Open(b.admin(), kUdp);
  b.Acquire(b.admin(), udp, {6000, 4});
  b.Create(kUdp, {7000, 4});
  const SocketId tcp = b.Open(b.user(), kTcp);
  ExpectLoose(b, call::Acquire{b.user(), tcp, {6002, 4}}, {E::kWsaEaddrinuse},
              OkBlock({6002, 4}, 0x99), {ErrorOutcome(E::kWsaEacces)}, r::kAcquireOtherProtocol);
  ExpectAnswers(b, call::Acquire{b.user(), tcp, {7000, 4}}, {}, true, r::kAcquireSpecific);
}

// Rule R-ACQUIRE-OTHER-FAMILY (U12): a specific acquire whose only conflict
// is a runtime block acquired on the other family may fail or succeed; the
// two blocks then coexist, and each answers to its own token.
TEST(RuntimeRules, ASpecificAcquireOverAnotherFamilysRuntimeBlockMayFailOrSucceed) {
  Bench b;
  const SocketId v4 = b.Open(b.admin(), kTcp, Family::kIpv4);
  const Token first = b.Acquire(b.admin(), v4, {6000, 10}).second;
  const SocketId v6 = b.Open(b.user(), kTcp, Family::kIpv6);
  const call::Acquire acquire{b.user(), v6, {6005, 10}};
  ExpectLoose(b, acquire, {E::kWsaEaddrinuse}, OkBlock({6005, 10}, 0x66),
              {ErrorOutcome(E::kWsaEacces), OkBlock({6006, 10}, 0x66)}, r::kAcquireOtherFamily);
  // The same family conflicts always.
  const SocketId v4_user = b.Open(b.user(), kTcp, Family::kIpv4);
  ExpectAnswers(b, call::Acquire{b.user(), v4_user, {6005, 10}}, {E::kWsaEaddrinuse}, false,
                r::kAcquireOverlap);
  b.Observe(acquire, OkBlock({6005, 10}, 0x66));
  EXPECT_EQ(b.machine().pool(kTcp).overlay().size(), 1u) << "rule R-ACQUIRE-OTHER-FAMILY";
  // Both blocks are live: each token associates and releases its own.
  const SocketId assoc = b.Open(b.user(), kTcp, Family::kIpv6);
  b.Associate(b.user(), assoc, 0x66);
  const call::Bind bind{b.user(), assoc, 0};
  EXPECT_TRUE(b.Accepts(bind, OkPort(6014))) << "rule R-ACQUIRE-OTHER-FAMILY";
  EXPECT_FALSE(b.Accepts(bind, OkPort(6004))) << "rule R-ACQUIRE-OTHER-FAMILY";
  // A Create over either is a sharing violation; a bind of the admin's IPv4
  // socket family into the user's IPv6 block is B-BIND-RUNTIME-FAMILY.
  ExpectAnswers(b, call::CreatePersistent{b.admin(), kTcp, {6012, 1}}, {E::kSharingViolation},
                false, r::kCreateRuntime);
  const SocketId probe = b.Open(b.admin(), kTcp, Family::kIpv4);
  EXPECT_TRUE(NamesRule(b.Expect(call::Bind{b.admin(), probe, 6012}), r::kBindRuntimeOtherFamily))
      << "rule R-ACQUIRE-OTHER-FAMILY";
  b.Observe(call::Release{b.admin(), v4, first}, OkOutcome());
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ::testing::ElementsAre(::testing::Pair(PortRange{6005, 10}, BlockKind::kRuntime)))
      << "rule R-ACQUIRE-OTHER-FAMILY";
  // The ports the IPv4 block alone held are free again.
  ExpectAnswers(b, call::Acquire{b.admin(), v4, {6000, 5}}, {}, true, r::kAcquireSpecific);
}

// Rule R-ACQUIRE-OTHER-FAMILY (U12): a wildcard acquire whose only room lies
// over runtime blocks of the other family may take it, or fail.
TEST(RuntimeRules, AWildcardAcquireMayLandOverAnotherFamilysRuntimeBlock) {
  Bench b;
  b.SetDynamicRange(kTcp, {65281, 255});
  const SocketId v4 = b.Open(b.admin(), kTcp, Family::kIpv4);
  b.Acquire(b.admin(), v4, {65281, 255});
  const SocketId v6 = b.Open(b.user(), kTcp, Family::kIpv6);
  const call::Acquire wildcard{b.user(), v6, {0, 10}};
  ExpectLoose(b, wildcard, {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval},
              OkBlock({65300, 10}, 0x42), {OkBlock({65270, 10}, 0x42)}, r::kAcquireOtherFamily);
  const Outcome o = b.Run(wildcard);
  if (o.ok()) {
    EXPECT_TRUE((PortRange{65281, 255}.contains(*o.block))) << "rule R-ACQUIRE-OTHER-FAMILY";
  }
  const SocketId v4_user = b.Open(b.user(), kTcp, Family::kIpv4);
  ExpectAnswers(b, call::Acquire{b.user(), v4_user, {0, 10}},
                {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval}, false, r::kAcquireExhausted);
}

// Rule R-IOCTL-OUTBUF (M7): release and associate document that the output
// buffer must be set to zero; with a non-zero size Windows may refuse with
// WSAEINVAL or answer as usual.
TEST(RuntimeRules, ReleaseAndAssociateWithAnOutputBufferMayBeRefused) {
  Bench b;
  const SocketId s = b.Open(b.user());
  const Token token = b.Acquire(b.user(), s, {6000, 4}).second;
  const SocketId other = b.Open(b.user());
  call::Associate associate{b.user(), other, token};
  associate.out_size = 8;
  ExpectLoose(b, associate, {E::kWsaEinval}, OkOutcome(), {ErrorOutcome(E::kWsaEfault)},
              r::kIoctlOutputBuffer);
  call::Release release{b.user(), s, token};
  release.out_size = 16;
  ExpectLoose(b, release, {E::kWsaEinval}, OkOutcome(), {ErrorOutcome(E::kWsaEacces)},
              r::kIoctlOutputBuffer);
  release.out_size = 0;
  ExpectAnswers(b, release, {}, true, r::kReleaseOk);
}

// Rule R-ASSOC-TWICE (U4): a second associate of an unbound socket may fail
// with a U4 code; if it succeeds, a bind may go through either association.
TEST(RuntimeRules, AssociatingASocketTwiceMayFailOrLeaveEitherAssociation) {
  Bench b;
  const SocketId s = b.Open(b.user());
  const Token first = b.Acquire(b.user(), s, {6000, 2}).second;
  const Token second = b.Acquire(b.user(), s, {7000, 2}).second;
  const SocketId t = b.Open(b.user());
  b.Associate(b.user(), t, first);
  const call::Associate again{b.user(), t, second};
  ExpectLoose(b, again, {E::kWsaEinval, E::kWsaEacces, E::kWsaEaddrinuse}, OkOutcome(),
              {ErrorOutcome(E::kWsaEfault)}, r::kAssociateTwice);
  Bench refused = b;
  refused.Observe(again, ErrorOutcome(E::kWsaEinval));
  EXPECT_TRUE(refused.Accepts(call::Bind{b.user(), t, 0}, OkPort(6001))) << "rule R-ASSOC-TWICE";
  EXPECT_FALSE(refused.Accepts(call::Bind{b.user(), t, 0}, OkPort(7001))) << "rule R-ASSOC-TWICE";
  b.Observe(again, OkOutcome());
  EXPECT_TRUE(b.Accepts(call::Bind{b.user(), t, 0}, OkPort(6001))) << "rule R-ASSOC-TWICE";
  EXPECT_TRUE(b.Accepts(call::Bind{b.user(), t, 0}, OkPort(7001))) << "rule R-ASSOC-TWICE";
  EXPECT_FALSE(b.Accepts(call::Bind{b.user(), t, 0}, OkPort(8001))) << "rule R-ASSOC-TWICE";
}

}  // namespace
}  // namespace portpool::testing
