#include "testing/model_invariants.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace portpool::fuzz::testing {
namespace {

std::string Where(Protocol p, uint32_t port) { return absl::StrCat(ProtocolName(p), ":", port); }

std::string CheckPool(const Machine& m, Protocol p,
                      absl::flat_hash_map<Token, std::string>& tokens) {
  const PortPool& pool = m.pool(p);
  if (!pool.dynamic_range().fits()) {
    return absl::StrCat(ProtocolName(p), " dynamic range ", FormatRange(pool.dynamic_range()),
                        " does not fit");
  }
  uint32_t previous_last = 0;
  bool first = true;
  for (const auto& [start, block] : pool.blocks()) {
    const PortRange range{start, block.count};
    if (!range.fits() || start == 0) {
      return absl::StrCat("block ", Where(p, start), "+", block.count, " is empty or out of range");
    }
    if (!first && start <= previous_last) {
      return absl::StrCat("blocks overlap at ", Where(p, start));
    }
    first = false;
    previous_last = range.last();
    if (block.token_known) {
      if (block.token == kInvalidToken)
        return absl::StrCat("block ", Where(p, start), " has token 0");
      auto [it, inserted] = tokens.try_emplace(block.token, Where(p, start));
      if (!inserted) {
        return absl::StrFormat("token 0x%x is held by %s and %s", block.token, it->second,
                               Where(p, start));
      }
      const auto owner = m.FindToken(block.token);
      if (!owner || owner->protocol != p || owner->start != start) {
        return absl::StrFormat("the token index does not find token 0x%x at %s", block.token,
                               Where(p, start));
      }
    }
    if (block.kind == BlockKind::kRuntime) {
      const SocketState* s = m.socket(block.socket);
      if (!m.IsLive(block.owner) || s == nullptr || s->owner != block.owner || s->protocol != p ||
          std::find(s->acquired.begin(), s->acquired.end(), start) == s->acquired.end()) {
        return absl::StrCat("runtime block ", Where(p, start), " of p", block.owner.value, " s",
                            block.socket.value, " has no such live owner socket listing it");
      }
    }
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
  absl::flat_hash_map<Token, std::string> tokens;
  for (Protocol p : kAllProtocols) {
    if (std::string broken = CheckPool(m, p, tokens); !broken.empty()) return broken;
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
      const auto& blocks = m.pool(s.protocol).blocks();
      auto it = blocks.find(start);
      if (it == blocks.end() || it->second.kind != BlockKind::kRuntime || it->second.socket != id) {
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
    for (const auto& [start, block] : pool.blocks()) {
      for (uint32_t port = start; port <= PortRange{start, block.count}.last(); ++port) {
        held[port] = true;
      }
    }
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

}  // namespace portpool::fuzz::testing
