// The Windows backend itself (built only for Windows). On real Windows these
// tests touch nothing: they read the version and the token, and check the
// backend's refusals. Under Wine they also check the "unsupported" path:
// Wine exports none of the six functions and answers the ioctls with
// WSAEOPNOTSUPP, which must become "unsupported on this system: ...".
#include "portpool/conformance/windows/windows_backend.h"

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/worker_program.h"

namespace portpool::conformance {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

bool UnderWine() { return !QueryWindowsSystem().wine_version.empty(); }

TEST(WindowsSystem, Describe) {
  WindowsSystem system;
  system.build = 22631;
  system.elevated = true;
  EXPECT_EQ(DescribeWindowsSystem(system), "windows build=22631 elevated=yes");
  system.elevated = false;
  system.wine_version = "8.0";
  system.build = 7601;
  EXPECT_EQ(DescribeWindowsSystem(system), "windows build=7601 elevated=no wine=8.0");
}

TEST(WindowsSystem, QueryReadsTheBuildNumber) {
  const WindowsSystem system = QueryWindowsSystem();
  EXPECT_GT(system.build, 0u);
  EXPECT_GE(system.major, 5u);
  WindowsBackend backend;
  EXPECT_THAT(backend.Provenance(), StartsWith("windows build="));
  EXPECT_EQ(backend.Describe(), backend.Provenance());
}

TEST(WindowsBackend, OneProcessAsElevatedAsThisOne) {
  WindowsBackend backend;
  const Capabilities caps = backend.capabilities();
  EXPECT_FALSE(caps.reboot);
  EXPECT_FALSE(caps.end_process);
  EXPECT_FALSE(caps.several_processes);
  EXPECT_FALSE(caps.set_dynamic_range);
  EXPECT_EQ(caps.elevated_process, backend.elevated());
  EXPECT_EQ(caps.unelevated_process, !backend.elevated());

  EXPECT_FALSE(backend.Run(call::StartProcess{!backend.elevated()}).ok());
  EXPECT_FALSE(backend.Run(call::CreatePersistent{ProcessId{1}, Protocol::kTcp, {20000, 1}}).ok())
      << "no call before the process is started";
  auto started = backend.Run(call::StartProcess{backend.elevated()});
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->process, ProcessId{1});
  EXPECT_FALSE(backend.Run(call::StartProcess{backend.elevated()}).ok()) << "one process only";
  EXPECT_FALSE(backend.Run(call::Reboot{}).ok());
  EXPECT_FALSE(backend.Run(call::EndProcess{ProcessId{1}}).ok());
  EXPECT_FALSE(backend.Run(call::SetDynamicRange{Protocol::kTcp, {49152, 16384}}).ok());
  EXPECT_FALSE(backend.Run(call::OpenSocket{ProcessId{2}, Protocol::kTcp, Family::kIpv4}).ok());
}

TEST(WindowsBackendUnderWine, TheApiIsUnsupported) {
  if (!UnderWine()) GTEST_SKIP() << "not Wine: the API is there";
  WindowsBackend backend;
  const absl::Status available = backend.Available();
  EXPECT_TRUE(absl::IsUnimplemented(available)) << available;
  EXPECT_THAT(std::string(available.message()),
              StartsWith("unsupported on this system: iphlpapi.dll does not export "
                         "CreatePersistentTcpPortReservation"));
  ASSERT_TRUE(backend.Run(call::StartProcess{backend.elevated()}).ok());
  auto created = backend.Run(call::CreatePersistent{ProcessId{1}, Protocol::kTcp, {20000, 4}});
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(absl::IsUnimplemented(created.status()));
  EXPECT_THAT(std::string(created.status().message()), StartsWith("unsupported on this system: "));
}

TEST(WindowsBackendUnderWine, TheIoctlsAreUnsupportedTheSocketsWork) {
  if (!UnderWine()) GTEST_SKIP() << "not Wine: the ioctls are there";
  WindowsApi api;
  const win32::SOCKET s = api.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  ASSERT_NE(s, INVALID_SOCKET);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  ASSERT_EQ(api.bind(s, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  int length = sizeof(address);
  ASSERT_EQ(api.getsockname(s, reinterpret_cast<sockaddr*>(&address), &length), 0);
  EXPECT_NE(address.sin_port, 0);

  win32::INET_PORT_RANGE range{0, 8};
  win32::INET_PORT_RESERVATION_INSTANCE instance{};
  win32::DWORD bytes = 0;
  EXPECT_EQ(api.WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), &instance,
                         sizeof(instance), &bytes, nullptr, nullptr),
            SOCKET_ERROR);
  EXPECT_EQ(api.WSAGetLastError(), WSAEOPNOTSUPP);
  const std::optional<std::string> reason = api.TakeUnsupported();
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, "WSAIoctl(SIO_ACQUIRE_PORT_RESERVATION) answered WSAEOPNOTSUPP (10045)");
  EXPECT_FALSE(api.TakeUnsupported()) << "reported once";
  EXPECT_EQ(api.closesocket(s), 0);
}

// The real machine's processes as worker processes. On Windows this
// touches nothing: it starts workers, opens a socket and binds port 0.
TEST(WindowsWorkerPool, EveryProcessIsAWorkerOfItsOwnElevation) {
  const WindowsSystem system = QueryWindowsSystem();
  absl::StatusOr<std::unique_ptr<WorkerPoolBackend>> made =
      MakeWindowsWorkerPool(testing::WorkerProgram(), system);
  ASSERT_TRUE(made.ok()) << made.status();
  WorkerPoolBackend& pool = **made;
  const Capabilities caps = pool.capabilities();
  EXPECT_TRUE(caps.several_processes && caps.end_process && caps.unelevated_process);
  EXPECT_FALSE(caps.reboot || caps.set_dynamic_range);
  EXPECT_EQ(caps.elevated_process, system.elevated);
  EXPECT_EQ(pool.Describe(), DescribeWindowsSystem(system));

  // As elevated as this process; the worker says so itself.
  auto same = pool.Run(call::StartProcess{system.elevated});
  ASSERT_TRUE(same.ok()) << same.status();
  const ProcessId p1 = same->process.value();
  EXPECT_EQ(pool.WorkerDescription(p1), DescribeWindowsSystem(system));
  auto socket = pool.Run(call::OpenSocket{p1, Protocol::kTcp, Family::kIpv4});
  if (UnderWine()) {
    // The worker's backend has no API to offer, and its "unsupported" comes
    // back over the pipe as it is.
    EXPECT_TRUE(absl::IsUnimplemented(socket.status())) << socket.status();
    EXPECT_THAT(std::string(socket.status().message()), StartsWith("unsupported on this system"));
  } else {
    ASSERT_TRUE(socket.ok() && socket->ok()) << socket.status();
    auto bound = pool.Run(call::Bind{p1, *socket->socket, 0});
    ASSERT_TRUE(bound.ok()) << bound.status();
    EXPECT_EQ(bound->error, Error::kNoError);
  }

  // Unelevated: from an elevated process, a restricted token; the worker's
  // own token check must then read "not elevated", or its start-process
  // fails.
  auto other = pool.Run(call::StartProcess{false});
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_THAT(pool.WorkerDescription(*other->process), HasSubstr("elevated=no"));
  EXPECT_EQ(pool.running(), 2u);
  EXPECT_TRUE(pool.Run(call::EndProcess{p1}).ok());
  EXPECT_EQ(pool.running(), 1u);
  EXPECT_TRUE(absl::IsFailedPrecondition(pool.Run(call::GetSockName{p1, SocketId{1}}).status()))
      << "p1 has ended";
}

TEST(ReadWindowsSnapshot, ReadsOrSaysWhyNot) {
  // Under Wine netsh has no such listing: the snapshot must fail cleanly,
  // naming the command. On Windows it must succeed.
  absl::StatusOr<MachineSnapshot> snapshot = ReadWindowsSnapshot();
  if (UnderWine()) {
    if (!snapshot.ok()) {
      EXPECT_THAT(std::string(snapshot.status().message()), HasSubstr("netsh"));
    }
  } else {
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    EXPECT_TRUE(snapshot->of(Protocol::kTcp).dynamic.fits());
  }
}

}  // namespace
}  // namespace portpool::conformance
