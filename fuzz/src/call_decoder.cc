#include "portpool/fuzz/call_decoder.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <utility>

#include "portpool/conformance/steps.h"
#include "portpool/port_pool.h"

namespace portpool::fuzz {
namespace {

// The kinds of step the conformance state machines take: the fuzzer covers the
// same calls and environment controls.
using Kind = conformance::StepSpec::Kind;

// One byte picks the kind; the table weights them like the property tests
// do: reservations, sockets, acquires and binds often, the environment
// controls (reboot, process end, dynamic range) rarely but steadily.
constexpr std::array<Kind, 32> kKinds = {
    Kind::kStartProcess, Kind::kStartProcess, Kind::kStartProcess,
    Kind::kEndProcess,   Kind::kReboot,       Kind::kSetDynamicRange,
    Kind::kCreate,       Kind::kCreate,       Kind::kCreate,
    Kind::kCreate,       Kind::kLookup,       Kind::kLookup,
    Kind::kDelete,       Kind::kDelete,       Kind::kOpenSocket,
    Kind::kOpenSocket,   Kind::kOpenSocket,   Kind::kOpenSocket,
    Kind::kCloseSocket,  Kind::kAcquire,      Kind::kAcquire,
    Kind::kAcquire,      Kind::kAcquire,      Kind::kRelease,
    Kind::kRelease,      Kind::kAssociate,    Kind::kAssociate,
    Kind::kAssociate,    Kind::kBind,         Kind::kBind,
    Kind::kBind,         Kind::kGetSockName,
};

// Dynamic ranges, valid (DYN-RANGE-SET) and not (DYN-RANGE-INVALID); the
// small ones make wildcard acquires and bind(0) run out.
constexpr std::array<PortRange, 12> kDynamicRanges = {{
    {49152, 16384},
    {65281, 255},
    {65280, 256},
    {65000, 536},
    {1025, 255},
    {60000, 5536},
    {65500, 255},
    {1024, 255},
    {65000, 254},
    {0, 0},
    {1, 65535},
    {65281, 255},
}};

constexpr std::array<uint16_t, 16> kCounts = {1, 1, 1,  2,  2,   3,   4,    5,
                                              8, 0, 36, 64, 255, 256, 1000, 65535};

// A port of the window the sequences play in: the low edge, the high edge,
// around the smallest dynamic range (65281) and the default one's start.
uint16_t WindowPort(FuzzedDataProvider& bytes) {
  const uint8_t v = bytes.ConsumeIntegral<uint8_t>();
  if (v < 80) return static_cast<uint16_t>(1 + v % 40);
  if (v < 152) return static_cast<uint16_t>(65500 + (v - 80) % 36);
  if (v < 214) return static_cast<uint16_t>(65270 + (v - 152) % 31);
  if (v < 250) return static_cast<uint16_t>(49152 + (v - 214) % 9);
  if (v < 254) return 0;
  return 65535;
}

std::vector<PortRange> LiveBlocks(const Machine& machine, Protocol protocol) {
  std::vector<PortRange> blocks;
  for (const auto& [start, block] : machine.pool(protocol).blocks()) {
    blocks.push_back(PortRange{start, block.count});
  }
  return blocks;
}

template <typename T>
T Nth(const std::vector<T>& items, size_t n) {
  return items[n % items.size()];
}

}  // namespace

bool CallDecoder::done() const { return bytes_.remaining_bytes() == 0 || calls_ >= kMaxCalls; }

uint16_t CallDecoder::PickCount() { return kCounts[bytes_.ConsumeIntegral<uint8_t>() % 16]; }

ProcessId CallDecoder::PickProcess(const Machine& machine, bool* ended) {
  const uint8_t pick = bytes_.ConsumeIntegral<uint8_t>();
  *ended = false;
  // One pick in 32 names a process that has ended: a malformed call, which
  // the model must refuse as one (W32-PROCESS-ENDED) and the oracle too.
  if (pick >= 248) {
    std::vector<ProcessId> gone;
    for (ProcessId p : processes_ever_) {
      if (!machine.IsLive(p)) gone.push_back(p);
    }
    if (!gone.empty()) {
      *ended = true;
      return Nth(gone, pick);
    }
  }
  std::vector<ProcessId> live;
  for (const auto& [id, state] : machine.processes()) live.push_back(id);
  if (live.empty()) return ProcessId{0};
  std::sort(live.begin(), live.end());
  return Nth(live, pick);
}

SocketId CallDecoder::PickSocket(const Machine& machine, ProcessId process) {
  const uint8_t pick = bytes_.ConsumeIntegral<uint8_t>();
  const ProcessState* state = machine.process(process);
  if (pick >= 240 && !sockets_ever_.empty()) {
    // Any socket ever opened: another process's, or a closed one
    // (SOCK-NOTSOCK).
    return Nth(sockets_ever_, pick);
  }
  if (state == nullptr || state->sockets.empty()) {
    return sockets_ever_.empty() ? SocketId{1} : Nth(sockets_ever_, pick);
  }
  // Prefer unbound sockets with an association for bind (B-BIND-ASSOC-*)
  // when the pick says so; otherwise any open socket of the process.
  if (pick >= 160) {
    std::vector<SocketId> associated;
    for (SocketId id : state->sockets) {
      const SocketState* s = machine.socket(id);
      if (s != nullptr && s->association && !s->bound_port) associated.push_back(id);
    }
    if (!associated.empty()) return Nth(associated, pick);
  }
  return Nth(state->sockets, pick);
}

PortRange CallDecoder::PickBlock(const Machine& machine, Protocol protocol) {
  const uint8_t aim = bytes_.ConsumeIntegral<uint8_t>() % 16;
  const uint8_t target = bytes_.ConsumeIntegral<uint8_t>();
  PortRange generated{WindowPort(bytes_), PickCount()};
  const std::vector<PortRange> blocks = LiveBlocks(machine, protocol);
  if (aim < 6 || blocks.empty()) return generated;
  const PortRange b = Nth(blocks, target);
  const uint16_t c = std::max<uint16_t>(1, std::min<uint16_t>(generated.count, 64));
  switch (aim) {
    case 6:
    case 7:
    case 8:
      return b;  // exactly a live block
    case 9:      // ends on its first port
      return PortRange{static_cast<uint16_t>(b.start >= c ? b.start - c + 1 : 1), c};
    case 10:  // starts on its last port
      return PortRange{static_cast<uint16_t>(b.last()), c};
    case 11:  // just below it
      return b.start > c ? PortRange{static_cast<uint16_t>(b.start - c), c} : generated;
    case 12:  // just above it
      return b.last() < kMaxPort ? PortRange{static_cast<uint16_t>(b.last() + 1), c} : generated;
    case 13:  // it and one port more
      return PortRange{b.start, static_cast<uint16_t>(b.count + 1)};
    case 14:  // a sub-range of it
      return PortRange{b.start, static_cast<uint16_t>(std::max(1, b.count - 1))};
    default: {  // around a bound port
      const auto& bindings = machine.pool(protocol).bindings();
      if (bindings.empty()) return generated;
      auto it = bindings.begin();
      std::advance(it, target % bindings.size());
      const uint16_t below =
          static_cast<uint16_t>(std::min<uint32_t>((uint32_t{c} - 1) / 2, it->first - 1u));
      return PortRange{static_cast<uint16_t>(it->first - below), c};
    }
  }
}

uint16_t CallDecoder::PickPort(const Machine& machine, Protocol protocol,
                               const SocketState* socket) {
  const uint8_t aim = bytes_.ConsumeIntegral<uint8_t>() % 8;
  const uint8_t target = bytes_.ConsumeIntegral<uint8_t>();
  switch (aim) {
    case 0:
    case 1:
      return 0;  // let the system choose (B-BIND-EPHEMERAL)
    case 2:
      if (socket != nullptr && socket->association && socket->association->block.count != 0) {
        const PortRange b = socket->association->block;
        return static_cast<uint16_t>(b.start + target % b.count);
      }
      break;
    case 3:
    case 4: {
      const std::vector<PortRange> blocks = LiveBlocks(machine, protocol);
      if (blocks.empty()) break;
      const PortRange b = Nth(blocks, target);
      return static_cast<uint16_t>(b.start + (target / 8) % b.count);
    }
    case 5: {
      const auto& bindings = machine.pool(protocol).bindings();
      if (bindings.empty()) break;
      auto it = bindings.begin();
      std::advance(it, target % bindings.size());
      return it->first;
    }
    default:
      break;
  }
  return WindowPort(bytes_);
}

Token CallDecoder::PickToken(const Machine& machine, ProcessId process, Protocol protocol) {
  const uint8_t pick = bytes_.ConsumeIntegral<uint8_t>();
  if (pick < 8) return kInvalidToken;                            // R-*-INVALID
  if (pick < 16) return bytes_.ConsumeIntegral<uint64_t>() | 1;  // made up
  if (pick < 128) {
    // A token the caller could use: a live persistent one of the socket's
    // protocol, or a live runtime one of its own process.
    std::vector<Token> usable;
    for (Token t : tokens_seen_) {
      auto owner = machine.FindToken(t);
      if (!owner || owner->protocol != protocol) continue;
      const Block& b = machine.pool(protocol).blocks().at(owner->start);
      if (b.kind == BlockKind::kPersistent || b.owner == process) usable.push_back(t);
    }
    if (!usable.empty()) return Nth(usable, pick);
  }
  if (tokens_seen_.empty()) return 0x5eed;
  return Nth(tokens_seen_, pick);  // maybe stale, maybe another protocol's
}

Call CallDecoder::Next(const Machine& machine) {
  ++calls_;
  const Kind kind = kKinds[bytes_.ConsumeIntegral<uint8_t>() % kKinds.size()];
  switch (kind) {
    case Kind::kStartProcess:
      return call::StartProcess{bytes_.ConsumeIntegral<uint8_t>() % 4 != 0};
    case Kind::kReboot:
      return call::Reboot{};
    case Kind::kSetDynamicRange: {
      const Protocol protocol = bytes_.ConsumeBool() ? Protocol::kUdp : Protocol::kTcp;
      return call::SetDynamicRange{
          protocol, kDynamicRanges[bytes_.ConsumeIntegral<uint8_t>() % kDynamicRanges.size()]};
    }
    default:
      break;
  }
  bool ended = false;
  const ProcessId process = PickProcess(machine, &ended);
  if (process.value == 0) return call::StartProcess{true};
  const Protocol protocol = bytes_.ConsumeBool() ? Protocol::kUdp : Protocol::kTcp;
  switch (kind) {
    case Kind::kEndProcess:
      return call::EndProcess{process};
    case Kind::kCreate:
    case Kind::kLookup: {
      const PortRange block = PickBlock(machine, protocol);
      const bool null_token = bytes_.ConsumeIntegral<uint8_t>() < 12;
      if (kind == Kind::kCreate)
        return call::CreatePersistent{process, protocol, block, null_token};
      return call::LookupPersistent{process, protocol, block, null_token};
    }
    case Kind::kDelete:
      return call::DeletePersistent{process, protocol, PickBlock(machine, protocol)};
    case Kind::kOpenSocket:
      return call::OpenSocket{
          process, protocol,
          bytes_.ConsumeIntegral<uint8_t>() % 4 == 0 ? Family::kIpv6 : Family::kIpv4};
    default:
      break;
  }
  const ProcessState* state = machine.process(process);
  if (!ended && state != nullptr && state->sockets.empty()) {
    return call::OpenSocket{process, protocol, Family::kIpv4};
  }
  const SocketId socket = PickSocket(machine, process);
  const SocketState* sock = machine.socket(socket);
  const Protocol socket_protocol = sock != nullptr ? sock->protocol : protocol;
  // Buffer sizes: right nearly always, sometimes short or null (size 0).
  const uint8_t sizes = bytes_.ConsumeIntegral<uint8_t>();
  switch (kind) {
    case Kind::kCloseSocket:
      return call::CloseSocket{process, socket};
    case Kind::kAcquire: {
      call::Acquire acquire{process, socket, {}, call::kPortRangeSize, call::kInstanceSize};
      if (bytes_.ConsumeIntegral<uint8_t>() < 100) {
        acquire.request = PortRange{0, PickCount()};  // wildcard (R-ACQUIRE-WILDCARD)
        if (acquire.request.count == 1 && bytes_.ConsumeBool()) acquire.request.count = 255;
      } else {
        acquire.request = PickBlock(machine, socket_protocol);
      }
      if (sizes >= 248) acquire.in_size = std::array<uint32_t, 4>{0, 2, 3, 8}[sizes % 4];
      if (sizes < 8) acquire.out_size = std::array<uint32_t, 4>{0, 8, 15, 32}[sizes % 4];
      return acquire;
    }
    case Kind::kRelease:
    case Kind::kAssociate: {
      const Token token = PickToken(machine, process, socket_protocol);
      const uint32_t in_size =
          sizes >= 248 ? std::array<uint32_t, 4>{0, 4, 7, 16}[sizes % 4] : call::kTokenSize;
      if (kind == Kind::kRelease) return call::Release{process, socket, token, in_size};
      return call::Associate{process, socket, token, in_size};
    }
    case Kind::kBind:
      return call::Bind{process, socket, PickPort(machine, socket_protocol, sock)};
    default:
      return call::GetSockName{process, socket};
  }
}

void CallDecoder::Observe(const Call& call, const absl::StatusOr<Outcome>& outcome) {
  (void)call;
  if (!outcome.ok()) return;
  if (outcome->token && *outcome->token != kInvalidToken &&
      std::find(tokens_seen_.begin(), tokens_seen_.end(), *outcome->token) == tokens_seen_.end()) {
    // Bounded: the picks only ever look at a few hundred.
    if (tokens_seen_.size() < 256) tokens_seen_.push_back(*outcome->token);
  }
  if (outcome->process) processes_ever_.push_back(*outcome->process);
  if (outcome->socket) sockets_ever_.push_back(*outcome->socket);
}

}  // namespace portpool::fuzz
