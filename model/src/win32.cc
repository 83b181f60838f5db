#include "portpool/win32.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace portpool::win32 {

PortRange ModelApi::HostBlock(USHORT network_start, USHORT count) const {
  // The kSurfaceHostOrder mutant forgets the conversion.
  if (machine_.options().mutant == Mutant::kSurfaceHostOrder)
    return PortRange{network_start, count};
  return PortRange{NetworkToHost(network_start), count};
}

absl::StatusOr<Outcome> ModelApi::RunModel(const Call& call) {
  return runner_ != nullptr ? runner_->Run(call) : machine_.Run(call);
}

ULONG ModelApi::Persistent(const Call& call, PULONG64 token) {
  auto outcome = RunModel(call);
  if (!outcome.ok()) {
    status_ = outcome.status();
    return static_cast<ULONG>(Error::kInvalidHandle);
  }
  status_ = absl::OkStatus();
  if (outcome->token && token != nullptr) *token = *outcome->token;
  return static_cast<ULONG>(outcome->error);
}

ULONG ModelApi::CreatePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                   PULONG64 Token) {
  return Persistent(call::CreatePersistent{process_, Protocol::kTcp,
                                           HostBlock(StartPort, NumberOfPorts), Token == nullptr},
                    Token);
}

ULONG ModelApi::CreatePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                   PULONG64 Token) {
  return Persistent(call::CreatePersistent{process_, Protocol::kUdp,
                                           HostBlock(StartPort, NumberOfPorts), Token == nullptr},
                    Token);
}

ULONG ModelApi::LookupPersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                   PULONG64 Token) {
  return Persistent(call::LookupPersistent{process_, Protocol::kTcp,
                                           HostBlock(StartPort, NumberOfPorts), Token == nullptr},
                    Token);
}

ULONG ModelApi::LookupPersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
                                                   PULONG64 Token) {
  return Persistent(call::LookupPersistent{process_, Protocol::kUdp,
                                           HostBlock(StartPort, NumberOfPorts), Token == nullptr},
                    Token);
}

ULONG ModelApi::DeletePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts) {
  return Persistent(
      call::DeletePersistent{process_, Protocol::kTcp, HostBlock(StartPort, NumberOfPorts)},
      nullptr);
}

ULONG ModelApi::DeletePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts) {
  return Persistent(
      call::DeletePersistent{process_, Protocol::kUdp, HostBlock(StartPort, NumberOfPorts)},
      nullptr);
}

int ModelApi::Fail(Error error) {
  last_error_ = static_cast<int>(error);
  return SOCKET_ERROR;
}

std::optional<SocketId> ModelApi::ToSocketId(SOCKET s) const {
  if (s == 0 || s > SOCKET{UINT32_MAX}) return std::nullopt;
  return SocketId{static_cast<uint32_t>(s)};
}

std::optional<Outcome> ModelApi::RunSocketCall(const Call& call) {
  auto outcome = RunModel(call);
  if (!outcome.ok()) {
    status_ = outcome.status();
    Fail(Error::kWsaEnotsock);
    return std::nullopt;
  }
  status_ = absl::OkStatus();
  if (!outcome->ok()) {
    Fail(outcome->error);
    return std::nullopt;
  }
  return *outcome;
}

SOCKET ModelApi::socket(int af, int type, int protocol) {
  Family family;
  if (af == AF_INET) {
    family = Family::kIpv4;
  } else if (af == AF_INET6) {
    family = Family::kIpv6;
  } else {
    Fail(Error::kWsaEafnosupport);
    return INVALID_SOCKET;
  }
  Protocol proto;
  if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP)) {
    proto = Protocol::kTcp;
  } else if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)) {
    proto = Protocol::kUdp;
  } else if (type == 0 && (protocol == 0 || protocol == IPPROTO_TCP)) {
    // W32-SOCKET-UNSPECIFIED: type 0 takes the first catalogue entry of the
    // family that fits the protocol; TCP's comes first.
    proto = Protocol::kTcp;
  } else if (type == 0 && protocol == IPPROTO_UDP) {
    proto = Protocol::kUdp;
  } else {
    Fail(Error::kWsaEprotonosupport);
    return INVALID_SOCKET;
  }
  auto outcome = RunSocketCall(call::OpenSocket{process_, proto, family});
  return outcome ? static_cast<SOCKET>(outcome->socket->value) : INVALID_SOCKET;
}

int ModelApi::closesocket(SOCKET s) {
  auto id = ToSocketId(s);
  if (!id) return Fail(Error::kWsaEnotsock);
  return RunSocketCall(call::CloseSocket{process_, *id}) ? 0 : SOCKET_ERROR;
}

int ModelApi::bind(SOCKET s, const sockaddr* name, int namelen) {
  auto id = ToSocketId(s);
  const SocketState* state = id ? machine_.socket(*id) : nullptr;
  if (state == nullptr || state->owner != process_) {
    // Let the model answer (WSAENOTSOCK, or the ended-process status).
    RunSocketCall(call::Bind{process_, id.value_or(SocketId{0}), 0});
    return SOCKET_ERROR;
  }
  if (name == nullptr) return Fail(Error::kWsaEfault);
  uint16_t port = 0;
  if (state->family == Family::kIpv4) {
    if (namelen < static_cast<int>(sizeof(sockaddr_in))) return Fail(Error::kWsaEfault);
    sockaddr_in address;
    std::memcpy(&address, name, sizeof(address));
    if (address.sin_family != AF_INET) return Fail(Error::kWsaEafnosupport);
    port = NetworkToHost(address.sin_port);
  } else {
    if (namelen < static_cast<int>(sizeof(sockaddr_in6))) return Fail(Error::kWsaEfault);
    sockaddr_in6 address;
    std::memcpy(&address, name, sizeof(address));
    if (address.sin6_family != AF_INET6) return Fail(Error::kWsaEafnosupport);
    port = NetworkToHost(address.sin6_port);
  }
  return RunSocketCall(call::Bind{process_, *id, port}) ? 0 : SOCKET_ERROR;
}

int ModelApi::getsockname(SOCKET s, sockaddr* name, int* namelen) {
  auto id = ToSocketId(s);
  const SocketState* state = id ? machine_.socket(*id) : nullptr;
  if (state == nullptr || state->owner != process_) {
    RunSocketCall(call::GetSockName{process_, id.value_or(SocketId{0})});
    return SOCKET_ERROR;
  }
  if (name == nullptr || namelen == nullptr) return Fail(Error::kWsaEfault);
  const Family family = state->family;
  const int needed = family == Family::kIpv4 ? static_cast<int>(sizeof(sockaddr_in))
                                             : static_cast<int>(sizeof(sockaddr_in6));
  if (*namelen < needed) return Fail(Error::kWsaEfault);
  auto outcome = RunSocketCall(call::GetSockName{process_, *id});
  if (!outcome) return SOCKET_ERROR;
  if (family == Family::kIpv4) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = HostToNetwork(*outcome->port);
    std::memcpy(name, &address, sizeof(address));
  } else {
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_port = HostToNetwork(*outcome->port);
    std::memcpy(name, &address, sizeof(address));
  }
  *namelen = needed;
  return 0;
}

int ModelApi::WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
                       LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
                       LPWSAOVERLAPPED lpOverlapped,
                       LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) {
  // The socket-ownership check comes first (SOCK-NOTSOCK, then W32-OVERLAPPED,
  // W32-NULL-POINTER, W32-UNKNOWN-IOCTL): a socket that is not this live
  // process's gets WSAENOTSOCK, from the model itself for the three
  // reservation ioctls (or the ended-process status, W32-PROCESS-ENDED).
  const SocketId id = ToSocketId(s).value_or(SocketId{0});
  const SocketState* state = machine_.socket(id);
  const bool owned = machine_.IsLive(process_) && state != nullptr && state->owner == process_;
  const bool known = dwIoControlCode == SIO_ACQUIRE_PORT_RESERVATION ||
                     dwIoControlCode == SIO_RELEASE_PORT_RESERVATION ||
                     dwIoControlCode == SIO_ASSOCIATE_PORT_RESERVATION;
  if (!owned && !known) return Fail(Error::kWsaEnotsock);
  if (owned) {
    if (lpOverlapped != nullptr || lpCompletionRoutine != nullptr) {
      // W32-OVERLAPPED: out of the model's scope. Windows would answer
      // WSA_IO_PENDING and complete later; the surface refuses the call as
      // a harness limit, with the reason in last_status().
      status_ = absl::UnimplementedError(
          "overlapped WSAIoctl is outside the model (rule W32-OVERLAPPED): call it synchronously");
      return Fail(Error::kWsaEopnotsupp);
    }
    if (lpcbBytesReturned == nullptr) return Fail(Error::kWsaEfault);
  }
  if (lpcbBytesReturned != nullptr) *lpcbBytesReturned = 0;
  if (!known) return Fail(Error::kWsaEopnotsupp);
  const uint32_t in_size = lpvInBuffer == nullptr ? 0 : cbInBuffer;
  const uint32_t out_size = lpvOutBuffer == nullptr ? 0 : cbOutBuffer;
  auto read_token = [&] {
    INET_PORT_RESERVATION_TOKEN token{};
    if (in_size >= sizeof(token)) std::memcpy(&token, lpvInBuffer, sizeof(token));
    return token.Token;
  };
  switch (dwIoControlCode) {
    case SIO_ACQUIRE_PORT_RESERVATION: {
      INET_PORT_RANGE range{};
      if (in_size >= sizeof(range)) std::memcpy(&range, lpvInBuffer, sizeof(range));
      auto outcome = RunSocketCall(call::Acquire{
          process_, id, HostBlock(range.StartPort, range.NumberOfPorts), in_size, out_size});
      if (!outcome) return SOCKET_ERROR;
      INET_PORT_RESERVATION_INSTANCE instance{};
      instance.Reservation.StartPort = HostToNetwork(outcome->block->start);
      instance.Reservation.NumberOfPorts = outcome->block->count;
      instance.Token.Token = *outcome->token;
      std::memcpy(lpvOutBuffer, &instance, sizeof(instance));
      // Success implies an owned socket, whose lpcbBytesReturned was checked.
      *lpcbBytesReturned = sizeof(instance);
      return 0;
    }
    case SIO_RELEASE_PORT_RESERVATION:
      return RunSocketCall(call::Release{process_, id, read_token(), in_size, out_size})
                 ? 0
                 : SOCKET_ERROR;
    case SIO_ASSOCIATE_PORT_RESERVATION:
      return RunSocketCall(call::Associate{process_, id, read_token(), in_size, out_size})
                 ? 0
                 : SOCKET_ERROR;
    default:
      return Fail(Error::kWsaEopnotsupp);  // not reached: unknown codes are refused above
  }
}

const char* PortReservationIoctlName(DWORD code) {
  switch (code) {
    case SIO_ACQUIRE_PORT_RESERVATION:
      return "SIO_ACQUIRE_PORT_RESERVATION";
    case SIO_RELEASE_PORT_RESERVATION:
      return "SIO_RELEASE_PORT_RESERVATION";
    case SIO_ASSOCIATE_PORT_RESERVATION:
      return "SIO_ASSOCIATE_PORT_RESERVATION";
    default:
      return nullptr;
  }
}

}  // namespace portpool::win32
