// Tests of the environment rules (environment_rules.cc): reservations that
// no process of the run makes or drops, each test citing its rule.
#include <set>

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

call::EnvironmentBlock Added(EnvironmentStore store, Protocol protocol, PortRange block) {
  return call::EnvironmentBlock{true, store, protocol, block};
}
call::EnvironmentBlock Dropped(EnvironmentStore store, Protocol protocol, PortRange block) {
  return call::EnvironmentBlock{false, store, protocol, block};
}

// Rule ENV-RUNTIME-BLOCK (PS-8, NS-3..NS-6): a runtime block appears between
// two calls of the run; it is another process's block for every process of
// the run, and it can go again.
TEST(EnvironmentRules, ARuntimeBlockThatAppearsIsEveryonesForeignBlockUntilItGoes) {
  Bench b;
  const auto added = Added(EnvironmentStore::kRuntime, kTcp, {50000, 100});
  ExpectAnswers(b, added, {}, true, r::kEnvironmentRuntime);
  b.Observe(added, OkOutcome());
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ElementsAre(Pair(PortRange{50000, 100}, BlockKind::kRuntime)))
      << "rule ENV-RUNTIME-BLOCK";
  // A bind into it is B-BIND-RUNTIME-OTHER, even for an administrator.
  const SocketId s = b.Open(b.admin());
  ExpectAnswers(b, call::Bind{b.admin(), s, 50050}, {E::kWsaEacces}, false, r::kBindRuntimeOther);
  // A Create or a specific acquire over it fails.
  ExpectAnswers(b, call::CreatePersistent{b.admin(), kTcp, {50090, 20}}, {E::kSharingViolation},
                false, r::kCreateRuntime);
  ExpectAnswers(b, call::Acquire{b.admin(), s, {50099, 1}}, {E::kWsaEaddrinuse}, false,
                r::kAcquireOverlap);
  // It goes again: the ports are free.
  const auto dropped = Dropped(EnvironmentStore::kRuntime, kTcp, {50000, 100});
  ExpectAnswers(b, dropped, {}, true, r::kEnvironmentRuntime);
  b.Observe(dropped, OkOutcome());
  EXPECT_THAT(BlocksOf(b.machine(), kTcp), IsEmpty()) << "rule ENV-RUNTIME-BLOCK";
  ExpectAnswers(b, call::Bind{b.admin(), s, 50050}, {}, true, r::kBindSpecific);
}

// Rule ENV-RUNTIME-BLOCK: a change the machine cannot hold is malformed:
// a block from port 0, an empty one, one past 65535, a block over a held
// one, or the removal of a block that is not the
// environment's (a process's own runtime block goes only with its socket).
TEST(EnvironmentRules, AnEnvironmentChangeTheMachineCannotHoldIsMalformed) {
  Bench b;
  const SocketId s = b.Open(b.user());
  b.Acquire(b.user(), s, {6000, 4});
  b.Create(kUdp, {7000, 4});
  for (const call::EnvironmentBlock& c : {Added(EnvironmentStore::kRuntime, kTcp, {6003, 10}),
                                          Added(EnvironmentStore::kActive, kUdp, {7000, 1}),
                                          Dropped(EnvironmentStore::kRuntime, kTcp, {6000, 4}),
                                          Dropped(EnvironmentStore::kRuntime, kTcp, {9000, 4}),
                                          Dropped(EnvironmentStore::kActive, kUdp, {7000, 4}),
                                          Added(EnvironmentStore::kRuntime, kTcp, {65535, 2}),
                                          Added(EnvironmentStore::kPersistent, kTcp, {0, 1}),
                                          Added(EnvironmentStore::kRuntime, kUdp, {0, 10}),
                                          Added(EnvironmentStore::kActive, kTcp, {8000, 0})}) {
    EXPECT_FALSE(b.machine().Expect(c).ok()) << "rule ENV-RUNTIME-BLOCK: " << DescribeCall(c);
  }
  // The persistent block may be dropped by someone outside the run.
  ExpectAnswers(b, Dropped(EnvironmentStore::kPersistent, kUdp, {7000, 4}), {}, true,
                r::kEnvironmentPersistent);
}

// Rule ENV-ACTIVE-EXCLUSION (PS-4, DL-10) and REBOOT-DROPS-ACTIVE: a
// store=active exclusion is an administered block with an unknown token,
// gone at the next boot; a persistent one stays.
TEST(EnvironmentRules, AStoreActiveExclusionIsAdministeredUntilTheNextBoot) {
  Bench b;
  b.Observe(Added(EnvironmentStore::kActive, kTcp, {20000, 4}), OkOutcome());
  b.Observe(Added(EnvironmentStore::kPersistent, kTcp, {21000, 4}), OkOutcome());
  // Its token is the environment's: a Lookup may tell it (checked before the
  // simulator runs a call, which would settle it).
  const call::LookupPersistent lookup{b.admin(), kTcp, {21000, 4}};
  EXPECT_TRUE(b.Accepts(lookup, OkToken(0x1234))) << "rule ENV-PERSISTENT-BLOCK";
  EXPECT_TRUE(NamesRule(b.Expect(lookup), r::kEnvironmentPersistent))
      << "rule ENV-PERSISTENT-BLOCK";
  ExpectAnswers(b, call::CreatePersistent{b.admin(), kTcp, {20002, 1}}, {E::kSharingViolation},
                false, r::kCreateOverlap);
  const SocketId s = b.Open(b.admin());
  EXPECT_TRUE(NamesRule(b.Expect(call::Bind{b.admin(), s, 20001}), r::kBindPersistent))
      << "rule ENV-ACTIVE-EXCLUSION";
  const Expectation reboot = b.Expect(call::Reboot{});
  EXPECT_TRUE(NamesRule(reboot, r::kRebootDropsActive)) << "rule REBOOT-DROPS-ACTIVE";
  b.Observe(call::Reboot{}, OkOutcome());
  EXPECT_THAT(BlocksOf(b.machine(), kTcp),
              ElementsAre(Pair(PortRange{21000, 4}, BlockKind::kPersistent)))
      << "rule REBOOT-DROPS-ACTIVE";
  EXPECT_EQ(b.machine().unknown_tokens(), 1) << "rule REBOOT-DROPS-ACTIVE";
}

// Rule P-ACTIVE-STORE (U14): whether the API's Lookup and Delete see a
// store=active exclusion is unknown: each may also say ERROR_NOT_FOUND.
TEST(EnvironmentRules, LookupAndDeleteOfAStoreActiveExclusionMayNotFindIt) {
  Bench b;
  b.Observe(Added(EnvironmentStore::kActive, kTcp, {20000, 4}), OkOutcome());
  const call::LookupPersistent lookup{b.admin(), kTcp, {20000, 4}};
  ExpectLoose(b, lookup, {E::kNotFound}, OkToken(0x77), {ErrorOutcome(E::kAccessDenied)},
              r::kActiveStore);
  EXPECT_TRUE(NamesRule(b.Expect(lookup), r::kEnvironmentActive)) << "rule ENV-ACTIVE-EXCLUSION";
  const call::DeletePersistent del{b.admin(), kTcp, {20000, 4}};
  ExpectLoose(b, del, {E::kNotFound}, OkOutcome(), {ErrorOutcome(E::kSharingViolation)},
              r::kActiveStore);
  // A persistent block is found as always.
  b.Create(kTcp, {30000, 4});
  ExpectAnswers(b, call::LookupPersistent{b.admin(), kTcp, {30000, 4}}, {}, true, r::kLookupToken);
}

// Rule REBOOT-ENV-REPLACED (PS-7), the model's half: a reboot takes the
// environment's runtime blocks with every process; the components place
// new ones after boot, which a run sees as new ENV-RUNTIME-BLOCK changes.
TEST(EnvironmentRules, ARebootTakesTheEnvironmentsRuntimeBlocks) {
  Bench b;
  b.Observe(Added(EnvironmentStore::kRuntime, kUdp, {50000, 64}), OkOutcome());
  b.Observe(call::Reboot{}, OkOutcome());
  EXPECT_THAT(BlocksOf(b.machine(), kUdp), IsEmpty()) << "rule REBOOT-ENV-REPLACED";
  ExpectAnswers(b, Added(EnvironmentStore::kRuntime, kUdp, {51000, 64}), {}, true,
                r::kEnvironmentRuntime);
}

// Rule ENV-RUNTIME-BLOCK: seeding from a listing makes the same blocks as
// the environment changes do.
TEST(EnvironmentRules, SeededBlocksAreTheEnvironmentsToo) {
  Machine machine(1);
  ASSERT_TRUE(machine.SeedExisting(kTcp, {50000, 100}, EnvironmentStore::kRuntime).ok());
  ASSERT_TRUE(machine.SeedExisting(kTcp, {20000, 4}, EnvironmentStore::kActive).ok());
  EXPECT_TRUE(machine.Expect(Dropped(EnvironmentStore::kRuntime, kTcp, {50000, 100})).ok())
      << "rule ENV-RUNTIME-BLOCK";
  EXPECT_TRUE(machine.Expect(Dropped(EnvironmentStore::kActive, kTcp, {20000, 4})).ok())
      << "rule ENV-ACTIVE-EXCLUSION";
}

}  // namespace
}  // namespace portpool::testing
