// The calls the model knows: every Win32 call of the port pool, every
// environment control (processes, elevation, dynamic range, reboot), and the
// reservations other parts of Windows make and drop during a run.
//
// A Call is plain data in host byte order. It is what the trace format
// prints, what rapidcheck and the fuzzers generate, and what backends run.
#ifndef PORTPOOL_CALL_H_
#define PORTPOOL_CALL_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "portpool/ids.h"
#include "portpool/port_range.h"
#include "portpool/protocol.h"

namespace portpool {

// Where a reservation that no process of the run made lives (ENV-* rules):
// kRuntime, an unmarked block some component holds (HNS, WinNAT, Docker,
// WSL); kActive, a `netsh ... add excludedportrange store=active` exclusion
// (administered, gone at the next boot); kPersistent, an administered block
// made outside the run (HNS's 50000-50059, someone's netsh add).
enum class EnvironmentStore : uint8_t { kRuntime, kActive, kPersistent };
// "runtime", "active", "persistent".
absl::string_view EnvironmentStoreName(EnvironmentStore store);
std::optional<EnvironmentStore> EnvironmentStoreFromName(absl::string_view name);

namespace call {

// Environment controls.
struct StartProcess {
  bool elevated = false;
  friend bool operator==(const StartProcess&, const StartProcess&) = default;
};
struct EndProcess {
  ProcessId process;
  friend bool operator==(const EndProcess&, const EndProcess&) = default;
};
struct Reboot {
  friend bool operator==(const Reboot&, const Reboot&) = default;
};
// netsh int ipv4|ipv6 set dynamicport <protocol> start=... num=...: each
// protocol has a range per IP version (DYN-RANGE-FAMILY).
struct SetDynamicRange {
  Protocol protocol = Protocol::kTcp;
  PortRange range;
  Family family = Family::kIpv4;
  friend bool operator==(const SetDynamicRange&, const SetDynamicRange&) = default;
};

// A reservation appeared or went away that no process of the run made or
// removed. Not a Win32 call: the checker records one when a fresh listing of
// the machine shows it, and a simulator backend can make them happen.
struct EnvironmentBlock {
  bool added = true;  // false: the block went away
  EnvironmentStore store = EnvironmentStore::kRuntime;
  Protocol protocol = Protocol::kTcp;
  PortRange block;
  friend bool operator==(const EnvironmentBlock&, const EnvironmentBlock&) = default;
};

// {Create,Lookup,Delete}Persistent{Tcp,Udp}PortReservation. `block` is host
// order: the Win32 surface has already converted StartPort.
struct CreatePersistent {
  ProcessId process;
  Protocol protocol = Protocol::kTcp;
  PortRange block;
  bool null_token = false;  // the Token pointer was null
  friend bool operator==(const CreatePersistent&, const CreatePersistent&) = default;
};
struct LookupPersistent {
  ProcessId process;
  Protocol protocol = Protocol::kTcp;
  PortRange block;
  bool null_token = false;
  friend bool operator==(const LookupPersistent&, const LookupPersistent&) = default;
};
struct DeletePersistent {
  ProcessId process;
  Protocol protocol = Protocol::kTcp;
  PortRange block;
  friend bool operator==(const DeletePersistent&, const DeletePersistent&) = default;
};

// socket(), closesocket().
struct OpenSocket {
  ProcessId process;
  Protocol protocol = Protocol::kTcp;
  Family family = Family::kIpv4;
  friend bool operator==(const OpenSocket&, const OpenSocket&) = default;
};
struct CloseSocket {
  ProcessId process;
  SocketId socket;
  friend bool operator==(const CloseSocket&, const CloseSocket&) = default;
};

// The input and output buffer sizes as the caller passed them; a null
// buffer pointer is given as size 0.
inline constexpr uint32_t kPortRangeSize = 4;  // sizeof(INET_PORT_RANGE)
inline constexpr uint32_t kTokenSize = 8;      // sizeof(INET_PORT_RESERVATION_TOKEN)
inline constexpr uint32_t kInstanceSize = 16;  // sizeof(INET_PORT_RESERVATION_INSTANCE)

// WSAIoctl(SIO_ACQUIRE_PORT_RESERVATION). request.start == 0 is a wildcard.
struct Acquire {
  ProcessId process;
  SocketId socket;
  PortRange request;
  uint32_t in_size = kPortRangeSize;
  uint32_t out_size = kInstanceSize;
  friend bool operator==(const Acquire&, const Acquire&) = default;
};
// WSAIoctl(SIO_RELEASE_PORT_RESERVATION). The output buffer "must be set to
// zero" (R-IOCTL-OUTBUF): out_size is what the caller passed.
struct Release {
  ProcessId process;
  SocketId socket;
  Token token = kInvalidToken;
  uint32_t in_size = kTokenSize;
  uint32_t out_size = 0;
  friend bool operator==(const Release&, const Release&) = default;
};
// WSAIoctl(SIO_ASSOCIATE_PORT_RESERVATION).
struct Associate {
  ProcessId process;
  SocketId socket;
  Token token = kInvalidToken;
  uint32_t in_size = kTokenSize;
  uint32_t out_size = 0;
  friend bool operator==(const Associate&, const Associate&) = default;
};
// bind() to the wildcard address and `port` (0: let the system choose).
struct Bind {
  ProcessId process;
  SocketId socket;
  uint16_t port = 0;
  friend bool operator==(const Bind&, const Bind&) = default;
};
// getsockname().
struct GetSockName {
  ProcessId process;
  SocketId socket;
  friend bool operator==(const GetSockName&, const GetSockName&) = default;
};

}  // namespace call

using Call = std::variant<call::StartProcess, call::EndProcess, call::Reboot, call::SetDynamicRange,
                          call::CreatePersistent, call::LookupPersistent, call::DeletePersistent,
                          call::OpenSocket, call::CloseSocket, call::Acquire, call::Release,
                          call::Associate, call::Bind, call::GetSockName, call::EnvironmentBlock>;

// A one-line, human-readable rendering, e.g.
// "p1 CreatePersistentTcpPortReservation(5000, 10)". Tokens print in hex.
std::string DescribeCall(const Call& call);

// The process the call names: the caller, or for EndProcess the process that
// ends; nullopt for StartProcess, Reboot, SetDynamicRange and
// EnvironmentBlock.
std::optional<ProcessId> CallerOf(const Call& call);

inline std::ostream& operator<<(std::ostream& os, const Call& c) { return os << DescribeCall(c); }

}  // namespace portpool

#endif  // PORTPOOL_CALL_H_
