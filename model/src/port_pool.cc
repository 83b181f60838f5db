#include "portpool/port_pool.h"

#include <algorithm>

namespace portpool {
namespace {

PortRange RangeOf(uint16_t start, const Block& block) { return PortRange{start, block.count}; }

// How many probes a pick tries at random before it enumerates the free
// space. Probing keeps picks O(log n) while the space is mostly free.
constexpr int kRandomProbes = 8;

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
  if (range.count == 0) return result;
  // Blocks are disjoint, so only the block before range.start can reach in.
  auto it = blocks_.upper_bound(range.start);
  if (it != blocks_.begin()) --it;
  for (; it != blocks_.end() && it->first <= range.last(); ++it) {
    const PortRange block = RangeOf(it->first, it->second);
    if (block.overlaps(range)) result.emplace_back(block, &it->second);
  }
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

std::vector<PortRange> PortPool::FreeRuns(PortRange window, bool bindings_block) const {
  std::vector<PortRange> runs;
  if (!window.fits()) return runs;
  uint32_t next = window.start;  // first port not yet known to be taken
  const uint32_t last = window.last();
  auto emit = [&](uint32_t up_to_exclusive) {
    if (up_to_exclusive > next) {
      runs.push_back(
          PortRange{static_cast<uint16_t>(next), static_cast<uint16_t>(up_to_exclusive - next)});
    }
  };
  auto block_it = blocks_.upper_bound(window.start);
  if (block_it != blocks_.begin()) --block_it;
  auto bind_it = bindings_.lower_bound(window.start);
  while (next <= last) {
    // The next obstacle: the earlier of the next block and the next binding.
    while (block_it != blocks_.end() && RangeOf(block_it->first, block_it->second).last() < next) {
      ++block_it;
    }
    if (bindings_block) {
      while (bind_it != bindings_.end() && bind_it->first < next) ++bind_it;
    }
    uint32_t obstacle_start = last + 1, obstacle_end = last + 1;
    if (block_it != blocks_.end() && block_it->first <= last) {
      obstacle_start = std::max<uint32_t>(block_it->first, next);
      obstacle_end = RangeOf(block_it->first, block_it->second).last() + 1;
    }
    if (bindings_block && bind_it != bindings_.end() && bind_it->first <= last &&
        bind_it->first < obstacle_start) {
      obstacle_start = bind_it->first;
      obstacle_end = uint32_t{bind_it->first} + 1;
    }
    emit(obstacle_start);
    next = obstacle_end;
  }
  return runs;
}

bool PortPool::HasClearRun(PortRange window, uint16_t count) const {
  if (count == 0) return false;
  for (const PortRange& run : FreeRuns(window, /*bindings_block=*/true)) {
    if (run.count >= count) return true;
  }
  return false;
}

std::optional<PortRange> PortPool::PickClearRun(PortRange window, uint16_t count,
                                                SplitMix64& rng) const {
  if (count == 0 || !window.fits() || count > window.count) return std::nullopt;
  const uint32_t positions = uint32_t{window.count} - count + 1;
  for (int i = 0; i < kRandomProbes; ++i) {
    const PortRange candidate{static_cast<uint16_t>(window.start + rng.Below(positions)), count};
    if (IsClear(candidate)) return candidate;
  }
  // Enumerate every clear position and pick one uniformly.
  uint64_t total = 0;
  const std::vector<PortRange> runs = FreeRuns(window, /*bindings_block=*/true);
  for (const PortRange& run : runs) {
    if (run.count >= count) total += uint64_t{run.count} - count + 1;
  }
  if (total == 0) return std::nullopt;
  uint64_t pick = rng.Below(total);
  for (const PortRange& run : runs) {
    if (run.count < count) continue;
    const uint64_t here = uint64_t{run.count} - count + 1;
    if (pick < here) return PortRange{static_cast<uint16_t>(run.start + pick), count};
    pick -= here;
  }
  return std::nullopt;
}

bool PortPool::HasFreePort(PortRange window) const {
  return !FreeRuns(window, /*bindings_block=*/true).empty();
}

std::optional<uint16_t> PortPool::PickFreePort(PortRange window, SplitMix64& rng) const {
  if (!window.fits()) return std::nullopt;
  for (int i = 0; i < kRandomProbes; ++i) {
    const uint16_t port = static_cast<uint16_t>(window.start + rng.Below(window.count));
    if (!BlockAt(port) && !BindingAt(port)) return port;
  }
  uint64_t total = 0;
  const std::vector<PortRange> runs = FreeRuns(window, /*bindings_block=*/true);
  for (const PortRange& run : runs) total += run.count;
  if (total == 0) return std::nullopt;
  uint64_t pick = rng.Below(total);
  for (const PortRange& run : runs) {
    if (pick < run.count) return static_cast<uint16_t>(run.start + pick);
    pick -= run.count;
  }
  return std::nullopt;
}

bool PortPool::HasUnboundPort(const std::vector<PortRange>& ranges) const {
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

std::optional<uint16_t> PortPool::PickUnboundPort(const std::vector<PortRange>& ranges,
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

void PortPool::AddBlock(PortRange range, const Block& block) {
  Block copy = block;
  copy.count = range.count;
  blocks_.insert_or_assign(range.start, copy);
}

void PortPool::RemoveBlock(uint16_t start) { blocks_.erase(start); }

void PortPool::Bind(uint16_t port, Family family, SocketId socket) {
  bindings_[port].of(family) = socket;
}

void PortPool::Unbind(uint16_t port, Family family) {
  auto it = bindings_.find(port);
  if (it == bindings_.end()) return;
  it->second.of(family).reset();
  if (it->second.empty()) bindings_.erase(it);
}

void PortPool::RemoveRuntimeBlocks() {
  absl::erase_if(blocks_,
                 [](const auto& entry) { return entry.second.kind == BlockKind::kRuntime; });
}

}  // namespace portpool
