#include "portpool/canonical_state.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/types/span.h"

namespace portpool {
namespace {

// Stands for a token no live block holds while the order of processes and
// sockets is not settled yet; replaced by its number afterwards.
constexpr uint32_t kUnsettledToken = 0xffffffffu;

class Encoder {
 public:
  Encoder(const Machine& m, CanonicalOptions options) : m_(m), options_(options) {}

  CanonicalState Run() {
    NameHeldTokens();
    OrderProcesses();
    CanonicalState form;
    std::vector<uint32_t>& w = form.words;
    w.push_back(m_.boot() > 0 ? 1 : 0);  // decides rule names (TOKEN-REBOOT), not answers
    for (Protocol p : kAllProtocols) EncodePool(p, w);
    w.push_back(static_cast<uint32_t>(order_.size()));
    for (const ProcessEntry& entry : order_) {
      w.push_back(entry.elevated ? 1 : 0);
      w.push_back(static_cast<uint32_t>(entry.sockets.size()));
      for (SocketId s : entry.sockets) EncodeSocket(*m_.socket(s), /*settled=*/true, w);
      form.processes.push_back(entry.id);
      for (SocketId s : entry.sockets) form.sockets.push_back(s);
    }
    return form;
  }

 private:
  struct ProcessEntry {
    ProcessId id;
    bool elevated = false;
    std::vector<SocketId> sockets;  // canonical order
    std::vector<uint32_t> key;      // elevation and socket descriptors
  };

  // Tokens held by blocks are named by where they are (protocol, map,
  // start): that order does not depend on any renaming. A value held in both
  // pools (U11 allows it) keeps one name, so the equality pattern survives.
  void NameHeldTokens() {
    for (Protocol p : kAllProtocols) {
      for (const PortPool::Blocks* blocks : {&m_.pool(p).blocks(), &m_.pool(p).overlay()}) {
        for (const auto& [start, b] : *blocks) {
          if (!b.token_known) continue;
          token_names_.try_emplace(b.token, NextName());
          held_[static_cast<size_t>(p)].insert(b.token);
        }
      }
    }
  }
  uint32_t NextName() { return static_cast<uint32_t>(token_names_.size() + 1); }

  uint32_t TokenWord(Token t, bool settled) {
    if (t == kInvalidToken) return 0;
    auto it = token_names_.find(t);
    if (it != token_names_.end()) return it->second;
    if (!settled) return kUnsettledToken;
    return token_names_.try_emplace(t, NextName()).first->second;
  }

  void EncodeSocket(const SocketState& s, bool settled, std::vector<uint32_t>& w) {
    w.push_back(static_cast<uint32_t>(s.protocol) << 1 | static_cast<uint32_t>(s.family));
    w.push_back(s.bound_port ? uint32_t{*s.bound_port} + 1 : 0);
    w.push_back(s.maybe_unassociated ? 1 : 0);
    std::vector<uint32_t> dead;  // blocks of dead associations
    std::vector<const Association*> kept;
    for (const Association& a : s.associations) {
      if (options_.dead_tokens_anonymous && a.candidates.empty() &&
          !held_[static_cast<size_t>(s.protocol)].contains(a.token)) {
        dead.push_back(Range(a.block));
      } else {
        kept.push_back(&a);
      }
    }
    std::sort(dead.begin(), dead.end());
    dead.erase(std::unique(dead.begin(), dead.end()), dead.end());
    w.push_back(static_cast<uint32_t>(kept.size()));
    for (const Association* a : kept) {
      w.push_back(TokenWord(a->token, settled));
      w.push_back(Range(a->block));
      w.push_back(static_cast<uint32_t>(a->candidates.size()));
      for (const PortRange& c : a->candidates) w.push_back(Range(c));
    }
    w.push_back(static_cast<uint32_t>(dead.size()));
    w.insert(w.end(), dead.begin(), dead.end());
    std::vector<uint16_t> acquired = s.acquired;
    std::sort(acquired.begin(), acquired.end());
    w.push_back(static_cast<uint32_t>(acquired.size()));
    for (uint16_t start : acquired) w.push_back(start);
  }

  void OrderProcesses() {
    for (const auto& [id, p] : m_.processes()) {
      ProcessEntry entry{id, p.elevated, p.sockets, {}};
      std::vector<std::pair<std::vector<uint32_t>, SocketId>> keyed;
      for (SocketId s : p.sockets) {
        std::vector<uint32_t> key;
        EncodeSocket(*m_.socket(s), /*settled=*/false, key);
        keyed.emplace_back(std::move(key), s);
      }
      // Ties are sockets no held state tells apart; either order is sound.
      std::sort(keyed.begin(), keyed.end());
      entry.key.push_back(p.elevated ? 1 : 0);
      entry.sockets.clear();
      for (auto& [key, s] : keyed) {
        entry.key.insert(entry.key.end(), key.begin(), key.end());
        entry.sockets.push_back(s);
      }
      order_.push_back(std::move(entry));
    }
    std::sort(order_.begin(), order_.end(), [](const ProcessEntry& a, const ProcessEntry& b) {
      return std::tie(a.key, a.id) < std::tie(b.key, b.id);
    });
    for (uint32_t i = 0; i < order_.size(); ++i) {
      process_index_[order_[i].id] = i + 1;
      for (SocketId s : order_[i].sockets) {
        socket_index_[s] = static_cast<uint32_t>(socket_index_.size() + 1);
      }
    }
  }

  uint32_t ProcessWord(ProcessId id) const {
    auto it = process_index_.find(id);
    return it == process_index_.end() ? 0 : it->second;
  }
  uint32_t SocketWord(SocketId id) const {
    auto it = socket_index_.find(id);
    return it == socket_index_.end() ? 0 : it->second;
  }
  static uint32_t Range(PortRange r) { return uint32_t{r.start} << 16 | r.count; }

  void EncodePool(Protocol p, std::vector<uint32_t>& w) {
    const PortPool& pool = m_.pool(p);
    for (Family f : {Family::kIpv4, Family::kIpv6}) w.push_back(Range(pool.dynamic_range(f)));
    w.push_back(static_cast<uint32_t>(pool.block_count()));
    pool.ForEachBlock([&](PortRange range, const Block& b) {
      w.push_back(Range(range));
      w.push_back(static_cast<uint32_t>(b.kind) | static_cast<uint32_t>(b.family) << 1 |
                  (b.token_known ? 4u : 0u) | (b.active_only ? 8u : 0u) |
                  (b.environment ? 16u : 0u));
      w.push_back(b.token_known ? TokenWord(b.token, true) : 0);
      const bool owned = b.kind == BlockKind::kRuntime && !b.environment;
      w.push_back(owned ? ProcessWord(b.owner) : 0);
      w.push_back(owned ? SocketWord(b.socket) : 0);
    });
    w.push_back(static_cast<uint32_t>(pool.bindings().size()));
    for (const auto& [port, binding] : pool.bindings()) {
      w.push_back(port);
      w.push_back(binding.ipv4 ? SocketWord(*binding.ipv4) : 0);
      w.push_back(binding.ipv6 ? SocketWord(*binding.ipv6) : 0);
    }
  }

  const Machine& m_;
  const CanonicalOptions options_;
  absl::flat_hash_map<Token, uint32_t> token_names_;
  std::array<absl::flat_hash_set<Token>, 2> held_;  // by protocol
  std::vector<ProcessEntry> order_;
  absl::flat_hash_map<ProcessId, uint32_t> process_index_;
  absl::flat_hash_map<SocketId, uint32_t> socket_index_;
};

}  // namespace

StateFingerprint CanonicalState::fingerprint() const {
  const absl::Span<const uint32_t> span(words);
  // Two hashes of the same words with different salts make 128 bits.
  return StateFingerprint{static_cast<uint64_t>(absl::HashOf(uint64_t{0x9e3779b97f4a7c15u}, span)),
                          static_cast<uint64_t>(absl::HashOf(span, uint64_t{0xc2b2ae3d27d4eb4fu}))};
}

CanonicalState Canonicalize(const Machine& machine, CanonicalOptions options) {
  return Encoder(machine, options).Run();
}

}  // namespace portpool
