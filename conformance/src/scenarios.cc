#include "portpool/conformance/scenarios.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace portpool::conformance {
namespace {

// Ordinary steps per scenario step, so that every property the uniform
// walk covers keeps most of its calls.
constexpr size_t kOrdinaryWeight = 12;
// The dynamic ranges kFullDynamicRange sets: small enough to fill in a few
// wildcard acquires (DYN-RANGE-SET allows 255 ports and more).
constexpr PortRange kSmallDynamicRanges[] = {{60000, 255}, {65281, 255}};
// A made-up token for a run whose backend has none of its own.
constexpr Token kMadeUpToken = 0x5eed0000feed0000ULL;

// A new block's first port and size: near the step's port, a few ports wide.
PortRange NewBlock(const StepSpec& s, const Capabilities& caps) {
  const uint16_t start =
      s.port != 0 ? s.port : (caps.port_window ? caps.port_window->start : uint16_t{5000});
  const auto count = static_cast<uint16_t>(1 + s.count % 4);
  const uint32_t last = caps.port_window ? caps.port_window->last() : uint32_t{kMaxPort};
  return PortRange{start, static_cast<uint16_t>(std::min<uint32_t>(count, last - start + 1))};
}

std::optional<ProcessId> ProcessWhere(const LiveState& state, bool elevated) {
  for (const auto& [id, is_elevated] : state.processes()) {
    if (is_elevated == elevated) return id;
  }
  return std::nullopt;
}

// The process that creates persistent blocks: an elevated one if any
// (P-CREATE-ELEVATION refuses the others).
ProcessId Creator(const LiveState& state) {
  return ProcessWhere(state, true).value_or(state.processes().front().first);
}

// A socket of `process` with `protocol` (and `family`, if given); `fresh`:
// neither bound nor associated.
std::optional<SocketId> SocketOf(const LiveState& state, ProcessId process, Protocol protocol,
                                 bool fresh, std::optional<Family> family = std::nullopt) {
  const std::vector<SocketId>* sockets = state.sockets_of(process);
  if (sockets == nullptr) return std::nullopt;
  for (SocketId id : *sockets) {
    const LiveSocket* sock = state.socket(id);
    if (sock == nullptr || sock->protocol != protocol) continue;
    if (family && sock->family != *family) continue;
    if (fresh && (sock->associated || sock->port || state.bound(id))) continue;
    return id;
  }
  return std::nullopt;
}

// `make(socket)` on a socket of `process` as SocketOf finds it, or the
// OpenSocket call that gives the process one.
template <typename Make>
Call OnSocket(const LiveState& state, ProcessId process, Protocol protocol, bool fresh,
              Family family, Make make) {
  if (auto socket = SocketOf(state, process, protocol, fresh, family)) return make(*socket);
  return call::OpenSocket{process, protocol, family};
}

std::vector<const LiveBlock*> BlocksWhere(const LiveState& state, Protocol protocol,
                                          bool (*keep)(const LiveBlock&)) {
  std::vector<const LiveBlock*> blocks;
  for (const LiveBlock& b : state.blocks()) {
    if (b.protocol == protocol && keep(b)) blocks.push_back(&b);
  }
  return blocks;
}

bool AnyBlock(const LiveBlock&) { return true; }
bool Persistent(const LiveBlock& b) { return b.persistent; }
bool Runtime(const LiveBlock& b) { return !b.persistent; }

template <typename T>
const T& Pick(const std::vector<T>& from, uint8_t index) {
  return from[index % from.size()];
}

// A block of `count` ports whose last port is the first of `b`, or whose
// first port is the last of `b`: where an overlap check off by one at
// either end goes wrong (P-CREATE-OVERLAP).
PortRange AtEdge(PortRange b, uint16_t count, bool low) {
  if (low) {
    const auto c = std::min<uint16_t>(count, b.start);
    return PortRange{static_cast<uint16_t>(b.start - c + 1), c};
  }
  const auto last = static_cast<uint16_t>(b.last());
  return PortRange{last, static_cast<uint16_t>(std::min<uint32_t>(count, kMaxPort - last + 1u))};
}

std::optional<Call> ForeignRelease(const StepSpec& s, const LiveState& state,
                                   const Capabilities& caps) {
  const auto& processes = state.processes();
  // The probe: the block is still held, so a Create or Acquire over it is
  // refused (P-CREATE-RUNTIME, R-ACQUIRE-OVERLAP).
  for (const LiveBlock& b : state.blocks()) {
    if (!b.foreign_released) continue;
    if (s.variant % 3 == 0) {
      for (const auto& process : processes) {
        const ProcessId p = process.first;
        if (p == b.owner) continue;
        return OnSocket(state, p, b.protocol, false, s.family, [&](SocketId socket) {
          return call::Acquire{p, socket, b.range};
        });
      }
    }
    return call::CreatePersistent{Creator(state), b.protocol, b.range};
  }
  const std::vector<const LiveBlock*> runtime = BlocksWhere(state, s.protocol, Runtime);
  if (runtime.empty()) {
    // A process that has a socket of the protocol already, if any.
    ProcessId p = Pick(processes, s.process).first;
    for (const auto& [candidate, elevated] : processes) {
      if (SocketOf(state, candidate, s.protocol, false)) p = candidate;
    }
    return OnSocket(state, p, s.protocol, false, s.family, [&](SocketId socket) {
      return call::Acquire{p, socket, NewBlock(s, caps)};
    });
  }
  const LiveBlock& b = *Pick(runtime, s.socket);
  std::vector<ProcessId> others;
  for (const auto& [p, elevated] : processes) {
    if (p != b.owner) others.push_back(p);
  }
  if (others.empty()) {
    if (!caps.several_processes) return std::nullopt;
    return call::StartProcess{s.elevated};
  }
  // One that has a socket of the block's protocol already, if any.
  ProcessId q = Pick(others, s.process);
  for (ProcessId other : others) {
    if (SocketOf(state, other, b.protocol, false)) q = other;
  }
  return OnSocket(state, q, b.protocol, false, s.family, [&](SocketId socket) {
    return call::Release{q, socket, b.token};
  });
}

std::optional<Call> FullDynamicRange(const StepSpec& s, const LiveState& state) {
  const Family family = Family::kIpv4;
  // A protocol whose range is small already, so that it fills.
  Protocol protocol = s.protocol;
  for (Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
    if (state.dynamic_range(p, family).count <= 512) protocol = p;
  }
  const PortRange range = state.dynamic_range(protocol, family);
  if (range.count > 512) {
    return call::SetDynamicRange{
        protocol,
        Pick(std::vector<PortRange>(std::begin(kSmallDynamicRanges), std::end(kSmallDynamicRanges)),
             s.variant),
        family};
  }
  // What the run knows is taken in the range: blocks and bound ports.
  std::vector<bool> taken(range.count, false);
  const auto take = [&](uint32_t port) {
    if (range.contains(port)) taken[port - range.start] = true;
  };
  for (const LiveBlock& b : state.blocks()) {
    if (b.protocol != protocol) continue;
    for (uint32_t port = b.range.start; port <= b.range.last(); ++port) take(port);
  }
  for (const auto& [p, elevated] : state.processes()) {
    const std::vector<SocketId>* sockets = state.sockets_of(p);
    if (sockets == nullptr) continue;
    for (SocketId id : *sockets) {
      const LiveSocket* sock = state.socket(id);
      if (sock != nullptr && sock->protocol == protocol && sock->port) take(*sock->port);
    }
  }
  size_t free = 0, run = 0, longest = 0;
  for (bool t : taken) {
    run = t ? 0 : run + 1;
    free += t ? 0 : 1;
    longest = std::max(longest, run);
  }
  const ProcessId p = Pick(state.processes(), s.process).first;
  const bool fill = free > std::max<size_t>(8, range.count / 8u) && s.variant % 4 != 0;
  if (fill) {
    // Nearly the longest clear run: the range fills in a few acquires.
    const auto count = static_cast<uint16_t>(
        std::max<size_t>(1, longest - std::min<size_t>(longest - 1, s.count % 4)));
    return OnSocket(state, p, protocol, false, family, [&](SocketId socket) {
      return call::Acquire{p, socket, PortRange{0, count}};
    });
  }
  // What is left: bind(0) mostly, now and then a small wildcard acquire.
  if (s.variant % 5 == 0) {
    return OnSocket(state, p, protocol, false, family, [&](SocketId socket) {
      return call::Acquire{p, socket, PortRange{0, static_cast<uint16_t>(1 + s.count % 4)}};
    });
  }
  return OnSocket(state, p, protocol, true, family, [&](SocketId socket) {
    return call::Bind{p, socket, 0};
  });
}

std::optional<Call> RebootTokens(const StepSpec& s, const LiveState& state,
                                 const Capabilities& caps) {
  const std::vector<const LiveBlock*> persistent = BlocksWhere(state, s.protocol, Persistent);
  if (persistent.empty()) {
    return call::CreatePersistent{Creator(state), s.protocol, NewBlock(s, caps)};
  }
  const LiveBlock& b = *Pick(persistent, s.socket);
  // A reboot ends every process the other scenarios built: one is enough
  // (ordinary steps reboot too).
  if (b.learned) {
    return state.reboots() == 0 ? std::optional<Call>(call::Reboot{}) : std::nullopt;
  }
  // The token is withheld since the reboot (TOKEN-REBOOT).
  const std::optional<ProcessId> elevated = ProcessWhere(state, true);
  if (!elevated && caps.elevated_process && caps.several_processes) {
    return call::StartProcess{true};
  }
  const ProcessId p = elevated.value_or(state.processes().front().first);
  if (s.variant % 3 != 1) {
    return call::LookupPersistent{p, s.protocol, b.range};
  }
  // A bind through an association with an unlearned token lands in one of
  // the blocks the token may belong to (R-ASSOC-UNLEARNED, B-BIND-ASSOC-*).
  if (const std::vector<SocketId>* sockets = state.sockets_of(p)) {
    for (SocketId id : *sockets) {
      const LiveSocket* sock = state.socket(id);
      if (sock != nullptr && sock->protocol == s.protocol && sock->associated && !sock->port &&
          !state.bound(id)) {
        return call::Bind{p, id, static_cast<uint16_t>(b.range.start + s.port % b.range.count)};
      }
    }
  }
  // The block's token from before the reboot (a token no reservation was
  // given is the other half).
  const Token token = s.variant % 2 == 0 && b.token != 0
                          ? b.token
                          : caps.made_up_token.value_or(kMadeUpToken + s.token);
  return OnSocket(state, p, s.protocol, true, s.family, [&](SocketId socket) {
    return call::Associate{p, socket, token};
  });
}

std::optional<Call> BlockEdges(const StepSpec& s, const LiveState& state,
                               const Capabilities& caps) {
  const Protocol protocol = s.protocol;
  const ProcessId creator = Creator(state);
  const ProcessId q = Pick(state.processes(), s.process).first;
  const std::vector<const LiveBlock*> blocks = BlocksWhere(state, protocol, AnyBlock);
  if (blocks.empty()) return call::CreatePersistent{creator, protocol, NewBlock(s, caps)};
  const LiveBlock& b = *Pick(blocks, s.socket);
  const uint16_t count = NewBlock(s, caps).count;
  switch (s.variant % 5) {
    case 0:
    case 1:
      return call::CreatePersistent{creator, protocol, AtEdge(b.range, count, s.variant % 5 == 0)};
    case 2:
    case 3:
      return OnSocket(state, q, protocol, false, s.family, [&](SocketId socket) {
        return call::Acquire{q, socket, AtEdge(b.range, count, s.variant % 5 == 2)};
      });
    default: {
      // A bind at the edge of a block another process holds, or of a
      // persistent block (B-BIND-RUNTIME-OTHER, B-BIND-PERSISTENT).
      ProcessId binder = q;
      if (!b.persistent) {
        for (const auto& [p, elevated] : state.processes()) {
          if (p != b.owner) binder = p;
        }
      }
      const auto port = static_cast<uint16_t>(s.port % 2 == 0 ? b.range.start : b.range.last());
      return OnSocket(state, binder, protocol, true, s.family, [&](SocketId socket) {
        return call::Bind{binder, socket, port};
      });
    }
  }
}

std::optional<Call> SubRange(const StepSpec& s, const LiveState& state, const Capabilities& caps) {
  const std::vector<const LiveBlock*> persistent = BlocksWhere(state, s.protocol, Persistent);
  if (persistent.empty()) {
    return call::CreatePersistent{Creator(state), s.protocol,
                                  PortRange{NewBlock(s, caps).start, 4}};
  }
  // A block holding the range is not it, nor is a range holding the block.
  const PortRange whole = Pick(persistent, s.socket)->range;
  PortRange part = whole;
  if (whole.count >= 2) {
    part = PortRange{static_cast<uint16_t>(whole.start + s.port % 2),
                     static_cast<uint16_t>(whole.count - 1)};
  } else if (whole.last() < kMaxPort) {
    part.count = 2;
  }
  if (s.variant % 2 == 0) {
    return call::LookupPersistent{Pick(state.processes(), s.process).first, s.protocol, part};
  }
  return call::DeletePersistent{Creator(state), s.protocol, part};
}

std::optional<Call> CreateOverBound(const StepSpec& s, const LiveState& state,
                                    const Capabilities& caps) {
  for (const auto& [p, elevated] : state.processes()) {
    const std::vector<SocketId>* sockets = state.sockets_of(p);
    if (sockets == nullptr) continue;
    for (SocketId id : *sockets) {
      const LiveSocket* sock = state.socket(id);
      if (sock == nullptr || sock->protocol != s.protocol || !sock->port || *sock->port == 0) {
        continue;
      }
      const auto below = static_cast<uint16_t>(std::min<uint32_t>(s.count % 3, *sock->port - 1u));
      return call::CreatePersistent{Creator(state), s.protocol,
                                    PortRange{static_cast<uint16_t>(*sock->port - below),
                                              static_cast<uint16_t>(below + 1 + s.port % 2)}};
    }
  }
  const ProcessId q = Pick(state.processes(), s.process).first;
  return OnSocket(state, q, s.protocol, true, s.family, [&](SocketId socket) {
    return call::Bind{q, socket, NewBlock(s, caps).start};
  });
}

std::optional<Call> ReuseClosedBlock(const StepSpec& s, const LiveState& state,
                                     const Capabilities& caps) {
  for (auto it = state.closed_blocks().rbegin(); it != state.closed_blocks().rend(); ++it) {
    if (it->first == s.protocol)
      return call::CreatePersistent{Creator(state), s.protocol, it->second};
  }
  const std::vector<const LiveBlock*> runtime = BlocksWhere(state, s.protocol, Runtime);
  if (!runtime.empty()) {
    const LiveBlock& r = *Pick(runtime, s.socket);
    return call::CloseSocket{r.owner, r.socket};
  }
  const ProcessId q = Pick(state.processes(), s.process).first;
  return OnSocket(state, q, s.protocol, false, s.family, [&](SocketId socket) {
    return call::Acquire{q, socket, NewBlock(s, caps)};
  });
}

std::optional<Call> UnelevatedAssociate(const StepSpec& s, const LiveState& state,
                                        const Capabilities& caps) {
  const LiveBlock* target = nullptr;
  for (const LiveBlock* b : BlocksWhere(state, s.protocol, Persistent)) {
    if (b->learned && b->token != 0) target = b;
  }
  if (target == nullptr) {
    return call::CreatePersistent{Creator(state), s.protocol, NewBlock(s, caps)};
  }
  const std::optional<ProcessId> u = ProcessWhere(state, false);
  if (!u) {
    if (!caps.several_processes) return std::nullopt;
    return call::StartProcess{false};
  }
  return OnSocket(state, *u, s.protocol, true, s.family, [&](SocketId socket) {
    return call::Associate{*u, socket, target->token};
  });
}

// Whether every port `call` names lies where the backend may go.
bool Allowed(const Call& call, const Capabilities& caps) {
  if (!Supports(caps, call)) return false;
  const auto inside = [&](PortRange range) {
    if (range.start == 0) return caps.system_chosen_ports;
    return range.fits() && (!caps.port_window || caps.port_window->contains(range));
  };
  return std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::CreatePersistent> ||
                      std::is_same_v<T, call::LookupPersistent> ||
                      std::is_same_v<T, call::DeletePersistent>) {
          return inside(c.block);
        } else if constexpr (std::is_same_v<T, call::Acquire>) {
          return inside(c.request);
        } else if constexpr (std::is_same_v<T, call::Bind>) {
          return inside(PortRange{c.port, 1});
        } else {
          return true;
        }
      },
      call);
}

}  // namespace

rc::Gen<uint8_t> GenScenario(const Capabilities& caps) {
  std::vector<uint8_t> choices(kOrdinaryWeight, static_cast<uint8_t>(Scenario::kNone));
  const auto add = [&](Scenario scenario, bool runs) {
    if (runs) choices.push_back(static_cast<uint8_t>(scenario));
  };
  const bool system_chosen = caps.set_dynamic_range && caps.system_chosen_ports;
  for (int i = 0; i < 3; ++i) {
    add(Scenario::kForeignRelease, caps.several_processes);
    add(Scenario::kFullDynamicRange, system_chosen);
  }
  add(Scenario::kRebootTokens, caps.reboot);
  add(Scenario::kRebootTokens, caps.reboot);
  add(Scenario::kBlockEdges, true);
  add(Scenario::kBlockEdges, true);
  add(Scenario::kSubRange, true);
  add(Scenario::kCreateOverBound, true);
  add(Scenario::kReuseClosedBlock, true);
  for (int i = 0; i < 2; ++i) {
    add(Scenario::kUnelevatedAssociate,
        caps.unelevated_process && caps.elevated_process && caps.several_processes);
  }
  return rc::gen::elementOf(choices);
}

std::optional<Call> ResolveScenario(const StepSpec& s, const LiveState& state,
                                    const Capabilities& caps) {
  if (state.processes().empty()) return std::nullopt;
  std::optional<Call> call;
  switch (static_cast<Scenario>(s.scenario)) {
    case Scenario::kNone:
      return std::nullopt;
    case Scenario::kForeignRelease:
      call = ForeignRelease(s, state, caps);
      break;
    case Scenario::kFullDynamicRange:
      call = FullDynamicRange(s, state);
      break;
    case Scenario::kRebootTokens:
      call = RebootTokens(s, state, caps);
      break;
    case Scenario::kBlockEdges:
      call = BlockEdges(s, state, caps);
      break;
    case Scenario::kSubRange:
      call = SubRange(s, state, caps);
      break;
    case Scenario::kCreateOverBound:
      call = CreateOverBound(s, state, caps);
      break;
    case Scenario::kReuseClosedBlock:
      call = ReuseClosedBlock(s, state, caps);
      break;
    case Scenario::kUnelevatedAssociate:
      call = UnelevatedAssociate(s, state, caps);
      break;
  }
  if (call && !Allowed(*call, caps)) return std::nullopt;
  return call;
}

}  // namespace portpool::conformance
