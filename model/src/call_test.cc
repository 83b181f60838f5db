// CallerOf: which process a call names.
#include "portpool/call.h"

#include "gtest/gtest.h"

namespace portpool {
namespace {

TEST(CallerOf, NamesTheCallingProcessAndNoneForTheEnvironment) {
  const ProcessId p{3};
  EXPECT_EQ(CallerOf(call::CreatePersistent{p, Protocol::kTcp, {5000, 2}}), p);
  EXPECT_EQ(CallerOf(call::Bind{p, SocketId{1}, 0}), p);
  EXPECT_EQ(CallerOf(call::EndProcess{p}), p);
  EXPECT_EQ(CallerOf(call::StartProcess{true}), std::nullopt);
  EXPECT_EQ(CallerOf(call::Reboot{}), std::nullopt);
  EXPECT_EQ(CallerOf(call::SetDynamicRange{Protocol::kUdp, {49152, 16384}}), std::nullopt);
}

}  // namespace
}  // namespace portpool
