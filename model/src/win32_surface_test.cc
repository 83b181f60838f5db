// The Win32-shaped surface (ModelApi): byte order (BYTE-ORDER) and the
// surface's own rules (W32-*). Each test names its rule in a comment and in
// every assertion message.
#include <cstdint>
#include <cstring>

#include "gtest/gtest.h"
#include "portpool/machine.h"
#include "portpool/rules.h"
#include "portpool/win32.h"
#include "testing/rule_test_util.h"

#ifndef _WIN32
#include <arpa/inet.h>
#define PORTPOOL_CALLBACK
#else
#define PORTPOOL_CALLBACK CALLBACK
#endif

namespace portpool::testing {
namespace {

using win32::DWORD;
using win32::INET_PORT_RANGE;
using win32::INET_PORT_RESERVATION_INSTANCE;
using win32::INET_PORT_RESERVATION_TOKEN;
using win32::LPWSAOVERLAPPED;
using win32::ModelApi;
using win32::SOCKET;
using win32::ULONG;
using win32::ULONG64;

constexpr Protocol kTcp = Protocol::kTcp;

ULONG Code(Error e) { return static_cast<ULONG>(e); }
int WsaCode(Error e) { return static_cast<int>(e); }

sockaddr_in Ipv4(uint16_t host_port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(host_port);
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  return address;
}

int Bind(ModelApi& api, SOCKET s, uint16_t host_port) {
  const sockaddr_in address = Ipv4(host_port);
  return api.bind(s, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
}

int Ioctl(ModelApi& api, SOCKET s, DWORD code, void* in, DWORD in_size, void* out, DWORD out_size,
          DWORD* bytes) {
  return api.WSAIoctl(s, code, in, in_size, out, out_size, bytes, nullptr, nullptr);
}

void PORTPOOL_CALLBACK Completed(DWORD, DWORD, LPWSAOVERLAPPED, DWORD) {}

// Rule BYTE-ORDER: StartPort is network order in and out; NumberOfPorts is
// host order; a host-order StartPort silently names the byte-swapped port.
TEST(Win32Surface, AHostOrderStartPortSilentlyReservesTheByteSwappedPort) {
  Machine machine(1);
  ModelApi api(machine, machine.StartProcess(true));
  ULONG64 token = 0;
  // Raw 5000 is 0x1388; read as network order it is 0x8813 = 34835.
  ASSERT_EQ(api.CreatePersistentTcpPortReservation(5000, 10, &token), Code(Error::kNoError))
      << "rule BYTE-ORDER";
  EXPECT_NE(machine.pool(kTcp).FindExact({34835, 10}), nullptr) << "rule BYTE-ORDER";
  EXPECT_EQ(machine.pool(kTcp).FindExact({5000, 10}), nullptr) << "rule BYTE-ORDER";
  // The mistake is symmetric: Lookup with the same raw value finds it.
  ULONG64 found = 0;
  EXPECT_EQ(api.LookupPersistentTcpPortReservation(5000, 10, &found), Code(Error::kNoError))
      << "rule BYTE-ORDER";
  EXPECT_EQ(found, token) << "rule BYTE-ORDER";
  EXPECT_EQ(api.LookupPersistentTcpPortReservation(htons(34835), 10, &found), Code(Error::kNoError))
      << "rule BYTE-ORDER";
  // Network order reserves the port meant; the count is host order.
  ASSERT_EQ(api.CreatePersistentTcpPortReservation(htons(5000), 10, &token), Code(Error::kNoError))
      << "rule BYTE-ORDER";
  EXPECT_NE(machine.pool(kTcp).FindExact({5000, 10}), nullptr) << "rule BYTE-ORDER";
  // Raw 256 is port 1; raw 0 stays 0 (P-CREATE-ZERO).
  EXPECT_EQ(api.CreatePersistentUdpPortReservation(256, 1, &token), Code(Error::kNoError))
      << "rule BYTE-ORDER";
  EXPECT_NE(machine.pool(Protocol::kUdp).FindExact({1, 1}), nullptr) << "rule BYTE-ORDER";
  EXPECT_EQ(api.CreatePersistentUdpPortReservation(0, 1, &token), Code(Error::kInvalidParameter))
      << "rule BYTE-ORDER";
  EXPECT_EQ(api.DeletePersistentTcpPortReservation(5000, 10), Code(Error::kNoError))
      << "rule BYTE-ORDER";
  EXPECT_EQ(machine.pool(kTcp).FindExact({34835, 10}), nullptr) << "rule BYTE-ORDER";
}

// Rule BYTE-ORDER for the ioctls and sockaddr: INET_PORT_RANGE.StartPort
// and sin_port are network order both ways; NumberOfPorts host order.
TEST(Win32Surface, TheIoctlsAndSockaddrsCarryStartPortInNetworkOrder) {
  Machine machine(2);
  ModelApi api(machine, machine.StartProcess(false));
  const SOCKET s = api.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  INET_PORT_RANGE range{htons(6000), 4};
  INET_PORT_RESERVATION_INSTANCE instance{};
  DWORD bytes = 0;
  ASSERT_EQ(Ioctl(api, s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), &instance,
                  sizeof(instance), &bytes),
            0)
      << "rule BYTE-ORDER";
  EXPECT_EQ(bytes, sizeof(instance)) << "rule BYTE-ORDER";
  EXPECT_EQ(instance.Reservation.StartPort, htons(6000)) << "rule BYTE-ORDER";
  EXPECT_EQ(instance.Reservation.NumberOfPorts, 4) << "rule BYTE-ORDER";
  EXPECT_NE(machine.pool(kTcp).FindExact({6000, 4}), nullptr) << "rule BYTE-ORDER";
  // A wildcard block comes back in network order too.
  range = INET_PORT_RANGE{0, 8};
  ASSERT_EQ(Ioctl(api, s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), &instance,
                  sizeof(instance), &bytes),
            0);
  const uint16_t start = ntohs(instance.Reservation.StartPort);
  EXPECT_NE(machine.pool(kTcp).FindExact({start, 8}), nullptr) << "rule BYTE-ORDER";
  EXPECT_GE(start, 49152) << "rule BYTE-ORDER";
  // bind and getsockname.
  const SOCKET t = api.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  ASSERT_EQ(Bind(api, t, 7000), 0) << "rule BYTE-ORDER";
  EXPECT_NE(machine.pool(Protocol::kUdp).BindingAt(7000), nullptr) << "rule BYTE-ORDER";
  sockaddr_in name{};
  int length = sizeof(name);
  ASSERT_EQ(api.getsockname(t, reinterpret_cast<sockaddr*>(&name), &length), 0);
  EXPECT_EQ(name.sin_port, htons(7000)) << "rule BYTE-ORDER";
  EXPECT_EQ(length, static_cast<int>(sizeof(sockaddr_in))) << "rule BYTE-ORDER";
}

// Rule W32-OVERLAPPED: an overlapped call is a harness limit, not an answer
// of Windows (which would be WSA_IO_PENDING and a completion): the surface
// refuses it, says why in last_status(), and touches nothing.
TEST(Win32Surface, AnOverlappedOrCompletionRoutineIoctlIsRefusedAsAHarnessLimit) {
  Machine machine(3);
  ModelApi api(machine, machine.StartProcess(false));
  const SOCKET s = api.socket(AF_INET, SOCK_STREAM, 0);
  INET_PORT_RANGE range{htons(6000), 4};
  INET_PORT_RESERVATION_INSTANCE instance{};
  DWORD bytes = 0;
  alignas(16) unsigned char storage[128] = {};
  const LPWSAOVERLAPPED overlapped = reinterpret_cast<LPWSAOVERLAPPED>(storage);
  EXPECT_EQ(api.WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), &instance,
                         sizeof(instance), &bytes, overlapped, nullptr),
            SOCKET_ERROR)
      << "rule W32-OVERLAPPED";
  EXPECT_EQ(api.last_status().code(), absl::StatusCode::kUnimplemented) << "rule W32-OVERLAPPED";
  EXPECT_NE(api.last_status().message().find("W32-OVERLAPPED"), std::string::npos)
      << "rule W32-OVERLAPPED: " << api.last_status();
  EXPECT_NE(api.WSAGetLastError(), WsaCode(Error::kWsaEinval)) << "rule W32-OVERLAPPED";
  EXPECT_NE(api.WSAGetLastError(), 997) << "rule W32-OVERLAPPED: not WSA_IO_PENDING";
  EXPECT_EQ(api.WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), &instance,
                         sizeof(instance), &bytes, nullptr, &Completed),
            SOCKET_ERROR)
      << "rule W32-OVERLAPPED";
  EXPECT_EQ(api.last_status().code(), absl::StatusCode::kUnimplemented) << "rule W32-OVERLAPPED";
  EXPECT_TRUE(machine.pool(kTcp).blocks().empty()) << "rule W32-OVERLAPPED";
  // A synchronous call afterwards clears the status.
  ASSERT_EQ(api.WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), &instance,
                         sizeof(instance), &bytes, nullptr, nullptr),
            0);
  EXPECT_TRUE(api.last_status().ok()) << "rule W32-OVERLAPPED";
}

// Rules SOCK-NOTSOCK before W32-OVERLAPPED and W32-NULL-POINTER: the
// socket-ownership check comes first, so another process's socket is
// WSAENOTSOCK even with an overlapped pointer, a completion routine or a null
// lpcbBytesReturned. Found by the win32 fuzz target (fuzz/targets/
// win32_fuzzer.cc): ModelApi checked the pointers first.
TEST(Win32Surface, AnotherProcesssSocketIsNotsockBeforeThePointerChecks) {
  Machine machine(3);
  ModelApi owner(machine, machine.StartProcess(true));
  ModelApi other(machine, machine.StartProcess(true));
  const SOCKET s = owner.socket(AF_INET, SOCK_STREAM, 0);
  INET_PORT_RANGE range{htons(6000), 4};
  INET_PORT_RESERVATION_INSTANCE instance{};
  DWORD bytes = 7;
  alignas(16) unsigned char storage[128] = {};
  const LPWSAOVERLAPPED overlapped = reinterpret_cast<LPWSAOVERLAPPED>(storage);
  for (DWORD code : {DWORD{SIO_ACQUIRE_PORT_RESERVATION}, DWORD{0x12345678}}) {
    EXPECT_EQ(other.WSAIoctl(s, code, &range, sizeof(range), &instance, sizeof(instance), &bytes,
                             overlapped, nullptr),
              SOCKET_ERROR)
        << "rule SOCK-NOTSOCK";
    EXPECT_EQ(other.WSAGetLastError(), WsaCode(Error::kWsaEnotsock)) << "rule SOCK-NOTSOCK";
    EXPECT_EQ(other.WSAIoctl(s, code, &range, sizeof(range), &instance, sizeof(instance), &bytes,
                             nullptr, &Completed),
              SOCKET_ERROR)
        << "rule SOCK-NOTSOCK";
    EXPECT_EQ(other.WSAGetLastError(), WsaCode(Error::kWsaEnotsock)) << "rule SOCK-NOTSOCK";
    EXPECT_EQ(other.WSAIoctl(s, code, &range, sizeof(range), &instance, sizeof(instance), nullptr,
                             nullptr, nullptr),
              SOCKET_ERROR)
        << "rule SOCK-NOTSOCK";
    EXPECT_EQ(other.WSAGetLastError(), WsaCode(Error::kWsaEnotsock)) << "rule SOCK-NOTSOCK";
  }
  EXPECT_TRUE(machine.pool(kTcp).blocks().empty()) << "rule SOCK-NOTSOCK";
}

// Rule W32-UNKNOWN-IOCTL.
TEST(Win32Surface, AnIoctlCodeOtherThanThePortReservationCodesIsEopnotsupp) {
  Machine machine(4);
  ModelApi api(machine, machine.StartProcess(false));
  const SOCKET s = api.socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
  INET_PORT_RANGE range{htons(6000), 4};
  INET_PORT_RESERVATION_INSTANCE instance{};
  DWORD bytes = 7;
  for (DWORD code : {DWORD{0x12345678}, DWORD{0x98000067}, DWORD{0x98000063}}) {
    EXPECT_EQ(Ioctl(api, s, code, &range, sizeof(range), &instance, sizeof(instance), &bytes),
              SOCKET_ERROR)
        << "rule W32-UNKNOWN-IOCTL";
    EXPECT_EQ(api.WSAGetLastError(), WsaCode(Error::kWsaEopnotsupp)) << "rule W32-UNKNOWN-IOCTL";
    EXPECT_EQ(bytes, 0u) << "rule W32-UNKNOWN-IOCTL";
  }
}

// Rule W32-SOCKET-ARGS.
TEST(Win32Surface, SocketWithAnUnsupportedFamilyTypeOrProtocolFails) {
  Machine machine(5);
  ModelApi api(machine, machine.StartProcess(false));
  EXPECT_EQ(api.socket(AF_UNIX, SOCK_STREAM, 0), INVALID_SOCKET) << "rule W32-SOCKET-ARGS";
  EXPECT_EQ(api.WSAGetLastError(), WsaCode(Error::kWsaEafnosupport)) << "rule W32-SOCKET-ARGS";
  for (auto [type, protocol] :
       {std::pair<int, int>{SOCK_RAW, 0}, std::pair<int, int>{SOCK_STREAM, IPPROTO_UDP},
        std::pair<int, int>{SOCK_DGRAM, IPPROTO_TCP}}) {
    EXPECT_EQ(api.socket(AF_INET, type, protocol), INVALID_SOCKET) << "rule W32-SOCKET-ARGS";
    EXPECT_EQ(api.WSAGetLastError(), WsaCode(Error::kWsaEprotonosupport)) << "rule W32-SOCKET-ARGS";
  }
  EXPECT_TRUE(machine.sockets().empty()) << "rule W32-SOCKET-ARGS";
  EXPECT_NE(api.socket(AF_INET6, SOCK_DGRAM, 0), INVALID_SOCKET) << "rule W32-SOCKET-ARGS";
}

// Rule W32-SOCKET-UNSPECIFIED: socket(AF_INET, 0, 0) opens a socket (the
// SDN script acquires on one): the first catalogue entry of the family,
// TCP; a UDP protocol number with type 0 gives UDP.
TEST(Win32Surface, SocketWithTypeZeroOpensTheFamilysFirstTransport) {
  Machine machine(5);
  ModelApi api(machine, machine.StartProcess(false));
  const SOCKET tcp = api.socket(AF_INET, 0, 0);
  ASSERT_NE(tcp, INVALID_SOCKET) << "rule W32-SOCKET-UNSPECIFIED";
  const SocketState* state = machine.socket(SocketId{static_cast<uint32_t>(tcp)});
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->protocol, Protocol::kTcp) << "rule W32-SOCKET-UNSPECIFIED";
  EXPECT_EQ(state->family, Family::kIpv4) << "rule W32-SOCKET-UNSPECIFIED";
  const SOCKET tcp6 = api.socket(AF_INET6, 0, IPPROTO_TCP);
  ASSERT_NE(tcp6, INVALID_SOCKET) << "rule W32-SOCKET-UNSPECIFIED";
  EXPECT_EQ(machine.socket(SocketId{static_cast<uint32_t>(tcp6)})->family, Family::kIpv6)
      << "rule W32-SOCKET-UNSPECIFIED";
  const SOCKET udp = api.socket(AF_INET, 0, IPPROTO_UDP);
  ASSERT_NE(udp, INVALID_SOCKET) << "rule W32-SOCKET-UNSPECIFIED";
  EXPECT_EQ(machine.socket(SocketId{static_cast<uint32_t>(udp)})->protocol, Protocol::kUdp)
      << "rule W32-SOCKET-UNSPECIFIED";
  // The SDN script's use: wildcard 64-port acquires on such a socket.
  INET_PORT_RANGE range{0, 64};
  INET_PORT_RESERVATION_INSTANCE instance{};
  DWORD bytes = 0;
  EXPECT_EQ(api.WSAIoctl(tcp, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), &instance,
                         sizeof(instance), &bytes, nullptr, nullptr),
            0)
      << "rule W32-SOCKET-UNSPECIFIED";
  EXPECT_EQ(api.socket(AF_INET, 0, IPPROTO_ICMP), INVALID_SOCKET) << "rule W32-SOCKET-ARGS";
}

// Rule W32-PROCESS-ENDED.
TEST(Win32Surface, AnApiWhoseProcessHasEndedAnswersInvalidHandleOrEnotsock) {
  Machine machine(6);
  ModelApi api(machine, machine.StartProcess(true));
  const SOCKET s = api.socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_NE(s, INVALID_SOCKET);
  machine.Reboot();
  ULONG64 token = 0;
  EXPECT_EQ(api.CreatePersistentTcpPortReservation(htons(5000), 1, &token),
            Code(Error::kInvalidHandle))
      << "rule W32-PROCESS-ENDED";
  EXPECT_FALSE(api.last_status().ok()) << "rule W32-PROCESS-ENDED";
  EXPECT_EQ(api.LookupPersistentUdpPortReservation(htons(5000), 1, &token),
            Code(Error::kInvalidHandle))
      << "rule W32-PROCESS-ENDED";
  EXPECT_EQ(api.socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET) << "rule W32-PROCESS-ENDED";
  EXPECT_EQ(api.WSAGetLastError(), WsaCode(Error::kWsaEnotsock)) << "rule W32-PROCESS-ENDED";
  EXPECT_EQ(Bind(api, s, 7000), SOCKET_ERROR) << "rule W32-PROCESS-ENDED";
  EXPECT_EQ(api.WSAGetLastError(), WsaCode(Error::kWsaEnotsock)) << "rule W32-PROCESS-ENDED";
  EXPECT_FALSE(api.last_status().ok()) << "rule W32-PROCESS-ENDED";
  // A process that never started: the same.
  ModelApi ghost(machine, ProcessId{999});
  EXPECT_EQ(ghost.DeletePersistentTcpPortReservation(htons(5000), 1), Code(Error::kInvalidHandle))
      << "rule W32-PROCESS-ENDED";
  EXPECT_EQ(ghost.last_status().code(), absl::StatusCode::kNotFound) << "rule W32-PROCESS-ENDED";
  // A live process's calls clear last_status.
  ModelApi live(machine, machine.StartProcess(true));
  EXPECT_EQ(live.CreatePersistentTcpPortReservation(htons(5000), 1, &token), Code(Error::kNoError));
  EXPECT_TRUE(live.last_status().ok()) << "rule W32-PROCESS-ENDED";
}

// Rule W32-NULL-POINTER.
TEST(Win32Surface, ANullOrShortSockaddrNamelenOrBytesReturnedPointerIsEfault) {
  Machine machine(7);
  ModelApi api(machine, machine.StartProcess(false));
  const SOCKET s = api.socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in address = Ipv4(7000);
  EXPECT_EQ(api.bind(s, nullptr, sizeof(address)), SOCKET_ERROR) << "rule W32-NULL-POINTER";
  EXPECT_EQ(api.WSAGetLastError(), WsaCode(Error::kWsaEfault)) << "rule W32-NULL-POINTER";
  EXPECT_EQ(api.bind(s, reinterpret_cast<const sockaddr*>(&address), 4), SOCKET_ERROR)
      << "rule W32-NULL-POINTER";
  EXPECT_EQ(api.WSAGetLastError(), WsaCode(Error::kWsaEfault)) << "rule W32-NULL-POINTER";
  ASSERT_EQ(Bind(api, s, 7000), 0);
  sockaddr_in name{};
  int length = 4;
  EXPECT_EQ(api.getsockname(s, reinterpret_cast<sockaddr*>(&name), nullptr), SOCKET_ERROR)
      << "rule W32-NULL-POINTER";
  EXPECT_EQ(api.WSAGetLastError(), WsaCode(Error::kWsaEfault)) << "rule W32-NULL-POINTER";
  EXPECT_EQ(api.getsockname(s, nullptr, &length), SOCKET_ERROR) << "rule W32-NULL-POINTER";
  EXPECT_EQ(api.getsockname(s, reinterpret_cast<sockaddr*>(&name), &length), SOCKET_ERROR)
      << "rule W32-NULL-POINTER";
  EXPECT_EQ(api.WSAGetLastError(), WsaCode(Error::kWsaEfault)) << "rule W32-NULL-POINTER";
  INET_PORT_RANGE range{htons(6000), 4};
  INET_PORT_RESERVATION_INSTANCE instance{};
  EXPECT_EQ(api.WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), &instance,
                         sizeof(instance), nullptr, nullptr, nullptr),
            SOCKET_ERROR)
      << "rule W32-NULL-POINTER";
  EXPECT_EQ(api.WSAGetLastError(), WsaCode(Error::kWsaEfault)) << "rule W32-NULL-POINTER";
  EXPECT_TRUE(machine.pool(kTcp).blocks().empty()) << "rule W32-NULL-POINTER";
  // A null Token pointer is the model's P-*-NULL-TOKEN case, not a fault here.
  Machine admin_machine(8);
  ModelApi admin(admin_machine, admin_machine.StartProcess(true));
  const ULONG answer = admin.CreatePersistentTcpPortReservation(htons(5000), 1, nullptr);
  EXPECT_TRUE(answer == Code(Error::kNoError) || answer == Code(Error::kInvalidParameter) ||
              answer == Code(Error::kNoAccess))
      << "rule P-CREATE-NULL-TOKEN";
}

}  // namespace
}  // namespace portpool::testing
