#include "testing/call_generators.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_format.h"

namespace portpool::testing {
namespace {

namespace gen = rc::gen;

rc::Gen<uint16_t> Between(int lo, int hi) {
  return gen::cast<uint16_t>(gen::inRange<int>(lo, hi + 1));
}

// A port of the small window the sequences play in.
rc::Gen<uint16_t> GenPort() {
  return gen::weightedOneOf<uint16_t>({
      {6, Between(1, 40)},
      {5, Between(65500, 65535)},
      {1, Between(65270, 65300)},
      {1, Between(49152, 49160)},
  });
}

rc::Gen<uint16_t> GenCount() {
  return gen::weightedOneOf<uint16_t>({
      {3, gen::just<uint16_t>(1)},
      {9, Between(2, 8)},
      {1, gen::just<uint16_t>(0)},
      {1, gen::element<uint16_t>(36, 64, 100, 255, 256, 300, 1000, 16384)},
  });
}

rc::Gen<uint16_t> GenWildcardCount(bool crowded) {
  if (crowded) {
    return gen::weightedOneOf<uint16_t>({
        {4, Between(1, 8)},
        {2, gen::element<uint16_t>(16, 32, 64, 100, 128, 200, 256)},
        {2, gen::element<uint16_t>(254, 255)},
    });
  }
  return GenCount();
}

std::optional<uint32_t> MaybeSize(std::initializer_list<uint32_t> wrong) {
  if (*gen::weightedElement<bool>({{24, false}, {1, true}})) {
    return *gen::elementOf(std::vector<uint32_t>(wrong));
  }
  return std::nullopt;
}

absl::string_view KindName(StepKind kind) {
  switch (kind) {
    case StepKind::kStartProcess:
      return "StartProcess";
    case StepKind::kEndProcess:
      return "EndProcess";
    case StepKind::kReboot:
      return "Reboot";
    case StepKind::kSetDynamicRange:
      return "SetDynamicRange";
    case StepKind::kCreate:
      return "Create";
    case StepKind::kLookup:
      return "Lookup";
    case StepKind::kDelete:
      return "Delete";
    case StepKind::kOpenSocket:
      return "OpenSocket";
    case StepKind::kCloseSocket:
      return "CloseSocket";
    case StepKind::kAcquire:
      return "Acquire";
    case StepKind::kRelease:
      return "Release";
    case StepKind::kAssociate:
      return "Associate";
    case StepKind::kBind:
      return "Bind";
    case StepKind::kGetSockName:
      return "GetSockName";
  }
  return "?";
}

absl::string_view AimName(Aim aim) {
  switch (aim) {
    case Aim::kAsGenerated:
      return "as-generated";
    case Aim::kExact:
      return "exact";
    case Aim::kOverlapLow:
      return "overlap-low";
    case Aim::kOverlapHigh:
      return "overlap-high";
    case Aim::kAdjacentLow:
      return "adjacent-low";
    case Aim::kAdjacentHigh:
      return "adjacent-high";
    case Aim::kSuperset:
      return "superset";
    case Aim::kBoundPort:
      return "bound-port";
  }
  return "?";
}

absl::string_view WhoName(Who who) {
  switch (who) {
    case Who::kLive:
      return "";
    case Who::kOtherProcessSocket:
      return " [another process's socket]";
    case Who::kClosedSocket:
      return " [a closed socket]";
    case Who::kEndedProcess:
      return " [an ended process]";
  }
  return "";
}

bool UsesSocket(StepKind kind) {
  return kind == StepKind::kCloseSocket || kind == StepKind::kAcquire ||
         kind == StepKind::kRelease || kind == StepKind::kAssociate || kind == StepKind::kBind ||
         kind == StepKind::kGetSockName;
}

}  // namespace

const std::vector<PortRange>& DynamicRangeChoices() {
  static const std::vector<PortRange>* const kChoices = new std::vector<PortRange>{
      // Valid (DYN-RANGE-SET).
      {49152, 16384},
      {65281, 255},
      {65280, 256},
      {65000, 536},
      {1025, 255},
      {60000, 5536},
      // Invalid (DYN-RANGE-INVALID).
      {65500, 255},  // runs past 65535
      {1024, 255},
      {65000, 254},
      {0, 0},
      {1, 65535},
  };
  return *kChoices;
}

void showValue(const Step& s, std::ostream& os) {
  os << KindName(s.kind) << WhoName(s.who);
  switch (s.kind) {
    case StepKind::kStartProcess:
      os << (s.elevated ? " elevated" : " not-elevated");
      return;
    case StepKind::kReboot:
      return;
    case StepKind::kSetDynamicRange:
      os << " " << ProtocolName(s.protocol) << " choice " << int{s.dynamic};
      return;
    default:
      break;
  }
  os << " process#" << int{s.process};
  if (UsesSocket(s.kind)) {
    os << " socket#" << int{s.socket}
       << (s.socket_pick == SocketPick::kUnbound             ? " (unbound)"
           : s.socket_pick == SocketPick::kAssociatedUnbound ? " (associated, unbound)"
                                                             : "");
  }
  switch (s.kind) {
    case StepKind::kCreate:
    case StepKind::kLookup:
    case StepKind::kDelete:
    case StepKind::kAcquire:
      os << " " << ProtocolName(s.protocol) << " " << s.range.start << "+" << s.range.count
         << " aim=" << AimName(s.aim) << " target#" << int{s.target};
      if (s.null_token && s.kind != StepKind::kDelete && s.kind != StepKind::kAcquire) {
        os << " NULL-token";
      }
      break;
    case StepKind::kOpenSocket:
      os << " " << ProtocolName(s.protocol) << " " << FamilyName(s.family);
      break;
    case StepKind::kRelease:
    case StepKind::kAssociate:
      os << " token "
         << (s.token_pick == TokenPick::kLive             ? "live#"
             : s.token_pick == TokenPick::kSeen           ? "seen#"
             : s.token_pick == TokenPick::kZero           ? "zero"
             : s.token_pick == TokenPick::kLastAssociated ? "last-associated"
                                                          : "bogus")
         << int{s.token};
      break;
    case StepKind::kBind:
      os << " port " << s.port << " aim=" << AimName(s.aim) << " target#" << int{s.target};
      break;
    default:
      break;
  }
  if (s.in_size) os << " in=" << *s.in_size;
  if (s.out_size) os << " out=" << *s.out_size;
}

rc::Gen<Step> GenStep(const StepOptions& options) {
  const bool crowded = options.crowded;
  return gen::exec([crowded] {
    Step s;
    s.kind = *gen::weightedElement<StepKind>({
        {3, StepKind::kStartProcess},
        {2, StepKind::kEndProcess},
        {1, StepKind::kReboot},
        {1, StepKind::kSetDynamicRange},
        {8, StepKind::kCreate},
        {5, StepKind::kLookup},
        {4, StepKind::kDelete},
        {8, StepKind::kOpenSocket},
        {3, StepKind::kCloseSocket},
        {8, StepKind::kAcquire},
        {3, StepKind::kRelease},
        {7, StepKind::kAssociate},
        {10, StepKind::kBind},
        {2, StepKind::kGetSockName},
    });
    s.who = *gen::weightedElement<Who>({
        {40, Who::kLive},
        {1, Who::kOtherProcessSocket},
        {1, Who::kClosedSocket},
        {1, Who::kEndedProcess},
    });
    s.process = *gen::inRange<uint8_t>(0, 4);
    s.socket = *gen::inRange<uint8_t>(0, 4);
    s.elevated = *gen::arbitrary<bool>();
    s.protocol = *gen::element(Protocol::kTcp, Protocol::kUdp);
    s.family = *gen::weightedElement<Family>({{3, Family::kIpv4}, {1, Family::kIpv6}});
    switch (s.kind) {
      case StepKind::kSetDynamicRange:
        s.dynamic = *gen::inRange<uint8_t>(0, static_cast<uint8_t>(DynamicRangeChoices().size()));
        break;
      case StepKind::kCreate:
      case StepKind::kLookup:
      case StepKind::kDelete:
        s.range.start =
            *gen::weightedOneOf<uint16_t>({{12, GenPort()}, {1, gen::just<uint16_t>(0)}});
        s.range.count = *GenCount();
        s.aim = *gen::weightedElement<Aim>({
            {s.kind == StepKind::kCreate ? 6u : 3u, Aim::kAsGenerated},
            {s.kind == StepKind::kCreate ? 1u : 6u, Aim::kExact},
            {1, Aim::kOverlapLow},
            {1, Aim::kOverlapHigh},
            {1, Aim::kAdjacentLow},
            {1, Aim::kAdjacentHigh},
            {1, Aim::kSuperset},
            {s.kind == StepKind::kDelete ? 3u : 1u, Aim::kBoundPort},
        });
        s.target = *gen::inRange<uint8_t>(0, 8);
        s.null_token = *gen::weightedElement<bool>({{15, false}, {1, true}});
        break;
      case StepKind::kAcquire:
        if (*gen::weightedElement<bool>({{2, true}, {3, false}})) {
          s.range = PortRange{0, *GenWildcardCount(crowded)};
        } else {
          s.range.start = *GenPort();
          s.range.count = *GenCount();
          s.aim = *gen::weightedElement<Aim>({
              {6, Aim::kAsGenerated},
              {1, Aim::kExact},
              {1, Aim::kOverlapLow},
              {1, Aim::kOverlapHigh},
              {1, Aim::kAdjacentLow},
              {1, Aim::kAdjacentHigh},
              {1, Aim::kBoundPort},
          });
          s.target = *gen::inRange<uint8_t>(0, 8);
        }
        s.in_size = MaybeSize({0, 2, 3});
        s.out_size = MaybeSize({0, 8, 15});
        break;
      case StepKind::kRelease:
      case StepKind::kAssociate:
        s.token_pick = *gen::weightedElement<TokenPick>({
            {8, TokenPick::kLive},
            {3, TokenPick::kSeen},
            {s.kind == StepKind::kAssociate ? 6u : 0u, TokenPick::kLastAssociated},
            {1, TokenPick::kZero},
            {1, TokenPick::kBogus},
        });
        s.token = *gen::inRange<uint8_t>(0, 16);
        s.bogus = *gen::arbitrary<uint64_t>() | 1;
        s.in_size = MaybeSize({0, 4, 7});
        if (s.kind == StepKind::kAssociate) {
          s.socket_pick =
              *gen::weightedElement<SocketPick>({{3, SocketPick::kUnbound}, {1, SocketPick::kAny}});
        }
        break;
      case StepKind::kBind:
        s.port = *gen::weightedOneOf<uint16_t>({{5, gen::just<uint16_t>(0)}, {5, GenPort()}});
        s.aim = *gen::weightedElement<Aim>({
            {3, Aim::kAsGenerated},
            {3, Aim::kExact},
            {2, Aim::kBoundPort},
        });
        s.target = *gen::inRange<uint8_t>(0, 8);
        s.socket_pick = *gen::weightedElement<SocketPick>({
            {3, SocketPick::kAssociatedUnbound},
            {2, SocketPick::kUnbound},
            {3, SocketPick::kAny},
        });
        break;
      default:
        break;
    }
    return s;
  });
}

rc::Gen<std::vector<Step>> GenSteps(const StepOptions& options) {
  const size_t max_steps = options.max_steps;
  return gen::map(gen::container<std::vector<Step>>(GenStep(options)),
                  [max_steps](std::vector<Step> steps) {
                    if (steps.size() > max_steps) steps.resize(max_steps);
                    return steps;
                  });
}

// ---------------------------------------------------------------------------
// Transcript

void Transcript::Add(const Call& call, const absl::StatusOr<Outcome>& outcome) {
  calls_.push_back(call);
  outcomes_.push_back(outcome);
}

std::string Transcript::ToString() const {
  std::string text;
  for (size_t i = 0; i < calls_.size(); ++i) {
    absl::StrAppend(&text, absl::StrFormat("%4d. ", i + 1), DescribeCall(calls_[i]), " -> ",
                    outcomes_[i].ok()
                        ? DescribeOutcome(*outcomes_[i])
                        : absl::StrCat("(malformed: ", outcomes_[i].status().message(), ")"),
                    "\n");
  }
  return text;
}

// ---------------------------------------------------------------------------
// Driver

Driver::Driver(uint64_t seed, const StepOptions& options, const MachineOptions& machine_options)
    : machine_(seed, machine_options) {
  if (options.crowded) {
    for (Protocol p : kAllProtocols) (void)Run(call::SetDynamicRange{p, PortRange{65281, 255}});
  }
}

std::vector<ProcessId> Driver::LiveProcesses() const {
  std::vector<ProcessId> live;
  for (const auto& [id, state] : machine_.processes()) live.push_back(id);
  std::sort(live.begin(), live.end());
  return live;
}

std::vector<PortRange> Driver::LiveBlocks(Protocol protocol) const {
  std::vector<PortRange> blocks;
  for (const auto& [start, block] : machine_.pool(protocol).blocks()) {
    blocks.push_back(PortRange{start, block.count});
  }
  return blocks;
}

PortRange Driver::AimedBlock(const Step& s, Protocol protocol) const {
  if (s.aim == Aim::kBoundPort) return AroundBoundPort(s, protocol);
  const std::vector<PortRange> blocks = LiveBlocks(protocol);
  if (s.aim == Aim::kAsGenerated || blocks.empty()) return s.range;
  const PortRange b = blocks[s.target % blocks.size()];
  const uint16_t c = std::max<uint16_t>(1, std::min<uint16_t>(s.range.count, 64));
  switch (s.aim) {
    case Aim::kExact:
      return b;
    case Aim::kOverlapLow:
      return PortRange{static_cast<uint16_t>(b.start >= c ? b.start - c + 1 : 1), c};
    case Aim::kOverlapHigh:
      return PortRange{static_cast<uint16_t>(b.last()), c};
    case Aim::kAdjacentLow:
      if (b.start > c) return PortRange{static_cast<uint16_t>(b.start - c), c};
      return s.range;
    case Aim::kAdjacentHigh:
      if (b.last() < kMaxPort) return PortRange{static_cast<uint16_t>(b.last() + 1), c};
      return s.range;
    case Aim::kSuperset:
      return PortRange{b.start, static_cast<uint16_t>(b.count + 1)};
    default:
      return s.range;
  }
}

PortRange Driver::AroundBoundPort(const Step& s, Protocol protocol) const {
  const auto& bindings = machine_.pool(protocol).bindings();
  if (bindings.empty()) return s.range;
  if (s.kind == StepKind::kLookup || s.kind == StepKind::kDelete) {
    // A live block holding a bound port.
    std::vector<PortRange> held;
    for (PortRange b : LiveBlocks(protocol)) {
      auto it = bindings.lower_bound(b.start);
      if (it != bindings.end() && it->first <= b.last()) held.push_back(b);
    }
    if (!held.empty()) return held[s.target % held.size()];
  }
  auto it = bindings.begin();
  std::advance(it, s.target % bindings.size());
  const uint16_t c = std::max<uint16_t>(1, std::min<uint16_t>(s.range.count, 64));
  const uint16_t below =
      static_cast<uint16_t>(std::min<uint32_t>((uint32_t{c} - 1) / 2, it->first - 1u));
  return PortRange{static_cast<uint16_t>(it->first - below), c};
}

uint16_t Driver::AimedPort(const Step& s, const SocketState* socket, Protocol protocol) const {
  if (s.port == 0) return 0;
  if (s.aim == Aim::kExact && socket != nullptr && socket->association &&
      socket->association->block.count != 0) {
    // A port of the associated block.
    const PortRange b = socket->association->block;
    return static_cast<uint16_t>(b.start + s.port % b.count);
  }
  if (s.aim == Aim::kExact) {
    std::vector<PortRange> blocks = LiveBlocks(protocol);
    if (s.target % 2 == 0) {
      // Favour persistent blocks: binds into them are what P-DELETE-INUSE needs.
      std::vector<PortRange> persistent;
      for (PortRange b : blocks) {
        if (machine_.pool(protocol).FindExact(b)->kind == BlockKind::kPersistent) {
          persistent.push_back(b);
        }
      }
      if (!persistent.empty()) blocks = persistent;
    }
    if (blocks.empty()) return s.port;
    const PortRange b = blocks[s.target % blocks.size()];
    return static_cast<uint16_t>(b.start + s.port % b.count);
  }
  if (s.aim == Aim::kBoundPort) {
    const auto& bindings = machine_.pool(protocol).bindings();
    if (bindings.empty()) return s.port;
    auto it = bindings.begin();
    std::advance(it, s.target % bindings.size());
    return it->first;
  }
  return s.port;
}

Token Driver::PickToken(const Step& s, ProcessId process, Protocol protocol) const {
  switch (s.token_pick) {
    case TokenPick::kZero:
      return kInvalidToken;
    case TokenPick::kBogus:
      return s.bogus;
    case TokenPick::kLive: {
      // Tokens the caller could use: persistent ones of the socket's
      // protocol, and runtime ones its own process acquired.
      std::vector<Token> live;
      for (Token t : tokens_seen_) {
        auto owner = machine_.FindToken(t);
        if (!owner || owner->protocol != protocol) continue;
        const Block& b = machine_.pool(protocol).blocks().at(owner->start);
        if (b.kind == BlockKind::kPersistent || b.owner == process) live.push_back(t);
      }
      if (!live.empty()) return live[s.token % live.size()];
      break;
    }
    case TokenPick::kLastAssociated:
      if (last_associated_ != kInvalidToken) return last_associated_;
      break;
    case TokenPick::kSeen:
      break;
  }
  if (tokens_seen_.empty()) return s.bogus;
  return tokens_seen_[s.token % tokens_seen_.size()];
}

Call Driver::Resolve(const Step& s) const {
  switch (s.kind) {
    case StepKind::kStartProcess:
      return call::StartProcess{s.elevated};
    case StepKind::kReboot:
      return call::Reboot{};
    case StepKind::kSetDynamicRange: {
      const auto& choices = DynamicRangeChoices();
      return call::SetDynamicRange{s.protocol, choices[s.dynamic % choices.size()]};
    }
    default:
      break;
  }
  const std::vector<ProcessId> live = LiveProcesses();
  std::vector<ProcessId> ended;
  for (ProcessId p : all_processes_) {
    if (!machine_.IsLive(p)) ended.push_back(p);
  }
  ProcessId process;
  if (s.who == Who::kEndedProcess && !ended.empty()) {
    process = ended[s.process % ended.size()];
  } else if (live.empty()) {
    return call::StartProcess{s.elevated};
  } else {
    process = live[s.process % live.size()];
    if (s.who == Who::kLive && s.socket_pick == SocketPick::kAssociatedUnbound) {
      // The owner of an associated, unbound socket, if any process has one:
      // binds on associated sockets are what the B-BIND-ASSOC-* rules need.
      std::vector<std::pair<ProcessId, SocketId>> candidates;
      for (const auto& [id, sock] : machine_.sockets()) {
        if (sock.association && !sock.bound_port) candidates.emplace_back(sock.owner, id);
      }
      std::sort(candidates.begin(), candidates.end());
      if (!candidates.empty()) process = candidates[s.socket % candidates.size()].first;
    }
    if (s.who == Who::kLive && s.kind == StepKind::kAssociate &&
        s.token_pick == TokenPick::kLastAssociated && machine_.IsLive(last_associator_)) {
      // The process that last associated can use that token again.
      process = last_associator_;
    }
  }
  switch (s.kind) {
    case StepKind::kEndProcess:
      return call::EndProcess{process};
    case StepKind::kCreate:
      return call::CreatePersistent{process, s.protocol, AimedBlock(s, s.protocol), s.null_token};
    case StepKind::kLookup:
      return call::LookupPersistent{process, s.protocol, AimedBlock(s, s.protocol), s.null_token};
    case StepKind::kDelete:
      return call::DeletePersistent{process, s.protocol, AimedBlock(s, s.protocol)};
    case StepKind::kOpenSocket:
      return call::OpenSocket{process, s.protocol, s.family};
    default:
      break;
  }

  // A socket call.
  const ProcessState* state = machine_.process(process);
  SocketId socket{0};
  bool chosen = false;
  if (state == nullptr) {
    // An ended process: any socket it may have had.
    socket = all_sockets_.empty() ? SocketId{1} : all_sockets_[s.socket % all_sockets_.size()];
    chosen = true;
  } else if (s.who == Who::kOtherProcessSocket) {
    std::vector<SocketId> others;
    for (const auto& [id, sock] : machine_.sockets()) {
      if (sock.owner != process) others.push_back(id);
    }
    std::sort(others.begin(), others.end());
    if (!others.empty()) {
      socket = others[s.socket % others.size()];
      chosen = true;
    }
  } else if (s.who == Who::kClosedSocket) {
    std::vector<SocketId> closed;
    for (SocketId id : all_sockets_) {
      if (machine_.socket(id) == nullptr) closed.push_back(id);
    }
    if (!closed.empty()) {
      socket = closed[s.socket % closed.size()];
      chosen = true;
    }
  }
  if (!chosen) {
    if (state->sockets.empty()) return call::OpenSocket{process, s.protocol, s.family};
    std::vector<SocketId> preferred;
    for (SocketId id : state->sockets) {
      const SocketState* sock = machine_.socket(id);
      const bool unbound = sock != nullptr && !sock->bound_port;
      if ((s.socket_pick == SocketPick::kUnbound && unbound) ||
          (s.socket_pick == SocketPick::kAssociatedUnbound && unbound && sock->association)) {
        preferred.push_back(id);
      }
    }
    const std::vector<SocketId>& from = preferred.empty() ? state->sockets : preferred;
    socket = from[s.socket % from.size()];
  }
  const SocketState* sock = machine_.socket(socket);
  const Protocol protocol = sock != nullptr ? sock->protocol : s.protocol;
  switch (s.kind) {
    case StepKind::kCloseSocket:
      return call::CloseSocket{process, socket};
    case StepKind::kAcquire:
      return call::Acquire{process, socket, s.range.start == 0 ? s.range : AimedBlock(s, protocol),
                           s.in_size.value_or(call::kPortRangeSize),
                           s.out_size.value_or(call::kInstanceSize)};
    case StepKind::kRelease:
      return call::Release{process, socket, PickToken(s, process, protocol),
                           s.in_size.value_or(call::kTokenSize)};
    case StepKind::kAssociate:
      return call::Associate{process, socket, PickToken(s, process, protocol),
                             s.in_size.value_or(call::kTokenSize)};
    case StepKind::kBind:
      return call::Bind{process, socket, AimedPort(s, sock, protocol)};
    case StepKind::kGetSockName:
      return call::GetSockName{process, socket};
    default:
      return call::GetSockName{process, socket};
  }
}

absl::StatusOr<Outcome> Driver::Run(const Call& call, RuleId* rule) {
  absl::StatusOr<Outcome> outcome = machine_.Run(call, rule);
  Record(call, outcome);
  return outcome;
}

void Driver::Record(const Call& call, const absl::StatusOr<Outcome>& outcome) {
  transcript_.Add(call, outcome);
  if (!outcome.ok()) return;
  if (outcome->token && *outcome->token != kInvalidToken &&
      std::find(tokens_seen_.begin(), tokens_seen_.end(), *outcome->token) == tokens_seen_.end()) {
    tokens_seen_.push_back(*outcome->token);
  }
  if (outcome->ok()) {
    if (const auto* associate = std::get_if<call::Associate>(&call)) {
      last_associated_ = associate->token;
      last_associator_ = associate->process;
    }
  }
  if (outcome->process) all_processes_.push_back(*outcome->process);
  if (outcome->socket) all_sockets_.push_back(*outcome->socket);
}

void Driver::Fail(absl::string_view what) const {
  RC_FAIL(absl::StrCat(what, "\nThe calls, in order, with what each answered:\n",
                       transcript_.ToString()));
}

}  // namespace portpool::testing
