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

namespace {

Protocol Other(Protocol p) { return p == Protocol::kTcp ? Protocol::kUdp : Protocol::kTcp; }

// Whether `window` has a port free in `pool` that no runtime block of
// `other` (the other protocol's pool) holds.
bool FreeOutsideRuntimeBlocks(const PortPool& pool, const PortPool& other, PortRange window) {
  uint32_t next = window.start;
  bool found = false;
  other.ForEachOverlapping(window, [&](PortRange range, const Block& b) {
    if (found || b.kind != BlockKind::kRuntime) return;
    if (range.start > next &&
        pool.HasFreePort(
            PortRange{static_cast<uint16_t>(next), static_cast<uint16_t>(range.start - next)})) {
      found = true;
    }
    next = std::max<uint32_t>(next, range.last() + 1);
  });
  return found || (next <= window.last() &&
                   pool.HasFreePort(PortRange{static_cast<uint16_t>(next),
                                              static_cast<uint16_t>(window.last() + 1 - next)}));
}

}  // namespace

// ---------------------------------------------------------------------------
// What an association reaches

Machine::Ranges Machine::LiveAssociationRanges(const SocketState& s, const Association& a) const {
  Ranges ranges;
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
  if (auto owner = FindToken(a.token, s.protocol); owner && owner->start == a.block.start) {
    const Block* block = pool.FindHolding(owner->start, a.token);
    if (block != nullptr && block->count == a.block.count) ranges.push_back(a.block);
  }
  return ranges;
}

Machine::Ranges Machine::GoneAssociationRanges(const SocketState& s, const Association& a) const {
  Ranges gone;
  const PortPool& pool = this->pool(s.protocol);
  if (a.candidates.empty()) {
    if (LiveAssociationRanges(s, a).empty()) gone.push_back(a.block);
    return gone;
  }
  for (const PortRange& candidate : a.candidates) {
    const Block* block = pool.FindExact(candidate);
    if (block == nullptr || block->kind != BlockKind::kPersistent) gone.push_back(candidate);
  }
  return gone;
}

// ---------------------------------------------------------------------------
// Ephemeral ports

bool Machine::EphemeralPortAllowed(const PortPool& pool, uint16_t port, Family family) const {
  if (pool.BindingAt(port) != nullptr) return false;
  // B-BIND-EPHEMERAL: no block of the protocol; B-BIND-EPHEMERAL-OTHER-FAMILY:
  // except a runtime block acquired on the other family (U12).
  for (const auto& [range, block] : pool.BlocksAt(port)) {
    if (block->kind != BlockKind::kRuntime || block->family == family) return false;
  }
  return true;
}

std::vector<uint16_t> Machine::OtherFamilyPorts(const PortPool& pool, PortRange window,
                                                Family family, size_t limit) const {
  std::vector<uint16_t> ports;
  if (!window.fits()) return ports;
  pool.ForEachOverlapping(window, [&](PortRange range, const Block& b) {
    if (b.kind != BlockKind::kRuntime || b.family == family) return;
    const uint32_t from = std::max<uint32_t>(range.start, window.start);
    const uint32_t to = std::min<uint32_t>(range.last(), window.last());
    for (uint32_t port = from; port <= to && ports.size() < limit; ++port) {
      if (EphemeralPortAllowed(pool, static_cast<uint16_t>(port), family)) {
        ports.push_back(static_cast<uint16_t>(port));
      }
    }
  });
  return ports;
}

// ---------------------------------------------------------------------------
// Expect

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
  // Every block holding the port has its say (two where runtime blocks of
  // both families overlap, U12).
  for (const auto& [range, held] : pool.BlocksAt(port)) {
    const Block& block = *held;
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
  e.family = s.family;
  if (s.bound_port) {
    e.Allow(E::kWsaEinval, Payload::kNothing, r::kBindTwice);
    return e;
  }
  // The answers of every association the socket may have (R-ASSOC-TWICE,
  // R-ASSOC-UNLEARNED), and of none where that is possible too.
  if (!s.associated() || s.maybe_unassociated) ExpectUnassociatedBind(c, s, e);
  for (const Association& a : s.associations) ExpectAssociatedBind(c, s, a, e);
  return e;
}

void Machine::ExpectUnassociatedBind(const call::Bind& c, const SocketState& s,
                                     Expectation& e) const {
  if (c.port != 0) {
    ExpectPlainBind(c.port, s, e);
    return;
  }
  const PortPool& pool = this->pool(s.protocol);
  e.window = pool.dynamic_range(s.family);  // DYN-RANGE-FAMILY
  if (pool.HasFreePort(e.window)) {
    e.Allow(E::kNoError, Payload::kEphemeralPort, r::kBindEphemeral);
    // C3: if the other protocol's runtime blocks hold every free port,
    // Windows may keep out of them and find none.
    if (!FreeOutsideRuntimeBlocks(pool, this->pool(Other(s.protocol)), e.window)) {
      e.Allow(E::kWsaEnobufs, Payload::kNothing, r::kBindEphemeralOtherProtocol);
    }
    return;
  }
  if (!OtherFamilyPorts(pool, e.window, s.family, 1).empty()) {
    // U12: the only ports left lie in runtime blocks of the other family.
    e.Allow(E::kNoError, Payload::kEphemeralPort, r::kBindEphemeralOtherFamily);
    e.Allow(E::kWsaEnobufs, Payload::kNothing, r::kBindEphemeralOtherFamily);
    return;
  }
  e.Allow(E::kWsaEnobufs, Payload::kNothing, r::kBindEphemeralExhausted);
}

void Machine::ExpectAssociatedBind(const call::Bind& c, const SocketState& s, const Association& a,
                                   Expectation& e) const {
  const PortPool& pool = this->pool(s.protocol);
  // The blocks the association may still reach, and those it may have
  // named that are gone (deleted or released since): both stay possible.
  const Ranges ranges = LiveAssociationRanges(s, a);
  const Ranges gone = GoneAssociationRanges(s, a);
  if (ranges.empty() && gone.empty()) {
    // B-BIND-ASSOC-GONE: every block an unlearned token might have named has
    // learned another token since, so it named none of them.
    e.AllowErrors(kNoBlockErrors, r::kBindAssociatedGone);
    return;
  }
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
      e.candidates.insert(e.candidates.end(), reachable.begin(), reachable.end());
      e.Allow(E::kNoError, Payload::kPortFromBlocks,
              live_port ? r::kBindAssociatedAny : r::kBindAssociatedGone);
    }
    return;
  }
  const bool in_gone = std::any_of(gone.begin(), gone.end(),
                                   [&](const PortRange& range) { return range.contains(c.port); });
  const bool in_live = std::any_of(ranges.begin(), ranges.end(),
                                   [&](const PortRange& range) { return range.contains(c.port); });
  if (!gone.empty() && !in_live) {
    // The block is gone: fail, or take the port if nothing holds it now.
    e.AllowErrors(kNoBlockErrors, r::kBindAssociatedGone);
    bool shut_out = false;
    for (const auto& [range, held] : pool.BlocksAt(c.port)) shut_out |= shuts_out_stale(*held);
    if (in_gone && !pool.BindingAt(c.port) && !shut_out) {
      e.port = c.port;
      e.Allow(E::kNoError, Payload::kExactPort, r::kBindAssociatedGone);
    }
    return;
  }
  if (!in_live) {
    e.AllowErrors({E::kWsaEinval, E::kWsaEaddrnotavail}, r::kBindAssociatedOutside);
    ExpectPlainBind(c.port, s, e);
    return;
  }
  if (const Binding* binding = pool.BindingAt(c.port)) {
    if (binding->of(s.family)) {
      e.Allow(E::kWsaEaddrinuse, Payload::kNothing, r::kBindInUse);
      return;
    }
    e.Allow(E::kWsaEaddrinuse, Payload::kNothing, r::kBindOtherFamily);
  }
  e.port = c.port;
  e.Allow(E::kNoError, Payload::kExactPort, r::kBindAssociatedSpecific);
}

Expectation Machine::ExpectGetSockName(const SocketState& s) const {
  Expectation e;
  e.protocol = s.protocol;
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

void Machine::PinAssociations(Token token, Protocol protocol, PortRange block) {
  // Once a token's block is learned, every association made with it while
  // it was unknown reaches exactly that block, as if learned first.
  for (auto& [id, socket] : sockets_) {
    if (socket.protocol != protocol) continue;
    for (Association& a : socket.associations) {
      if (a.token == token && !a.candidates.empty()) {
        a.candidates.clear();
        a.block = block;
      }
    }
  }
}

bool Machine::ClaimsAllow(Token token, Protocol protocol, PortRange block) const {
  for (const auto& [id, socket] : sockets_) {
    if (socket.protocol != protocol) continue;
    for (const Association& a : socket.associations) {
      if (a.token != token || a.candidates.empty()) continue;
      const Ranges live = LiveAssociationRanges(socket, a);
      if (!live.empty() && std::find(live.begin(), live.end(), block) == live.end()) return false;
    }
  }
  return true;
}

bool Machine::ClaimedByAssociation(Token token, Protocol protocol) const {
  // A token that surely associated as an unlearned persistent one belongs to
  // a live block, though the model does not know which. An association that
  // may have had no effect claims nothing: its token may be garbage.
  for (const auto& [id, socket] : sockets_) {
    if (socket.protocol != protocol || socket.maybe_unassociated) continue;
    for (const Association& a : socket.associations) {
      if (a.token == token && !a.candidates.empty() && !LiveAssociationRanges(socket, a).empty()) {
        return true;
      }
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
  // Binding through an unlearned association teaches the token, when the
  // port can only have come through it: the socket has that one
  // association, and a plain bind could not have given the port (a bind(0)
  // never lands in a persistent block).
  if (s.associations.size() != 1 || s.associations[0].candidates.empty()) return;
  if (s.maybe_unassociated && c.port != 0) return;
  const Association& a = s.associations[0];
  PortPool& pool = mutable_pool(s.protocol);
  for (const PortRange& candidate : a.candidates) {
    Block* block = pool.FindExact(candidate);
    if (block != nullptr && candidate.contains(port) && !block->token_known &&
        !tokens(s.protocol).Contains(a.token, pools_)) {
      block->token_known = true;
      block->token = a.token;
      --unknown_tokens_;
      const Token token = a.token;
      RegisterToken(token, s.protocol, candidate.start);
      PinAssociations(token, s.protocol, candidate);
      break;
    }
  }
}

void Machine::ApplyCall(const call::GetSockName&, const Outcome&) {
  // Nothing changes.
}

}  // namespace portpool
