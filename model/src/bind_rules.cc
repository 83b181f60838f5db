// The rules of bind and getsockname, and what a socket's association reaches
// (docs/semantics.md section 3.5): rules B-*, and the learning of an
// unlearned association's token (R-ASSOC-UNLEARNED).
#include <algorithm>

#include "answer_builder.h"
#include "portpool/machine.h"

namespace portpool {

namespace r = rules;
using E = Error;
using rule_support::AnswerBuilder;
using rule_support::kNoBlockErrors;
using rule_support::kNoPortErrors;

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

Expectation Machine::ExpectGetSockName(const SocketState& s) const {
  Expectation e;
  if (s.bound_port) {
    e.port = *s.bound_port;
    e.Allow(E::kNoError, Payload::kExactPort, r::kGetSockName);
  } else {
    e.Allow(E::kWsaEinval, Payload::kNothing, r::kGetSockName);
  }
  return e;
}

// ---------------------------------------------------------------------------
// Associations

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

// ---------------------------------------------------------------------------
// Apply

void Machine::ApplyCall(const call::Bind& c, const Outcome& o) {
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
}

void Machine::ApplyCall(const call::GetSockName&, const Outcome&) {
  // Nothing changes.
}

}  // namespace portpool
