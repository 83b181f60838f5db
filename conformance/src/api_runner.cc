#include "portpool/conformance/api_runner.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace portpool::conformance {
namespace {

using win32::HostToNetwork;
using win32::NetworkToHost;

// A handle no Windows socket has (Windows handles are multiples of 4), used
// for calls on a socket that is closed or belongs to another process: the
// value of a closed handle may already name a new socket.
constexpr win32::SOCKET kBogusSocket = 0x7ffffff1;

Outcome Failed(int error) {
  Outcome o;
  o.error = static_cast<Error>(error);
  return o;
}

}  // namespace

void ApiRunner::ForgetSocketsOf(ProcessId process) {
  std::erase_if(sockets_, [&](const auto& entry) { return entry.second.process == process; });
}

absl::StatusOr<Outcome> ApiRunner::Run(win32::Api& api, const Call& call) {
  // The handle for a socket call: the Api's own, or a bogus one if the
  // socket is not open in the calling process.
  auto handle_of = [&](ProcessId process, SocketId socket) {
    auto it = sockets_.find(socket.value);
    return it != sockets_.end() && it->second.process == process ? it->second.handle : kBogusSocket;
  };
  return std::visit(
      [&](const auto& c) -> absl::StatusOr<Outcome> {
        using T = std::decay_t<decltype(c)>;
        Outcome o;
        if constexpr (std::is_same_v<T, call::CreatePersistent> ||
                      std::is_same_v<T, call::LookupPersistent>) {
          constexpr bool kCreate = std::is_same_v<T, call::CreatePersistent>;
          win32::ULONG64 token = 0;
          win32::PULONG64 out = c.null_token ? nullptr : &token;
          const win32::USHORT start = HostToNetwork(c.block.start);
          win32::ULONG rc;
          if (c.protocol == Protocol::kTcp) {
            rc = kCreate ? api.CreatePersistentTcpPortReservation(start, c.block.count, out)
                         : api.LookupPersistentTcpPortReservation(start, c.block.count, out);
          } else {
            rc = kCreate ? api.CreatePersistentUdpPortReservation(start, c.block.count, out)
                         : api.LookupPersistentUdpPortReservation(start, c.block.count, out);
          }
          o.error = static_cast<Error>(rc);
          if (rc == 0 && out != nullptr) o.token = token;
          return o;
        } else if constexpr (std::is_same_v<T, call::DeletePersistent>) {
          const win32::USHORT start = HostToNetwork(c.block.start);
          o.error = static_cast<Error>(
              c.protocol == Protocol::kTcp
                  ? api.DeletePersistentTcpPortReservation(start, c.block.count)
                  : api.DeletePersistentUdpPortReservation(start, c.block.count));
          return o;
        } else if constexpr (std::is_same_v<T, call::OpenSocket>) {
          const int af = c.family == Family::kIpv4 ? AF_INET : AF_INET6;
          const bool tcp = c.protocol == Protocol::kTcp;
          const win32::SOCKET s =
              api.socket(af, tcp ? SOCK_STREAM : SOCK_DGRAM, tcp ? IPPROTO_TCP : IPPROTO_UDP);
          if (s == INVALID_SOCKET) return Failed(api.WSAGetLastError());
          const SocketId id{++last_socket_};
          sockets_[id.value] = OpenSocket{c.process, s, c.family};
          o.socket = id;
          return o;
        } else if constexpr (std::is_same_v<T, call::CloseSocket>) {
          const win32::SOCKET s = handle_of(c.process, c.socket);
          if (api.closesocket(s) != 0) return Failed(api.WSAGetLastError());
          sockets_.erase(c.socket.value);
          return o;
        } else if constexpr (std::is_same_v<T, call::Acquire>) {
          win32::INET_PORT_RANGE range{HostToNetwork(c.request.start), c.request.count};
          // Buffers as large as the call says, so short-buffer cases are real.
          unsigned char in[sizeof(range)] = {};
          std::memcpy(in, &range, sizeof(range));
          win32::INET_PORT_RESERVATION_INSTANCE instance{};
          unsigned char out[sizeof(instance)] = {};
          win32::DWORD bytes = 0;
          const int rc =
              api.WSAIoctl(handle_of(c.process, c.socket), SIO_ACQUIRE_PORT_RESERVATION,
                           c.in_size == 0 ? nullptr : in, std::min<uint32_t>(c.in_size, sizeof(in)),
                           c.out_size == 0 ? nullptr : out,
                           std::min<uint32_t>(c.out_size, sizeof(out)), &bytes, nullptr, nullptr);
          if (rc != 0) return Failed(api.WSAGetLastError());
          if (bytes < sizeof(instance)) {
            return absl::InternalError(absl::StrCat(
                "SIO_ACQUIRE_PORT_RESERVATION succeeded but returned ", bytes, " bytes"));
          }
          std::memcpy(&instance, out, sizeof(instance));
          o.block = PortRange{NetworkToHost(instance.Reservation.StartPort),
                              instance.Reservation.NumberOfPorts};
          o.token = instance.Token.Token;
          return o;
        } else if constexpr (std::is_same_v<T, call::Release> ||
                             std::is_same_v<T, call::Associate>) {
          win32::INET_PORT_RESERVATION_TOKEN token{c.token};
          unsigned char in[sizeof(token)] = {};
          std::memcpy(in, &token, sizeof(token));
          // The output buffer "must be set to zero" (R-IOCTL-OUTBUF); a call
          // that says otherwise gets one of that size, up to 64 bytes.
          unsigned char out[64] = {};
          const uint32_t out_size = std::min<uint32_t>(c.out_size, sizeof(out));
          win32::DWORD bytes = 0;
          const win32::DWORD code = std::is_same_v<T, call::Release>
                                        ? win32::DWORD{SIO_RELEASE_PORT_RESERVATION}
                                        : win32::DWORD{SIO_ASSOCIATE_PORT_RESERVATION};
          const int rc =
              api.WSAIoctl(handle_of(c.process, c.socket), code, c.in_size == 0 ? nullptr : in,
                           std::min<uint32_t>(c.in_size, sizeof(in)), out_size == 0 ? nullptr : out,
                           out_size, &bytes, nullptr, nullptr);
          if (rc != 0) return Failed(api.WSAGetLastError());
          // U15: the bytes a success reports are unknown, but only 0 (no
          // output) or 8 (the token) are plausible; anything else is a
          // finding the trace format cannot carry, so it stops the run.
          if (bytes != 0 && bytes != sizeof(token)) {
            return absl::InternalError(absl::StrCat(
                DescribeCall(call), " succeeded and returned ", bytes,
                " bytes; U15 (docs/semantics.md) allows 0 or 8: record this as its answer"));
          }
          return o;
        } else if constexpr (std::is_same_v<T, call::Bind>) {
          const win32::SOCKET s = handle_of(c.process, c.socket);
          // The family decides the sockaddr; a bogus handle gets an IPv4 one.
          sockaddr_in6 address6{};
          sockaddr_in address4{};
          const sockaddr* name = reinterpret_cast<const sockaddr*>(&address4);
          int length = sizeof(address4);
          address4.sin_family = AF_INET;
          address4.sin_port = HostToNetwork(c.port);
          if (auto it = sockets_.find(c.socket.value);
              it != sockets_.end() && it->second.family == Family::kIpv6) {
            address6.sin6_family = AF_INET6;
            address6.sin6_port = HostToNetwork(c.port);
            name = reinterpret_cast<const sockaddr*>(&address6);
            length = sizeof(address6);
          }
          if (api.bind(s, name, length) != 0) return Failed(api.WSAGetLastError());
          // bind does not say which port it took: ask, as a program would.
          sockaddr_in6 bound{};
          int bound_length = sizeof(bound);
          if (api.getsockname(s, reinterpret_cast<sockaddr*>(&bound), &bound_length) != 0) {
            return absl::InternalError(
                absl::StrCat("bind succeeded but getsockname failed with ", api.WSAGetLastError()));
          }
          o.port = NetworkToHost(bound.sin6_port);  // same offset as sin_port
          return o;
        } else if constexpr (std::is_same_v<T, call::GetSockName>) {
          sockaddr_in6 address{};
          int length = sizeof(address);
          if (api.getsockname(handle_of(c.process, c.socket), reinterpret_cast<sockaddr*>(&address),
                              &length) != 0) {
            return Failed(api.WSAGetLastError());
          }
          // sin_port and sin6_port sit at the same offset.
          o.port = NetworkToHost(address.sin6_port);
          return o;
        } else {
          return absl::InvalidArgumentError(absl::StrCat(
              "'", DescribeCall(call), "' is an environment control, not an Api call"));
        }
      },
      call);
}

}  // namespace portpool::conformance
