#include "portpool/conformance/surface_cases.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "portpool/win32.h"

namespace portpool::conformance {
namespace {

using win32::DWORD;
using win32::ModelApi;

absl::Status Expect(bool ok, int got, absl::string_view what) {
  if (ok) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(what, "; got ", got));
}

absl::Status OverlappedIsRefused(Machine& machine) {
  ModelApi api(machine, machine.StartProcess(true));
  const win32::SOCKET s = api.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  win32::INET_PORT_RANGE range{win32::HostToNetwork(5000), 1};
  win32::INET_PORT_RESERVATION_INSTANCE instance{};
  DWORD bytes = 0;
  // Never dereferenced by the model: any non-null pointer will do.
  auto* overlapped = reinterpret_cast<win32::LPWSAOVERLAPPED>(&bytes);
  const int rc = api.WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), &instance,
                              sizeof(instance), &bytes, overlapped, nullptr);
  // A harness limit, said in the status; Windows' own answer (WSA_IO_PENDING)
  // is not claimed.
  if (rc != SOCKET_ERROR || api.last_status().code() != absl::StatusCode::kUnimplemented) {
    return absl::FailedPreconditionError(
        "an overlapped WSAIoctl must be refused with an Unimplemented status");
  }
  return Expect(machine.pool(Protocol::kTcp).block_count() == 0, api.WSAGetLastError(),
                "an overlapped WSAIoctl must change nothing");
}

absl::Status TypeZeroOpensTheFirstTransport(Machine& machine) {
  ModelApi api(machine, machine.StartProcess(false));
  const win32::SOCKET s = api.socket(AF_INET, 0, 0);
  if (s == INVALID_SOCKET) {
    return absl::FailedPreconditionError(
        absl::StrCat("socket(AF_INET, 0, 0) must open a socket; got ", api.WSAGetLastError()));
  }
  const SocketState* state = machine.socket(SocketId{static_cast<uint32_t>(s)});
  if (state == nullptr || state->protocol != Protocol::kTcp) {
    return absl::FailedPreconditionError("socket(AF_INET, 0, 0) must be a TCP socket");
  }
  const win32::SOCKET u = api.socket(AF_INET6, 0, IPPROTO_UDP);
  const SocketState* udp = machine.socket(SocketId{static_cast<uint32_t>(u)});
  return Expect(udp != nullptr && udp->protocol == Protocol::kUdp, api.WSAGetLastError(),
                "socket(AF_INET6, 0, IPPROTO_UDP) must be a UDP socket");
}

absl::Status AnyRangeAMachineIsInCanBeSeeded(Machine& machine) {
  // DYN-RANGE-SEEDED: runner images are in ranges netsh's set refuses.
  const PortRange runner{1024, 64511};
  if (!machine.SeedDynamicRange(Protocol::kTcp, Family::kIpv4, runner).ok() ||
      !machine.SeedDynamicRange(Protocol::kTcp, Family::kIpv6, runner).ok() ||
      !(machine.pool(Protocol::kTcp).dynamic_range(Family::kIpv6) == runner)) {
    return absl::FailedPreconditionError("a model must take the range 1024-65534 from a machine");
  }
  if (machine.SetDynamicRange(Protocol::kUdp, runner).ok()) {
    return absl::FailedPreconditionError("netsh's set must refuse the range 1024-65534");
  }
  return absl::OkStatus();
}

absl::Status UnknownIoctlIsNotSupported(Machine& machine) {
  ModelApi api(machine, machine.StartProcess(true));
  const win32::SOCKET s = api.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  DWORD bytes = 0;
  const int rc = api.WSAIoctl(s, 0xdeadbeef, nullptr, 0, nullptr, 0, &bytes, nullptr, nullptr);
  return Expect(rc == SOCKET_ERROR && api.WSAGetLastError() == 10045, api.WSAGetLastError(),
                "an unknown ioctl code must get WSAEOPNOTSUPP");
}

absl::Status BadSocketArgumentsAreRefused(Machine& machine) {
  ModelApi api(machine, machine.StartProcess(false));
  if (api.socket(12345, SOCK_STREAM, 0) != INVALID_SOCKET || api.WSAGetLastError() != 10047) {
    return absl::FailedPreconditionError("an unknown family must get WSAEAFNOSUPPORT");
  }
  if (api.socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) != INVALID_SOCKET ||
      api.WSAGetLastError() != 10043) {
    return absl::FailedPreconditionError("a stream socket over UDP must get WSAEPROTONOSUPPORT");
  }
  return absl::OkStatus();
}

absl::Status EndedProcessIsReported(Machine& machine) {
  ModelApi api(machine, machine.StartProcess(true));
  machine.Reboot();
  win32::ULONG64 token = 0;
  const win32::ULONG rc =
      api.CreatePersistentTcpPortReservation(win32::HostToNetwork(5000), 1, &token);
  if (rc != 6 || api.last_status().ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("a call from an ended process must get ERROR_INVALID_HANDLE and a status; "
                     "got ",
                     rc));
  }
  const win32::SOCKET s = api.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  return Expect(s == INVALID_SOCKET && api.WSAGetLastError() == 10038, api.WSAGetLastError(),
                "socket() from an ended process must get WSAENOTSOCK");
}

absl::Status NullPointersAreFaults(Machine& machine) {
  ModelApi api(machine, machine.StartProcess(true));
  const win32::SOCKET s = api.socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
  if (api.bind(s, nullptr, 0) != SOCKET_ERROR || api.WSAGetLastError() != 10014) {
    return absl::FailedPreconditionError("bind with a null name must get WSAEFAULT");
  }
  sockaddr_in too_short{};
  too_short.sin_family = AF_INET6;
  if (api.bind(s, reinterpret_cast<sockaddr*>(&too_short), sizeof(too_short)) != SOCKET_ERROR ||
      api.WSAGetLastError() != 10014) {
    return absl::FailedPreconditionError("bind with a namelen too short must get WSAEFAULT");
  }
  if (api.getsockname(s, nullptr, nullptr) != SOCKET_ERROR || api.WSAGetLastError() != 10014) {
    return absl::FailedPreconditionError("getsockname with null pointers must get WSAEFAULT");
  }
  win32::INET_PORT_RANGE range{0, 4};
  win32::INET_PORT_RESERVATION_INSTANCE instance{};
  const int rc = api.WSAIoctl(s, SIO_ACQUIRE_PORT_RESERVATION, &range, sizeof(range), &instance,
                              sizeof(instance), nullptr, nullptr, nullptr);
  return Expect(rc == SOCKET_ERROR && api.WSAGetLastError() == 10014, api.WSAGetLastError(),
                "WSAIoctl with a null lpcbBytesReturned must get WSAEFAULT");
}

constexpr std::array kCases = {
    SurfaceCase{rules::kSurfaceOverlapped, "overlapped WSAIoctl is refused", OverlappedIsRefused},
    SurfaceCase{rules::kSurfaceUnknownIoctl, "unknown ioctl codes are not supported",
                UnknownIoctlIsNotSupported},
    SurfaceCase{rules::kSurfaceSocketArgs, "bad socket() arguments are refused",
                BadSocketArgumentsAreRefused},
    SurfaceCase{rules::kSurfaceSocketUnspecified, "socket() with type 0 opens TCP",
                TypeZeroOpensTheFirstTransport},
    SurfaceCase{rules::kDynamicRangeSeeded, "a model takes any range a machine is in",
                AnyRangeAMachineIsInCanBeSeeded},
    SurfaceCase{rules::kSurfaceProcessEnded, "an ended process is reported",
                EndedProcessIsReported},
    SurfaceCase{rules::kSurfaceNullPointer, "null and short pointers are faults",
                NullPointersAreFaults},
};

}  // namespace

std::span<const SurfaceCase> SurfaceCases() { return kCases; }

}  // namespace portpool::conformance
