// One test per rule of the persistent reservations (P-*), plus the pool and
// token rules they rest on (POOL-PER-PROTOCOL, TOKEN-UNIQUE). Each test
// names its rule in a comment and in every assertion message.
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

call::CreatePersistent Create(ProcessId p, PortRange block, Protocol protocol = kTcp) {
  return call::CreatePersistent{p, protocol, block, false};
}
call::LookupPersistent Lookup(ProcessId p, PortRange block, Protocol protocol = kTcp) {
  return call::LookupPersistent{p, protocol, block, false};
}
call::DeletePersistent Delete(ProcessId p, PortRange block, Protocol protocol = kTcp) {
  return call::DeletePersistent{p, protocol, block};
}

// Rule P-CREATE-ELEVATION.
TEST(PersistentRules, CreateByANonElevatedProcessIsAccessDenied) {
  Bench b;
  const auto create = Create(b.user(), {5000, 10});
  ExpectAnswers(b, create, {E::kAccessDenied}, false, r::kCreateElevation);
  EXPECT_FALSE(b.Accepts(create, OkToken(0x42))) << "rule P-CREATE-ELEVATION";
  EXPECT_EQ(b.Run(create).error, E::kAccessDenied) << "rule P-CREATE-ELEVATION";
  EXPECT_THAT(BlocksOf(b.machine(), kTcp), IsEmpty()) << "rule P-CREATE-ELEVATION";
}

// Rule P-CREATE-ZERO.
TEST(PersistentRules, CreateWithAZeroStartPortOrNumberOfPortsIsInvalidParameter) {
  Bench b;
  for (PortRange block : {PortRange{0, 10}, PortRange{5000, 0}, PortRange{0, 0}}) {
    SCOPED_TRACE(FormatRange(block));
    ExpectAnswers(b, Create(b.admin(), block), {E::kInvalidParameter}, false, r::kCreateZero);
    ExpectAnswers(b, Create(b.admin(), block, kUdp), {E::kInvalidParameter}, false, r::kCreateZero);
  }
}

// Rule P-CREATE-PAST-MAX, at the 65535 boundary.
TEST(PersistentRules, CreateEndingAt65535SucceedsButOnePortMoreIsInvalidParameter) {
  Bench b;
  // Start 65535 count 2 runs past the top: ERROR_INVALID_PARAMETER.
  ExpectAnswers(b, Create(b.admin(), {65535, 2}), {E::kInvalidParameter}, false, r::kCreatePastMax);
  ExpectAnswers(b, Create(b.admin(), {65530, 7}), {E::kInvalidParameter}, false, r::kCreatePastMax);
  ExpectAnswers(b, Create(b.admin(), {2, 65535}), {E::kInvalidParameter}, false, r::kCreatePastMax);
  // Ending exactly at 65535 is fine: start 65535 count 1, and 1..65535.
  ExpectAnswers(b, Create(b.admin(), {65530, 6}), {}, true, r::kCreateOk);
  ExpectAnswers(b, Create(b.admin(), {1, 65535}), {}, true, r::kCreateOk);
  ExpectAnswers(b, Create(b.admin(), {65535, 1}), {}, true, r::kCreateOk);
  const Token token = b.Create(kTcp, {65535, 1});
  EXPECT_NE(token, kInvalidToken) << "rule P-CREATE-PAST-MAX";
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ElementsAre(Pair(PortRange{65535, 1}, BlockKind::kPersistent)))
      << "rule P-CREATE-PAST-MAX";
}

// Rule P-CREATE-OVERLAP, including an overlap of one port at each end.
TEST(PersistentRules, CreateOverlappingAPersistentBlockEvenByOnePortIsASharingViolation) {
  Bench b;
  b.Create(kTcp, {5000, 10});  // 5000-5009
  for (PortRange block : {
           PortRange{5000, 10},  // the same block
           PortRange{4991, 10},  // 4991-5000: its first port
           PortRange{5009, 5},   // 5009-5013: its last port
           PortRange{5003, 2},   // inside
           PortRange{4990, 30},  // around
       }) {
    SCOPED_TRACE(FormatRange(block));
    ExpectAnswers(b, Create(b.admin(), block), {E::kSharingViolation}, false, r::kCreateOverlap);
  }
  // Adjacent blocks do not overlap.
  ExpectAnswers(b, Create(b.admin(), {4990, 10}), {}, true, r::kCreateOk);
  ExpectAnswers(b, Create(b.admin(), {5010, 3}), {}, true, r::kCreateOk);
}

// Rule P-CREATE-RUNTIME: a runtime block (another process's, acquired
// without elevation) keeps Create off its ports until its socket closes.
TEST(PersistentRules, CreateOverlappingARuntimeBlockIsASharingViolation) {
  Bench b;
  const SocketId s = b.Open(b.user());
  b.Acquire(b.user(), s, {6000, 10});  // 6000-6009
  for (PortRange block :
       {PortRange{6000, 10}, PortRange{5991, 10}, PortRange{6009, 1}, PortRange{5000, 2000}}) {
    SCOPED_TRACE(FormatRange(block));
    ExpectAnswers(b, Create(b.admin(), block), {E::kSharingViolation}, false, r::kCreateRuntime);
  }
  ExpectAnswers(b, Create(b.admin(), {6010, 1}), {}, true, r::kCreateOk);
  // A wildcard runtime block counts the same.
  const SocketId w = b.Open(b.user());
  const auto [wildcard, token] = b.Acquire(b.user(), w, {0, 4});
  ExpectAnswers(b, Create(b.admin(), wildcard), {E::kSharingViolation}, false, r::kCreateRuntime);
  // Closing the acquiring socket frees the ports (SOCK-CLOSE).
  b.Run(call::CloseSocket{b.user(), s});
  ExpectAnswers(b, Create(b.admin(), {6000, 10}), {}, true, r::kCreateOk);
}

// Rule P-CREATE-INUSE: a port bound by a socket of the protocol, of any
// process and either family, keeps Create off it.
TEST(PersistentRules, CreateOverABoundPortIsASharingViolation) {
  Bench b;
  const SocketId v4 = b.Open(b.user(), kTcp, Family::kIpv4);
  b.BindAt(b.user(), v4, 7000);
  const SocketId v6 = b.Open(b.user(), kTcp, Family::kIpv6);
  b.BindAt(b.user(), v6, 7100);
  ExpectAnswers(b, Create(b.admin(), {6995, 10}), {E::kSharingViolation}, false, r::kCreateInUse);
  ExpectAnswers(b, Create(b.admin(), {7000, 1}), {E::kSharingViolation}, false, r::kCreateInUse);
  ExpectAnswers(b, Create(b.admin(), {7100, 1}), {E::kSharingViolation}, false, r::kCreateInUse);
  // An ephemeral port counts too.
  const SocketId e = b.Open(b.user());
  const Outcome bound = b.Run(call::Bind{b.user(), e, 0});
  ASSERT_TRUE(bound.port.has_value());
  ExpectAnswers(b, Create(b.admin(), {*bound.port, 1}), {E::kSharingViolation}, false,
                r::kCreateInUse);
  // Not the other protocol's pool (POOL-PER-PROTOCOL), and not once closed.
  ExpectAnswers(b, Create(b.admin(), {7000, 1}, kUdp), {}, true, r::kCreateOk);
  b.Run(call::CloseSocket{b.user(), v4});
  ExpectAnswers(b, Create(b.admin(), {6995, 10}), {}, true, r::kCreateOk);
}

// Rule P-CREATE-OK.
TEST(PersistentRules, CreateOfAClearBlockGivesANewNonZeroToken) {
  Bench b;
  const SocketId s = b.Open(b.user());
  const Token runtime = b.Acquire(b.user(), s, {6000, 1}).second;
  const auto create = Create(b.admin(), {5000, 10});
  ExpectAnswers(b, create, {}, true, r::kCreateOk);
  EXPECT_TRUE(b.Accepts(create, OkToken(0x1234))) << "rule P-CREATE-OK";
  EXPECT_FALSE(b.Accepts(create, OkToken(kInvalidToken))) << "rule P-CREATE-OK: token 0";
  EXPECT_FALSE(b.Accepts(create, OkToken(runtime))) << "rule P-CREATE-OK: a live token";
  EXPECT_FALSE(b.Accepts(create, OkOutcome())) << "rule P-CREATE-OK: no token";
  EXPECT_FALSE(b.Accepts(create, OkBlock({5000, 10}, 0x1234))) << "rule P-CREATE-OK: a block";
  const Token token = b.Create(kTcp, {5000, 10});
  EXPECT_NE(token, kInvalidToken) << "rule P-CREATE-OK";
  EXPECT_NE(token, runtime) << "rule P-CREATE-OK";
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ElementsAre(Pair(PortRange{5000, 10}, BlockKind::kPersistent),
                          Pair(PortRange{6000, 1}, BlockKind::kRuntime)))
      << "rule P-CREATE-OK";
}

// Rule P-CREATE-NULL-TOKEN (loose).
TEST(PersistentRules, CreateWithANullTokenPointerAllowsEveryPlausibleAnswer) {
  Bench b;
  const call::CreatePersistent create{b.admin(), kTcp, {5000, 10}, /*null_token=*/true};
  ExpectLoose(b, create, {E::kInvalidParameter, E::kNoAccess}, OkOutcome(),
              {OkToken(0x55), ErrorOutcome(E::kSharingViolation), ErrorOutcome(E::kNotFound)},
              r::kCreateNullToken);
  // Where another rule forbids success, only error codes remain.
  b.Create(kTcp, {5005, 1});
  ExpectLoose(b, create, {E::kSharingViolation, E::kInvalidParameter, E::kNoAccess}, std::nullopt,
              {OkToken(0x55)}, r::kCreateNullToken);
  // Success without a token still reserves the block; its token can be
  // looked up (the simulator settles it at once).
  Bench c;
  c.Observe(create, OkOutcome());
  EXPECT_THAT(BlocksOf(c.machine(), kTcp),
              ElementsAre(Pair(PortRange{5000, 10}, BlockKind::kPersistent)))
      << "rule P-CREATE-NULL-TOKEN";
  const Outcome found = c.Run(Lookup(c.admin(), {5000, 10}));
  EXPECT_EQ(found.error, E::kNoError) << "rule P-CREATE-NULL-TOKEN";
  EXPECT_NE(found.token.value_or(kInvalidToken), kInvalidToken) << "rule P-CREATE-NULL-TOKEN";
}

// Rule P-ERROR-ORDER (loose): several failing rules allow each of their
// codes, and only those.
TEST(PersistentRules, WhenSeveralErrorRulesApplyAnyOfTheirCodesIsAllowed) {
  Bench b;
  const auto create = Create(b.user(), {0, 10});  // not elevated, and zero
  ExpectLoose(b, create, {E::kAccessDenied, E::kInvalidParameter}, std::nullopt,
              {ErrorOutcome(E::kNotFound), ErrorOutcome(E::kSharingViolation)}, r::kErrorOrder);
  const auto del = Delete(b.user(), {5000, 1});  // not elevated, and no such block
  ExpectLoose(b, del, {E::kAccessDenied, E::kNotFound}, std::nullopt,
              {ErrorOutcome(E::kInvalidParameter)}, r::kErrorOrder);
  // One failing rule alone does not name P-ERROR-ORDER.
  EXPECT_FALSE(NamesRule(b.Expect(Create(b.admin(), {0, 10})), r::kErrorOrder))
      << "rule P-ERROR-ORDER";
}

// Rule P-LOOKUP-ZERO.
TEST(PersistentRules, LookupWithAZeroStartPortOrNumberOfPortsIsInvalidParameter) {
  Bench b;
  b.Create(kTcp, {5000, 10});
  for (PortRange block : {PortRange{0, 10}, PortRange{5000, 0}}) {
    SCOPED_TRACE(FormatRange(block));
    ExpectAnswers(b, Lookup(b.admin(), block), {E::kInvalidParameter}, false, r::kLookupZero);
  }
}

// Rule P-LOOKUP-EXACT.
TEST(PersistentRules, LookupFindsOnlyAPersistentBlockWithExactlyThatStartAndCount) {
  Bench b;
  b.Create(kTcp, {5000, 10});
  const SocketId s = b.Open(b.user());
  b.Acquire(b.user(), s, {6000, 4});
  for (PortRange block : {PortRange{5000, 9}, PortRange{5000, 11}, PortRange{5001, 9},
                          PortRange{4999, 10}, PortRange{5005, 1}, PortRange{6000, 4}}) {
    SCOPED_TRACE(FormatRange(block));
    ExpectAnswers(b, Lookup(b.admin(), block), {E::kNotFound}, false, r::kLookupExact);
  }
  ExpectAnswers(b, Lookup(b.admin(), {5000, 10}, kUdp), {E::kNotFound}, false, r::kLookupExact);
  ExpectAnswers(b, Lookup(b.admin(), {5000, 10}), {}, true, r::kLookupToken);
}

// Rule P-LOOKUP-TOKEN.
TEST(PersistentRules, LookupReturnsTheTokenCreateReturned) {
  Bench b;
  const Token token = b.Create(kTcp, {5000, 10});
  const auto lookup = Lookup(b.admin(), {5000, 10});
  ExpectAnswers(b, lookup, {}, true, r::kLookupToken);
  EXPECT_TRUE(b.Accepts(lookup, OkToken(token))) << "rule P-LOOKUP-TOKEN";
  EXPECT_FALSE(b.Accepts(lookup, OkToken(token + 1))) << "rule P-LOOKUP-TOKEN";
  EXPECT_FALSE(b.Accepts(lookup, OkOutcome())) << "rule P-LOOKUP-TOKEN";
  EXPECT_EQ(b.Run(lookup).token, token) << "rule P-LOOKUP-TOKEN";
  const ProcessId other = b.StartProcess(true);
  EXPECT_EQ(b.Run(Lookup(other, {5000, 10})).token, token) << "rule P-LOOKUP-TOKEN";
}

// Rule P-LOOKUP-ELEVATION (LK-4): Lookup needs no administrator, so a
// non-elevated caller gets exactly the elevated caller's answer, never
// ERROR_ACCESS_DENIED (which the simulator never gives either).
TEST(PersistentRules, LookupByANonElevatedProcessIsAnsweredAsForAnElevatedOne) {
  Bench b;
  const Token token = b.Create(kTcp, {5000, 10});
  ExpectAnswers(b, Lookup(b.user(), {5000, 10}), {}, true, r::kLookupToken);
  EXPECT_TRUE(b.Accepts(Lookup(b.user(), {5000, 10}), OkToken(token))) << "rule P-LOOKUP-ELEVATION";
  EXPECT_FALSE(b.Accepts(Lookup(b.user(), {5000, 10}), ErrorOutcome(E::kAccessDenied)))
      << "rule P-LOOKUP-ELEVATION";
  EXPECT_TRUE(NamesRule(b.Expect(Lookup(b.user(), {5000, 10})), r::kLookupElevation))
      << "rule P-LOOKUP-ELEVATION";
  ExpectAnswers(b, Lookup(b.user(), {6000, 10}), {E::kNotFound}, false, r::kLookupExact);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(b.Run(Lookup(b.user(), {5000, 10})).token, token) << "rule P-LOOKUP-ELEVATION";
  }
}

// Rule P-LOOKUP-PAST-MAX (loose).
TEST(PersistentRules, LookupPastPort65535IsInvalidParameterOrNotFound) {
  Bench b;
  ExpectLoose(b, Lookup(b.admin(), {65535, 2}), {E::kInvalidParameter, E::kNotFound}, std::nullopt,
              {ErrorOutcome(E::kAccessDenied), OkToken(0x77)}, r::kLookupPastMax);
}

// Rule P-LOOKUP-NULL-TOKEN (loose).
TEST(PersistentRules, LookupWithANullTokenPointerAllowsEveryPlausibleAnswer) {
  Bench b;
  const Token token = b.Create(kTcp, {5000, 10});
  const call::LookupPersistent found{b.admin(), kTcp, {5000, 10}, /*null_token=*/true};
  ExpectLoose(b, found, {E::kInvalidParameter, E::kNoAccess}, OkOutcome(),
              {OkToken(token), ErrorOutcome(E::kNotFound)}, r::kLookupNullToken);
  const call::LookupPersistent missing{b.admin(), kTcp, {6000, 10}, /*null_token=*/true};
  ExpectLoose(b, missing, {E::kInvalidParameter, E::kNoAccess, E::kNotFound}, std::nullopt,
              {OkToken(token)}, r::kLookupNullToken);
}

// Rule P-DELETE-ELEVATION.
TEST(PersistentRules, DeleteByANonElevatedProcessIsAccessDenied) {
  Bench b;
  b.Create(kTcp, {5000, 10});
  const auto del = Delete(b.user(), {5000, 10});
  ExpectAnswers(b, del, {E::kAccessDenied}, false, r::kDeleteElevation);
  b.Run(del);
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ElementsAre(Pair(PortRange{5000, 10}, BlockKind::kPersistent)))
      << "rule P-DELETE-ELEVATION";
}

// Rule P-DELETE-ZERO.
TEST(PersistentRules, DeleteWithAZeroStartPortOrNumberOfPortsIsInvalidParameter) {
  Bench b;
  for (PortRange block : {PortRange{0, 10}, PortRange{5000, 0}}) {
    SCOPED_TRACE(FormatRange(block));
    ExpectAnswers(b, Delete(b.admin(), block), {E::kInvalidParameter}, false, r::kDeleteZero);
  }
}

// Rule P-DELETE-EXACT.
TEST(PersistentRules, DeleteFindsOnlyABlockWithExactlyThatStartAndCount) {
  Bench b;
  b.Create(kTcp, {5000, 10});
  for (PortRange block : {PortRange{5000, 9}, PortRange{5000, 11}, PortRange{5001, 9},
                          PortRange{4999, 11}, PortRange{7000, 1}}) {
    SCOPED_TRACE(FormatRange(block));
    const auto del = Delete(b.admin(), block);
    ExpectAnswers(b, del, {E::kNotFound}, false, r::kDeleteExact);
    b.Run(del);
  }
  ExpectAnswers(b, Delete(b.admin(), {5000, 10}, kUdp), {E::kNotFound}, false, r::kDeleteExact);
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ElementsAre(Pair(PortRange{5000, 10}, BlockKind::kPersistent)))
      << "rule P-DELETE-EXACT";
}

// Rule P-DELETE-OK.
TEST(PersistentRules, DeleteOfAPersistentBlockSucceedsAndFreesItsPorts) {
  Bench b;
  const Token old = b.Create(kTcp, {5000, 10});
  const auto del = Delete(b.admin(), {5000, 10});
  ExpectAnswers(b, del, {}, true, r::kDeleteOk);
  EXPECT_FALSE(b.Accepts(del, OkToken(old))) << "rule P-DELETE-OK: Delete returns no token";
  EXPECT_EQ(b.Run(del).error, E::kNoError) << "rule P-DELETE-OK";
  EXPECT_THAT(BlocksOf(b.machine(), kTcp), IsEmpty()) << "rule P-DELETE-OK";
  ExpectAnswers(b, Lookup(b.admin(), {5000, 10}), {E::kNotFound}, false, r::kLookupExact);
  // The ports are free for new reservations of either kind.
  const SocketId s = b.Open(b.user());
  ExpectAnswers(b, call::Acquire{b.user(), s, {5000, 10}}, {}, true, r::kAcquireSpecific);
  const Token again = b.Create(kTcp, {5000, 10});
  EXPECT_NE(again, kInvalidToken) << "rule P-DELETE-OK";
}

// Rule P-DELETE-PAST-MAX (loose).
TEST(PersistentRules, DeletePastPort65535IsInvalidParameterOrNotFound) {
  Bench b;
  ExpectLoose(b, Delete(b.admin(), {65535, 2}), {E::kInvalidParameter, E::kNotFound}, std::nullopt,
              {ErrorOutcome(E::kAccessDenied)}, r::kDeletePastMax);
}

// Rule P-DELETE-INUSE (loose): with a socket bound inside, Delete may
// succeed (the socket keeps its port) or fail with a sharing violation.
TEST(PersistentRules, DeleteOfABlockWithABoundPortMaySucceedOrBeASharingViolation) {
  Bench b;
  const Token token = b.Create(kTcp, {5000, 10});
  const SocketId s = b.Open(b.admin());
  b.Associate(b.admin(), s, token);
  b.Observe(call::Bind{b.admin(), s, 0}, OkPort(5003));
  const auto del = Delete(b.admin(), {5000, 10});
  ExpectLoose(b, del, {E::kSharingViolation}, OkOutcome(),
              {ErrorOutcome(E::kNotFound), ErrorOutcome(E::kAccessDenied)}, r::kDeleteInUse);
  // After a refusal the block stays; after a success the socket keeps 5003.
  Bench refused = b;
  refused.Observe(del, ErrorOutcome(E::kSharingViolation));
  EXPECT_EQ(BlocksOf(refused.machine(), kTcp).size(), 1u) << "rule P-DELETE-INUSE";
  b.Observe(del, OkOutcome());
  EXPECT_THAT(BlocksOf(b.machine(), kTcp), IsEmpty()) << "rule P-DELETE-INUSE";
  ExpectAnswers(b, call::GetSockName{b.admin(), s}, {}, true, r::kGetSockName);
  EXPECT_TRUE(b.Accepts(call::GetSockName{b.admin(), s}, OkPort(5003))) << "rule P-DELETE-INUSE";
}

// Rule P-DELETE-RUNTIME (loose): a runtime block is not Delete's to remove.
TEST(PersistentRules, DeleteNamingARuntimeBlockFailsAndTheBlockStays) {
  Bench b;
  const SocketId s = b.Open(b.user());
  b.Acquire(b.user(), s, {6000, 4});
  const auto del = Delete(b.admin(), {6000, 4});
  ExpectLoose(b, del, {E::kNotFound, E::kAccessDenied}, std::nullopt,
              {ErrorOutcome(E::kSharingViolation), ErrorOutcome(E::kInvalidParameter)},
              r::kDeleteRuntime);
  b.Run(del);
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ElementsAre(Pair(PortRange{6000, 4}, BlockKind::kRuntime)))
      << "rule P-DELETE-RUNTIME";
}

// Rule POOL-PER-PROTOCOL: TCP and UDP are separate pools; IPv4 and IPv6
// share their protocol's.
TEST(PersistentRules, TcpAndUdpKeepSeparatePoolsWhileIpv4AndIpv6ShareOne) {
  Bench b;
  const Token tcp = b.Create(kTcp, {5000, 10});
  // The same ports in UDP are untouched.
  ExpectAnswers(b, Lookup(b.admin(), {5000, 10}, kUdp), {E::kNotFound}, false, r::kLookupExact);
  const Token udp = b.Create(kUdp, {5000, 10});
  EXPECT_NE(tcp, udp) << "rule POOL-PER-PROTOCOL";
  const SocketId u = b.Open(b.user(), kUdp);
  ExpectAnswers(b, call::Acquire{b.user(), u, {5010, 5}}, {}, true, r::kAcquireSpecific);
  // A TCP token means nothing to a UDP socket: an error, or a success that
  // associates nothing (R-ASSOC-INVALID).
  const SocketId ua = b.Open(b.admin(), kUdp);
  const call::Associate associate{b.admin(), ua, tcp};
  EXPECT_THAT(b.Expect(associate).Rules(), ElementsAre(r::kAssociateInvalid))
      << "rule POOL-PER-PROTOCOL";
  b.Observe(associate, OkOutcome());
  EXPECT_FALSE(b.machine().socket(ua)->associated()) << "rule POOL-PER-PROTOCOL";
  // An IPv6 TCP socket's port keeps a TCP Create off it.
  const SocketId v6 = b.Open(b.user(), kTcp, Family::kIpv6);
  b.BindAt(b.user(), v6, 7000);
  ExpectAnswers(b, Create(b.admin(), {7000, 1}), {E::kSharingViolation}, false, r::kCreateInUse);
  ExpectAnswers(b, Create(b.admin(), {7000, 1}, kUdp), {}, true, r::kCreateOk);
  EXPECT_TRUE(NamesRule(b.Expect(Create(b.admin(), {7000, 1})), r::kPoolPerProtocol))
      << "rule POOL-PER-PROTOCOL";
  // The ephemeral allocator skips only its own protocol's blocks.
  b.SetDynamicRange(kUdp, {65281, 255});
  b.Create(kTcp, {65281, 255});
  const SocketId eu = b.Open(b.user(), kUdp);
  EXPECT_TRUE(b.Accepts(call::Bind{b.user(), eu, 0}, OkPort(65300))) << "rule POOL-PER-PROTOCOL";
}

// Rule TOKEN-UNIQUE: within a protocol, a new token is never 0 and never a
// live reservation's, persistent or runtime. Whether TCP and UDP share one
// namespace is unknown (TK-5, U11): a TCP token may equal a live UDP one.
TEST(PersistentRules, TokensAreNeverZeroAndNeverSharedByTwoLiveReservationsOfAProtocol) {
  Bench b;
  std::set<Token> tokens;
  std::set<Token> tcp_tokens, udp_tokens;
  for (uint16_t i = 0; i < 20; ++i) {
    tcp_tokens.insert(b.Create(kTcp, {static_cast<uint16_t>(100 + 10 * i), 5}));
    udp_tokens.insert(b.Create(kUdp, {static_cast<uint16_t>(100 + 10 * i), 5}));
    const SocketId s = b.Open(b.user(), i % 2 == 0 ? kTcp : kUdp);
    (i % 2 == 0 ? tcp_tokens : udp_tokens).insert(b.Acquire(b.user(), s, {0, 3}).second);
  }
  tokens.insert(tcp_tokens.begin(), tcp_tokens.end());
  tokens.insert(udp_tokens.begin(), udp_tokens.end());
  EXPECT_EQ(tokens.size(), 60u) << "rule TOKEN-UNIQUE: the simulator never repeats a token";
  EXPECT_FALSE(tokens.contains(kInvalidToken)) << "rule TOKEN-UNIQUE";
  // Check refuses a new TCP token that a live TCP reservation holds, or 0.
  const auto create = Create(b.admin(), {5000, 1});
  for (Token live : {*tcp_tokens.begin(), *tcp_tokens.rbegin(), kInvalidToken}) {
    EXPECT_FALSE(b.Accepts(create, OkToken(live))) << "rule TOKEN-UNIQUE";
  }
  const SocketId s = b.Open(b.user());
  EXPECT_FALSE(
      b.Accepts(call::Acquire{b.user(), s, {6000, 1}}, OkBlock({6000, 1}, *tcp_tokens.begin())))
      << "rule TOKEN-UNIQUE";
  // U11: a live UDP token is no obstacle to a TCP reservation.
  EXPECT_TRUE(b.Accepts(create, OkToken(*udp_tokens.begin()))) << "rule TOKEN-UNIQUE (U11)";
  EXPECT_TRUE(
      b.Accepts(call::Acquire{b.user(), s, {6000, 1}}, OkBlock({6000, 1}, *udp_tokens.rbegin())))
      << "rule TOKEN-UNIQUE (U11)";
  EXPECT_TRUE(NamesRule(b.Expect(create), r::kTokenUnique)) << "rule TOKEN-UNIQUE";
  // Both reservations then answer to their own protocol's token.
  b.Observe(create, OkToken(*udp_tokens.begin()));
  EXPECT_TRUE(b.Accepts(Lookup(b.admin(), {5000, 1}), OkToken(*udp_tokens.begin())))
      << "rule TOKEN-UNIQUE (U11)";
}

}  // namespace
}  // namespace portpool::testing
