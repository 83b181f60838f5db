#include "portpool/port_pool.h"

#include <algorithm>
#include <bit>

namespace portpool {
namespace {

PortRange RangeOf(uint16_t start, const Block& block) { return PortRange{start, block.count}; }

// How many probes a pick tries at random before it enumerates the free
// space. Probing keeps picks O(log n) while the space is mostly free.
constexpr int kRandomProbes = 8;

// std::popcount compiles to a libgcc call unless the target has POPCNT
// (x86-64 before -march=x86-64-v2 does not): count bits inline.
constexpr uint32_t Popcount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<uint32_t>((x * 0x0101010101010101ULL) >> 56);
}

// The bits of a word from bit `from` (0..63) up.
constexpr uint64_t BitsFrom(uint32_t from) { return ~uint64_t{0} << from; }
// The bits of a word up to bit `to` (0..63) included.
constexpr uint64_t BitsUpTo(uint32_t to) { return ~uint64_t{0} >> (63 - to); }

}  // namespace

const Block* PortPool::FindExact(PortRange range) const {
  auto it = blocks_.find(range.start);
  return it != blocks_.end() && it->second.count == range.count ? &it->second : nullptr;
}

Block* PortPool::FindExact(PortRange range) {
  auto it = blocks_.find(range.start);
  return it != blocks_.end() && it->second.count == range.count ? &it->second : nullptr;
}

std::optional<std::pair<PortRange, const Block*>> PortPool::BlockAt(uint32_t port) const {
  if (port > kMaxPort) return std::nullopt;
  auto it = blocks_.upper_bound(static_cast<uint16_t>(port));
  if (it == blocks_.begin()) return std::nullopt;
  --it;
  const PortRange range = RangeOf(it->first, it->second);
  if (!range.contains(port)) return std::nullopt;
  return std::make_pair(range, &it->second);
}

std::vector<std::pair<PortRange, const Block*>> PortPool::Overlapping(PortRange range) const {
  std::vector<std::pair<PortRange, const Block*>> result;
  ForEachOverlapping(range,
                     [&](PortRange block, const Block& b) { result.emplace_back(block, &b); });
  return result;
}

bool PortPool::OverlapsAnyBlock(PortRange range) const {
  if (range.count == 0) return false;
  auto it = blocks_.upper_bound(static_cast<uint16_t>(std::min<uint32_t>(range.last(), kMaxPort)));
  if (it == blocks_.begin()) return false;
  --it;  // the last block starting at or before range.last()
  return RangeOf(it->first, it->second).last() >= range.start;
}

bool PortPool::AnyBindingIn(PortRange range) const {
  if (range.count == 0) return false;
  auto it = bindings_.lower_bound(range.start);
  return it != bindings_.end() && it->first <= range.last();
}

const Binding* PortPool::BindingAt(uint16_t port) const {
  auto it = bindings_.find(port);
  return it == bindings_.end() ? nullptr : &it->second;
}

// --- The occupied-port bitmap ------------------------------------------------

bool PortPool::AllFree(PortRange range) const {
  const uint32_t first = range.start, last = range.last();
  for (uint32_t word = first >> 6; word <= last >> 6; ++word) {
    uint64_t mask = ~uint64_t{0};
    if (word == first >> 6) mask &= BitsFrom(first & 63);
    if (word == last >> 6) mask &= BitsUpTo(last & 63);
    if (occupied_[word] & mask) return false;
  }
  return true;
}

void PortPool::SetOccupied(PortRange range) {
  if (range.count == 0 || range.start > kMaxPort) return;
  const uint32_t first = range.start, last = std::min<uint32_t>(range.last(), kMaxPort);
  for (uint32_t word = first >> 6; word <= last >> 6; ++word) {
    uint64_t mask = ~uint64_t{0};
    if (word == first >> 6) mask &= BitsFrom(first & 63);
    if (word == last >> 6) mask &= BitsUpTo(last & 63);
    SetWord(word, occupied_[word] | mask);
  }
}

void PortPool::ClearOccupied(PortRange range) {
  if (range.count == 0) return;
  const uint32_t first = range.start, last = std::min<uint32_t>(range.last(), kMaxPort);
  for (uint32_t word = first >> 6; word <= last >> 6; ++word) {
    uint64_t mask = ~uint64_t{0};
    if (word == first >> 6) mask &= BitsFrom(first & 63);
    if (word == last >> 6) mask &= BitsUpTo(last & 63);
    SetWord(word, occupied_[word] & ~mask);
  }
  // Bound ports stay occupied, and so do the ports of any other block that
  // overlaps (blocks are disjoint, except under some mutants).
  for (auto it = bindings_.lower_bound(range.start); it != bindings_.end() && it->first <= last;
       ++it) {
    SetPort(it->first);
  }
  if (may_overlap_) {
    ForEachOverlapping(range, [&](PortRange block, const Block&) { SetOccupied(block); });
  }
}

void PortPool::RebuildOccupied() {
  occupied_.fill(0);
  chunk_occupied_.fill(0);
  for (const auto& [start, block] : blocks_) SetOccupied(RangeOf(start, block));
  for (const auto& [port, binding] : bindings_) SetPort(port);
}

void PortPool::SetWord(uint32_t word, uint64_t bits) {
  const uint64_t old = occupied_[word];
  const uint64_t added = bits & ~old, removed = old & ~bits;
  uint16_t& count = chunk_occupied_[word / kChunkWords];
  // Mostly one port changes: no need to count bits then.
  if ((added & (added - 1)) == 0 && (removed & (removed - 1)) == 0) {
    count = static_cast<uint16_t>(count + (added != 0) - (removed != 0));
  } else {
    count = static_cast<uint16_t>(count + Popcount(added) - Popcount(removed));
  }
  occupied_[word] = bits;
}

void PortPool::SetPort(uint16_t port) {
  SetWord(port >> 6, occupied_[port >> 6] | uint64_t{1} << (port & 63));
}

template <typename F>
bool PortPool::ForEachFreeRun(PortRange window, F&& f) const {
  const uint32_t last = window.last();
  const uint32_t last_word = last >> 6;
  uint32_t port = window.start;
  while (port <= last) {
    // The first free port at or after `port`.
    uint32_t word = port >> 6;
    uint64_t bits = ~occupied_[word] & BitsFrom(port & 63);
    while (bits == 0 && word < last_word) bits = ~occupied_[++word];
    if (bits == 0) return false;
    const uint32_t start = (word << 6) + static_cast<uint32_t>(std::countr_zero(bits));
    if (start > last) return false;
    // The first occupied port after it, or last + 1.
    bits = occupied_[word] & BitsFrom(start & 63);
    while (bits == 0 && word < last_word) bits = occupied_[++word];
    const uint32_t end =
        bits == 0 ? last + 1
                  : std::min(last + 1, (word << 6) + static_cast<uint32_t>(std::countr_zero(bits)));
    if (f(PortRange{static_cast<uint16_t>(start), static_cast<uint16_t>(end - start)})) {
      return true;
    }
    port = end;
  }
  return false;
}

bool PortPool::ChunkInside(uint32_t word, PortRange window) {
  return word % kChunkWords == 0 && word * 64 >= window.start &&
         (word + kChunkWords) * 64 - 1 <= window.last();
}

uint32_t PortPool::FreePortCount(PortRange window) const {
  const uint32_t first = window.start, last = window.last();
  uint32_t total = 0;
  for (uint32_t word = first >> 6; word <= last >> 6; ++word) {
    if (ChunkInside(word, window)) {  // a whole chunk: its count
      total += kChunkWords * 64 - chunk_occupied_[word / kChunkWords];
      word += kChunkWords - 1;
      continue;
    }
    uint64_t mask = ~uint64_t{0};
    if (word == first >> 6) mask &= BitsFrom(first & 63);
    if (word == last >> 6) mask &= BitsUpTo(last & 63);
    total += Popcount(~occupied_[word] & mask);
  }
  return total;
}

uint16_t PortPool::NthFreePort(PortRange window, uint64_t n) const {
  const uint32_t first = window.start, last = window.last();
  for (uint32_t word = first >> 6; word <= last >> 6; ++word) {
    if (ChunkInside(word, window)) {
      const uint32_t chunk_free = kChunkWords * 64 - chunk_occupied_[word / kChunkWords];
      if (n >= chunk_free) {  // not in this chunk: skip it
        n -= chunk_free;
        word += kChunkWords - 1;
        continue;
      }
    }
    uint64_t mask = ~uint64_t{0};
    if (word == first >> 6) mask &= BitsFrom(first & 63);
    if (word == last >> 6) mask &= BitsUpTo(last & 63);
    uint64_t free = ~occupied_[word] & mask;
    const uint64_t here = Popcount(free);
    if (n >= here) {
      n -= here;
      continue;
    }
    for (; n > 0; --n) free &= free - 1;  // drop the lowest n free ports
    return static_cast<uint16_t>((word << 6) + static_cast<uint32_t>(std::countr_zero(free)));
  }
  return 0;  // unreachable when n < FreePortCount(window)
}

// --- Picks -------------------------------------------------------------------

bool PortPool::HasClearRun(PortRange window, uint16_t count) const {
  if (count == 0 || !window.fits()) return false;
  return ForEachFreeRun(window, [&](PortRange run) { return run.count >= count; });
}

std::optional<PortRange> PortPool::PickClearRun(PortRange window, uint16_t count,
                                                SplitMix64& rng) const {
  if (count == 0 || !window.fits() || count > window.count) return std::nullopt;
  const uint32_t positions = uint32_t{window.count} - count + 1;
  for (int i = 0; i < kRandomProbes; ++i) {
    const PortRange candidate{static_cast<uint16_t>(window.start + rng.Below(positions)), count};
    if (AllFree(candidate)) return candidate;
  }
  // Pick one clear position uniformly, in port order across the free runs.
  if (count == 1) {
    const uint32_t total = FreePortCount(window);
    if (total == 0) return std::nullopt;
    return PortRange{NthFreePort(window, rng.Below(total)), 1};
  }
  uint64_t total = 0;
  ForEachFreeRun(window, [&](PortRange run) {
    if (run.count >= count) total += uint64_t{run.count} - count + 1;
    return false;
  });
  if (total == 0) return std::nullopt;
  uint64_t pick = rng.Below(total);
  std::optional<PortRange> picked;
  ForEachFreeRun(window, [&](PortRange run) {
    if (run.count < count) return false;
    const uint64_t here = uint64_t{run.count} - count + 1;
    if (pick < here) {
      picked = PortRange{static_cast<uint16_t>(run.start + pick), count};
      return true;
    }
    pick -= here;
    return false;
  });
  return picked;
}

bool PortPool::HasFreePort(PortRange window) const {
  return window.fits() && ForEachFreeRun(window, [](PortRange) { return true; });
}

std::optional<uint16_t> PortPool::PickFreePort(PortRange window, SplitMix64& rng) const {
  if (!window.fits()) return std::nullopt;
  for (int i = 0; i < kRandomProbes; ++i) {
    const uint16_t port = static_cast<uint16_t>(window.start + rng.Below(window.count));
    if (!IsOccupied(port)) return port;
  }
  const uint32_t total = FreePortCount(window);
  if (total == 0) return std::nullopt;
  return NthFreePort(window, rng.Below(total));
}

bool PortPool::HasUnboundPort(absl::Span<const PortRange> ranges) const {
  for (const PortRange& range : ranges) {
    if (!range.fits()) continue;
    // Bound ports are few compared with the block; count them.
    uint32_t bound = 0;
    for (auto it = bindings_.lower_bound(range.start);
         it != bindings_.end() && it->first <= range.last(); ++it) {
      ++bound;
    }
    if (bound < range.count) return true;
  }
  return false;
}

std::optional<uint16_t> PortPool::PickUnboundPort(absl::Span<const PortRange> ranges,
                                                  SplitMix64& rng) const {
  std::vector<uint16_t> free_ports;
  for (const PortRange& range : ranges) {
    if (!range.fits()) continue;
    for (uint32_t port = range.start; port <= range.last(); ++port) {
      if (!BindingAt(static_cast<uint16_t>(port)))
        free_ports.push_back(static_cast<uint16_t>(port));
    }
  }
  if (free_ports.empty()) return std::nullopt;
  return free_ports[rng.Below(free_ports.size())];
}

// --- Changes -----------------------------------------------------------------

void PortPool::AddBlock(PortRange range, const Block& block) {
  if (range.fits() && !AllFree(range)) may_overlap_ = true;  // perhaps only a binding: no matter
  Block copy = block;
  copy.count = range.count;
  auto [it, inserted] = blocks_.insert_or_assign(range.start, copy);
  (void)it;
  if (!inserted) RebuildOccupied();  // replaced a block, perhaps of another size
  SetOccupied(range);
}

void PortPool::RemoveBlock(uint16_t start) {
  auto it = blocks_.find(start);
  if (it == blocks_.end()) return;
  const PortRange range = RangeOf(start, it->second);
  blocks_.erase(it);
  ClearOccupied(range);
}

void PortPool::Bind(uint16_t port, Family family, SocketId socket) {
  bindings_[port].of(family) = socket;
  SetPort(port);
}

void PortPool::Unbind(uint16_t port, Family family) {
  auto it = bindings_.find(port);
  if (it == bindings_.end()) return;
  it->second.of(family).reset();
  if (it->second.empty()) {
    bindings_.erase(it);
    if (!BlockAt(port)) SetWord(port >> 6, occupied_[port >> 6] & ~(uint64_t{1} << (port & 63)));
  }
}

void PortPool::ClearBindings() {
  if (bindings_.empty()) return;
  bindings_.clear();
  RebuildOccupied();
}

void PortPool::RemoveRuntimeBlocks() {
  const auto removed =
      erase_if(blocks_, [](const auto& entry) { return entry.second.kind == BlockKind::kRuntime; });
  if (removed > 0) RebuildOccupied();
}

// --- TokenIndex --------------------------------------------------------------

uint32_t TokenIndex::Fingerprint(Token token) { return static_cast<uint32_t>(Mix64(token)); }

bool TokenIndex::Holds(uint32_t location, Token token, const Pools& pools) {
  const Owner owner = OwnerAt(location);
  const PortPool::Blocks& blocks = pools[static_cast<size_t>(owner.protocol)].blocks();
  auto it = blocks.find(owner.start);
  return it != blocks.end() && it->second.token_known && it->second.token == token;
}

std::optional<TokenIndex::Owner> TokenIndex::Find(Token token, const Pools& pools) const {
  if (auto it = fingerprints_.find(Fingerprint(token));
      it != fingerprints_.end() && Holds(it->second, token, pools)) {
    return OwnerAt(it->second);
  }
  if (full_.empty()) return std::nullopt;
  auto it = full_.find(token);
  if (it == full_.end()) return std::nullopt;
  return it->second;
}

void TokenIndex::Insert(Token token, Owner owner, const Pools& pools) {
  if (!full_.empty()) {
    if (auto it = full_.find(token); it != full_.end()) {
      it->second = owner;
      return;
    }
  }
  auto [it, inserted] = fingerprints_.try_emplace(Fingerprint(token), Location(owner));
  if (inserted) return;
  const Owner other = OwnerAt(it->second);
  const PortPool::Blocks& blocks = pools[static_cast<size_t>(other.protocol)].blocks();
  auto block = blocks.find(other.start);
  if (block != blocks.end() && block->second.token_known && block->second.token != token) {
    full_[token] = owner;  // another token has this fingerprint
  } else {
    it->second = Location(owner);  // the same token, moved
  }
}

bool TokenIndex::TryInsert(Token token, Owner owner, const Pools& pools) {
  if (!full_.empty() && full_.contains(token)) return false;
  auto [it, inserted] = fingerprints_.try_emplace(Fingerprint(token), Location(owner));
  if (inserted) return true;
  if (Holds(it->second, token, pools)) return false;  // mapped already
  // Another token has this fingerprint.
  full_[token] = owner;
  return true;
}

void TokenIndex::Erase(Token token, Owner where, const Pools& pools) {
  if (!full_.empty() && full_.erase(token) > 0) return;
  auto it = fingerprints_.find(Fingerprint(token));
  if (it == fingerprints_.end()) return;
  if (it->second == Location(where) || Holds(it->second, token, pools)) fingerprints_.erase(it);
}

void TokenIndex::KeepStale(Owner owner, const Pools& pools) {
  const PortPool::Blocks& blocks = pools[static_cast<size_t>(owner.protocol)].blocks();
  auto block = blocks.find(owner.start);
  if (block != blocks.end()) KeepStale(owner, block->second);
}

void TokenIndex::KeepStale(Owner owner, const Block& block) {
  if (!block.token_known) return;
  const Token token = block.token;
  auto it = fingerprints_.find(Fingerprint(token));
  if (it == fingerprints_.end() || it->second != Location(owner)) return;
  full_[token] = owner;
  fingerprints_.erase(it);
}

void TokenIndex::Clear() {
  // A reboot clears the index and at once refills it with as many tokens:
  // keep a large table's memory rather than free it and fault it in again
  // (clear() frees a table of more than 127 slots).
  if (fingerprints_.capacity() > 127) {
    absl::erase_if(fingerprints_, [](const auto&) { return true; });
  } else {
    fingerprints_.clear();
  }
  full_.clear();
}

}  // namespace portpool
