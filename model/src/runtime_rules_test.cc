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

// Rule R-ACQUIRE-ZERO-COUNT (loose).
TEST(RuntimeRules, AnAcquireOfZeroPortsFails) {
  Bench b;
  const SocketId s = b.Open(b.user());
  for (PortRange request : {PortRange{0, 0}, PortRange{6000, 0}}) {
    SCOPED_TRACE(FormatRange(request));
    ExpectLoose(b, call::Acquire{b.user(), s, request},
                {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval}, std::nullopt,
                {OkBlock({6000, 1}, 0x5), ErrorOutcome(E::kWsaEfault)}, r::kAcquireZeroCount);
  }
}

// Rule R-ACQUIRE-PAST-MAX (loose).
TEST(RuntimeRules, ASpecificAcquirePastPort65535Fails) {
  Bench b;
  const SocketId s = b.Open(b.user());
  ExpectLoose(b, call::Acquire{b.user(), s, {65535, 2}},
              {E::kWsaEnobufs, E::kWsaEaddrinuse, E::kWsaEinval}, std::nullopt,
              {OkBlock({65535, 2}, 0x5), ErrorOutcome(E::kWsaEacces)}, r::kAcquirePastMax);
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
  EXPECT_FALSE(AllowsSuccess(b.Expect(release))) << "rule R-RELEASE-OK: released twice";
}

// Rule R-RELEASE-OTHER-SOCKET (loose).
TEST(RuntimeRules, ReleasingATokenOnAnotherSocketOfTheSameProcessMaySucceedOrFail) {
  Bench b;
  const SocketId s = b.Open(b.user());
  const Token token = b.Acquire(b.user(), s, {6000, 4}).second;
  const SocketId other = b.Open(b.user(), kTcp, Family::kIpv6);
  const call::Release release{b.user(), other, token};
  ExpectLoose(b, release, {E::kWsaEinval, E::kWsaEacces, E::kWsaEfault}, OkOutcome(),
              {ErrorOutcome(E::kWsaEaddrinuse), OkToken(token)}, r::kReleaseOtherSocket);
  Bench released = b;
  released.Observe(release, OkOutcome());
  EXPECT_THAT(BlocksOf(released.machine(), kTcp), IsEmpty()) << "rule R-RELEASE-OTHER-SOCKET";
  b.Observe(release, ErrorOutcome(E::kWsaEinval));
  EXPECT_EQ(BlocksOf(b.machine(), kTcp).size(), 1u) << "rule R-RELEASE-OTHER-SOCKET";
}

// Rule R-RELEASE-INVALID (loose).
TEST(RuntimeRules, ReleasingAnUnknownPersistentOrForeignTokenFails) {
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
                {E::kWsaEinval, E::kWsaEacces, E::kWsaEfault}, std::nullopt,
                {ErrorOutcome(E::kWsaEaddrinuse)}, r::kReleaseInvalid);
    b.Run(call::Release{b.user(), mine, token});
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

// Rule R-ASSOC-INVALID (loose).
TEST(RuntimeRules, AssociatingWithAnUnknownForeignOrOtherProtocolTokenFails) {
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
                {E::kWsaEinval, E::kWsaEacces, E::kWsaEfault}, std::nullopt,
                {ErrorOutcome(E::kWsaEaddrinuse)}, r::kAssociateInvalid);
  }
  // Even an elevated process cannot use another process's runtime token.
  const SocketId admin = b.Open(b.admin());
  const SocketId udp_mine = b.Open(b.user(), kUdp);
  ExpectLoose(b, call::Associate{b.admin(), admin, udp_runtime},
              {E::kWsaEinval, E::kWsaEacces, E::kWsaEfault}, std::nullopt, {},
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
  ExpectLoose(b, associate, {E::kWsaEinval, E::kWsaEacces, E::kWsaEfault}, OkOutcome(),
              {ErrorOutcome(E::kWsaEaddrinuse)}, r::kAssociateAfterBind);
  b.Observe(associate, OkOutcome());
  EXPECT_FALSE(b.machine().socket(bound)->association.has_value()) << "rule R-ASSOC-AFTER-BIND";
  EXPECT_TRUE(b.Accepts(call::GetSockName{b.user(), bound}, OkPort(7000)))
      << "rule R-ASSOC-AFTER-BIND";
}

}  // namespace
}  // namespace portpool::testing
