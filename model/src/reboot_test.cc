// Reboots and the tokens across them: REBOOT-KEEPS-PERSISTENT,
// REBOOT-ENDS-PROCESSES, TOKEN-REBOOT and R-ASSOC-UNLEARNED. The simulator
// gives every persistent block a fresh token at a reboot; an observer
// Machine (one driven only by Expect/Check/Observe, as when checking real
// Windows) does not know the new tokens, accepts any fresh token at the
// first Lookup after the reboot, and then pins it.
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

Outcome NewProcess(uint32_t id) {
  Outcome o;
  o.process = ProcessId{id};
  return o;
}

Outcome NewSocket(uint32_t id) {
  Outcome o;
  o.socket = SocketId{id};
  return o;
}

// An observer that has seen: p1 (elevated) create TCP 5000-5009 (token
// 0xB0) and TCP 6000-6009 (token 0xC0), then a reboot, then p2 (elevated)
// and p3 (not elevated) start, each with a socket (s1, s2).
class Observer {
 public:
  Observer() : machine_(/*seed=*/0) {
    Observe(call::StartProcess{true}, NewProcess(1));
    Observe(call::CreatePersistent{ProcessId{1}, kTcp, {5000, 10}}, OkToken(0xB0));
    Observe(call::CreatePersistent{ProcessId{1}, kTcp, {6000, 10}}, OkToken(0xC0));
    Observe(call::Reboot{}, OkOutcome());
    Observe(call::StartProcess{true}, NewProcess(2));
    Observe(call::StartProcess{false}, NewProcess(3));
    Observe(call::OpenSocket{ProcessId{2}, kTcp, Family::kIpv4}, NewSocket(1));
    Observe(call::OpenSocket{ProcessId{3}, kTcp, Family::kIpv4}, NewSocket(2));
  }
  Machine& machine() { return machine_; }
  static ProcessId admin() { return ProcessId{2}; }
  static ProcessId user() { return ProcessId{3}; }
  static SocketId admin_socket() { return SocketId{1}; }
  static SocketId user_socket() { return SocketId{2}; }

  void Observe(const Call& call, const Outcome& outcome) {
    const absl::Status status = machine_.Observe(call, outcome);
    EXPECT_TRUE(status.ok()) << status;
  }
  Expectation Expect(const Call& call) const {
    auto e = machine_.Expect(call);
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? *e : Expectation{};
  }
  bool Accepts(const Call& call, const Outcome& outcome) const {
    return machine_.Check(Expect(call), outcome).conforms;
  }

 private:
  Machine machine_;
};

// Rule REBOOT-KEEPS-PERSISTENT.
TEST(RebootRules, ARebootKeepsEveryPersistentBlockExactlyAsItWas) {
  Bench b;
  b.Create(kTcp, {5000, 10});
  b.Create(kTcp, {65535, 1});
  b.Create(kUdp, {5000, 10});
  b.Create(kTcp, {7000, 3});
  b.Run(call::DeletePersistent{b.admin(), kTcp, {7000, 3}});
  const SocketId s = b.Open(b.user());
  b.Acquire(b.user(), s, {6000, 4});
  const call::Reboot reboot;
  ExpectAnswers(b, reboot, {}, true, r::kRebootKeepsPersistent);
  b.Run(reboot);
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ElementsAre(Pair(PortRange{5000, 10}, BlockKind::kPersistent),
                          Pair(PortRange{65535, 1}, BlockKind::kPersistent)))
      << "rule REBOOT-KEEPS-PERSISTENT";
  EXPECT_THAT(BlocksOf(b.machine(), kUdp),
              ElementsAre(Pair(PortRange{5000, 10}, BlockKind::kPersistent)))
      << "rule REBOOT-KEEPS-PERSISTENT";
  // They still keep Create and specific acquires off their ports.
  const ProcessId admin = b.StartProcess(true);
  ExpectAnswers(b, call::CreatePersistent{admin, kTcp, {5009, 1}}, {E::kSharingViolation}, false,
                r::kCreateOverlap);
  EXPECT_EQ(b.machine().boot(), 1u) << "rule REBOOT-KEEPS-PERSISTENT";
}

// Rule REBOOT-ENDS-PROCESSES.
TEST(RebootRules, ARebootEndsEveryProcessClosingItsSocketsAndRuntimeBlocks) {
  Bench b;
  const SocketId s = b.Open(b.user());
  b.Acquire(b.user(), s, {6000, 4});
  const SocketId bound = b.Open(b.admin(), kUdp, Family::kIpv6);
  b.BindAt(b.admin(), bound, 7000);
  EXPECT_TRUE(NamesRule(b.Expect(call::Reboot{}), r::kRebootEndsProcesses))
      << "rule REBOOT-ENDS-PROCESSES";
  b.Run(call::Reboot{});
  EXPECT_TRUE(b.machine().processes().empty()) << "rule REBOOT-ENDS-PROCESSES";
  EXPECT_TRUE(b.machine().sockets().empty()) << "rule REBOOT-ENDS-PROCESSES";
  EXPECT_THAT(BlocksOf(b.machine(), kTcp), IsEmpty()) << "rule REBOOT-ENDS-PROCESSES";
  EXPECT_TRUE(b.machine().pool(kUdp).bindings().empty()) << "rule REBOOT-ENDS-PROCESSES";
  // The old processes can make no calls; new ones find the ports free.
  const auto stale = b.machine().Expect(call::OpenSocket{b.user(), kTcp, Family::kIpv4});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition)
      << "rule REBOOT-ENDS-PROCESSES";
  const ProcessId p = b.StartProcess(false);
  const SocketId t = b.Open(p, kUdp, Family::kIpv6);
  ExpectAnswers(b, call::Bind{p, t, 7000}, {}, true, r::kBindSpecific);
  ExpectAnswers(b, call::Acquire{p, t, {6000, 4}}, {}, true, r::kAcquireSpecific);
}

// Rule TOKEN-REBOOT, in the simulator: a fresh token, stable within the boot.
TEST(RebootRules, TheSimulatorGivesAPersistentBlockAFreshTokenAtEachReboot) {
  Bench b;
  std::set<Token> seen = {b.Create(kTcp, {5000, 10})};
  for (int boot = 1; boot <= 3; ++boot) {
    b.Run(call::Reboot{});
    const ProcessId admin = b.StartProcess(true);
    const call::LookupPersistent lookup{admin, kTcp, {5000, 10}};
    const Token token = b.Run(lookup).token.value_or(kInvalidToken);
    EXPECT_NE(token, kInvalidToken) << "rule TOKEN-REBOOT";
    EXPECT_FALSE(seen.contains(token)) << "rule TOKEN-REBOOT: boot " << boot;
    EXPECT_EQ(b.Run(lookup).token, token) << "rule TOKEN-REBOOT: stable within the boot";
    seen.insert(token);
  }
}

// Rule TOKEN-REBOOT, in an observer: any fresh token at the first Lookup
// after the reboot, then exactly that one.
TEST(RebootRules, AnObserverAcceptsAnyFreshTokenAtTheFirstLookupAfterARebootThenPinsIt) {
  Observer o;
  EXPECT_EQ(o.machine().unknown_tokens(), 2) << "rule TOKEN-REBOOT";
  // A runtime reservation made after the reboot holds token 0xD0.
  o.Observe(call::Acquire{Observer::user(), Observer::user_socket(), {7000, 1}},
            OkBlock({7000, 1}, 0xD0));
  const call::LookupPersistent lookup{Observer::admin(), kTcp, {5000, 10}};
  EXPECT_TRUE(NamesRule(o.Expect(lookup), r::kTokenReboot)) << "rule TOKEN-REBOOT";
  for (Token token : {Token{0xB0}, Token{0x1234}, Token{0xC0}}) {
    EXPECT_TRUE(o.Accepts(lookup, OkToken(token))) << "rule TOKEN-REBOOT: " << token;
  }
  EXPECT_FALSE(o.Accepts(lookup, OkToken(kInvalidToken))) << "rule TOKEN-REBOOT: token 0";
  EXPECT_FALSE(o.Accepts(lookup, OkToken(0xD0))) << "rule TOKEN-REBOOT: a live token";
  EXPECT_FALSE(o.Accepts(lookup, OkOutcome())) << "rule TOKEN-REBOOT: no token";
  o.Observe(lookup, OkToken(0x1234));
  EXPECT_EQ(o.machine().unknown_tokens(), 1) << "rule TOKEN-REBOOT";
  // Pinned: the second Lookup must give the same token.
  EXPECT_TRUE(o.Accepts(lookup, OkToken(0x1234))) << "rule TOKEN-REBOOT";
  EXPECT_FALSE(o.Accepts(lookup, OkToken(0x5678))) << "rule TOKEN-REBOOT";
  // And no other block may now be given it.
  const call::LookupPersistent other{Observer::admin(), kTcp, {6000, 10}};
  EXPECT_FALSE(o.Accepts(other, OkToken(0x1234))) << "rule TOKEN-REBOOT";
  EXPECT_TRUE(o.Accepts(other, OkToken(0xC0))) << "rule TOKEN-REBOOT";
}

// Rule R-ASSOC-UNLEARNED: before the observer has learned every persistent
// token, an unknown token may be one of them.
TEST(RebootRules, AnObserverLetsAnUnknownTokenAssociateWhileSomePersistentTokenIsUnlearned) {
  Observer o;
  const call::Associate admin{Observer::admin(), Observer::admin_socket(), 0xB0};
  EXPECT_TRUE(o.Accepts(admin, OkOutcome())) << "rule R-ASSOC-UNLEARNED";
  for (E error : {E::kWsaEinval, E::kWsaEacces, E::kWsaEaddrinuse}) {
    EXPECT_TRUE(o.Accepts(admin, ErrorOutcome(error))) << "rule R-ASSOC-UNLEARNED";
  }
  EXPECT_FALSE(o.Accepts(admin, ErrorOutcome(E::kWsaEfault))) << "rule R-ASSOC-INVALID (U4)";
  EXPECT_TRUE(NamesRule(o.Expect(admin), r::kAssociateUnlearned)) << "rule R-ASSOC-UNLEARNED";
  // Without elevation the token cannot associate a persistent block
  // (R-ASSOC-ELEVATION): a success can only be one without effect.
  const call::Associate user{Observer::user(), Observer::user_socket(), 0xB0};
  EXPECT_TRUE(o.Accepts(user, ErrorOutcome(E::kWsaEacces))) << "rule R-ASSOC-UNLEARNED";
  EXPECT_FALSE(NamesRule(o.Expect(user), r::kAssociateUnlearned)) << "rule R-ASSOC-UNLEARNED";
  {
    Observer copy = o;
    copy.Observe(user, OkOutcome());
    EXPECT_FALSE(copy.machine().socket(Observer::user_socket())->associated())
        << "rule R-ASSOC-INVALID: a success without effect";
  }
  // Token 0 is never a reservation's: its success has no effect.
  EXPECT_FALSE(NamesRule(o.Expect(call::Associate{Observer::admin(), Observer::admin_socket(), 0}),
                         r::kAssociateUnlearned))
      << "rule R-ASSOC-UNLEARNED";
  // A bind through the association lands in one of the unlearned blocks,
  // and teaches the observer that block's token.
  o.Observe(admin, OkOutcome());
  const call::Bind bind{Observer::admin(), Observer::admin_socket(), 0};
  EXPECT_TRUE(o.Accepts(bind, OkPort(5003))) << "rule R-ASSOC-UNLEARNED";
  EXPECT_TRUE(o.Accepts(bind, OkPort(6003))) << "rule R-ASSOC-UNLEARNED";
  EXPECT_FALSE(o.Accepts(bind, OkPort(7003))) << "rule R-ASSOC-UNLEARNED";
  o.Observe(bind, OkPort(5003));
  const call::LookupPersistent lookup{Observer::admin(), kTcp, {5000, 10}};
  EXPECT_TRUE(o.Accepts(lookup, OkToken(0xB0))) << "rule R-ASSOC-UNLEARNED";
  EXPECT_FALSE(o.Accepts(lookup, OkToken(0x1234))) << "rule R-ASSOC-UNLEARNED";
  // Once every token is learned, an unknown token is simply invalid.
  o.Observe(call::LookupPersistent{Observer::admin(), kTcp, {6000, 10}}, OkToken(0xC1));
  const SocketId fresh{3};
  o.Observe(call::OpenSocket{Observer::admin(), kTcp, Family::kIpv4}, NewSocket(fresh.value));
  const call::Associate invalid{Observer::admin(), fresh, 0xC0};
  EXPECT_THAT(o.Expect(invalid).Rules(), ::testing::ElementsAre(r::kAssociateInvalid))
      << "rule R-ASSOC-UNLEARNED";
  o.Observe(invalid, OkOutcome());
  EXPECT_FALSE(o.machine().socket(fresh)->associated()) << "rule R-ASSOC-INVALID";
}

// Rule R-ASSOC-UNLEARNED and B-BIND-ASSOC-GONE together. An observer that
// knows less must allow at least what one that knows more allows: here the
// associated token (kept across the reboot) belongs to 5000-5009, which is
// then deleted. An observer that learned this first allows the B-BIND-
// ASSOC-GONE answers (e.g. WSAEINVAL, or a port of the deleted block); one
// that had not learned it must allow them too.
TEST(RebootRules, AnObserverThatHasNotLearnedTheTokenAllowsTheAnswersForADeletedBlock) {
  Observer knows;  // learns 0xB0 = 5000-5009 before associating
  knows.Observe(call::LookupPersistent{Observer::admin(), kTcp, {5000, 10}}, OkToken(0xB0));
  Observer guesses;  // does not
  for (Observer* o : {&knows, &guesses}) {
    o->Observe(call::Associate{Observer::admin(), Observer::admin_socket(), 0xB0}, OkOutcome());
    o->Observe(call::DeletePersistent{Observer::admin(), kTcp, {5000, 10}}, OkOutcome());
  }
  const call::Bind bind{Observer::admin(), Observer::admin_socket(), 0};
  for (const Outcome& outcome : {ErrorOutcome(E::kWsaEinval), OkPort(5003)}) {
    ASSERT_TRUE(knows.Accepts(bind, outcome)) << "rule B-BIND-ASSOC-GONE";
    EXPECT_TRUE(guesses.Accepts(bind, outcome))
        << "rule R-ASSOC-UNLEARNED: the observer that has not learned the token refuses "
        << DescribeOutcome(outcome) << ", which the better-informed observer allows: "
        << DescribeExpectation(guesses.Expect(bind));
  }
}

// Rule R-ASSOC-UNLEARNED and TOKEN-UNIQUE together: once a Lookup shows
// that the associated token is 5000-5009's, the association can only reach
// that block, as if the Lookup had come before the association.
TEST(RebootRules, LearningTheAssociatedTokenPinsTheAssociationToItsBlock) {
  Observer lookup_first;
  lookup_first.Observe(call::LookupPersistent{Observer::admin(), kTcp, {5000, 10}}, OkToken(0xB0));
  lookup_first.Observe(call::Associate{Observer::admin(), Observer::admin_socket(), 0xB0},
                       OkOutcome());
  Observer associate_first;
  associate_first.Observe(call::Associate{Observer::admin(), Observer::admin_socket(), 0xB0},
                          OkOutcome());
  associate_first.Observe(call::LookupPersistent{Observer::admin(), kTcp, {5000, 10}},
                          OkToken(0xB0));
  const call::Bind bind{Observer::admin(), Observer::admin_socket(), 0};
  ASSERT_FALSE(lookup_first.Accepts(bind, OkPort(6003))) << "rule R-ASSOC-UNLEARNED";
  EXPECT_FALSE(associate_first.Accepts(bind, OkPort(6003)))
      << "rule R-ASSOC-UNLEARNED: 6003 is in 6000-6009, whose token cannot be 0xB0 (TOKEN-UNIQUE); "
      << DescribeExpectation(associate_first.Expect(bind));
}

// Rule R-ASSOC-UNLEARNED, R-ASSOC-INVALID and TOKEN-UNIQUE together: an
// associate with a token the observer does not know may have succeeded
// without effect (U4), so it does not prove the token names a live block:
// a new reservation may be given it. Once a bind through the association
// lands in one of the blocks, the token is that block's, and taken.
TEST(RebootRules, ATokenIsTakenOnlyOnceABindShowsItNamesAPersistentBlock) {
  Observer o;
  o.Observe(call::Associate{Observer::admin(), Observer::admin_socket(), 0xB0}, OkOutcome());
  const call::Acquire acquire{Observer::user(), Observer::user_socket(), {7000, 1}};
  EXPECT_TRUE(o.Accepts(acquire, OkBlock({7000, 1}, 0xE0))) << "rule TOKEN-UNIQUE";
  EXPECT_TRUE(o.Accepts(acquire, OkBlock({7000, 1}, 0xB0)))
      << "rule R-ASSOC-INVALID: the association may have had no effect; "
      << DescribeExpectation(o.Expect(acquire));
  o.Observe(call::Bind{Observer::admin(), Observer::admin_socket(), 0}, OkPort(5003));
  EXPECT_FALSE(o.Accepts(acquire, OkBlock({7000, 1}, 0xB0)))
      << "rule TOKEN-UNIQUE: 0xB0 is 5000-5009's now; " << DescribeExpectation(o.Expect(acquire));
}

// Rule R-ASSOC-UNLEARNED: an unknown token can name only a block whose token
// was unknown when it associated. A block whose token was learned is no
// candidate, even once it is gone and an unlearned block takes its range.
TEST(RebootRules, AnUnlearnedAssociationNeverReachesABlockWhoseTokenWasKnown) {
  Observer o;
  o.Observe(call::LookupPersistent{Observer::admin(), kTcp, {6000, 10}}, OkToken(0xC1));
  o.Observe(call::Associate{Observer::admin(), Observer::admin_socket(), 0xB7}, OkOutcome());
  o.Observe(call::DeletePersistent{Observer::admin(), kTcp, {6000, 10}}, OkOutcome());
  o.Observe(call::CreatePersistent{Observer::admin(), kTcp, {6000, 10}, /*null_token=*/true},
            OkOutcome());
  const call::Bind bind{Observer::admin(), Observer::admin_socket(), 0};
  EXPECT_TRUE(o.Accepts(bind, OkPort(5003))) << DescribeExpectation(o.Expect(bind));
  EXPECT_FALSE(o.Accepts(bind, OkPort(6003)))
      << "rule R-ASSOC-UNLEARNED: 6000-6009's token was 0xC1 when 0xB7 associated; "
      << DescribeExpectation(o.Expect(bind));
}

// Rules R-ASSOC-UNLEARNED and TOKEN-UNIQUE: a token an association tied to
// the blocks unlearned at the time is one of theirs, so a Lookup of a block
// made later cannot return it (the claims check, ClaimsAllow).
TEST(RebootRules, ALookupCannotReturnATokenAnAssociationTiedToOtherBlocks) {
  Observer o;
  o.Observe(call::Associate{Observer::admin(), Observer::admin_socket(), 0xB7}, OkOutcome());
  o.Observe(call::CreatePersistent{Observer::admin(), kTcp, {7000, 10}, /*null_token=*/true},
            OkOutcome());
  const call::LookupPersistent lookup{Observer::admin(), kTcp, {7000, 10}};
  EXPECT_TRUE(o.Accepts(lookup, OkToken(0xD5))) << DescribeExpectation(o.Expect(lookup));
  EXPECT_FALSE(o.Accepts(lookup, OkToken(0xB7)))
      << "rule R-ASSOC-UNLEARNED: 0xB7 names 5000-5009 or 6000-6009, if anything; "
      << DescribeExpectation(o.Expect(lookup));
  const call::LookupPersistent candidate{Observer::admin(), kTcp, {6000, 10}};
  EXPECT_TRUE(o.Accepts(candidate, OkToken(0xB7))) << DescribeExpectation(o.Expect(candidate));
}

}  // namespace
}  // namespace portpool::testing
