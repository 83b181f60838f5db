#include "testing/model_invariants.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace portpool::testing {
namespace {

std::string Where(Protocol p, uint32_t port) { return absl::StrCat(ProtocolName(p), ":", port); }

std::string CheckBlock(const Machine& m, Protocol p, PortRange range, const Block& block,
                       absl::flat_hash_map<Token, std::string>& tokens) {
  const uint16_t start = range.start;
  if (!range.fits() || start == 0) {
    return absl::StrCat("block ", Where(p, start), "+", block.count, " is empty or out of range");
  }
  if (block.token_known) {
    if (block.token == kInvalidToken)
      return absl::StrCat("block ", Where(p, start), " has token 0");
    auto [it, inserted] = tokens.try_emplace(block.token, Where(p, start));
    if (!inserted) {
      return absl::StrFormat("token 0x%x is held by %s and %s", block.token, it->second,
                             Where(p, start));
    }
    const auto owner = m.FindToken(block.token, p);
    if (!owner || owner->protocol != p || owner->start != start) {
      return absl::StrFormat("the token index does not find token 0x%x at %s", block.token,
                             Where(p, start));
    }
  }
  if (block.kind == BlockKind::kRuntime && !block.environment) {
    const SocketState* s = m.socket(block.socket);
    if (!m.IsLive(block.owner) || s == nullptr || s->owner != block.owner || s->protocol != p ||
        std::find(s->acquired.begin(), s->acquired.end(), start) == s->acquired.end()) {
      return absl::StrCat("runtime block ", Where(p, start), " of p", block.owner.value, " s",
                          block.socket.value, " has no such live owner socket listing it");
    }
  }
  return "";
}

std::string CheckPool(const Machine& m, Protocol p) {
  const PortPool& pool = m.pool(p);
  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    if (!pool.dynamic_range(f).fits()) {
      return absl::StrCat(FamilyName(f), " ", ProtocolName(p), " dynamic range ",
                          FormatRange(pool.dynamic_range(f)), " does not fit");
    }
  }
  // Tokens are unique within a protocol (TOKEN-UNIQUE).
  absl::flat_hash_map<Token, std::string> tokens;
  // Each map is disjoint; an overlay block is an IPv6 runtime block that
  // overlaps only IPv4 runtime blocks (R-ACQUIRE-OTHER-FAMILY).
  for (const PortPool::Blocks* blocks : {&pool.blocks(), &pool.overlay()}) {
    uint32_t previous_last = 0;
    bool first = true;
    for (const auto& [start, block] : *blocks) {
      const PortRange range{start, block.count};
      if (!first && start <= previous_last) {
        return absl::StrCat("blocks overlap at ", Where(p, start));
      }
      first = false;
      previous_last = range.last();
      if (std::string broken = CheckBlock(m, p, range, block, tokens); !broken.empty()) {
        return broken;
      }
    }
  }
  for (const auto& entry : pool.overlay()) {
    // Named apart: clang 14 cannot capture structured bindings.
    const auto start = entry.first;
    const Block& block = entry.second;
    if (block.kind != BlockKind::kRuntime || block.family != Family::kIpv6) {
      return absl::StrCat("overlay block ", Where(p, start), " is not an IPv6 runtime block");
    }
    std::string broken;
    pool.ForEachOverlapping(PortRange{start, block.count}, [&](PortRange other, const Block& b) {
      if (&b != &block && (b.kind != BlockKind::kRuntime || b.family != Family::kIpv4)) {
        broken = absl::StrCat("overlay block ", Where(p, start), " overlaps ", FormatRange(other),
                              ", not an IPv4 runtime block");
      }
    });
    if (!broken.empty()) return broken;
  }
  for (const auto& [port, binding] : pool.bindings()) {
    if (binding.empty()) return absl::StrCat("empty binding at ", Where(p, port));
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      if (!binding.of(f)) continue;
      const SocketState* s = m.socket(*binding.of(f));
      if (s == nullptr || s->protocol != p || s->family != f || s->bound_port != port) {
        return absl::StrCat("binding ", Where(p, port), "/", FamilyName(f), " names s",
                            binding.of(f)->value, ", which is not bound there");
      }
    }
  }
  return "";
}

}  // namespace

std::string CheckInvariants(const Machine& m) {
  for (Protocol p : kAllProtocols) {
    if (std::string broken = CheckPool(m, p); !broken.empty()) return broken;
  }
  for (const auto& [id, s] : m.sockets()) {
    const ProcessState* owner = m.process(s.owner);
    if (owner == nullptr ||
        std::find(owner->sockets.begin(), owner->sockets.end(), id) == owner->sockets.end()) {
      return absl::StrCat("socket s", id.value, " belongs to p", s.owner.value,
                          ", which is not live or does not list it");
    }
    if (s.bound_port) {
      const Binding* b = m.pool(s.protocol).BindingAt(*s.bound_port);
      if (b == nullptr || b->of(s.family) != id) {
        return absl::StrCat("socket s", id.value, " is bound to ", *s.bound_port,
                            " but the pool does not say so");
      }
    }
    for (uint16_t start : s.acquired) {
      if (m.pool(s.protocol).FindAcquired(start, id) == nullptr) {
        return absl::StrCat("socket s", id.value, " lists block ", start,
                            " as acquired, but holds no such block");
      }
    }
  }
  for (const auto& [id, p] : m.processes()) {
    for (SocketId s : p.sockets) {
      const SocketState* state = m.socket(s);
      if (state == nullptr || state->owner != id) {
        return absl::StrCat("p", id.value, " lists s", s.value, ", which is not its open socket");
      }
    }
  }
  return "";
}

std::string CheckInvariantsFully(const Machine& m) {
  if (std::string broken = CheckInvariants(m); !broken.empty()) return broken;
  for (Protocol p : kAllProtocols) {
    // What the bitmap should say, from the blocks and bindings (which
    // CheckInvariants found disjoint and in range), then one O(1) IsFree
    // per port.
    const PortPool& pool = m.pool(p);
    std::vector<bool> held(kMaxPort + 1, false);
    pool.ForEachBlock([&](PortRange range, const Block&) {
      for (uint32_t port = range.start; port <= range.last(); ++port) held[port] = true;
    });
    for (const auto& [port, binding] : pool.bindings()) held[port] = true;
    for (uint32_t port = 0; port <= kMaxPort; ++port) {
      if (pool.IsFree(port) == held[port]) {
        return absl::StrCat("the free-port bitmap says ", Where(p, port),
                            held[port] ? " is free, but a block or binding holds it"
                                       : " is held, but nothing holds it");
      }
    }
  }
  return "";
}

}  // namespace portpool::testing
