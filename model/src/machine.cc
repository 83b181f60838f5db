// The Machine's core: the dispatch of Expect over the call kinds, the
// checker (Check, the payload matching), learning (Observe, Apply's
// dispatch), the token bookkeeping and the simulator (Choose, Run). The rules
// themselves live in one file per family, as docs/semantics.md section 3
// groups them: persistent_rules.cc, runtime_rules.cc, bind_rules.cc and
// process_rules.cc.
#include "portpool/machine.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace portpool {

namespace r = rules;
using E = Error;

Machine::Machine(uint64_t seed, MachineOptions options)
    : options_(options), rng_(seed), token_source_(seed) {}

Error Machine::MaybeSwapped(Error error) const {
  if (!Mutated(Mutant::kAccessAndInUseSwapped)) return error;
  if (error == E::kWsaEacces) return E::kWsaEaddrinuse;
  if (error == E::kWsaEaddrinuse) return E::kWsaEacces;
  return error;
}

const ProcessState* Machine::process(ProcessId p) const {
  auto it = processes_.find(p);
  return it == processes_.end() ? nullptr : &it->second;
}

const SocketState* Machine::socket(SocketId s) const {
  auto it = sockets_.find(s);
  return it == sockets_.end() ? nullptr : &it->second;
}

std::optional<Machine::TokenOwner> Machine::FindToken(Token token, Protocol protocol) const {
  const std::optional<TokenIndex::Owner> owner = tokens(protocol).Find(token, pools_);
  if (!owner) return std::nullopt;
  return TokenOwner{owner->protocol, owner->start};
}

bool Machine::HasUnlearnedBlock(Protocol protocol) const {
  if (unknown_tokens_ == 0) return false;
  for (const auto& [start, b] : pool(protocol).blocks()) {
    if (b.kind == BlockKind::kPersistent && !b.token_known) return true;
  }
  return false;
}

absl::StatusOr<const ProcessState*> Machine::LiveProcess(ProcessId p) const {
  if (const ProcessState* state = process(p)) return state;
  if (p.value == 0 || p.value > last_process_) {
    return absl::NotFoundError(absl::StrCat("process p", p.value, " was never started"));
  }
  return absl::FailedPreconditionError(absl::StrCat("process p", p.value, " has ended (",
                                                    boot_ > 0 ? "a reboot or " : "",
                                                    "EndProcess); start a new process"));
}

const SocketState* Machine::OwnedSocket(ProcessId process, SocketId socket) const {
  const SocketState* s = this->socket(socket);
  return s != nullptr && s->owner == process ? s : nullptr;
}

// ---------------------------------------------------------------------------
// Expect

absl::StatusOr<Expectation> Machine::Expect(const Call& call) const {
  absl::StatusOr<Expectation> expectation = ExpectAnswers(call);
  if (!expectation.ok()) return expectation;
  // Rules every such answer relies on, for coverage and divergence reports.
  for (const Answer& answer : expectation->answers) {
    if (answer.payload == Payload::kFreshToken || answer.payload == Payload::kSpecificBlock ||
        answer.payload == Payload::kWildcardBlock) {
      expectation->also.push_back(r::kTokenUnique);
      break;
    }
  }
  for (const Answer& answer : expectation->answers) {
    if (answer.payload == Payload::kEphemeralPort || answer.payload == Payload::kWildcardBlock) {
      // The socket's family picks the range (DYN-RANGE-FAMILY).
      expectation->also.push_back(r::kDynamicRangeFamily);
      if (expectation->window == kDefaultDynamicRange) {
        expectation->also.push_back(r::kDynamicRangeDefault);
      }
      break;
    }
  }
  if (std::holds_alternative<call::CreatePersistent>(call) ||
      std::holds_alternative<call::LookupPersistent>(call) ||
      std::holds_alternative<call::DeletePersistent>(call) ||
      std::holds_alternative<call::Acquire>(call) || std::holds_alternative<call::Bind>(call)) {
    expectation->also.push_back(r::kByteOrder);
  }
  return expectation;
}

absl::StatusOr<Expectation> Machine::ExpectAnswers(const Call& call) const {
  // Socket calls share their first checks: live caller, then an open socket
  // of the caller (else SOCK-NOTSOCK).
  auto socket_of = [&](ProcessId p, SocketId s) -> absl::StatusOr<const SocketState*> {
    auto process = LiveProcess(p);
    if (!process.ok()) return process.status();
    return OwnedSocket(p, s);
  };

  return std::visit(
      [&](const auto& c) -> absl::StatusOr<Expectation> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::StartProcess>) {
          return ExpectStartProcess();
        } else if constexpr (std::is_same_v<T, call::EnvironmentBlock>) {
          return ExpectEnvironment(c);
        } else if constexpr (std::is_same_v<T, call::Reboot>) {
          return ExpectReboot();
        } else if constexpr (std::is_same_v<T, call::SetDynamicRange>) {
          return ExpectSetDynamicRange(c);
        } else if constexpr (std::is_same_v<T, call::EndProcess> ||
                             std::is_same_v<T, call::CreatePersistent> ||
                             std::is_same_v<T, call::LookupPersistent> ||
                             std::is_same_v<T, call::DeletePersistent> ||
                             std::is_same_v<T, call::OpenSocket>) {
          auto process = LiveProcess(c.process);
          if (!process.ok()) return process.status();
          if constexpr (std::is_same_v<T, call::EndProcess>) return ExpectEndProcess(**process);
          if constexpr (std::is_same_v<T, call::CreatePersistent>)
            return ExpectCreate(c, **process);
          if constexpr (std::is_same_v<T, call::LookupPersistent>)
            return ExpectLookup(c, **process);
          if constexpr (std::is_same_v<T, call::DeletePersistent>)
            return ExpectDelete(c, **process);
          if constexpr (std::is_same_v<T, call::OpenSocket>) return ExpectOpenSocket();
        } else {
          auto s = socket_of(c.process, c.socket);
          if (!s.ok()) return s.status();
          if (*s == nullptr) return ExpectNotSocket();
          if constexpr (std::is_same_v<T, call::CloseSocket>) return ExpectCloseSocket();
          if constexpr (std::is_same_v<T, call::Acquire>) return ExpectAcquire(c, **s);
          if constexpr (std::is_same_v<T, call::Release>) return ExpectRelease(c, c.socket, **s);
          if constexpr (std::is_same_v<T, call::Associate>) {
            return ExpectAssociate(c, *process(c.process), **s);
          }
          if constexpr (std::is_same_v<T, call::Bind>) return ExpectBind(c, **s);
          if constexpr (std::is_same_v<T, call::GetSockName>) return ExpectGetSockName(**s);
        }
      },
      call);
}

// ---------------------------------------------------------------------------
// Check

bool Machine::TokenIsFresh(const std::optional<Token>& token, Protocol protocol) const {
  // TOKEN-UNIQUE: never 0, never a live token of the same protocol (the
  // other protocol's tokens do not count: U11).
  if (!token || *token == kInvalidToken || tokens(protocol).Contains(*token, pools_)) return false;
  return unknown_tokens_ == 0 || !ClaimedByAssociation(*token, protocol);
}

bool Machine::PayloadMatches(const Answer& answer, const Expectation& e, const Outcome& o) const {
  const PortPool& pool = this->pool(e.protocol);
  // Each payload names the fields it carries; every other field must be empty.
  const bool only_token = !o.block && !o.port && !o.process && !o.socket;
  const bool only_port = !o.token && !o.block && !o.process && !o.socket;
  const bool only_block = !o.port && !o.process && !o.socket;
  switch (answer.payload) {
    case Payload::kNothing:
      return only_token && !o.token;
    case Payload::kNewProcess:
      return o.process && o.process->value > last_process_ && !o.token && !o.block && !o.port &&
             !o.socket;
    case Payload::kNewSocket:
      return o.socket && o.socket->value > last_socket_ && !o.token && !o.block && !o.port &&
             !o.process;
    case Payload::kFreshToken:
      return only_token && TokenIsFresh(o.token, e.protocol);
    case Payload::kUnlearnedToken:
      // Any new token, or one an unlearned association claimed, if this
      // block is among the blocks that association may reach.
      return only_token && o.token && *o.token != kInvalidToken &&
             !tokens(e.protocol).Contains(*o.token, pools_) &&
             ClaimsAllow(*o.token, e.protocol, e.block);
    case Payload::kExactToken:
      return only_token && o.token == e.token;
    case Payload::kSpecificBlock:
      return only_block && TokenIsFresh(o.token, e.protocol) && o.block == e.block;
    case Payload::kWildcardBlock:
      return only_block && TokenIsFresh(o.token, e.protocol) && o.block &&
             o.block->count == e.block.count && e.window.contains(*o.block) &&
             (pool.IsClear(*o.block) ||
              (!pool.AnyBindingIn(*o.block) && WildcardPlacementAllowed(pool, *o.block, e.family)));
    case Payload::kEphemeralPort:
      return only_port && o.port && e.window.contains(*o.port) &&
             EphemeralPortAllowed(pool, *o.port, e.family);
    case Payload::kPortFromBlocks:
      return only_port && o.port &&
             std::any_of(e.candidates.begin(), e.candidates.end(),
                         [&](const PortRange& r) { return r.contains(*o.port); }) &&
             !pool.BindingAt(*o.port);
    case Payload::kExactPort:
      return only_port && o.port == e.port;
  }
  return false;
}

const Answer* Machine::MatchingAnswer(const Expectation& e, const Outcome& o) const {
  for (const Answer& answer : e.answers) {
    if (answer.error == o.error && PayloadMatches(answer, e, o)) return &answer;
  }
  return nullptr;
}

Verdict Machine::Check(const Expectation& e, const Outcome& o) const {
  Verdict v;
  v.rules = e.Rules();
  if (const Answer* answer = MatchingAnswer(e, o)) {
    v.conforms = true;
    v.rule = answer->rule;
    return v;
  }
  v.explanation =
      absl::StrCat("observed ", DescribeOutcome(o), "; the model allows ", DescribeExpectation(e));
  return v;
}

// ---------------------------------------------------------------------------
// Observe

absl::Status Machine::Observe(const Call& call, const Outcome& outcome) {
  auto expectation = Expect(call);
  if (!expectation.ok()) return expectation.status();
  return Observe(call, outcome, *expectation);
}

absl::Status Machine::Observe(const Call& call, const Outcome& outcome,
                              const Expectation& expectation) {
  // The full Verdict (rules, explanation) only when the outcome is refused.
  if (MatchingAnswer(expectation, outcome) == nullptr) {
    Verdict verdict = Check(expectation, outcome);
    return absl::InvalidArgumentError(absl::StrCat(DescribeCall(call), ": ", verdict.explanation));
  }
  Apply(call, outcome);
  return absl::OkStatus();
}

void Machine::RegisterToken(Token token, Protocol protocol, uint16_t start) {
  tokens(protocol).Insert(token, {protocol, start}, pools_);
}

void Machine::ForgetToken(Token token, Protocol protocol, uint16_t start) {
  tokens(protocol).Erase(token, {protocol, start}, pools_);
}

void Machine::AddBlock(Protocol protocol, PortRange range, const Block& block) {
  // A replaced block's token (no block starts at a free port).
  if (!pool(protocol).IsFree(range.start)) {
    tokens(protocol).KeepStale({protocol, range.start}, pools_);
  }
  mutable_pool(protocol).AddBlock(range, block);
}

void Machine::RemoveBlock(Protocol protocol, uint16_t start, const Block& block) {
  tokens(protocol).KeepStale({protocol, start}, block);  // a token not forgotten first
  mutable_pool(protocol).RemoveBlock(start, block);
}

void Machine::Apply(const Call& call, const Outcome& o) {
  if (!o.ok()) return;  // no error answer changes the state
  std::visit([&](const auto& c) { ApplyCall(c, o); }, call);
}

// ---------------------------------------------------------------------------
// Simulate

Outcome Machine::Choose(const Expectation& e, Protocol protocol, RuleId* rule,
                        std::optional<size_t> pick) {
  const PortPool& pool = this->pool(protocol);
  const Answer& answer = e.answers[pick ? *pick : rng_.Below(e.answers.size())];
  if (rule != nullptr) *rule = answer.rule;
  Outcome o;
  o.error = answer.error;
  auto fresh_token = [&] {
    Token token = token_source_.Next();
    while (!TokenIsFresh(token, protocol)) token = token_source_.Next();
    return token;
  };
  switch (answer.payload) {
    case Payload::kNothing:
      break;
    case Payload::kNewProcess:
      o.process = ProcessId{last_process_ + 1};
      break;
    case Payload::kNewSocket:
      o.socket = SocketId{last_socket_ + 1};
      break;
    case Payload::kFreshToken:
      o.token = Mutated(Mutant::kZeroToken) ? kInvalidToken : fresh_token();
      break;
    case Payload::kUnlearnedToken:
      o.token = fresh_token();
      break;
    case Payload::kExactToken:
      o.token = e.token;
      break;
    case Payload::kSpecificBlock:
      o.block = e.block;
      o.token = fresh_token();
      break;
    case Payload::kWildcardBlock: {
      PortRange window = e.window;
      if (Mutated(Mutant::kWildcardOutsideDynamic) && window.start > 16) {
        // The faulty allocator starts 16 ports too low (start > 16: it fits).
        window.start = static_cast<uint16_t>(window.start - 16);
      }
      o.block = pool.PickClearRun(window, e.block.count, rng_);
      if (!o.block) o.block = pool.PickClearRun(e.window, e.block.count, rng_);
      // Only over another family's runtime blocks (R-ACQUIRE-OTHER-FAMILY).
      if (!o.block) o.block = OtherFamilyRun(pool, e.window, e.block.count, e.family, rng_.Next());
      o.token = fresh_token();
      break;
    }
    case Payload::kEphemeralPort:
      o.port = pool.PickFreePort(e.window, rng_);
      if (!o.port) {
        // Only inside another family's runtime blocks (B-BIND-EPHEMERAL-OTHER-FAMILY).
        const std::vector<uint16_t> ports =
            OtherFamilyPorts(pool, e.window, e.family, std::numeric_limits<size_t>::max());
        if (!ports.empty()) o.port = ports[rng_.Below(ports.size())];
      }
      if (Mutated(Mutant::kEphemeralIgnoresBlocks)) {
        // The faulty allocator looks only at bindings: find the first
        // unbound port from a random start, reserved or not.
        const uint64_t from = rng_.Below(e.window.count);
        for (uint32_t i = 0; i < e.window.count; ++i) {
          const uint16_t port = static_cast<uint16_t>(e.window.start + (from + i) % e.window.count);
          if (!pool.BindingAt(port)) {
            o.port = port;
            break;
          }
        }
      }
      break;
    case Payload::kPortFromBlocks:
      o.port = pool.PickUnboundPort(e.candidates, rng_);
      break;
    case Payload::kExactPort:
      o.port = e.port;
      break;
  }
  return o;
}

void Machine::ResolveUnknownTokens() {
  for (Protocol p : kAllProtocols) {
    // After a reboot every block gets a token: grow the index once.
    TokenIndex& index = tokens(p);
    index.Reserve(pool(p).blocks().size());
    for (auto& [start, block] : mutable_pool(p).mutable_blocks()) {
      if (block.token_known) continue;
      // The first token not in use, registered as it is found.
      const TokenIndex::Owner owner{p, start};
      Token token = token_source_.Next();
      while (!index.TryInsert(token, owner, pools_)) token = token_source_.Next();
      block.token_known = true;
      block.token = token;
    }
  }
  unknown_tokens_ = 0;
}

absl::StatusOr<Outcome> Machine::Run(const Call& call, RuleId* rule) {
  return RunPicking(call, std::nullopt, rule);
}

absl::StatusOr<Outcome> Machine::RunAnswer(const Call& call, size_t answer, RuleId* rule) {
  return RunPicking(call, answer, rule);
}

absl::StatusOr<Outcome> Machine::RunPicking(const Call& call, std::optional<size_t> pick,
                                            RuleId* rule) {
  auto expectation = Expect(call);
  if (!expectation.ok()) return expectation.status();
  if (pick && *pick >= expectation->answers.size()) {
    return absl::OutOfRangeError(absl::StrCat("no answer number ", *pick, " for ",
                                              DescribeCall(call), ": the model allows ",
                                              expectation->answers.size(), " (numbered from 0)"));
  }
  Outcome outcome = Choose(*expectation, expectation->protocol, rule, pick);
  Apply(call, outcome);
  if (unknown_tokens_ > 0) ResolveUnknownTokens();
  return outcome;
}

ProcessId Machine::StartProcess(bool elevated) {
  return *Run(call::StartProcess{elevated})->process;
}

void Machine::EndProcess(ProcessId process) { (void)Run(call::EndProcess{process}); }

void Machine::Reboot() { (void)Run(call::Reboot{}); }

absl::Status Machine::SetDynamicRange(Protocol protocol, PortRange range, Family family) {
  auto outcome = Run(call::SetDynamicRange{protocol, range, family});
  if (!outcome.ok()) return outcome.status();
  if (!outcome->ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dynamic range ", FormatRange(range),
        " refused: it must start at 1025 or above, hold 255 ports or more, and end by 65535"));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Following a backend past a divergence

std::string Machine::WhyNotAdoptable(const Call& call, const Outcome& o) const {
  if (!o.ok()) return "";  // an error answer changes nothing
  const auto token_in_use = [&](Protocol protocol) -> std::string {
    if (!o.token) return "";
    if (*o.token == kInvalidToken) return "token 0 cannot name a reservation";
    if (tokens(protocol).Contains(*o.token, pools_)) {
      return absl::StrFormat("token 0x%x is held by another live %s reservation", *o.token,
                             ProtocolName(protocol));
    }
    return "";
  };
  return std::visit(
      [&](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::StartProcess>) {
          if (!o.process || o.process->value <= last_process_) {
            return "a started process needs an id no process had";
          }
        } else if constexpr (std::is_same_v<T, call::OpenSocket>) {
          if (!o.socket || o.socket->value <= last_socket_) {
            return "an opened socket needs an id no socket had";
          }
        } else if constexpr (std::is_same_v<T, call::SetDynamicRange>) {
          if (!c.range.fits()) return "the range is empty or runs past port 65535";
        } else if constexpr (std::is_same_v<T, call::CreatePersistent>) {
          if (!c.block.fits()) return "the block is empty or runs past port 65535";
          if (pool(c.protocol).OverlapsAnyBlock(c.block)) {
            return "the block overlaps a block the model holds";
          }
          return token_in_use(c.protocol);
        } else if constexpr (std::is_same_v<T, call::LookupPersistent>) {
          const Block* block = pool(c.protocol).FindExact(c.block);
          if (o.token && block != nullptr && block->kind == BlockKind::kPersistent &&
              !(block->token_known && block->token == *o.token)) {
            return token_in_use(c.protocol);
          }
        } else if constexpr (std::is_same_v<T, call::Acquire>) {
          const SocketState& s = sockets_.at(c.socket);
          if (!o.block || !o.token) return "an acquire's success needs a block and a token";
          if (!o.block->fits()) return "the block is empty or runs past port 65535";
          bool clash = false;
          pool(s.protocol).ForEachOverlapping(*o.block, [&](PortRange, const Block& b) {
            if (b.kind != BlockKind::kRuntime || b.family == s.family) clash = true;
          });
          if (clash) return "the block overlaps a block the model holds";
          return token_in_use(s.protocol);
        } else if constexpr (std::is_same_v<T, call::Bind>) {
          const SocketState& s = sockets_.at(c.socket);
          if (!o.port) return "a bind's success needs a port";
          if (s.bound_port) return "the socket is bound already";
          if (const Binding* b = pool(s.protocol).BindingAt(*o.port); b && b->of(s.family)) {
            return absl::StrCat("port ", *o.port, " is bound by another socket of the family");
          }
        }
        return "";
      },
      call);
}

absl::Status Machine::Adopt(const Call& call, const Outcome& outcome) {
  // The call itself must be one the model can judge.
  absl::StatusOr<Expectation> expectation = Expect(call);
  if (!expectation.ok()) return expectation.status();
  if (const std::string why = WhyNotAdoptable(call, outcome); !why.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(DescribeCall(call), " -> ", DescribeOutcome(outcome), ": ", why));
  }
  // A Lookup that names another token than the one the model holds: the
  // backend's value wins from now on.
  if (const auto* lookup = std::get_if<call::LookupPersistent>(&call);
      lookup != nullptr && outcome.ok() && outcome.token) {
    Block* block = mutable_pool(lookup->protocol).FindExact(lookup->block);
    if (block != nullptr && block->kind == BlockKind::kPersistent && block->token_known &&
        block->token != *outcome.token) {
      ForgetToken(block->token, lookup->protocol, lookup->block.start);
      block->token = *outcome.token;
      RegisterToken(*outcome.token, lookup->protocol, lookup->block.start);
    }
  }
  Apply(call, outcome);
  return absl::OkStatus();
}

}  // namespace portpool
