#include "portpool/machine.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace portpool {
namespace {

namespace r = rules;
using E = Error;

// Error sets for the places where Windows' code is not known.
constexpr std::initializer_list<Error> kUnknownIoctlErrors = {E::kWsaEinval, E::kWsaEacces,
                                                              E::kWsaEfault};
constexpr std::initializer_list<Error> kNoBlockErrors = {E::kWsaEnobufs, E::kWsaEaddrinuse,
                                                         E::kWsaEinval};
constexpr std::initializer_list<Error> kNoPortErrors = {E::kWsaEnobufs, E::kWsaEaddrinuse};
constexpr std::initializer_list<Error> kBufferErrors = {E::kWsaEinval, E::kWsaEfault};

bool IsValidDynamicRange(PortRange range) {
  return range.start >= 1025 && range.count >= 255 && range.fits();
}

// Collects answers for one call: error answers as rules fire, and at the end
// the success answer if no rule forbade success.
class AnswerBuilder {
 public:
  explicit AnswerBuilder(Expectation& e) : e_(e) {}
  // A rule that forbids success.
  void Fail(Error error, RuleId rule) {
    e_.Allow(error, Payload::kNothing, rule);
    success_ = false;
    ++failing_rules_;
  }
  void Fail(std::initializer_list<Error> errors, RuleId rule) {
    e_.AllowErrors(errors, rule);
    success_ = false;
    ++failing_rules_;
  }
  // A rule under which Windows may fail or succeed: success stays possible.
  void MayFail(std::initializer_list<Error> errors, RuleId rule) { e_.AllowErrors(errors, rule); }
  bool success_possible() const { return success_; }
  // Adds the success answer if no rule forbade it. When several rules
  // forbade it, their order is unknown and every code stays allowed.
  void Succeed(Payload payload, RuleId rule) {
    if (success_) e_.Allow(E::kNoError, payload, rule);
  }
  void Finish() {
    if (failing_rules_ > 1) e_.also.push_back(r::kErrorOrder);
  }

 private:
  Expectation& e_;
  bool success_ = true;
  int failing_rules_ = 0;
};

}  // namespace

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

std::optional<Machine::TokenOwner> Machine::FindToken(Token token) const {
  const std::optional<TokenIndex::Owner> owner = tokens_.Find(token, pools_);
  if (!owner) return std::nullopt;
  return TokenOwner{owner->protocol, owner->start};
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
    if ((answer.payload == Payload::kEphemeralPort || answer.payload == Payload::kWildcardBlock) &&
        expectation->window == kDefaultDynamicRange) {
      expectation->also.push_back(r::kDynamicRangeDefault);
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
  Expectation e;
  // Socket calls share their first checks: live caller, then an open socket
  // of the caller (else WSAENOTSOCK).
  auto socket_of = [&](ProcessId p, SocketId s) -> absl::StatusOr<const SocketState*> {
    auto process = LiveProcess(p);
    if (!process.ok()) return process.status();
    return OwnedSocket(p, s);
  };
  auto not_socket = [&] {
    e.Allow(E::kWsaEnotsock, Payload::kNothing, r::kSocketNotSocket);
    return e;
  };

  return std::visit(
      [&](const auto& c) -> absl::StatusOr<Expectation> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::StartProcess>) {
          e.Allow(E::kNoError, Payload::kNewProcess, r::kProcessStart);
          return e;
        } else if constexpr (std::is_same_v<T, call::EndProcess>) {
          auto process = LiveProcess(c.process);
          if (!process.ok()) return process.status();
          e.Allow(E::kNoError, Payload::kNothing, r::kProcessEnd);
          if (!(*process)->sockets.empty()) e.also.push_back(r::kSocketClose);
          return e;
        } else if constexpr (std::is_same_v<T, call::Reboot>) {
          e.Allow(E::kNoError, Payload::kNothing, r::kRebootKeepsPersistent);
          e.also.push_back(r::kRebootEndsProcesses);
          e.also.push_back(r::kTokenReboot);
          return e;
        } else if constexpr (std::is_same_v<T, call::SetDynamicRange>) {
          if (IsValidDynamicRange(c.range)) {
            e.Allow(E::kNoError, Payload::kNothing, r::kDynamicRangeSet);
          } else {
            e.Allow(E::kInvalidParameter, Payload::kNothing, r::kDynamicRangeInvalid);
          }
          return e;
        } else if constexpr (std::is_same_v<T, call::CreatePersistent>) {
          auto process = LiveProcess(c.process);
          if (!process.ok()) return process.status();
          return ExpectCreate(c, **process);
        } else if constexpr (std::is_same_v<T, call::LookupPersistent>) {
          auto process = LiveProcess(c.process);
          if (!process.ok()) return process.status();
          return ExpectLookup(c, **process);
        } else if constexpr (std::is_same_v<T, call::DeletePersistent>) {
          auto process = LiveProcess(c.process);
          if (!process.ok()) return process.status();
          return ExpectDelete(c, **process);
        } else if constexpr (std::is_same_v<T, call::OpenSocket>) {
          auto process = LiveProcess(c.process);
          if (!process.ok()) return process.status();
          e.Allow(E::kNoError, Payload::kNewSocket, r::kSocketOpen);
          return e;
        } else if constexpr (std::is_same_v<T, call::CloseSocket>) {
          auto s = socket_of(c.process, c.socket);
          if (!s.ok()) return s.status();
          if (*s == nullptr) return not_socket();
          e.Allow(E::kNoError, Payload::kNothing, r::kSocketClose);
          return e;
        } else if constexpr (std::is_same_v<T, call::Acquire>) {
          auto s = socket_of(c.process, c.socket);
          if (!s.ok()) return s.status();
          if (*s == nullptr) return not_socket();
          return ExpectAcquire(c, **s);
        } else if constexpr (std::is_same_v<T, call::Release>) {
          auto s = socket_of(c.process, c.socket);
          if (!s.ok()) return s.status();
          if (*s == nullptr) return not_socket();
          return ExpectRelease(c, c.socket, **s);
        } else if constexpr (std::is_same_v<T, call::Associate>) {
          auto s = socket_of(c.process, c.socket);
          if (!s.ok()) return s.status();
          if (*s == nullptr) return not_socket();
          return ExpectAssociate(c, *process(c.process), **s);
        } else if constexpr (std::is_same_v<T, call::Bind>) {
          auto s = socket_of(c.process, c.socket);
          if (!s.ok()) return s.status();
          if (*s == nullptr) return not_socket();
          return ExpectBind(c, **s);
        } else if constexpr (std::is_same_v<T, call::GetSockName>) {
          auto s = socket_of(c.process, c.socket);
          if (!s.ok()) return s.status();
          if (*s == nullptr) return not_socket();
          if ((*s)->bound_port) {
            e.port = *(*s)->bound_port;
            e.Allow(E::kNoError, Payload::kExactPort, r::kGetSockName);
          } else {
            e.Allow(E::kWsaEinval, Payload::kNothing, r::kGetSockName);
          }
          return e;
        }
      },
      call);
}

Expectation Machine::ExpectCreate(const call::CreatePersistent& c, const ProcessState& p) const {
  Expectation e;
  e.protocol = c.protocol;
  AnswerBuilder answers(e);
  const PortPool& pool = this->pool(c.protocol);
  const bool zero = c.block.start == 0 || c.block.count == 0;
  if (!p.elevated) answers.Fail(E::kAccessDenied, r::kCreateElevation);
  if (zero) answers.Fail(E::kInvalidParameter, r::kCreateZero);
  if (!zero && !c.block.fits()) answers.Fail(E::kInvalidParameter, r::kCreatePastMax);
  if (!zero && c.block.fits()) {
    bool persistent = false, runtime = false;
    pool.ForEachOverlapping(c.block, [&](PortRange range, const Block& block) {
      if (Mutated(Mutant::kOverlapMissesLowEnd) && range.last() == c.block.start) return;
      if (Mutated(Mutant::kOverlapMissesHighEnd) && range.start == c.block.last()) return;
      (block.kind == BlockKind::kPersistent ? persistent : runtime) = true;
    });
    if (persistent) answers.Fail(E::kSharingViolation, r::kCreateOverlap);
    if (runtime) answers.Fail(E::kSharingViolation, r::kCreateRuntime);
    if (pool.AnyBindingIn(c.block) && !Mutated(Mutant::kCreateIgnoresBoundPorts)) {
      answers.Fail(E::kSharingViolation, r::kCreateInUse);
    }
  }
  if (c.null_token) {
    answers.MayFail({E::kInvalidParameter, E::kNoAccess}, r::kCreateNullToken);
    answers.Succeed(Payload::kNothing, r::kCreateNullToken);
  } else {
    answers.Succeed(Payload::kFreshToken, r::kCreateOk);
  }
  answers.Finish();
  e.also.push_back(r::kPoolPerProtocol);
  return e;
}

Expectation Machine::ExpectLookup(const call::LookupPersistent& c, const ProcessState& p) const {
  Expectation e;
  e.protocol = c.protocol;
  AnswerBuilder answers(e);
  const bool zero = c.block.start == 0 || c.block.count == 0;
  // Lookup's page lists no access error: a non-elevated caller may get one,
  // or the same answer as an elevated caller.
  if (!p.elevated) answers.MayFail({E::kAccessDenied}, r::kLookupElevation);
  if (zero) answers.Fail(E::kInvalidParameter, r::kLookupZero);
  if (!zero && !c.block.fits()) {
    answers.Fail({E::kInvalidParameter, E::kNotFound}, r::kLookupPastMax);
  }
  if (c.null_token) answers.MayFail({E::kInvalidParameter, E::kNoAccess}, r::kLookupNullToken);
  if (answers.success_possible()) {
    const Block* block = pool(c.protocol).FindExact(c.block);
    if (Mutated(Mutant::kLookupFindsSubRange)) {
      auto held = pool(c.protocol).BlockAt(c.block.start);
      if (held && held->first.contains(c.block)) block = held->second;
    }
    if (block == nullptr || block->kind != BlockKind::kPersistent) {
      answers.Fail(E::kNotFound, r::kLookupExact);
    } else if (c.null_token) {
      answers.Succeed(Payload::kNothing, r::kLookupNullToken);
    } else if (block->token_known) {
      e.token = block->token;
      answers.Succeed(Payload::kExactToken, r::kLookupToken);
    } else {
      // Unknown after a reboot, or after a Create whose Token was null.
      e.block = c.block;
      answers.Succeed(Payload::kUnlearnedToken, boot_ > 0 ? r::kTokenReboot : r::kCreateNullToken);
    }
  }
  answers.Finish();
  e.also.push_back(r::kPoolPerProtocol);
  return e;
}

Expectation Machine::ExpectDelete(const call::DeletePersistent& c, const ProcessState& p) const {
  Expectation e;
  e.protocol = c.protocol;
  AnswerBuilder answers(e);
  const PortPool& pool = this->pool(c.protocol);
  const bool zero = c.block.start == 0 || c.block.count == 0;
  if (!p.elevated) answers.Fail(E::kAccessDenied, r::kDeleteElevation);
  if (zero) answers.Fail(E::kInvalidParameter, r::kDeleteZero);
  if (!zero && !c.block.fits()) {
    answers.Fail({E::kInvalidParameter, E::kNotFound}, r::kDeletePastMax);
  }
  if (!zero && c.block.fits()) {
    const Block* block = pool.FindExact(c.block);
    if (Mutated(Mutant::kDeleteFindsSubRange)) {
      auto held = pool.BlockAt(c.block.start);
      if (held && held->first.contains(c.block)) block = held->second;
    }
    if (block == nullptr) {
      answers.Fail(E::kNotFound, r::kDeleteExact);
    } else if (block->kind == BlockKind::kRuntime) {
      answers.Fail({E::kNotFound, E::kAccessDenied}, r::kDeleteRuntime);
    } else if (pool.AnyBindingIn(c.block)) {
      answers.MayFail({E::kSharingViolation}, r::kDeleteInUse);
      answers.Succeed(Payload::kNothing, r::kDeleteInUse);
    }
  }
  answers.Succeed(Payload::kNothing, r::kDeleteOk);
  answers.Finish();
  e.also.push_back(r::kPoolPerProtocol);
  return e;
}

Expectation Machine::ExpectAcquire(const call::Acquire& c, const SocketState& s) const {
  Expectation e;
  e.protocol = s.protocol;
  AnswerBuilder answers(e);
  const PortPool& pool = this->pool(s.protocol);
  if (c.in_size < call::kPortRangeSize) answers.Fail(kBufferErrors, r::kIoctlInputBuffer);
  if (c.out_size < call::kInstanceSize) answers.Fail(E::kWsaEinval, r::kAcquireOutputBuffer);
  if (c.in_size >= call::kPortRangeSize) {
    if (c.request.count == 0) {
      answers.Fail(kNoBlockErrors, r::kAcquireZeroCount);
    } else if (c.request.start == 0) {
      e.block = PortRange{0, c.request.count};
      e.window = pool.dynamic_range();
      if (pool.HasClearRun(e.window, c.request.count)) {
        answers.Succeed(Payload::kWildcardBlock, r::kAcquireWildcard);
      } else {
        answers.Fail(kNoBlockErrors, r::kAcquireExhausted);
      }
    } else if (!c.request.fits()) {
      answers.Fail(kNoBlockErrors, r::kAcquirePastMax);
    } else {
      if (pool.OverlapsAnyBlock(c.request)) {
        answers.Fail(MaybeSwapped(E::kWsaEaddrinuse), r::kAcquireOverlap);
      }
      if (pool.AnyBindingIn(c.request)) {
        answers.Fail(MaybeSwapped(E::kWsaEaddrinuse), r::kAcquireInUse);
      }
      e.block = c.request;
      answers.Succeed(Payload::kSpecificBlock, r::kAcquireSpecific);
    }
  }
  answers.Finish();
  return e;
}

Expectation Machine::ExpectRelease(const call::Release& c, SocketId id,
                                   const SocketState& s) const {
  Expectation e;
  e.protocol = s.protocol;
  AnswerBuilder answers(e);
  if (c.in_size < call::kTokenSize) {
    answers.Fail(kBufferErrors, r::kIoctlInputBuffer);
    answers.Finish();
    return e;
  }
  const Block* block = nullptr;
  if (auto owner = FindToken(c.token); owner && owner->protocol == s.protocol) {
    auto it = pool(owner->protocol).blocks().find(owner->start);
    if (it != pool(owner->protocol).blocks().end()) block = &it->second;
  }
  const bool owner_ok =
      block != nullptr && (block->owner == s.owner || Mutated(Mutant::kReleaseAnyProcess));
  if (block == nullptr || block->kind != BlockKind::kRuntime || !owner_ok) {
    answers.Fail(kUnknownIoctlErrors, r::kReleaseInvalid);
  } else if (block->socket != id && block->owner == s.owner) {
    answers.MayFail(kUnknownIoctlErrors, r::kReleaseOtherSocket);
    answers.Succeed(Payload::kNothing, r::kReleaseOtherSocket);
  }
  answers.Succeed(Payload::kNothing, r::kReleaseOk);
  answers.Finish();
  return e;
}

Expectation Machine::ExpectAssociate(const call::Associate& c, const ProcessState& p,
                                     const SocketState& s) const {
  Expectation e;
  e.protocol = s.protocol;
  AnswerBuilder answers(e);
  if (c.in_size < call::kTokenSize) {
    answers.Fail(kBufferErrors, r::kIoctlInputBuffer);
    answers.Finish();
    return e;
  }
  if (s.bound_port) {
    // Association must precede bind; what Windows does after is unknown.
    answers.MayFail(kUnknownIoctlErrors, r::kAssociateAfterBind);
    answers.Succeed(Payload::kNothing, r::kAssociateAfterBind);
    answers.Finish();
    return e;
  }
  const Block* block = nullptr;
  if (auto owner = FindToken(c.token); owner && owner->protocol == s.protocol) {
    auto it = pool(owner->protocol).blocks().find(owner->start);
    if (it != pool(owner->protocol).blocks().end()) block = &it->second;
  }
  if (block != nullptr && block->kind == BlockKind::kPersistent) {
    if (!p.elevated && !Mutated(Mutant::kAssociateWithoutElevation)) {
      answers.Fail(E::kWsaEacces, r::kAssociateElevation);
    }
    answers.Succeed(Payload::kNothing, r::kAssociatePersistent);
  } else if (block != nullptr && block->owner == s.owner) {
    answers.Succeed(Payload::kNothing, r::kAssociateRuntime);
  } else {
    // A token the model does not know may still be the new token of a
    // persistent block after a reboot, if some such token is not learned.
    bool unlearned = false;
    if (block == nullptr && c.token != kInvalidToken && !FindToken(c.token)) {
      for (const auto& [start, b] : pool(s.protocol).blocks()) {
        if (b.kind == BlockKind::kPersistent && !b.token_known) unlearned = true;
      }
    }
    answers.MayFail(kUnknownIoctlErrors, r::kAssociateInvalid);
    if (unlearned) {
      if (!p.elevated) answers.Fail(E::kWsaEacces, r::kAssociateElevation);
      answers.Succeed(Payload::kNothing, r::kAssociateUnlearned);
    } else {
      answers.Fail(kUnknownIoctlErrors, r::kAssociateInvalid);
    }
  }
  answers.Finish();
  return e;
}

Machine::Ranges Machine::LiveAssociationRanges(const SocketState& s) const {
  Ranges ranges;
  const Association& a = *s.association;
  const PortPool& pool = this->pool(s.protocol);
  if (!a.candidates.empty()) {
    for (const PortRange& candidate : a.candidates) {
      const Block* block = pool.FindExact(candidate);
      if (block == nullptr || block->kind != BlockKind::kPersistent) continue;
      // Once the block's token is learned, it is a candidate only if the
      // learned token is the associated one.
      if (block->token_known && block->token != a.token) continue;
      ranges.push_back(candidate);
    }
    return ranges;
  }
  if (auto owner = FindToken(a.token);
      owner && owner->protocol == s.protocol && owner->start == a.block.start) {
    if (pool.FindExact(a.block) != nullptr) ranges.push_back(a.block);
  }
  return ranges;
}

Machine::Ranges Machine::GoneAssociationRanges(const SocketState& s) const {
  Ranges gone;
  const Association& a = *s.association;
  const PortPool& pool = this->pool(s.protocol);
  if (a.candidates.empty()) {
    if (LiveAssociationRanges(s).empty()) gone.push_back(a.block);
    return gone;
  }
  for (const PortRange& candidate : a.candidates) {
    const Block* block = pool.FindExact(candidate);
    if (block == nullptr || block->kind != BlockKind::kPersistent) gone.push_back(candidate);
  }
  return gone;
}

void Machine::ExpectPlainBind(uint16_t port, const SocketState& s, Expectation& e) const {
  AnswerBuilder answers(e);
  const PortPool& pool = this->pool(s.protocol);
  RuleId success_rule = r::kBindSpecific;
  if (const Binding* binding = pool.BindingAt(port)) {
    const Family other = s.family == Family::kIpv4 ? Family::kIpv6 : Family::kIpv4;
    if (binding->of(s.family)) {
      answers.Fail(MaybeSwapped(E::kWsaEaddrinuse), r::kBindInUse);
    } else if (binding->of(other)) {
      answers.MayFail({E::kWsaEaddrinuse}, r::kBindOtherFamily);
      success_rule = r::kBindOtherFamily;
    }
  }
  if (auto held = pool.BlockAt(port)) {
    const Block& block = *held->second;
    if (block.kind == BlockKind::kPersistent) {
      answers.MayFail({E::kWsaEacces}, r::kBindPersistent);
      success_rule = r::kBindPersistent;
    } else if (block.owner == s.owner) {
      answers.MayFail({E::kWsaEacces}, r::kBindRuntimeOwn);
      success_rule = r::kBindRuntimeOwn;
    } else if (block.family == s.family) {
      answers.Fail(MaybeSwapped(E::kWsaEacces), r::kBindRuntimeOther);
    } else {
      answers.MayFail({E::kWsaEacces}, r::kBindRuntimeOtherFamily);
      success_rule = r::kBindRuntimeOtherFamily;
    }
  }
  e.port = port;
  answers.Succeed(Payload::kExactPort, success_rule);
  answers.Finish();
}

Expectation Machine::ExpectBind(const call::Bind& c, const SocketState& s) const {
  Expectation e;
  e.protocol = s.protocol;
  if (s.bound_port) {
    e.Allow(E::kWsaEinval, Payload::kNothing, r::kBindTwice);
    return e;
  }
  const PortPool& pool = this->pool(s.protocol);
  if (!s.association) {
    if (c.port != 0) {
      ExpectPlainBind(c.port, s, e);
    } else if (pool.HasFreePort(pool.dynamic_range())) {
      e.window = pool.dynamic_range();
      e.Allow(E::kNoError, Payload::kEphemeralPort, r::kBindEphemeral);
    } else {
      e.AllowErrors(kNoPortErrors, r::kBindEphemeralExhausted);
    }
    return e;
  }
  // The blocks the association may still reach, and those it may have
  // named that are gone (deleted or released since): both stay possible.
  const Ranges ranges = LiveAssociationRanges(s);
  const Ranges gone = GoneAssociationRanges(s);
  // Of a gone block, a stale association may still give any port except
  // those another process now holds in a runtime block of this socket's
  // family: even a plain bind there fails (B-BIND-RUNTIME-OTHER). Blocks
  // that would let a plain bind through (persistent, the process's own,
  // the other family's) do not narrow it.
  const auto shuts_out_stale = [&s](const Block& block) {
    return block.kind == BlockKind::kRuntime && block.owner != s.owner && block.family == s.family;
  };
  Ranges reachable = ranges;
  for (const PortRange& old : gone) {
    uint32_t next = old.start;
    pool.ForEachOverlapping(old, [&](PortRange range, const Block& block) {
      if (!shuts_out_stale(block)) return;
      if (range.start > next) {
        reachable.push_back(
            PortRange{static_cast<uint16_t>(next), static_cast<uint16_t>(range.start - next)});
      }
      next = std::max<uint32_t>(next, range.last() + 1);
    });
    if (next <= old.last()) {
      reachable.push_back(
          PortRange{static_cast<uint16_t>(next), static_cast<uint16_t>(old.last() + 1 - next)});
    }
  }
  if (c.port == 0) {
    if (!gone.empty()) e.AllowErrors(kNoBlockErrors, r::kBindAssociatedGone);
    const bool live_port = pool.HasUnboundPort(ranges);
    if (!ranges.empty() && !live_port) e.AllowErrors(kNoPortErrors, r::kBindAssociatedFull);
    if (pool.HasUnboundPort(reachable)) {
      e.candidates.assign(reachable.begin(), reachable.end());
      e.Allow(E::kNoError, Payload::kPortFromBlocks,
              live_port ? r::kBindAssociatedAny : r::kBindAssociatedGone);
    }
    return e;
  }
  const bool in_gone = std::any_of(gone.begin(), gone.end(),
                                   [&](const PortRange& range) { return range.contains(c.port); });
  const bool in_live = std::any_of(ranges.begin(), ranges.end(),
                                   [&](const PortRange& range) { return range.contains(c.port); });
  if (!gone.empty() && !in_live) {
    // The block is gone: fail, or take the port if nothing holds it now.
    e.AllowErrors(kNoBlockErrors, r::kBindAssociatedGone);
    const auto held = pool.BlockAt(c.port);
    if (in_gone && !pool.BindingAt(c.port) && !(held && shuts_out_stale(*held->second))) {
      e.port = c.port;
      e.Allow(E::kNoError, Payload::kExactPort, r::kBindAssociatedGone);
    }
    return e;
  }
  const bool inside = std::any_of(ranges.begin(), ranges.end(),
                                  [&](const PortRange& range) { return range.contains(c.port); });
  if (!inside) {
    e.AllowErrors({E::kWsaEinval, E::kWsaEaddrnotavail}, r::kBindAssociatedOutside);
    ExpectPlainBind(c.port, s, e);
    return e;
  }
  if (const Binding* binding = pool.BindingAt(c.port)) {
    if (binding->of(s.family)) {
      e.Allow(E::kWsaEaddrinuse, Payload::kNothing, r::kBindInUse);
      return e;
    }
    e.Allow(E::kWsaEaddrinuse, Payload::kNothing, r::kBindOtherFamily);
  }
  e.port = c.port;
  e.Allow(E::kNoError, Payload::kExactPort, r::kBindAssociatedSpecific);
  return e;
}

// ---------------------------------------------------------------------------
// Check

void Machine::PinAssociations(Token token, PortRange block) {
  // Once a token's block is learned, every association made with it while
  // it was unknown reaches exactly that block, as if learned first.
  for (auto& [id, socket] : sockets_) {
    if (socket.association && socket.association->token == token &&
        !socket.association->candidates.empty()) {
      socket.association->candidates.clear();
      socket.association->block = block;
    }
  }
}

bool Machine::ClaimsAllow(Token token, PortRange block) const {
  for (const auto& [id, socket] : sockets_) {
    if (!socket.association || socket.association->token != token ||
        socket.association->candidates.empty()) {
      continue;
    }
    const Ranges live = LiveAssociationRanges(socket);
    if (!live.empty() && std::find(live.begin(), live.end(), block) == live.end()) return false;
  }
  return true;
}

bool Machine::ClaimedByAssociation(Token token) const {
  // A token that associated as an unlearned persistent one belongs to a
  // live block, though the model does not know which.
  for (const auto& [id, socket] : sockets_) {
    if (socket.association && socket.association->token == token &&
        !socket.association->candidates.empty() && !LiveAssociationRanges(socket).empty()) {
      return true;
    }
  }
  return false;
}

bool Machine::TokenIsFresh(const std::optional<Token>& token) const {
  if (!token || *token == kInvalidToken || tokens_.Contains(*token, pools_)) return false;
  return unknown_tokens_ == 0 || !ClaimedByAssociation(*token);
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
      return only_token && TokenIsFresh(o.token);
    case Payload::kUnlearnedToken:
      // Any new token, or one an unlearned association claimed, if this
      // block is among the blocks that association may reach.
      return only_token && o.token && *o.token != kInvalidToken &&
             !tokens_.Contains(*o.token, pools_) && ClaimsAllow(*o.token, e.block);
    case Payload::kExactToken:
      return only_token && o.token == e.token;
    case Payload::kSpecificBlock:
      return only_block && TokenIsFresh(o.token) && o.block == e.block;
    case Payload::kWildcardBlock:
      return only_block && TokenIsFresh(o.token) && o.block && o.block->count == e.block.count &&
             e.window.contains(*o.block) && pool.IsClear(*o.block);
    case Payload::kEphemeralPort:
      return only_port && o.port && e.window.contains(*o.port) && !pool.BlockAt(*o.port) &&
             !pool.BindingAt(*o.port);
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
  tokens_.Insert(token, {protocol, start}, pools_);
}

void Machine::ForgetToken(Token token, Protocol protocol, uint16_t start) {
  tokens_.Erase(token, {protocol, start}, pools_);
}

void Machine::AddBlock(Protocol protocol, PortRange range, const Block& block) {
  // A replaced block's token (no block starts at a free port).
  if (!pool(protocol).IsFree(range.start)) tokens_.KeepStale({protocol, range.start}, pools_);
  mutable_pool(protocol).AddBlock(range, block);
}

void Machine::RemoveBlock(Protocol protocol, uint16_t start, const Block& block) {
  tokens_.KeepStale({protocol, start}, block);  // a token not forgotten first
  mutable_pool(protocol).RemoveBlock(start);
}

void Machine::CloseSocketState(SocketId id) {
  auto it = sockets_.find(id);
  if (it == sockets_.end()) return;
  SocketState& s = it->second;
  PortPool& pool = mutable_pool(s.protocol);
  if (s.bound_port) pool.Unbind(*s.bound_port, s.family);
  for (uint16_t start : s.acquired) {
    if (Mutated(Mutant::kCloseKeepsBlocks)) break;
    auto block = pool.blocks().find(start);
    if (block != pool.blocks().end() && block->second.kind == BlockKind::kRuntime &&
        block->second.socket == id) {
      ForgetToken(block->second.token, s.protocol, start);
      RemoveBlock(s.protocol, start, block->second);
    }
  }
  if (auto owner = processes_.find(s.owner); owner != processes_.end()) {
    std::erase(owner->second.sockets, id);
  }
  sockets_.erase(it);
}

void Machine::EndProcessState(ProcessId id) {
  auto it = processes_.find(id);
  if (it == processes_.end()) return;
  const std::vector<SocketId> sockets = it->second.sockets;
  for (SocketId s : sockets) CloseSocketState(s);
  processes_.erase(id);
}

void Machine::Apply(const Call& call, const Outcome& o) {
  if (!o.ok()) return;  // no error answer changes the state
  std::visit(
      [&](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::StartProcess>) {
          processes_[*o.process] = ProcessState{c.elevated, {}};
          last_process_ = std::max(last_process_, o.process->value);
        } else if constexpr (std::is_same_v<T, call::EndProcess>) {
          EndProcessState(c.process);
        } else if constexpr (std::is_same_v<T, call::Reboot>) {
          std::vector<ProcessId> live;
          for (const auto& [id, state] : processes_) live.push_back(id);
          for (ProcessId id : live) EndProcessState(id);
          for (PortPool& pool : pools_) {
            if (Mutated(Mutant::kTokensSurviveReboot)) {
              // Their tokens stay in the index, pointing where they were.
              const auto protocol = static_cast<Protocol>(&pool - pools_.data());
              for (const auto& [start, block] : pool.blocks()) {
                if (block.kind == BlockKind::kRuntime) tokens_.KeepStale({protocol, start}, block);
              }
            }
            pool.RemoveRuntimeBlocks();
            pool.ClearBindings();
            if (Mutated(Mutant::kTokensSurviveReboot)) continue;
            for (auto& [start, block] : pool.mutable_blocks()) {
              if (block.token_known) ++unknown_tokens_;
              block.token_known = false;
              block.token = kInvalidToken;
            }
          }
          if (!Mutated(Mutant::kTokensSurviveReboot)) tokens_.Clear();
          ++boot_;
        } else if constexpr (std::is_same_v<T, call::SetDynamicRange>) {
          mutable_pool(c.protocol).set_dynamic_range(c.range);
        } else if constexpr (std::is_same_v<T, call::CreatePersistent>) {
          Block block;
          block.kind = BlockKind::kPersistent;
          block.token_known = o.token.has_value();
          block.token = o.token.value_or(kInvalidToken);
          if (!block.token_known) ++unknown_tokens_;
          AddBlock(c.protocol, c.block, block);
          if (o.token) RegisterToken(*o.token, c.protocol, c.block.start);
        } else if constexpr (std::is_same_v<T, call::LookupPersistent>) {
          Block* block = mutable_pool(c.protocol).FindExact(c.block);
          if (block != nullptr && !block->token_known && o.token) {
            block->token_known = true;
            block->token = *o.token;
            --unknown_tokens_;
            RegisterToken(*o.token, c.protocol, c.block.start);
            PinAssociations(*o.token, c.block);
          }
        } else if constexpr (std::is_same_v<T, call::DeletePersistent>) {
          PortPool& pool = mutable_pool(c.protocol);
          PortRange doomed = c.block;
          if (Mutated(Mutant::kDeleteFindsSubRange)) {
            if (auto held = pool.BlockAt(c.block.start)) doomed = held->first;
          }
          if (Block* block = pool.FindExact(doomed)) {
            if (block->token_known) {
              ForgetToken(block->token, c.protocol, doomed.start);
            } else {
              --unknown_tokens_;
            }
            RemoveBlock(c.protocol, doomed.start, *block);
          }
        } else if constexpr (std::is_same_v<T, call::OpenSocket>) {
          sockets_[*o.socket] = SocketState{c.process, c.protocol, c.family, {}, {}, {}};
          processes_[c.process].sockets.push_back(*o.socket);
          last_socket_ = std::max(last_socket_, o.socket->value);
        } else if constexpr (std::is_same_v<T, call::CloseSocket>) {
          CloseSocketState(c.socket);
        } else if constexpr (std::is_same_v<T, call::Acquire>) {
          SocketState& s = sockets_[c.socket];
          Block block;
          block.kind = BlockKind::kRuntime;
          block.token_known = true;
          block.token = *o.token;
          block.owner = c.process;
          block.socket = c.socket;
          block.family = s.family;
          AddBlock(s.protocol, *o.block, block);
          RegisterToken(*o.token, s.protocol, o.block->start);
          s.acquired.push_back(o.block->start);
        } else if constexpr (std::is_same_v<T, call::Release>) {
          const SocketState& s = sockets_[c.socket];
          auto owner = FindToken(c.token);
          if (!owner) return;
          PortPool& pool = mutable_pool(s.protocol);
          auto block = pool.blocks().find(owner->start);
          if (block == pool.blocks().end()) return;
          if (auto holder = sockets_.find(block->second.socket); holder != sockets_.end()) {
            std::erase(holder->second.acquired, owner->start);
          }
          ForgetToken(c.token, owner->protocol, owner->start);
          RemoveBlock(s.protocol, owner->start, block->second);
        } else if constexpr (std::is_same_v<T, call::Associate>) {
          SocketState& s = sockets_[c.socket];
          if (s.bound_port) return;  // allowed as a no-op: see R-ASSOC-AFTER-BIND
          Association a;
          a.token = c.token;
          if (auto owner = FindToken(c.token)) {
            const PortPool& pool = this->pool(owner->protocol);
            a.block = PortRange{owner->start, pool.blocks().at(owner->start).count};
          } else {
            for (const auto& [start, b] : pool(s.protocol).blocks()) {
              if (b.kind == BlockKind::kPersistent && !b.token_known) {
                a.candidates.push_back(PortRange{start, b.count});
              }
            }
          }
          s.association = std::move(a);
        } else if constexpr (std::is_same_v<T, call::Bind>) {
          SocketState& s = sockets_[c.socket];
          const uint16_t port = *o.port;
          mutable_pool(s.protocol).Bind(port, s.family, c.socket);
          s.bound_port = port;
          // Binding through an unlearned association teaches the token.
          if (s.association && !s.association->candidates.empty()) {
            PortPool& pool = mutable_pool(s.protocol);
            for (const PortRange& candidate : s.association->candidates) {
              Block* block = pool.FindExact(candidate);
              if (block != nullptr && candidate.contains(port) && !block->token_known &&
                  !tokens_.Contains(s.association->token, pools_)) {
                block->token_known = true;
                block->token = s.association->token;
                --unknown_tokens_;
                RegisterToken(block->token, s.protocol, candidate.start);
                PinAssociations(block->token, candidate);
                break;
              }
            }
          }
        } else if constexpr (std::is_same_v<T, call::GetSockName>) {
          // Nothing changes.
        }
      },
      call);
}

// ---------------------------------------------------------------------------
// Simulate

Outcome Machine::Choose(const Expectation& e, Protocol protocol, RuleId* rule) {
  const PortPool& pool = this->pool(protocol);
  const Answer& answer = e.answers[rng_.Below(e.answers.size())];
  if (rule != nullptr) *rule = answer.rule;
  Outcome o;
  o.error = answer.error;
  auto fresh_token = [&] {
    Token token = token_source_.Next();
    while (tokens_.Contains(token, pools_)) token = token_source_.Next();
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
      o.token = fresh_token();
      break;
    }
    case Payload::kEphemeralPort:
      o.port = pool.PickFreePort(e.window, rng_);
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
  // After a reboot every block gets a token: grow the index once.
  tokens_.Reserve(pools_[0].blocks().size() + pools_[1].blocks().size());
  for (size_t p = 0; p < pools_.size(); ++p) {
    for (auto& [start, block] : pools_[p].mutable_blocks()) {
      if (block.token_known) continue;
      // The first token not in use, registered as it is found.
      const TokenIndex::Owner owner{static_cast<Protocol>(p), start};
      Token token = token_source_.Next();
      while (!tokens_.TryInsert(token, owner, pools_)) token = token_source_.Next();
      block.token_known = true;
      block.token = token;
    }
  }
  unknown_tokens_ = 0;
}

absl::StatusOr<Outcome> Machine::Run(const Call& call, RuleId* rule) {
  auto expectation = Expect(call);
  if (!expectation.ok()) return expectation.status();
  Outcome outcome = Choose(*expectation, expectation->protocol, rule);
  Apply(call, outcome);
  if (unknown_tokens_ > 0) ResolveUnknownTokens();
  return outcome;
}

ProcessId Machine::StartProcess(bool elevated) {
  return *Run(call::StartProcess{elevated})->process;
}

void Machine::EndProcess(ProcessId process) { (void)Run(call::EndProcess{process}); }

void Machine::Reboot() { (void)Run(call::Reboot{}); }

absl::Status Machine::SetDynamicRange(Protocol protocol, PortRange range) {
  auto outcome = Run(call::SetDynamicRange{protocol, range});
  if (!outcome.ok()) return outcome.status();
  if (!outcome->ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dynamic range ", FormatRange(range),
        " refused: it must start at 1025 or above, hold 255 ports or more, and end by 65535"));
  }
  return absl::OkStatus();
}

absl::Status Machine::SeedExisting(Protocol protocol, PortRange range, BlockKind kind) {
  if (!range.fits()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot seed block ", FormatRange(range), ": empty or past port 65535"));
  }
  PortPool& pool = mutable_pool(protocol);
  if (pool.OverlapsAnyBlock(range)) {
    return absl::AlreadyExistsError(absl::StrCat("cannot seed ", ProtocolName(protocol), " block ",
                                                 FormatRange(range),
                                                 ": it overlaps a block already known"));
  }
  Block block;
  block.kind = kind;
  block.token_known = false;
  block.token = kInvalidToken;
  if (kind == BlockKind::kPersistent) {
    ++unknown_tokens_;
  } else {
    // Owned by no process the model knows (ids start at 1), so it is another
    // process's block for everyone; its token is never needed.
    block.owner = ProcessId{0};
    block.socket = SocketId{0};
    block.family = Family::kIpv4;
  }
  AddBlock(protocol, range, block);
  return absl::OkStatus();
}

}  // namespace portpool
