// The rules of runtime reservations (docs/semantics.md section 3.4): the
// SIO_ACQUIRE/RELEASE/ASSOCIATE_PORT_RESERVATION ioctls, rules R-*.
#include <utility>

#include "answer_builder.h"
#include "portpool/machine.h"

namespace portpool {

namespace r = rules;
using E = Error;
using rule_support::AnswerBuilder;
using rule_support::kBufferErrors;
using rule_support::kNoBlockErrors;
using rule_support::kUnknownIoctlErrors;

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
}

void Machine::ApplyCall(const call::Associate& c, const Outcome&) {
  SocketState& s = sockets_[c.socket];
  if (s.bound_port) return;  // allowed as a no-op: see R-ASSOC-AFTER-BIND
  Association a;
  a.token = c.token;
  if (auto owner = FindToken(c.token)) {
    const PortPool& pool = this->pool(owner->protocol);
    a.block = PortRange{owner->start, pool.blocks().at(owner->start).count};
  } else {
    // R-ASSOC-UNLEARNED: the blocks the token may name.
    for (const auto& [start, b] : pool(s.protocol).blocks()) {
      if (b.kind == BlockKind::kPersistent && !b.token_known) {
        a.candidates.push_back(PortRange{start, b.count});
      }
    }
  }
  s.association = std::move(a);
}

}  // namespace portpool
