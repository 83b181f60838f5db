// What a new user does first, through ModelApi only, written as one would
// against Windows' iphlpapi and winsock (issues "Reference model part 1 and
// 2"): a runtime wildcard block consumed by a second socket, and a
// persistent reservation that outlives a reboot with a new token.
#include <cstdint>

#include "gtest/gtest.h"
#include "portpool/machine.h"
#include "portpool/win32.h"

#ifndef _WIN32
#include <arpa/inet.h>
#endif

namespace portpool {
namespace {

using win32::DWORD;
using win32::INET_PORT_RANGE;
using win32::INET_PORT_RESERVATION_INSTANCE;
using win32::INET_PORT_RESERVATION_TOKEN;
using win32::ModelApi;
using win32::SOCKET;
using win32::ULONG;
using win32::ULONG64;

constexpr ULONG kNoError = 0;  // NO_ERROR

// Rules R-ACQUIRE-WILDCARD, R-ASSOC-RUNTIME, B-BIND-ASSOC-ZERO,
// B-GETSOCKNAME, BYTE-ORDER: the sample of SIO_ACQUIRE_PORT_RESERVATION,
// with the reservation consumed by a second socket.
TEST(NewUser, AWildcardBlockIsConsumedByASecondSocketThroughItsToken) {
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    SCOPED_TRACE(seed);
    Machine machine(seed);
    ModelApi api(machine, machine.StartProcess(/*elevated=*/false));

    // Acquire 16 ports anywhere (StartPort 0) on one socket.
    const SOCKET owner = api.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ASSERT_NE(owner, INVALID_SOCKET);
    INET_PORT_RANGE range{};
    range.StartPort = 0;
    range.NumberOfPorts = 16;
    INET_PORT_RESERVATION_INSTANCE reservation{};
    DWORD bytes = 0;
    ASSERT_EQ(api.WSAIoctl(owner, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), &reservation,
                           sizeof(reservation), &bytes, nullptr, nullptr),
              0)
        << "rule R-ACQUIRE-WILDCARD: error " << api.WSAGetLastError();
    ASSERT_EQ(bytes, sizeof(reservation));
    ASSERT_NE(reservation.Token.Token, INVALID_PORT_RESERVATION_TOKEN);
    const uint16_t start = ntohs(reservation.Reservation.StartPort);
    const uint16_t count = reservation.Reservation.NumberOfPorts;
    ASSERT_EQ(count, 16) << "rule R-ACQUIRE-WILDCARD";

    // Associate a second socket with the token, then bind it to port 0.
    const SOCKET user = api.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ASSERT_NE(user, INVALID_SOCKET);
    INET_PORT_RESERVATION_TOKEN token{};
    token.Token = reservation.Token.Token;
    ASSERT_EQ(api.WSAIoctl(user, SIO_ASSOCIATE_PORT_RESERVATION, &token, sizeof(token), nullptr, 0,
                           &bytes, nullptr, nullptr),
              0)
        << "rule R-ASSOC-RUNTIME: error " << api.WSAGetLastError();
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(0);
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    ASSERT_EQ(api.bind(user, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0)
        << "rule B-BIND-ASSOC-ZERO: error " << api.WSAGetLastError();

    // getsockname reads the port back: it lies inside the block.
    sockaddr_in name{};
    int length = sizeof(name);
    ASSERT_EQ(api.getsockname(user, reinterpret_cast<sockaddr*>(&name), &length), 0)
        << "rule B-GETSOCKNAME: error " << api.WSAGetLastError();
    const uint16_t port = ntohs(name.sin_port);
    EXPECT_GE(port, start) << "rule B-BIND-ASSOC-ZERO";
    EXPECT_LT(uint32_t{port}, uint32_t{start} + count) << "rule B-BIND-ASSOC-ZERO";

    // Releasing the block on the acquiring socket works; closing both is clean.
    EXPECT_EQ(api.WSAIoctl(owner, SIO_RELEASE_PORT_RESERVATION, &token, sizeof(token), nullptr, 0,
                           &bytes, nullptr, nullptr),
              0)
        << "rule R-RELEASE-OK";
    EXPECT_EQ(api.closesocket(user), 0);
    EXPECT_EQ(api.closesocket(owner), 0);
    EXPECT_TRUE(machine.pool(Protocol::kTcp).blocks().empty());
    EXPECT_TRUE(machine.pool(Protocol::kTcp).bindings().empty());
  }
}

// Rules P-CREATE-OK, REBOOT-KEEPS-PERSISTENT, TOKEN-REBOOT: the snippet of
// the persistent part. Create with htons(5000), reboot, and in a new process
// Lookup gives a non-zero token different from before.
TEST(NewUser, APersistentReservationOutlivesARebootWithANewToken) {
  Machine machine(42);
  ModelApi admin(machine, machine.StartProcess(/*elevated=*/true));
  ULONG64 token = 0;
  ASSERT_EQ(admin.CreatePersistentTcpPortReservation(htons(5000), 10, &token), kNoError)
      << "rule P-CREATE-OK";
  ASSERT_NE(token, 0u) << "rule P-CREATE-OK";

  machine.Reboot();

  ModelApi after(machine, machine.StartProcess(/*elevated=*/true));
  ULONG64 new_token = 0;
  ASSERT_EQ(after.LookupPersistentTcpPortReservation(htons(5000), 10, &new_token), kNoError)
      << "rule REBOOT-KEEPS-PERSISTENT";
  EXPECT_NE(new_token, 0u) << "rule TOKEN-REBOOT";
  EXPECT_NE(new_token, token) << "rule TOKEN-REBOOT";
  // The old process is gone (W32-PROCESS-ENDED); the old token is dead.
  ULONG64 ignored = 0;
  EXPECT_NE(admin.LookupPersistentTcpPortReservation(htons(5000), 10, &ignored), kNoError);
  const SOCKET s = after.socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
  INET_PORT_RESERVATION_TOKEN old{};
  old.Token = token;
  DWORD bytes = 0;
  EXPECT_EQ(after.WSAIoctl(s, SIO_ASSOCIATE_PORT_RESERVATION, &old, sizeof(old), nullptr, 0, &bytes,
                           nullptr, nullptr),
            SOCKET_ERROR)
      << "rule R-ASSOC-INVALID";
}

}  // namespace
}  // namespace portpool
