// One protocol's port pool: its reservation blocks, its bound ports and its
// dynamic port range.
//
// This is bookkeeping only; the rules that decide answers live in the rule
// files (persistent_rules.cc, runtime_rules.cc, ...). Blocks are disjoint,
// with one exception: where the family scope of runtime reservations is
// unknown (U12), a runtime block may overlap runtime blocks acquired on the
// other address family. Such a block lives in a second map, the overlay, so
// that each map stays disjoint (the overlay holds only IPv6 runtime blocks
// that overlap IPv4 ones, see AddBlock). Block queries
// cost the same at any number of blocks (port_map.h); binding queries are
// O(log n). Besides the blocks and the bindings, a pool keeps a bitmap of its
// occupied ports (in a block or bound), so that finding free ports costs
// O(65536 / 64) word operations at most, whatever the number of blocks.
#ifndef PORTPOOL_PORT_POOL_H_
#define PORTPOOL_PORT_POOL_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "portpool/ids.h"
#include "portpool/port_map.h"
#include "portpool/port_range.h"
#include "portpool/protocol.h"
#include "portpool/random.h"

namespace portpool {

enum class BlockKind : uint8_t { kPersistent, kRuntime };

struct Block {
  // Fields ordered for size (24 bytes): the pool keeps one per reservation.
  Token token = kInvalidToken;
  // Runtime blocks only: who acquired it, on which socket and family.
  ProcessId owner;
  SocketId socket;
  uint16_t count = 0;
  BlockKind kind = BlockKind::kPersistent;
  // False after a reboot until the model learns the new token (observer
  // mode); the simulator always knows its tokens.
  bool token_known = false;
  Family family = Family::kIpv4;
  // Persistent blocks only: a `store=active` exclusion, gone at the next
  // boot (ENV-ACTIVE-EXCLUSION).
  bool active_only = false;
  // Made by no process of the run: seeded from a listing, or an ENV-* event.
  bool environment = false;
};

// The sockets bound to one port, one per family at most.
struct Binding {
  std::optional<SocketId> ipv4;
  std::optional<SocketId> ipv6;
  std::optional<SocketId>& of(Family f) { return f == Family::kIpv4 ? ipv4 : ipv6; }
  const std::optional<SocketId>& of(Family f) const { return f == Family::kIpv4 ? ipv4 : ipv6; }
  bool empty() const { return !ipv4 && !ipv6; }
};

inline constexpr PortRange kDefaultDynamicRange{49152, 16384};

class PortPool {
 public:
  using Blocks = PortMap<Block>;
  using Bindings = absl::btree_map<uint16_t, Binding>;

  // The blocks that overlap no other block (all but the overlay's).
  const Blocks& blocks() const { return blocks_; }
  // IPv6 runtime blocks that overlap IPv4 runtime blocks (U12); mostly empty.
  const Blocks& overlay() const { return overlay_; }
  // Calls f(PortRange, const Block&) for every block of both maps, in port
  // order (a block of blocks() before an overlay block with the same start).
  template <typename F>
  void ForEachBlock(F&& f) const;
  size_t block_count() const { return blocks_.size() + overlay_.size(); }
  const Bindings& bindings() const { return bindings_; }
  // The dynamic port range of each address family (netsh int ipv4|ipv6 show
  // dynamicport): DYN-RANGE-FAMILY. Without a family, IPv4's.
  const PortRange& dynamic_range(Family family = Family::kIpv4) const {
    return dynamic_[static_cast<size_t>(family)];
  }
  void set_dynamic_range(Family family, PortRange range) {
    dynamic_[static_cast<size_t>(family)] = range;
  }

  // The block starting exactly at range.start with exactly range.count ports
  // (one of blocks(), else one of the overlay).
  const Block* FindExact(PortRange range) const;
  Block* FindExact(PortRange range);
  // The block starting at `start` that holds the known token `token`, in
  // either map, or nullptr.
  const Block* FindHolding(uint16_t start, Token token) const;
  // The runtime block starting at `start` acquired on `socket`, or nullptr.
  const Block* FindAcquired(uint16_t start, SocketId socket) const;
  // The block of blocks() holding `port`, with its range, or nullopt.
  std::optional<std::pair<PortRange, const Block*>> BlockAt(uint32_t port) const;
  // Every block holding `port`: at most two (one of them from the overlay).
  absl::InlinedVector<std::pair<PortRange, const Block*>, 2> BlocksAt(uint32_t port) const;
  // Every block overlapping `range`, in port order.
  std::vector<std::pair<PortRange, const Block*>> Overlapping(PortRange range) const;
  // Calls f(PortRange, const Block&) for every block (of both maps)
  // overlapping `range`, in port order, without building a vector while the
  // overlay is empty.
  template <typename F>
  void ForEachOverlapping(PortRange range, F&& f) const;
  bool OverlapsAnyBlock(PortRange range) const;
  // True if some port of `range` is bound (by either family).
  bool AnyBindingIn(PortRange range) const;
  const Binding* BindingAt(uint16_t port) const;
  // No block and no binding holds `port` (O(1)).
  bool IsFree(uint32_t port) const { return port <= kMaxPort && !IsOccupied(port); }
  // No block and no binding touches `range`.
  bool IsClear(PortRange range) const {
    return range.fits() ? AllFree(range) : !OverlapsAnyBlock(range) && !AnyBindingIn(range);
  }

  // Wildcard placement: is there a clear run of `count` ports inside
  // `window`, and pick one from `rng` (any clear run may be picked).
  bool HasClearRun(PortRange window, uint16_t count) const;
  std::optional<PortRange> PickClearRun(PortRange window, uint16_t count, SplitMix64& rng) const;
  // Ports of `window` held by no block and no binding.
  bool HasFreePort(PortRange window) const;
  std::optional<uint16_t> PickFreePort(PortRange window, SplitMix64& rng) const;
  // Ports of `ranges` that no binding holds (blocks do not matter: these
  // are the ports of associated blocks).
  bool HasUnboundPort(absl::Span<const PortRange> ranges) const;
  std::optional<uint16_t> PickUnboundPort(absl::Span<const PortRange> ranges,
                                          SplitMix64& rng) const;

  // Adds a block. A runtime block that overlaps only runtime blocks of the
  // other family is kept apart from them: an IPv6 one goes to the overlay,
  // an IPv4 one moves the IPv6 blocks it overlaps there first. Any other
  // overlap (only some mutants make one) replaces or shadows as a plain map
  // would.
  void AddBlock(PortRange range, const Block& block);
  // Removes the block of blocks() starting at `start`.
  void RemoveBlock(uint16_t start);
  // Removes `block`, which starts at `start` and lives in either map.
  void RemoveBlock(uint16_t start, const Block& block);
  void Bind(uint16_t port, Family family, SocketId socket);
  void Unbind(uint16_t port, Family family);
  void ClearBindings();
  // Drops runtime blocks and store=active exclusions; used by reboot.
  void RemoveRuntimeBlocks();
  // For changing blocks' tokens in place: adding or removing blocks through
  // it would leave the occupied-port bitmap behind (use AddBlock and
  // RemoveBlock).
  Blocks& mutable_blocks() { return blocks_; }
  Blocks& mutable_overlay() { return overlay_; }

 private:
  static constexpr uint32_t kWords = (kMaxPort + 1) / 64;
  // Occupied ports are also counted per chunk of 8 words (512 ports), so
  // that counting and selecting free ports skips whole chunks.
  static constexpr uint32_t kChunkWords = 8;
  static constexpr uint32_t kChunks = kWords / kChunkWords;

  // Calls f(PortRange run) for every maximal run of free ports (in no block,
  // not bound) inside `window`, in port order, until f returns true. Returns
  // whether f did. `window` must fit.
  template <typename F>
  bool ForEachFreeRun(PortRange window, F&& f) const;
  // Free ports inside `window` (which must fit), and the n-th of them
  // (0-based, in port order; n < FreePortCount(window)).
  uint32_t FreePortCount(PortRange window) const;
  uint16_t NthFreePort(PortRange window, uint64_t n) const;
  bool IsOccupied(uint32_t port) const { return (occupied_[port >> 6] >> (port & 63)) & 1; }
  // Whether every port of `range` (which must fit) is free.
  bool AllFree(PortRange range) const;
  void SetOccupied(PortRange range);
  // Marks the ports of `range` free, except the bound ones.
  void ClearOccupied(PortRange range);
  void RebuildOccupied();
  // Every change of the bitmap goes through these (they keep the counts).
  void SetWord(uint32_t word, uint64_t bits);
  void SetPort(uint16_t port);
  // Whether the chunk starting at `word` lies wholly inside `window`.
  static bool ChunkInside(uint32_t word, PortRange window);

  Blocks blocks_;
  Blocks overlay_;
  Bindings bindings_;
  std::array<PortRange, 2> dynamic_{kDefaultDynamicRange, kDefaultDynamicRange};
  // Bit p of word p / 64: port p is in a block or bound.
  std::array<uint64_t, kWords> occupied_{};
  std::array<uint16_t, kChunks> chunk_occupied_{};
  // Whether some block was added over occupied ports (blocks may overlap
  // under some mutants): removing a block must then re-mark the others.
  bool may_overlap_ = false;
};

template <typename F>
void PortPool::ForEachOverlapping(PortRange range, F&& f) const {
  if (range.count == 0) return;
  // Each map is disjoint, so only its block before range.start can reach in.
  auto each_in = [&](const Blocks& blocks, auto&& g) {
    auto it = blocks.upper_bound(range.start);
    if (it != blocks.begin()) --it;
    for (; it != blocks.end() && it->first <= range.last(); ++it) {
      const PortRange block{it->first, it->second.count};
      if (block.overlaps(range)) g(block, it->second);
    }
  };
  if (overlay_.empty()) {
    each_in(blocks_, f);
    return;
  }
  absl::InlinedVector<std::pair<PortRange, const Block*>, 8> found;
  auto collect = [&](PortRange block, const Block& b) { found.emplace_back(block, &b); };
  each_in(blocks_, collect);
  each_in(overlay_, collect);
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first.start < b.first.start; });
  for (const auto& [block, b] : found) f(block, *b);
}

template <typename F>
void PortPool::ForEachBlock(F&& f) const {
  // Merges the two maps in port order.
  auto a = blocks_.begin();
  auto b = overlay_.begin();
  while (a != blocks_.end() || b != overlay_.end()) {
    if (b == overlay_.end() || (a != blocks_.end() && a->first <= b->first)) {
      f(PortRange{a->first, a->second.count}, a->second);
      ++a;
    } else {
      f(PortRange{b->first, b->second.count}, b->second);
      ++b;
    }
  }
}
// Where each known token lives: the protocol and start of its block (in
// either of the pool's maps: a token tells the two apart). The Machine keeps
// one index per protocol, since tokens are unique within a protocol only
// (TOKEN-UNIQUE). A map
// from Token, compact: it keeps a 32-bit fingerprint of each token (8 bytes
// a slot, where a map keyed by the token takes 16) and confirms a hit against
// the token the block itself holds. Tokens whose fingerprint another token
// already has, and entries whose block was removed or replaced without
// Erase (only some mutants do that), are kept in full beside it, so that it
// answers exactly as a map from Token would.
//
// Every method takes both pools (index 0 TCP, 1 UDP), which it reads only.
class TokenIndex {
 public:
  struct Owner {
    Protocol protocol;
    uint16_t start;
  };
  using Pools = std::array<PortPool, 2>;

  std::optional<Owner> Find(Token token, const Pools& pools) const;
  bool Contains(Token token, const Pools& pools) const { return Find(token, pools).has_value(); }
  // Maps `token` to `owner`, whose block holds it already (token_known).
  void Insert(Token token, Owner owner, const Pools& pools);
  // Maps `token` to `owner` unless it is mapped already (then returns
  // false): Contains and Insert in one probe, for issuing fresh tokens. The
  // block at `owner` must hold no known token, and is given this one next.
  bool TryInsert(Token token, Owner owner, const Pools& pools);
  // Unmaps `token`, which the caller found at `where` (a hint that saves
  // confirming it against the block; any other entry is confirmed).
  void Erase(Token token, Owner where, const Pools& pools);
  // The block at `owner` is about to be removed or replaced: an entry that
  // points there keeps pointing there, as the map would.
  void KeepStale(Owner owner, const Pools& pools);
  // The same, given that block.
  void KeepStale(Owner owner, const Block& block);
  void Clear();
  // Room for `tokens` tokens (a table that has it already is kept as is).
  void Reserve(size_t tokens) {
    if (fingerprints_.capacity() / 8 * 7 < tokens) fingerprints_.reserve(tokens);
  }

 private:
  static uint32_t Fingerprint(Token token);
  static uint32_t Location(Owner owner) {
    return static_cast<uint32_t>(owner.protocol) << 16 | owner.start;
  }
  static Owner OwnerAt(uint32_t location) {
    return Owner{static_cast<Protocol>(location >> 16), static_cast<uint16_t>(location)};
  }
  // Whether a block at `location` holds `token`.
  static bool Holds(uint32_t location, Token token, const Pools& pools);
  // Whether a block at `location` holds a token other than `token` with
  // this fingerprint.
  static bool HoldsOther(uint32_t location, uint32_t fingerprint, Token token, const Pools& pools);

  absl::flat_hash_map<uint32_t, uint32_t> fingerprints_;  // fingerprint -> location
  absl::flat_hash_map<Token, Owner> full_;                // the rest, by whole token
};

}  // namespace portpool

#endif  // PORTPOOL_PORT_POOL_H_
