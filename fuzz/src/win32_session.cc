#include "portpool/fuzz/win32_session.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "portpool/fuzz/call_decoder.h"

namespace portpool::fuzz {
namespace {

using win32::DWORD;
using win32::HostToNetwork;
using win32::NetworkToHost;
using win32::PortReservationIoctlName;
using win32::SOCKET;
using win32::USHORT;

constexpr std::array<Function, 32> kFunctions = {
    Function::kStartProcess,
    Function::kStartProcess,
    Function::kEndProcess,
    Function::kReboot,
    Function::kSetDynamicRange,
    Function::kCreate,
    Function::kCreate,
    Function::kCreate,
    Function::kCreate,
    Function::kLookup,
    Function::kLookup,
    Function::kDelete,
    Function::kDelete,
    Function::kSocket,
    Function::kSocket,
    Function::kSocket,
    Function::kSocket,
    Function::kCloseSocket,
    Function::kCloseSocket,
    Function::kBind,
    Function::kBind,
    Function::kBind,
    Function::kBind,
    Function::kGetSockName,
    Function::kGetSockName,
    Function::kIoctl,
    Function::kIoctl,
    Function::kIoctl,
    Function::kIoctl,
    Function::kIoctl,
    Function::kIoctl,
    Function::kIoctl,
};

constexpr std::array<PortRange, 6> kDynamicRanges = {
    {{49152, 16384}, {65281, 255}, {65000, 536}, {1025, 255}, {1024, 255}, {65500, 255}}};

constexpr std::array<uint16_t, 12> kCounts = {1, 1, 2, 3, 5, 8, 0, 64, 255, 256, 1000, 65535};

// The window of host-order ports (see call_decoder.h), plus 5000 and
// 50000, whose byte swaps (34835, 20675) are ports too.
uint16_t WindowPort(FuzzedDataProvider& bytes) {
  const uint8_t v = bytes.ConsumeIntegral<uint8_t>();
  if (v < 80) return static_cast<uint16_t>(1 + v % 40);
  if (v < 150) return static_cast<uint16_t>(65500 + (v - 80) % 36);
  if (v < 200) return static_cast<uint16_t>(65270 + (v - 150) % 31);
  if (v < 230) return static_cast<uint16_t>(49152 + (v - 200) % 9);
  if (v < 240) return v % 2 == 0 ? 5000 : 50000;
  if (v < 250) return 0;
  return 65535;
}

int FamilyAf(Family family) { return family == Family::kIpv4 ? AF_INET : AF_INET6; }
int NameSize(Family family) {
  return family == Family::kIpv4 ? static_cast<int>(sizeof(sockaddr_in))
                                 : static_cast<int>(sizeof(sockaddr_in6));
}

std::string Handle(SOCKET s) {
  if (s == INVALID_SOCKET) return "INVALID_SOCKET";
  return absl::StrCat(s);
}

}  // namespace

Win32Session::Win32Session(const uint8_t* data, size_t size)
    : bytes_(std::make_unique<FuzzedDataProvider>(size == 0 ? data : data + 1,
                                                  size == 0 ? 0 : size - 1)),
      machine_(size == 0 ? 0 : data[0]) {
  recorder_.AddProvenance(
      absl::StrCat("fuzz target=win32 simulator seed=", size == 0 ? 0 : data[0]));
}

Win32Session::~Win32Session() = default;

win32::ModelApi& Win32Session::ApiOf(ProcessId process) {
  auto [it, inserted] = apis_.try_emplace(process);
  if (inserted) it->second = std::make_unique<win32::ModelApi>(machine_, process);
  return *it->second;
}

USHORT Win32Session::PickStartPort(bool* raw) {
  const uint16_t host = WindowPort(*bytes_);
  const uint8_t how = bytes_->ConsumeIntegral<uint8_t>();
  *raw = false;
  if (how < 20) {
    *raw = host != HostToNetwork(host);  // forgot htons (BYTE-ORDER)
    return host;
  }
  if (how < 24) return bytes_->ConsumeIntegral<uint16_t>();  // anything
  return HostToNetwork(host);
}

SOCKET Win32Session::PickHandle(ProcessId process) {
  const uint8_t pick = bytes_->ConsumeIntegral<uint8_t>();
  if (pick < 4) return 0;
  if (pick < 8) return INVALID_SOCKET;
  if (pick < 10) return SOCKET{UINT32_MAX} + 1 + pick;  // beyond any socket id
  if (pick < 40 && !handles_ever_.empty()) {
    return handles_ever_[pick % handles_ever_.size()];  // any: foreign, closed
  }
  const ProcessState* state = machine_.process(process);
  if (state != nullptr && !state->sockets.empty()) {
    return state->sockets[pick % state->sockets.size()].value;
  }
  return handles_ever_.empty() ? 1 : handles_ever_[pick % handles_ever_.size()];
}

Token Win32Session::PickToken() {
  const uint8_t pick = bytes_->ConsumeIntegral<uint8_t>();
  if (pick < 12 || tokens_seen_.empty()) {
    return pick % 2 == 0 ? kInvalidToken : bytes_->ConsumeIntegral<uint64_t>();
  }
  return tokens_seen_[pick % tokens_seen_.size()];
}

std::optional<Win32Call> Win32Session::Next() {
  if (bytes_->remaining_bytes() == 0 || calls_ >= kMaxCalls) return std::nullopt;
  ++calls_;
  Win32Call c;
  c.function = kFunctions[bytes_->ConsumeIntegral<uint8_t>() % kFunctions.size()];
  std::vector<ProcessId> live;
  for (const auto& [id, state] : machine_.processes()) live.push_back(id);
  std::sort(live.begin(), live.end());
  const uint8_t who = bytes_->ConsumeIntegral<uint8_t>();
  if (live.empty()) {
    c.function = Function::kStartProcess;
  } else if (who >= 248 && !processes_ever_.empty()) {
    c.process = processes_ever_[who % processes_ever_.size()];  // maybe ended
  } else {
    c.process = live[who % live.size()];
  }
  const std::string p = absl::StrCat("p", c.process.value, " ");
  switch (c.function) {
    case Function::kStartProcess:
      c.control = call::StartProcess{bytes_->ConsumeIntegral<uint8_t>() % 4 != 0};
      break;
    case Function::kEndProcess:
      c.control = call::EndProcess{live.empty() ? c.process : live[who % live.size()]};
      break;
    case Function::kReboot:
      c.control = call::Reboot{};
      break;
    case Function::kSetDynamicRange:
      c.control = call::SetDynamicRange{
          bytes_->ConsumeBool() ? Protocol::kUdp : Protocol::kTcp,
          kDynamicRanges[bytes_->ConsumeIntegral<uint8_t>() % kDynamicRanges.size()]};
      break;
    case Function::kCreate:
    case Function::kLookup:
    case Function::kDelete: {
      c.protocol = bytes_->ConsumeBool() ? Protocol::kUdp : Protocol::kTcp;
      const uint8_t aim = bytes_->ConsumeIntegral<uint8_t>();
      c.start_port = PickStartPort(&c.raw_port);
      c.count = kCounts[bytes_->ConsumeIntegral<uint8_t>() % kCounts.size()];
      if (aim >= 128 && !machine_.pool(c.protocol).blocks().empty()) {
        // Exactly a live block, as its owner would name it.
        const auto& blocks = machine_.pool(c.protocol).blocks();
        auto it = blocks.begin();
        std::advance(it, aim % blocks.size());
        c.start_port = HostToNetwork(it->first);
        c.count = it->second.count;
        c.raw_port = false;
      }
      c.null_token = c.function != Function::kDelete && bytes_->ConsumeIntegral<uint8_t>() < 12;
      const char* verb = c.function == Function::kCreate   ? "Create"
                         : c.function == Function::kLookup ? "Lookup"
                                                           : "Delete";
      c.text = absl::StrFormat("%s%sPersistent%sPortReservation(0x%04x, %d%s)", p, verb,
                               c.protocol == Protocol::kTcp ? "Tcp" : "Udp", c.start_port, c.count,
                               c.function == Function::kDelete ? ""
                               : c.null_token                  ? ", NULL"
                                                               : ", &token");
      break;
    }
    case Function::kSocket: {
      const uint8_t pick = bytes_->ConsumeIntegral<uint8_t>();
      c.af = pick % 4 == 3 ? AF_INET6 : AF_INET;
      c.type = pick % 8 < 4 ? SOCK_STREAM : SOCK_DGRAM;
      c.ip_protocol = pick % 16 < 8 ? 0 : (c.type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
      if (pick >= 240) {  // anything: other families, types and protocols
        c.af = bytes_->ConsumeIntegralInRange<int>(-1, 40);
        c.type = bytes_->ConsumeIntegralInRange<int>(-1, 6);
        c.ip_protocol = bytes_->ConsumeIntegralInRange<int>(-1, 300);
      }
      c.text = absl::StrCat(p, "socket(", c.af, ", ", c.type, ", ", c.ip_protocol, ")");
      break;
    }
    case Function::kCloseSocket:
      c.handle = PickHandle(c.process);
      c.text = absl::StrCat(p, "closesocket(", Handle(c.handle), ")");
      break;
    case Function::kBind:
    case Function::kGetSockName: {
      c.handle = PickHandle(c.process);
      const SocketState* s = c.handle <= UINT32_MAX
                                 ? machine_.socket(SocketId{static_cast<uint32_t>(c.handle)})
                                 : nullptr;
      const Family family = s != nullptr ? s->family : Family::kIpv4;
      const uint8_t shape = bytes_->ConsumeIntegral<uint8_t>();
      c.null_name = shape < 8;
      c.null_namelen = c.function == Function::kGetSockName && shape >= 8 && shape < 16;
      c.name_size = NameSize(family);
      if (shape >= 16 && shape < 32) c.name_size = bytes_->ConsumeIntegralInRange<int>(-1, 27);
      if (shape >= 32 && shape < 40) c.name_size += 4;
      c.name_family = FamilyAf(family);
      if (shape >= 40 && shape < 48)
        c.name_family =
            FamilyAf(s != nullptr && family == Family::kIpv4 ? Family::kIpv6 : Family::kIpv4);
      if (shape >= 48 && shape < 52) c.name_family = bytes_->ConsumeIntegralInRange<int>(0, 40);
      if (c.function == Function::kBind) {
        const uint8_t aim = bytes_->ConsumeIntegral<uint8_t>();
        uint16_t host = 0;
        if (aim >= 96 && s != nullptr && s->associated() &&
            s->associations.back().block.count != 0) {
          const PortRange block = s->associations.back().block;
          host = static_cast<uint16_t>(block.start + aim % block.count);
        } else if (aim >= 64) {
          host = WindowPort(*bytes_);
        }
        c.name_port = HostToNetwork(host);
        if (aim % 16 == 1 && host != HostToNetwork(host)) {
          c.name_port = host;  // forgot htons
          c.raw_port = true;
        }
        c.text = absl::StrFormat(
            "%sbind(%s, %s, %d)", p, Handle(c.handle),
            c.null_name ? "NULL"
                        : absl::StrFormat("{family %d, port 0x%04x}", c.name_family, c.name_port),
            c.name_size);
      } else {
        c.text = absl::StrFormat("%sgetsockname(%s, %s, %s)", p, Handle(c.handle),
                                 c.null_name ? "NULL" : "&name",
                                 c.null_namelen ? "NULL" : absl::StrCat("&", c.name_size));
      }
      break;
    }
    case Function::kIoctl: {
      c.handle = PickHandle(c.process);
      const uint8_t which = bytes_->ConsumeIntegral<uint8_t>();
      c.code = which < 100   ? SIO_ACQUIRE_PORT_RESERVATION
               : which < 150 ? SIO_RELEASE_PORT_RESERVATION
               : which < 246 ? SIO_ASSOCIATE_PORT_RESERVATION
                             : bytes_->ConsumeIntegral<uint32_t>();
      std::vector<uint8_t> in;
      if (c.code == SIO_ACQUIRE_PORT_RESERVATION) {
        win32::INET_PORT_RANGE range{};
        if (bytes_->ConsumeIntegral<uint8_t>() < 100) {
          range.StartPort = 0;  // any block (R-ACQUIRE-WILDCARD)
        } else {
          range.StartPort = PickStartPort(&c.raw_port);
        }
        range.NumberOfPorts = kCounts[bytes_->ConsumeIntegral<uint8_t>() % kCounts.size()];
        in.resize(sizeof(range));
        std::memcpy(in.data(), &range, sizeof(range));
      } else {
        win32::INET_PORT_RESERVATION_TOKEN token{PickToken()};
        in.resize(sizeof(token));
        std::memcpy(in.data(), &token, sizeof(token));
      }
      const uint8_t sizes = bytes_->ConsumeIntegral<uint8_t>();
      if (sizes >= 8) {
        // Short, or longer than the structure (zero-padded), or right.
        if (sizes < 16) in.resize(sizes % in.size());
        if (sizes >= 16 && sizes < 20) in.resize(in.size() + sizes % 8, 0);
        c.in = std::move(in);
      }
      const uint8_t out = bytes_->ConsumeIntegral<uint8_t>();
      if (c.code == SIO_ACQUIRE_PORT_RESERVATION || out >= 240) {
        c.out_size = sizeof(win32::INET_PORT_RESERVATION_INSTANCE);
        if (out < 8) c.out_size.reset();
        if (out >= 8 && out < 16) c.out_size = out % 16;
        if (out >= 250) c.out_size = 24;
      }
      const uint8_t flags = bytes_->ConsumeIntegral<uint8_t>();
      c.null_bytes_returned = flags < 6;
      c.overlapped = flags >= 250;
      c.completion_routine = flags >= 245 && flags < 250;
      const char* name = PortReservationIoctlName(c.code);
      c.text = absl::StrFormat(
          "%sWSAIoctl(%s, %s, %s, %d, %s, %d, %s, %s, %s)", p, Handle(c.handle),
          name != nullptr ? name : absl::StrFormat("0x%08x", c.code), c.in ? "&in" : "NULL",
          c.in ? c.in->size() : 0, c.out_size ? "&out" : "NULL", c.out_size.value_or(0),
          c.null_bytes_returned ? "NULL" : "&bytes", c.overlapped ? "&overlapped" : "NULL",
          c.completion_routine ? "routine" : "NULL");
      break;
    }
  }
  if (c.control) c.text = DescribeCall(*c.control);
  Translate(c);
  return c;
}

// The surface as docs/semantics.md (3.6) describes it, written from the
// rules and not from win32.cc, so that the target compares the two.
void Win32Session::Translate(Win32Call& c) const {
  auto surface = [&c](Error error, const char* rule) {
    c.surface_error = error;
    c.surface_rule = rule;
  };
  const ProcessId P = c.process;
  const std::optional<SocketId> id =
      c.handle == 0 || c.handle > SOCKET{UINT32_MAX}
          ? std::nullopt
          : std::optional<SocketId>(SocketId{static_cast<uint32_t>(c.handle)});
  const SocketState* socket = id ? machine_.socket(*id) : nullptr;
  // The socket-ownership check that comes first for bind, getsockname and
  // WSAIoctl: a live caller's own open socket.
  const bool owned = machine_.IsLive(P) && socket != nullptr && socket->owner == P;
  switch (c.function) {
    case Function::kStartProcess:
    case Function::kEndProcess:
    case Function::kReboot:
    case Function::kSetDynamicRange:
      c.model_call = c.control;
      return;
    case Function::kCreate:
      c.model_call = call::CreatePersistent{
          P, c.protocol, PortRange{NetworkToHost(c.start_port), c.count}, c.null_token};
      return;
    case Function::kLookup:
      c.model_call = call::LookupPersistent{
          P, c.protocol, PortRange{NetworkToHost(c.start_port), c.count}, c.null_token};
      return;
    case Function::kDelete:
      c.model_call =
          call::DeletePersistent{P, c.protocol, PortRange{NetworkToHost(c.start_port), c.count}};
      return;
    case Function::kSocket:
      // W32-SOCKET-ARGS: before the model, even for an ended process.
      if (c.af != AF_INET && c.af != AF_INET6)
        return surface(Error::kWsaEafnosupport, "W32-SOCKET-ARGS");
      if (c.type == SOCK_STREAM && (c.ip_protocol == 0 || c.ip_protocol == IPPROTO_TCP)) {
        c.model_call =
            call::OpenSocket{P, Protocol::kTcp, c.af == AF_INET ? Family::kIpv4 : Family::kIpv6};
        return;
      }
      if (c.type == SOCK_DGRAM && (c.ip_protocol == 0 || c.ip_protocol == IPPROTO_UDP)) {
        c.model_call =
            call::OpenSocket{P, Protocol::kUdp, c.af == AF_INET ? Family::kIpv4 : Family::kIpv6};
        return;
      }
      return surface(Error::kWsaEprotonosupport, "W32-SOCKET-ARGS");
    case Function::kCloseSocket:
      // A handle that is no socket id is no socket (SOCK-NOTSOCK).
      if (!id) return surface(Error::kWsaEnotsock, "SOCK-NOTSOCK");
      c.model_call = call::CloseSocket{P, *id};
      return;
    case Function::kBind: {
      if (!owned) {
        c.model_call = call::Bind{P, id.value_or(SocketId{0}), 0};
        return;
      }
      if (c.null_name || c.name_size < NameSize(socket->family)) {
        return surface(Error::kWsaEfault, "W32-NULL-POINTER");
      }
      // Another family in the address: no rule names it (semantics.md,
      // "what the model leaves out"); ModelApi answers WSAEAFNOSUPPORT.
      if (c.name_family != FamilyAf(socket->family)) return surface(Error::kWsaEafnosupport, "");
      c.model_call = call::Bind{P, *id, NetworkToHost(c.name_port)};
      return;
    }
    case Function::kGetSockName:
      if (!owned) {
        c.model_call = call::GetSockName{P, id.value_or(SocketId{0})};
        return;
      }
      if (c.null_name || c.null_namelen || c.name_size < NameSize(socket->family)) {
        return surface(Error::kWsaEfault, "W32-NULL-POINTER");
      }
      c.model_call = call::GetSockName{P, *id};
      return;
    case Function::kIoctl: {
      const bool known = PortReservationIoctlName(c.code) != nullptr;
      if (owned || known) {
        // W32-OVERLAPPED, then W32-NULL-POINTER, then W32-UNKNOWN-IOCTL,
        // all after the ownership check.
        if (owned && (c.overlapped || c.completion_routine)) {
          // A harness limit: refused, the reason in last_status().
          return surface(Error::kWsaEopnotsupp, "W32-OVERLAPPED");
        }
        if (owned && c.null_bytes_returned) return surface(Error::kWsaEfault, "W32-NULL-POINTER");
        if (!known) return surface(Error::kWsaEopnotsupp, "W32-UNKNOWN-IOCTL");
      } else {
        return surface(Error::kWsaEnotsock, "SOCK-NOTSOCK");
      }
      const SocketId sid = id.value_or(SocketId{0});
      const uint32_t in_size = c.in ? static_cast<uint32_t>(c.in->size()) : 0;
      const uint32_t out_size = c.out_size.value_or(0);
      if (c.code == SIO_ACQUIRE_PORT_RESERVATION) {
        win32::INET_PORT_RANGE range{};
        if (in_size >= sizeof(range)) std::memcpy(&range, c.in->data(), sizeof(range));
        c.model_call =
            call::Acquire{P, sid, PortRange{NetworkToHost(range.StartPort), range.NumberOfPorts},
                          in_size, out_size};
        return;
      }
      win32::INET_PORT_RESERVATION_TOKEN token{};
      if (in_size >= sizeof(token)) std::memcpy(&token, c.in->data(), sizeof(token));
      if (c.code == SIO_RELEASE_PORT_RESERVATION) {
        c.model_call = call::Release{P, sid, token.Token, in_size, out_size};
      } else {
        c.model_call = call::Associate{P, sid, token.Token, in_size, out_size};
      }
      return;
    }
  }
}

Win32Answer Win32Session::Run(const Win32Call& c) {
  Win32Answer answer;
  Outcome& o = answer.outcome;
  if (c.control) {
    absl::StatusOr<Outcome> outcome = machine_.Run(*c.control);
    if (outcome.ok()) {
      o = *outcome;
      if (o.process) processes_ever_.push_back(*o.process);
      recorder_.Record(*c.control, o);
    } else {
      answer.status = outcome.status();
    }
    return answer;
  }
  win32::ModelApi& api = ApiOf(c.process);
  auto wsa = [&](int rc) {
    o.error = rc == 0 ? Error::kNoError : static_cast<Error>(api.WSAGetLastError());
  };
  switch (c.function) {
    case Function::kCreate:
    case Function::kLookup: {
      win32::ULONG64 token = 0;
      win32::PULONG64 pointer = c.null_token ? nullptr : &token;
      const bool tcp = c.protocol == Protocol::kTcp;
      const win32::ULONG rc =
          c.function == Function::kCreate
              ? (tcp ? api.CreatePersistentTcpPortReservation(c.start_port, c.count, pointer)
                     : api.CreatePersistentUdpPortReservation(c.start_port, c.count, pointer))
              : (tcp ? api.LookupPersistentTcpPortReservation(c.start_port, c.count, pointer)
                     : api.LookupPersistentUdpPortReservation(c.start_port, c.count, pointer));
      o.error = static_cast<Error>(rc);
      if (rc == 0 && pointer != nullptr) o.token = token;
      break;
    }
    case Function::kDelete: {
      const win32::ULONG rc = c.protocol == Protocol::kTcp
                                  ? api.DeletePersistentTcpPortReservation(c.start_port, c.count)
                                  : api.DeletePersistentUdpPortReservation(c.start_port, c.count);
      o.error = static_cast<Error>(rc);
      break;
    }
    case Function::kSocket: {
      const SOCKET s = api.socket(c.af, c.type, c.ip_protocol);
      if (s == INVALID_SOCKET) {
        o.error = static_cast<Error>(api.WSAGetLastError());
      } else {
        o.socket = SocketId{static_cast<uint32_t>(s)};
        handles_ever_.push_back(s);
      }
      break;
    }
    case Function::kCloseSocket:
      wsa(api.closesocket(c.handle));
      break;
    case Function::kBind:
    case Function::kGetSockName: {
      // Exactly name_size bytes, so that AddressSanitizer catches a read or
      // write past what the caller passed.
      std::vector<uint8_t> name(static_cast<size_t>(std::max(c.name_size, 0)));
      if (c.function == Function::kBind) {
        sockaddr_in6 address{};  // family and port sit where sockaddr_in has them
        address.sin6_family = static_cast<decltype(address.sin6_family)>(c.name_family);
        address.sin6_port = c.name_port;
        if (!name.empty())
          std::memcpy(name.data(), &address, std::min(name.size(), sizeof(address)));
        const int rc = api.bind(
            c.handle, c.null_name ? nullptr : reinterpret_cast<const sockaddr*>(name.data()),
            c.name_size);
        wsa(rc);
        if (rc == 0 && c.model_call) {
          // bind returns no port; a program would ask getsockname, which the
          // model's state answers directly.
          if (const auto* b = std::get_if<call::Bind>(&*c.model_call)) {
            const SocketState* s = machine_.socket(b->socket);
            if (s != nullptr) o.port = s->bound_port;
          }
        }
      } else {
        int namelen = c.name_size;
        const int rc = api.getsockname(
            c.handle, c.null_name ? nullptr : reinterpret_cast<sockaddr*>(name.data()),
            c.null_namelen ? nullptr : &namelen);
        wsa(rc);
        if (rc == 0 && name.size() >= sizeof(sockaddr_in)) {
          sockaddr_in address;
          std::memcpy(&address, name.data(), sizeof(address));
          o.port = NetworkToHost(address.sin_port);  // same offset in sockaddr_in6
        }
      }
      break;
    }
    case Function::kIoctl: {
      std::vector<uint8_t> in = c.in.value_or(std::vector<uint8_t>{});
      std::vector<uint8_t> out(c.out_size.value_or(0));
      DWORD bytes_returned = 0xdeadbeef;
      // Never dereferenced: the model runs synchronously (W32-OVERLAPPED).
      alignas(8) static uint8_t overlapped_storage[32];
      const int rc = api.WSAIoctl(
          c.handle, c.code, c.in ? static_cast<void*>(in.data()) : nullptr,
          c.in ? static_cast<DWORD>(in.size()) : 0,
          c.out_size ? static_cast<void*>(out.data()) : nullptr, c.out_size.value_or(0),
          c.null_bytes_returned ? nullptr : &bytes_returned,
          c.overlapped ? reinterpret_cast<win32::LPWSAOVERLAPPED>(overlapped_storage) : nullptr,
          c.completion_routine ? +[](DWORD, DWORD, win32::LPWSAOVERLAPPED, DWORD) {} : nullptr);
      wsa(rc);
      if (!c.null_bytes_returned) answer.bytes_returned = bytes_returned;
      if (rc == 0 && c.code == SIO_ACQUIRE_PORT_RESERVATION &&
          out.size() >= sizeof(win32::INET_PORT_RESERVATION_INSTANCE)) {
        win32::INET_PORT_RESERVATION_INSTANCE instance;
        std::memcpy(&instance, out.data(), sizeof(instance));
        o.block = PortRange{NetworkToHost(instance.Reservation.StartPort),
                            instance.Reservation.NumberOfPorts};
        o.token = instance.Token.Token;
      }
      break;
    }
    default:
      break;
  }
  answer.status = api.last_status();
  if (o.token && *o.token != kInvalidToken &&
      std::find(tokens_seen_.begin(), tokens_seen_.end(), *o.token) == tokens_seen_.end() &&
      tokens_seen_.size() < 256) {
    tokens_seen_.push_back(*o.token);
  }
  // The trace: what the surface passed on, or a comment for what it
  // answered by itself (the trace format has no words for raw pointers).
  // A trace names only sockets some step opened: a call on a made-up handle
  // (0, INVALID_SOCKET, never returned by socket()) stays a comment.
  const bool nameable =
      !c.model_call || std::visit(
                           [&](const auto& m) {
                             if constexpr (requires { m.socket; }) {
                               return std::find(handles_ever_.begin(), handles_ever_.end(),
                                                SOCKET{m.socket.value}) != handles_ever_.end();
                             }
                             return true;
                           },
                           *c.model_call);
  if (c.model_call && answer.status.ok() && nameable) {
    recorder_.AddComment(c.text);
    recorder_.Record(*c.model_call, o, c.raw_port);
  } else if (c.model_call && answer.status.ok()) {
    recorder_.AddComment(absl::StrCat(c.text, " -> ", ErrorName(o.error),
                                      " (a handle no socket() returned; a trace cannot name it)"));
  } else {
    recorder_.AddComment(absl::StrCat(
        c.text, " -> ", ErrorName(o.error),
        c.model_call ? absl::StrCat(" (not run: ", answer.status.message(), ")")
                     : absl::StrCat(" (answered by the surface", c.surface_rule.empty() ? "" : " [",
                                    c.surface_rule, c.surface_rule.empty() ? "" : "]", ")")));
  }
  return answer;
}

traces::Trace Win32Session::trace() const {
  traces::TraceRecorder copy = recorder_;
  return std::move(copy).Finish();
}

traces::Trace Win32SessionTrace(const uint8_t* data, size_t size) {
  Win32Session session(data, size);
  while (std::optional<Win32Call> call = session.Next()) session.Run(*call);
  return session.trace();
}

}  // namespace portpool::fuzz
