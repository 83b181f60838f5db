// The rules of runtime reservations (docs/semantics.md section 3.4): the
// SIO_ACQUIRE/RELEASE/ASSOCIATE_PORT_RESERVATION ioctls, rules R-*.
#include <algorithm>
#include <utility>

#include "answer_builder.h"
#include "portpool/machine.h"

namespace portpool {

namespace r = rules;
using E = Error;
using rule_support::AnswerBuilder;
using rule_support::kBufferErrors;
using rule_support::kInvalidCountErrors;
using rule_support::kNoBlockErrors;
using rule_support::kTokenErrors;

namespace {

Protocol Other(Protocol p) { return p == Protocol::kTcp ? Protocol::kUdp : Protocol::kTcp; }

}  // namespace

// ---------------------------------------------------------------------------
// Placement over another family's runtime blocks (U12)

bool Machine::WildcardPlacementAllowed(const PortPool& pool, PortRange block, Family family) const {
  // R-ACQUIRE-OTHER-FAMILY: a runtime block acquired on the other family may
  // not apply to this one; persistent and same-family blocks always do.
  bool allowed = true;
  pool.ForEachOverlapping(block, [&](PortRange, const Block& b) {
    if (b.kind != BlockKind::kRuntime || b.family == family) allowed = false;
  });
  return allowed;
}

std::optional<PortRange> Machine::OtherFamilyRun(const PortPool& pool, PortRange window,
                                                 uint16_t count, Family family,
                                                 uint64_t pick) const {
  if (count == 0 || !window.fits() || count > window.count) return std::nullopt;
  // The obstacles: bound ports and blocks that apply to `family`. The runs
  // between them that overlap some runtime block of the other family are the
  // placements only R-ACQUIRE-OTHER-FAMILY allows.
  std::vector<PortRange> obstacles;
  pool.ForEachOverlapping(window, [&](PortRange range, const Block& b) {
    if (b.kind != BlockKind::kRuntime || b.family == family) obstacles.push_back(range);
  });
  for (auto it = pool.bindings().lower_bound(window.start);
       it != pool.bindings().end() && it->first <= window.last(); ++it) {
    obstacles.push_back(PortRange{it->first, 1});
  }
  std::sort(obstacles.begin(), obstacles.end(),
            [](const PortRange& a, const PortRange& b) { return a.start < b.start; });
  std::vector<PortRange> placements;
  uint32_t next = window.start;
  auto gap = [&](uint32_t end) {  // the free ports [next, end)
    for (uint32_t start = next; start + count <= end; ++start) {
      const PortRange run{static_cast<uint16_t>(start), count};
      if (!pool.IsClear(run)) placements.push_back(run);
      if (placements.size() >= 4096) return;  // enough to pick from
    }
  };
  for (const PortRange& obstacle : obstacles) {
    if (obstacle.start > next) gap(std::min<uint32_t>(obstacle.start, window.last() + 1));
    next = std::max<uint32_t>(next, obstacle.last() + 1);
  }
  if (next <= window.last()) gap(window.last() + 1);
  if (placements.empty()) return std::nullopt;
  return placements[pick % placements.size()];
}

// ---------------------------------------------------------------------------
// Expect

Expectation Machine::ExpectAcquire(const call::Acquire& c, const SocketState& s) const {
  Expectation e;
  e.protocol = s.protocol;
  e.family = s.family;
  AnswerBuilder answers(e);
  const PortPool& pool = this->pool(s.protocol);
  if (c.in_size < call::kPortRangeSize) answers.Fail(kBufferErrors, r::kIoctlInputBuffer);
  if (c.out_size < call::kInstanceSize) answers.Fail(E::kWsaEinval, r::kAcquireOutputBuffer);
  // R-ACQUIRE-BOUND: acquiring on a bound socket may be refused (AQ-5).
  if (s.bound_port) answers.MayFail(kTokenErrors, r::kAcquireBound);
  if (c.in_size >= call::kPortRangeSize) {
    if (c.request.count == 0) {
      answers.Fail(kInvalidCountErrors, r::kAcquireZeroCount);
    } else if (c.request.start == 0) {
      e.block = PortRange{0, c.request.count};
      e.window = pool.dynamic_range(s.family);
      if (pool.HasClearRun(e.window, c.request.count)) {
        answers.Succeed(Payload::kWildcardBlock, r::kAcquireWildcard);
      } else if (OtherFamilyRun(pool, e.window, c.request.count, s.family, 0)) {
        // Room only over another family's runtime blocks (U12).
        answers.MayFail(kNoBlockErrors, r::kAcquireOtherFamily);
        answers.Succeed(Payload::kWildcardBlock, r::kAcquireOtherFamily);
      } else {
        answers.Fail(kNoBlockErrors, r::kAcquireExhausted);
      }
    } else if (!c.request.fits()) {
      answers.Fail(kInvalidCountErrors, r::kAcquirePastMax);
    } else {
      bool clash = false, other_family = false;
      pool.ForEachOverlapping(c.request, [&](PortRange, const Block& b) {
        (b.kind == BlockKind::kRuntime && b.family != s.family ? other_family : clash) = true;
      });
      if (clash) answers.Fail(MaybeSwapped(E::kWsaEaddrinuse), r::kAcquireOverlap);
      if (other_family) answers.MayFail({E::kWsaEaddrinuse}, r::kAcquireOtherFamily);
      if (pool.AnyBindingIn(c.request)) {
        answers.Fail(MaybeSwapped(E::kWsaEaddrinuse), r::kAcquireInUse);
      }
      // C3: the other protocol's runtime blocks may count too.
      bool other_protocol = false;
      this->pool(Other(s.protocol)).ForEachOverlapping(c.request, [&](PortRange, const Block& b) {
        if (b.kind == BlockKind::kRuntime) other_protocol = true;
      });
      if (other_protocol) answers.MayFail({E::kWsaEaddrinuse}, r::kAcquireOtherProtocol);
      e.block = c.request;
      answers.Succeed(Payload::kSpecificBlock,
                      other_family ? r::kAcquireOtherFamily : r::kAcquireSpecific);
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
  // R-IOCTL-OUTBUF: the output buffer "must be set to zero".
  if (c.out_size != 0) answers.MayFail({E::kWsaEinval}, r::kIoctlOutputBuffer);
  const Block* block = nullptr;
  if (auto owner = FindToken(c.token, s.protocol)) {
    block = pool(s.protocol).FindHolding(owner->start, c.token);
  }
  const bool owner_ok =
      block != nullptr && (block->owner == s.owner || Mutated(Mutant::kReleaseAnyProcess));
  if (block == nullptr || block->kind != BlockKind::kRuntime || !owner_ok) {
    // U4: an error, or a success that releases nothing.
    answers.MayFail(kTokenErrors, r::kReleaseInvalid);
    answers.Succeed(Payload::kNothing, r::kReleaseInvalid);
  } else if (block->socket != id && block->owner == s.owner) {
    answers.MayFail(kTokenErrors, r::kReleaseOtherSocket);
    answers.Succeed(Payload::kNothing, r::kReleaseOtherSocket);
  }
  answers.Succeed(Payload::kNothing, r::kReleaseOk);
  answers.Finish();
  return e;
}

std::optional<Association> Machine::AssociationOf(Token token, const ProcessState& p,
                                                  const SocketState& s, bool* maybe_none) const {
  *maybe_none = false;
  if (auto owner = FindToken(token, s.protocol)) {
    const Block* block = pool(s.protocol).FindHolding(owner->start, token);
    if (block == nullptr) return std::nullopt;
    const bool allowed =
        block->kind == BlockKind::kPersistent
            ? p.elevated || Mutated(Mutant::kAssociateWithoutElevation)  // R-ASSOC-PERSISTENT
            : block->owner == s.owner;                                   // R-ASSOC-RUNTIME
    if (!allowed) return std::nullopt;
    return Association{token, PortRange{owner->start, block->count}, {}};
  }
  // R-ASSOC-UNLEARNED: the token may be a persistent block's new one, or
  // garbage that Windows accepted without effect.
  if (token == kInvalidToken || !p.elevated || !HasUnlearnedBlock(s.protocol)) return std::nullopt;
  Association a;
  a.token = token;
  for (const auto& [start, b] : pool(s.protocol).blocks()) {
    if (b.kind == BlockKind::kPersistent && !b.token_known) {
      a.candidates.push_back(PortRange{start, b.count});
    }
  }
  *maybe_none = true;
  return a;
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
  if (c.out_size != 0) answers.MayFail({E::kWsaEinval}, r::kIoctlOutputBuffer);
  if (s.bound_port) {
    // Association must precede bind; what Windows does after is unknown (U4).
    answers.MayFail(kTokenErrors, r::kAssociateAfterBind);
    answers.Succeed(Payload::kNothing, r::kAssociateAfterBind);
    answers.Finish();
    return e;
  }
  // R-ASSOC-TWICE: a second association may be refused (U4).
  if (s.associated()) answers.MayFail(kTokenErrors, r::kAssociateTwice);
  const Block* block = nullptr;
  if (auto owner = FindToken(c.token, s.protocol)) {
    block = pool(s.protocol).FindHolding(owner->start, c.token);
  }
  if (block != nullptr && block->kind == BlockKind::kPersistent) {
    if (!p.elevated && !Mutated(Mutant::kAssociateWithoutElevation)) {
      answers.Fail(E::kWsaEacces, r::kAssociateElevation);
    }
    answers.Succeed(Payload::kNothing, r::kAssociatePersistent);
  } else if (block != nullptr && block->owner == s.owner) {
    answers.Succeed(Payload::kNothing, r::kAssociateRuntime);
  } else {
    // R-ASSOC-INVALID: an error, or a success without effect (U4). A token
    // the model does not know may still be the new token of a persistent
    // block after a reboot, if some such token is not learned: then an
    // elevated caller's success may associate (R-ASSOC-UNLEARNED), and a
    // non-elevated caller may also get R-ASSOC-ELEVATION's code.
    answers.MayFail(kTokenErrors, r::kAssociateInvalid);
    const bool unlearned =
        block == nullptr && c.token != kInvalidToken && HasUnlearnedBlock(s.protocol);
    if (unlearned && p.elevated) answers.Succeed(Payload::kNothing, r::kAssociateUnlearned);
    if (unlearned && !p.elevated) answers.MayFail({E::kWsaEacces}, r::kAssociateElevation);
    answers.Succeed(Payload::kNothing, r::kAssociateInvalid);
  }
  answers.Finish();
  return e;
}

// ---------------------------------------------------------------------------
// Apply

void Machine::ApplyCall(const call::Acquire& c, const Outcome& o) {
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
}

void Machine::ApplyCall(const call::Release& c, const Outcome&) {
  const SocketState& s = sockets_[c.socket];
  auto owner = FindToken(c.token, s.protocol);
  if (!owner) return;  // R-RELEASE-INVALID: no effect
  const Block* block = pool(s.protocol).FindHolding(owner->start, c.token);
  if (block == nullptr || block->kind != BlockKind::kRuntime) return;
  if (block->owner != s.owner && !Mutated(Mutant::kReleaseAnyProcess)) return;
  if (auto holder = sockets_.find(block->socket); holder != sockets_.end()) {
    std::erase(holder->second.acquired, owner->start);
  }
  ForgetToken(c.token, s.protocol, owner->start);
  RemoveBlock(s.protocol, owner->start, *block);
}

void Machine::ApplyCall(const call::Associate& c, const Outcome&) {
  SocketState& s = sockets_[c.socket];
  if (s.bound_port) return;  // allowed as a no-op: see R-ASSOC-AFTER-BIND
  bool maybe_none = false;
  std::optional<Association> next =
      AssociationOf(c.token, processes_.at(c.process), s, &maybe_none);
  if (!next) return;  // R-ASSOC-INVALID: a success without effect
  const bool known = std::any_of(s.associations.begin(), s.associations.end(),
                                 [&](const Association& a) { return a.token == next->token; });
  if (known) return;
  // The first association, or (R-ASSOC-TWICE) one more that may hold: the
  // earlier ones stay possible.
  if (s.associations.empty()) s.maybe_unassociated = maybe_none;
  s.associations.push_back(*std::move(next));
}

}  // namespace portpool
