// The invariant checks the fuzz targets make must have teeth: they hold on
// correct runs and catch the mutants that break the bookkeeping.
#include "testing/model_invariants.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "portpool/machine.h"

namespace portpool::testing {
namespace {

TEST(ModelInvariants, HoldOnAFreshMachineAndAfterOrdinaryCalls) {
  Machine m(1);
  EXPECT_EQ(CheckInvariantsFully(m), "");
  const ProcessId p = m.StartProcess(true);
  ASSERT_TRUE(m.Run(call::CreatePersistent{p, Protocol::kTcp, {5000, 10}}).ok());
  auto socket = m.Run(call::OpenSocket{p, Protocol::kTcp, Family::kIpv4});
  ASSERT_TRUE(socket.ok());
  ASSERT_TRUE(m.Run(call::Acquire{p, *socket->socket, {0, 64}}).ok());
  ASSERT_TRUE(m.Run(call::Bind{p, *socket->socket, 5003}).ok());
  EXPECT_EQ(CheckInvariantsFully(m), "");
  m.Reboot();
  EXPECT_EQ(CheckInvariantsFully(m), "");
}

// SOCK-CLOSE: closing a socket frees its runtime blocks. The mutant that
// keeps them leaves a block whose socket is gone.
TEST(ModelInvariants, CatchARuntimeBlockThatOutlivesItsSocket) {
  Machine m(1, MachineOptions{Mutant::kCloseKeepsBlocks});
  const ProcessId p = m.StartProcess(true);
  auto socket = m.Run(call::OpenSocket{p, Protocol::kTcp, Family::kIpv4});
  ASSERT_TRUE(socket.ok());
  auto acquired = m.Run(call::Acquire{p, *socket->socket, {0, 8}});
  ASSERT_TRUE(acquired.ok() && acquired->ok());
  ASSERT_TRUE(m.Run(call::CloseSocket{p, *socket->socket}).ok());
  EXPECT_TRUE(absl::StrContains(CheckInvariants(m), "runtime block")) << CheckInvariants(m);
}

// P-CREATE-OVERLAP: blocks of a protocol are disjoint. The mutant that
// misses an overlap at the low end adds an overlapping block.
TEST(ModelInvariants, CatchOverlappingBlocks) {
  Machine m(1, MachineOptions{Mutant::kOverlapMissesLowEnd});
  const ProcessId p = m.StartProcess(true);
  ASSERT_TRUE(m.Run(call::CreatePersistent{p, Protocol::kTcp, {5000, 10}}).ok());
  auto second = m.Run(call::CreatePersistent{p, Protocol::kTcp, {5009, 10}});
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->ok()) << "the mutant should accept the overlap";
  EXPECT_TRUE(absl::StrContains(CheckInvariants(m), "overlap")) << CheckInvariants(m);
}

}  // namespace
}  // namespace portpool::testing
