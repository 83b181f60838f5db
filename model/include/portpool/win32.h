// The Win32-shaped surface of the port pool: code written against Windows'
// iphlpapi and winsock reads the same against the model.
//
// `Api` declares the calls with Windows' exact names, parameter types and
// meanings (StartPort in network byte order, NumberOfPorts in host order).
// `ModelApi` implements them on a Machine, as one process of it; a Windows
// backend (conformance/) implements them on the real API.
//
//   portpool::Machine machine(42);
//   portpool::ProcessId admin = machine.StartProcess(/*elevated=*/true);
//   portpool::win32::ModelApi api(machine, admin);
//   portpool::win32::ULONG64 token = 0;
//   api.CreatePersistentTcpPortReservation(htons(5000), 10, &token);
//
// On Windows the SDK's own types and constants are used; elsewhere this
// header provides them with the SDK's names, values and layout.
#ifndef PORTPOOL_WIN32_H_
#define PORTPOOL_WIN32_H_

#include <bit>
#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "portpool/call.h"
#include "portpool/ids.h"
#include "portpool/machine.h"
#include "portpool/outcome.h"

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
// clang-format on
#else
#include <netinet/in.h>
#include <sys/socket.h>
#endif

namespace portpool::win32 {

#ifdef _WIN32
using ::DWORD;
using ::INET_PORT_RANGE;
using ::INET_PORT_RESERVATION_INSTANCE;
using ::INET_PORT_RESERVATION_TOKEN;
using ::LPDWORD;
using ::LPVOID;
using ::LPWSAOVERLAPPED;
using ::LPWSAOVERLAPPED_COMPLETION_ROUTINE;
using ::PULONG64;
using ::SOCKET;
using ::ULONG;
using ::ULONG64;
using ::USHORT;
#else
using USHORT = uint16_t;
using ULONG = uint32_t;
using ULONG64 = uint64_t;
using PULONG64 = ULONG64*;
using DWORD = uint32_t;
using LPVOID = void*;
using LPDWORD = DWORD*;
using SOCKET = uintptr_t;
struct WSAOVERLAPPED;  // never dereferenced: the model runs synchronously
using LPWSAOVERLAPPED = WSAOVERLAPPED*;
using LPWSAOVERLAPPED_COMPLETION_ROUTINE = void (*)(DWORD dwError, DWORD cbTransferred,
                                                    LPWSAOVERLAPPED lpOverlapped, DWORD dwFlags);

// mstcpip.h
struct INET_PORT_RANGE {
  USHORT StartPort;      // network byte order
  USHORT NumberOfPorts;  // host byte order
};
using INET_PORT_RESERVATION = INET_PORT_RANGE;
struct INET_PORT_RESERVATION_TOKEN {
  ULONG64 Token;
};
struct INET_PORT_RESERVATION_INSTANCE {
  INET_PORT_RESERVATION Reservation;
  INET_PORT_RESERVATION_TOKEN Token;
};
#endif

static_assert(sizeof(INET_PORT_RANGE) == 4, "INET_PORT_RANGE is 4 bytes in the SDK");
static_assert(sizeof(INET_PORT_RESERVATION_TOKEN) == 8, "the SDK's token is 8 bytes");
static_assert(sizeof(INET_PORT_RESERVATION_INSTANCE) == 16, "the SDK's instance is 16 bytes");
static_assert(offsetof(INET_PORT_RESERVATION_INSTANCE, Token) == 8, "the token is at offset 8");

using ::sockaddr;
using ::sockaddr_in;
using ::sockaddr_in6;

// Byte order at the surface: Windows runs little-endian, where network order
// means swapped. Written out so the model does not depend on a socket library.
constexpr USHORT NetworkToHost(USHORT value) {
  if constexpr (std::endian::native == std::endian::little) {
    return static_cast<USHORT>((value >> 8) | (value << 8));
  } else {
    return value;
  }
}
constexpr USHORT HostToNetwork(USHORT value) { return NetworkToHost(value); }

// The name of one of the three port-reservation ioctl codes
// ("SIO_ACQUIRE_PORT_RESERVATION", ...), or nullptr for any other code: for
// messages and traces that show a raw WSAIoctl call.
const char* PortReservationIoctlName(DWORD code);

// The calls of the port pool, with Windows' names and meanings. Persistent
// functions return a Win32 error code; socket functions return
// SOCKET_ERROR / INVALID_SOCKET and leave the code for WSAGetLastError.
class Api {
 public:
  virtual ~Api() = default;

  // iphlpapi.h
  virtual ULONG CreatePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                   PULONG64 Token) = 0;
  virtual ULONG CreatePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                   PULONG64 Token) = 0;
  virtual ULONG LookupPersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                   PULONG64 Token) = 0;
  virtual ULONG LookupPersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                   PULONG64 Token) = 0;
  virtual ULONG DeletePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts) = 0;
  virtual ULONG DeletePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts) = 0;

  // winsock2.h
  virtual SOCKET socket(int af, int type, int protocol) = 0;
  virtual int closesocket(SOCKET s) = 0;
  virtual int bind(SOCKET s, const sockaddr* name, int namelen) = 0;
  virtual int getsockname(SOCKET s, sockaddr* name, int* namelen) = 0;
  virtual int WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
                       LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
                       LPWSAOVERLAPPED lpOverlapped,
                       LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) = 0;
  virtual int WSAGetLastError() = 0;
};

// How a ModelApi runs the model calls it makes. Without one it calls
// Machine::Run; a tool that records every call, or picks the answers
// itself, gives its own. Run must run `call` on the ModelApi's machine (the
// surface reads that machine's state around the call).
class CallRunner {
 public:
  virtual ~CallRunner() = default;
  virtual absl::StatusOr<Outcome> Run(const Call& call) = 0;
};

// The Api on a Machine, acting as process `process` of it. Not thread-safe
// (neither is the Machine). Ports given to bind are taken with the wildcard
// address; the address itself is not modelled. A call that the surface
// answers by itself (a null pointer, a wrong family, an unknown ioctl code:
// the W32-* rules) runs no model call.
class ModelApi final : public Api {
 public:
  ModelApi(Machine& machine, ProcessId process, CallRunner* runner = nullptr)
      : machine_(machine), process_(process), runner_(runner) {}

  ULONG CreatePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                           PULONG64 Token) override;
  ULONG CreatePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                           PULONG64 Token) override;
  ULONG LookupPersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                           PULONG64 Token) override;
  ULONG LookupPersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                           PULONG64 Token) override;
  ULONG DeletePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts) override;
  ULONG DeletePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts) override;

  SOCKET socket(int af, int type, int protocol) override;
  int closesocket(SOCKET s) override;
  int bind(SOCKET s, const sockaddr* name, int namelen) override;
  int getsockname(SOCKET s, sockaddr* name, int* namelen) override;
  int WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
               LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
               LPWSAOVERLAPPED lpOverlapped,
               LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) override;
  int WSAGetLastError() override { return last_error_; }

  ProcessId process() const { return process_; }
  // Why the last call failed when the fault was the use of the model rather
  // than an answer Windows would give: the process ended at a reboot
  // (W32-PROCESS-ENDED), or an overlapped WSAIoctl, which the model does not
  // run (W32-OVERLAPPED, Unimplemented). OK otherwise.
  const absl::Status& last_status() const { return status_; }

 private:
  absl::StatusOr<Outcome> RunModel(const Call& call);
  ULONG Persistent(const Call& call, PULONG64 token);
  // Runs a socket call; on failure records the error and returns nullopt.
  std::optional<Outcome> RunSocketCall(const Call& call);
  int Fail(Error error);
  std::optional<SocketId> ToSocketId(SOCKET s) const;
  PortRange HostBlock(USHORT network_start, USHORT count) const;

  Machine& machine_;
  ProcessId process_;
  CallRunner* runner_;
  int last_error_ = 0;
  absl::Status status_;
};

}  // namespace portpool::win32

#ifndef _WIN32
// mstcpip.h's ioctl codes: _WSAIOW(IOC_VENDOR, 100..102).
#ifndef SIO_ACQUIRE_PORT_RESERVATION
#define SIO_ACQUIRE_PORT_RESERVATION 0x98000064u
#endif
#ifndef SIO_RELEASE_PORT_RESERVATION
#define SIO_RELEASE_PORT_RESERVATION 0x98000065u
#endif
#ifndef SIO_ASSOCIATE_PORT_RESERVATION
#define SIO_ASSOCIATE_PORT_RESERVATION 0x98000066u
#endif
#ifndef INVALID_PORT_RESERVATION_TOKEN
#define INVALID_PORT_RESERVATION_TOKEN ((::portpool::win32::ULONG64)0)
#endif
// winsock2.h
#ifndef INVALID_SOCKET
#define INVALID_SOCKET (~(::portpool::win32::SOCKET)0)
#endif
#ifndef SOCKET_ERROR
#define SOCKET_ERROR (-1)
#endif
#endif  // !_WIN32

#endif  // PORTPOOL_WIN32_H_
