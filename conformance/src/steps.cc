#include "portpool/conformance/steps.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "portpool/conformance/scenarios.h"
#include "portpool/traces/print.h"
#include "portpool/traces/record.h"
#include "portpool/win32.h"

namespace portpool::conformance {
namespace {

using Kind = StepSpec::Kind;

// Ports where bugs live: the bottom and top of the port space, a shared
// window where blocks collide, and both ends of each dynamic range the steps
// can set (default 49152+16384, 60000+255, 65281+255).
constexpr uint16_t kPorts[] = {1,     2,     3,     5000,  5001,  5002,  5003,  5004,
                               5005,  5006,  5007,  5008,  5009,  5010,  5011,  49151,
                               49152, 49153, 59999, 60000, 60001, 60253, 60254, 60255,
                               65280, 65281, 65282, 65533, 65534, 65535};
constexpr uint16_t kCounts[] = {1, 1, 1, 2, 2, 3, 4, 5, 8, 0, 64, 255, 300};
constexpr PortRange kDynamicRanges[] = {{49152, 16384}, {60000, 255}, {65281, 255}, {60000, 100}};

rc::Gen<uint16_t> GenPort() {
  return rc::gen::weightedOneOf<uint16_t>({
      // A tight spot where blocks, binds and acquires of several processes
      // collide often.
      {8, rc::gen::inRange<uint16_t>(5000, 5004)},
      {12, rc::gen::elementOf(std::vector<uint16_t>(std::begin(kPorts), std::end(kPorts)))},
      // The host-order mistake: the byte-swapped form of a window port.
      {1, rc::gen::map(rc::gen::inRange<uint16_t>(5000, 5012),
                       [](uint16_t p) { return win32::NetworkToHost(p); })},
      {1, rc::gen::just<uint16_t>(0)},
  });
}

// Ports for a backend that may touch only `window` (a real machine's
// sandbox): its edges and middle, and a shared sub-window of five ports at
// its start where blocks, binds and acquires collide. The byte-swapped form
// of a port of that sub-window comes in only when it lands inside the
// window too, which it rarely does; port 0 never does.
rc::Gen<uint16_t> GenWindowPort(PortRange window) {
  const uint16_t first = window.start;
  const auto last = static_cast<uint16_t>(window.last());
  const auto shared_last = static_cast<uint16_t>(std::min<uint32_t>(last, first + 4u));
  const std::vector<uint16_t> edges = {
      first, static_cast<uint16_t>(std::min<uint32_t>(last, first + 1u)),
      static_cast<uint16_t>(first + (window.count - 1) / 2),
      static_cast<uint16_t>(std::max<uint32_t>(first, last - 1u)), last};
  std::vector<uint16_t> swapped;
  for (uint32_t p = first; p <= std::min<uint32_t>(last, first + 12u); ++p) {
    const uint16_t s = win32::NetworkToHost(static_cast<uint16_t>(p));
    if (window.contains(s)) swapped.push_back(s);
  }
  // In 32 bits: a window that ends at 65535 has its end + 1 past uint16_t.
  auto shared = rc::gen::map(rc::gen::inRange<uint32_t>(first, uint32_t{shared_last} + 1),
                             [](uint32_t p) { return static_cast<uint16_t>(p); });
  if (swapped.empty()) {
    return rc::gen::weightedOneOf<uint16_t>({{8, shared}, {12, rc::gen::elementOf(edges)}});
  }
  return rc::gen::weightedOneOf<uint16_t>(
      {{8, shared}, {12, rc::gen::elementOf(edges)}, {1, rc::gen::elementOf(swapped)}});
}

rc::Gen<Kind> GenKind(const Capabilities& caps) {
  // Weights as repeats: rapidcheck's weighted generators take only
  // initializer lists, and the list depends on the capabilities.
  const std::pair<size_t, Kind> weights[] = {
      {2, Kind::kStartProcess}, {6, Kind::kCreate},          {4, Kind::kLookup},
      {4, Kind::kDelete},       {4, Kind::kOpenSocket},      {2, Kind::kCloseSocket},
      {6, Kind::kAcquire},      {2, Kind::kRelease},         {4, Kind::kAssociate},
      {6, Kind::kBind},         {2, Kind::kGetSockName},     {1, Kind::kEndProcess},
      {1, Kind::kReboot},       {1, Kind::kSetDynamicRange},
  };
  std::vector<Kind> kinds;
  for (const auto& [weight, kind] : weights) {
    // The first process is started by Resolve; with one process only, no
    // step starts another.
    if (kind == Kind::kStartProcess && !caps.several_processes) continue;
    if (kind == Kind::kEndProcess && !caps.end_process) continue;
    if (kind == Kind::kReboot && !caps.reboot) continue;
    if (kind == Kind::kSetDynamicRange && !caps.set_dynamic_range) continue;
    kinds.insert(kinds.end(), weight, kind);
  }
  return rc::gen::elementOf(kinds);
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const StepSpec& s) {
  return os << "step{kind=" << static_cast<int>(s.kind) << " process=" << int{s.process}
            << " socket=" << int{s.socket} << " token=" << int{s.token}
            << " elevated=" << s.elevated << " " << ProtocolName(s.protocol) << " "
            << FamilyName(s.family) << " port=" << s.port << " count=" << s.count
            << " variant=" << int{s.variant} << " scenario=" << int{s.scenario} << "}";
}

rc::Gen<StepSpec> GenStep(const Capabilities& caps) {
  const bool only_elevated = !caps.unelevated_process;
  const bool only_unelevated = !caps.elevated_process;
  // Inside a port window every port comes from it, and a count is cut so
  // that the block ends inside it too (a huge count becomes "to the
  // window's end"). About one step in four is a scenario step
  // (scenarios.h), which Resolve steers towards a rare state.
  const std::optional<PortRange> window = caps.port_window;
  rc::Gen<uint16_t> ports = window ? GenWindowPort(*window) : GenPort();
  // rapidcheck scales integer ranges with the test size, which would make
  // early sequences use only the first ports, counts and variants; a step's
  // choices are categories, not magnitudes, so fix the size.
  rc::Gen<StepSpec> steps = rc::gen::resize(
      rc::kNominalSize,
      rc::gen::build<StepSpec>(
          rc::gen::set(&StepSpec::kind, GenKind(caps)),
          rc::gen::set(&StepSpec::process, rc::gen::inRange<uint8_t>(0, 4)),
          rc::gen::set(&StepSpec::socket, rc::gen::inRange<uint8_t>(0, 4)),
          rc::gen::set(&StepSpec::token,
                       rc::gen::weightedOneOf<uint8_t>({{8, rc::gen::inRange<uint8_t>(0, 4)},
                                                        {1, rc::gen::just<uint8_t>(255)}})),
          rc::gen::set(&StepSpec::elevated, only_elevated     ? rc::gen::just(true)
                                            : only_unelevated ? rc::gen::just(false)
                                                              : rc::gen::weightedOneOf<bool>(
                                                                    {{3, rc::gen::just(true)},
                                                                     {1, rc::gen::just(false)}})),
          rc::gen::set(&StepSpec::protocol, rc::gen::element(Protocol::kTcp, Protocol::kUdp)),
          rc::gen::set(&StepSpec::family,
                       rc::gen::weightedOneOf<Family>(
                           {{3, rc::gen::just(Family::kIpv4)}, {1, rc::gen::just(Family::kIpv6)}})),
          rc::gen::set(&StepSpec::port, std::move(ports)),
          rc::gen::set(&StepSpec::count, rc::gen::elementOf(std::vector<uint16_t>(
                                             std::begin(kCounts), std::end(kCounts)))),
          rc::gen::set(&StepSpec::variant, rc::gen::inRange<uint8_t>(0, 24)),
          rc::gen::set(&StepSpec::scenario, GenScenario(caps))));
  if (!window) return steps;
  return rc::gen::map(std::move(steps), [last = window->last()](StepSpec spec) {
    spec.count = static_cast<uint16_t>(std::min<uint32_t>(spec.count, last - spec.port + 1));
    return spec;
  });
}

void LiveState::Observe(const CheckedCall& checked) {
  const Outcome& o = checked.outcome;
  if (o.token) tokens_.push_back(*o.token);
  // A Create or Acquire over a block a scenario probes ends the probe,
  // whatever it answered.
  const auto probed = [&](Protocol protocol, PortRange range) {
    std::erase(closed_blocks_, std::make_pair(protocol, range));
    for (LiveBlock& b : blocks_) {
      if (b.protocol == protocol && b.range == range) b.foreign_released = false;
    }
  };
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::CreatePersistent>) probed(c.protocol, c.block);
        if constexpr (std::is_same_v<T, call::Acquire>) {
          if (const LiveSocket* sock = socket(c.socket)) probed(sock->protocol, c.request);
        }
      },
      checked.call);
  if (!o.ok()) return;
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::StartProcess>) {
          processes_.emplace_back(*o.process, c.elevated);
        } else if constexpr (std::is_same_v<T, call::EndProcess>) {
          std::erase_if(processes_, [&](const auto& p) { return p.first == c.process; });
          if (auto it = sockets_.find(c.process.value); it != sockets_.end()) {
            for (SocketId id : it->second) socket_info_.erase(id.value);
            sockets_.erase(it);
          }
          ForgetRuntimeBlocks([&](const LiveBlock& b) { return b.owner == c.process; });
        } else if constexpr (std::is_same_v<T, call::Reboot>) {
          processes_.clear();
          sockets_.clear();
          socket_info_.clear();
          std::erase_if(blocks_, [](const LiveBlock& b) { return !b.persistent; });
          closed_blocks_.clear();
          for (LiveBlock& b : blocks_) b.learned = false;  // TOKEN-REBOOT
          ++reboots_;
        } else if constexpr (std::is_same_v<T, call::SetDynamicRange>) {
          dynamic_ranges_[{c.protocol, c.family}] = c.range;
        } else if constexpr (std::is_same_v<T, call::CreatePersistent>) {
          LiveBlock& b = blocks_.emplace_back();
          b.protocol = c.protocol;
          b.range = c.block;
          b.persistent = true;
          b.token = o.token.value_or(0);
          b.learned = o.token.has_value();
        } else if constexpr (std::is_same_v<T, call::LookupPersistent>) {
          for (LiveBlock& b : blocks_) {
            if (b.persistent && b.protocol == c.protocol && b.range == c.block && o.token) {
              b.token = *o.token;
              b.learned = true;
            }
          }
        } else if constexpr (std::is_same_v<T, call::DeletePersistent>) {
          std::erase_if(blocks_, [&](const LiveBlock& b) {
            return b.persistent && b.protocol == c.protocol && b.range == c.block;
          });
        } else if constexpr (std::is_same_v<T, call::OpenSocket>) {
          sockets_[c.process.value].push_back(*o.socket);
          socket_info_[o.socket->value] = LiveSocket{c.protocol, c.family, false, std::nullopt};
        } else if constexpr (std::is_same_v<T, call::CloseSocket>) {
          std::erase(sockets_[c.process.value], c.socket);
          socket_info_.erase(c.socket.value);
          ForgetRuntimeBlocks([&](const LiveBlock& b) { return b.socket == c.socket; });
        } else if constexpr (std::is_same_v<T, call::Acquire>) {
          const LiveSocket* sock = socket(c.socket);
          if (sock != nullptr && o.block && o.token) {
            LiveBlock& b = blocks_.emplace_back();
            b.protocol = sock->protocol;
            b.range = *o.block;
            b.owner = c.process;
            b.socket = c.socket;
            b.token = *o.token;
          }
        } else if constexpr (std::is_same_v<T, call::Release>) {
          for (LiveBlock& b : blocks_) {
            if (!b.persistent && b.token == c.token && b.owner != c.process) {
              b.foreign_released = true;
            }
          }
          // The caller's own block goes only when released on its socket
          // (R-RELEASE-OTHER-SOCKET leaves it open whether another socket's
          // release frees it).
          std::erase_if(blocks_, [&](const LiveBlock& b) {
            return !b.persistent && b.token == c.token && b.socket == c.socket;
          });
        } else if constexpr (std::is_same_v<T, call::Associate>) {
          if (auto it = socket_info_.find(c.socket.value); it != socket_info_.end()) {
            it->second.associated = true;
          }
        } else if constexpr (std::is_same_v<T, call::Bind>) {
          bound_.insert(c.socket.value);
          if (auto it = socket_info_.find(c.socket.value); it != socket_info_.end()) {
            it->second.port = o.port.value_or(c.port);
          }
        }
      },
      checked.call);
}

void LiveState::ForgetRuntimeBlocks(const std::function<bool(const LiveBlock&)>& gone) {
  std::erase_if(blocks_, [&](const LiveBlock& b) {
    if (b.persistent || !gone(b)) return false;
    // SOCK-CLOSE: the block went with its socket; a scenario reuses it.
    closed_blocks_.emplace_back(b.protocol, b.range);
    return true;
  });
  constexpr size_t kKeep = 8;
  if (closed_blocks_.size() > kKeep) {
    closed_blocks_.erase(closed_blocks_.begin(),
                         closed_blocks_.end() - static_cast<std::ptrdiff_t>(kKeep));
  }
}

const LiveSocket* LiveState::socket(SocketId id) const {
  auto it = socket_info_.find(id.value);
  return it == socket_info_.end() ? nullptr : &it->second;
}

PortRange LiveState::dynamic_range(Protocol protocol, Family family) const {
  auto it = dynamic_ranges_.find({protocol, family});
  // DYN-RANGE-DEFAULT: 49152 to 65535.
  return it == dynamic_ranges_.end() ? PortRange{49152, 16384} : it->second;
}

const std::vector<SocketId>* LiveState::sockets_of(ProcessId process) const {
  auto it = sockets_.find(process.value);
  return it == sockets_.end() ? nullptr : &it->second;
}

std::optional<Call> Resolve(const StepSpec& s, const LiveState& state, const Capabilities& caps) {
  if (state.processes().empty()) {
    // The first process as the backend can start one (elevated if it can).
    return call::StartProcess{caps.elevated_process || !caps.unelevated_process};
  }
  if (s.scenario != 0) {
    if (std::optional<Call> call = ResolveScenario(s, state, caps)) return call;
  }
  if (s.kind == Kind::kStartProcess) return call::StartProcess{s.elevated};
  if (s.kind == Kind::kReboot) return call::Reboot{};
  if (s.kind == Kind::kEnvironment) return std::nullopt;  // never generated
  if (s.kind == Kind::kSetDynamicRange) {
    const PortRange range = kDynamicRanges[s.variant % std::size(kDynamicRanges)];
    // Now and then an invalid range, to see it refused. The IP version is
    // the step's family (DYN-RANGE-FAMILY).
    if (s.variant == 23) return call::SetDynamicRange{s.protocol, PortRange{1000, 10}, s.family};
    return call::SetDynamicRange{s.protocol, range, s.family};
  }
  const auto& [process, elevated] = state.processes()[s.process % state.processes().size()];
  (void)elevated;
  if (s.kind == Kind::kEndProcess) return call::EndProcess{process};
  const PortRange block{s.port, s.count};
  const bool null_token = s.variant == 1;
  switch (s.kind) {
    case Kind::kCreate:
      return call::CreatePersistent{process, s.protocol, block, null_token};
    case Kind::kLookup:
      return call::LookupPersistent{process, s.protocol, block, null_token};
    case Kind::kDelete:
      return call::DeletePersistent{process, s.protocol, block};
    case Kind::kOpenSocket:
      return call::OpenSocket{process, s.protocol, s.family};
    default:
      break;
  }
  // Socket calls: a live socket of the process, or now and then a bogus one.
  const std::vector<SocketId>* sockets = state.sockets_of(process);
  if (sockets == nullptr || sockets->empty()) {
    return call::OpenSocket{process, s.protocol, s.family};
  }
  SocketId socket = (*sockets)[s.socket % sockets->size()];
  if (s.kind == Kind::kBind || s.kind == Kind::kAssociate) {
    // Binding and associating mostly make sense before a socket is bound:
    // prefer an unbound socket, or open one, but now and then use a bound
    // one to see it refused.
    std::vector<SocketId> unbound;
    for (SocketId candidate : *sockets) {
      if (!state.bound(candidate)) unbound.push_back(candidate);
    }
    if (!unbound.empty() && s.variant % 6 != 5) {
      socket = unbound[s.socket % unbound.size()];
    } else if (unbound.empty() && s.variant % 6 != 5) {
      return call::OpenSocket{process, s.protocol, s.family};
    }
  }
  // Another process's socket: not a socket for this caller (SOCK-NOTSOCK),
  // and still a name a trace of the run can replay.
  if (s.variant == 2) {
    for (const auto& [other, elevated_other] : state.processes()) {
      const std::vector<SocketId>* theirs = state.sockets_of(other);
      if (other != process && theirs != nullptr && !theirs->empty()) socket = theirs->front();
    }
  }
  // A token nobody was given; a sandbox lets through only its own made-up
  // one (it refuses tokens that may be another program's).
  Token token = caps.made_up_token.value_or(0x5eed0000dead0000ULL + s.token);
  if (s.token != 255 && !state.tokens().empty()) {
    token = state.tokens()[state.tokens().size() - 1 - s.token % state.tokens().size()];
  }
  const uint32_t in_size_token = s.variant == 3 ? 4 : call::kTokenSize;
  // R-IOCTL-OUTBUF: now and then an output buffer where none belongs.
  const uint32_t out_size_token = s.variant == 4 ? 8 : 0;
  switch (s.kind) {
    case Kind::kCloseSocket:
      return call::CloseSocket{process, socket};
    case Kind::kAcquire: {
      call::Acquire acquire{process, socket, block};
      // A third of acquires are wildcards, where the system may choose.
      if (s.variant < 8 && caps.system_chosen_ports) acquire.request.start = 0;
      if (s.variant == 9) acquire.out_size = 8;
      if (s.variant == 10) acquire.in_size = 2;
      return acquire;
    }
    case Kind::kRelease:
      return call::Release{process, socket, token, in_size_token, out_size_token};
    case Kind::kAssociate:
      return call::Associate{process, socket, token, in_size_token, out_size_token};
    case Kind::kBind:
      return call::Bind{process, socket,
                        s.variant < 12 && caps.system_chosen_ports ? uint16_t{0} : s.port};
    case Kind::kGetSockName:
      return call::GetSockName{process, socket};
    default:
      return std::nullopt;
  }
}

absl::StatusOr<std::optional<CheckedCall>> RunSteps(const std::vector<StepSpec>& steps,
                                                    Checker& checker,
                                                    const Capabilities& capabilities) {
  LiveState state;
  for (const StepSpec& spec : steps) {
    std::optional<Call> call = Resolve(spec, state, capabilities);
    if (!call) continue;
    absl::StatusOr<CheckedCall> checked = checker.Step(*call);
    if (!checked.ok()) return checked.status();
    if (!checked->verdict.conforms) return std::optional<CheckedCall>(*checked);
    state.Observe(*checked);
  }
  return std::optional<CheckedCall>();
}

absl::StatusOr<std::vector<size_t>> RunStepsKeepingGoing(const std::vector<StepSpec>& steps,
                                                         Checker& checker,
                                                         const Capabilities& capabilities) {
  LiveState state;
  std::vector<size_t> divergent;
  for (const StepSpec& spec : steps) {
    if (checker.lost()) break;
    std::optional<Call> call = Resolve(spec, state, capabilities);
    if (!call) continue;
    absl::StatusOr<CheckedCall> checked = checker.Step(*call);
    if (!checked.ok()) return checked.status();
    if (!checked->verdict.conforms) divergent.push_back(checker.history().size() - 1);
    // The run follows the backend's answer, allowed or adopted.
    state.Observe(*checked);
  }
  return divergent;
}

std::string FormatHistory(const Checker& checker) {
  std::string text;
  int n = 0;
  for (const CheckedCall& c : checker.history()) {
    absl::StrAppend(&text, ++n, ": ", DescribeCall(c.call), " -> ", DescribeOutcome(c.outcome),
                    c.verdict.conforms ? "" : "   <-- DIVERGES: ", c.verdict.explanation, "\n");
  }
  return text;
}

std::string HistoryAsTrace(const Checker& checker, const std::string& provenance) {
  traces::TraceRecorder recorder;
  recorder.AddProvenance(provenance);
  for (const CheckedCall& c : checker.history()) {
    if (!c.verdict.conforms) recorder.AddComment("DIVERGES: " + c.verdict.explanation);
    recorder.Record(c.call, c.outcome);
  }
  return traces::Print(std::move(recorder).Finish());
}

}  // namespace portpool::conformance
