// One protocol's port pool: its reservation blocks, its bound ports and its
// dynamic port range.
//
// This is bookkeeping only; the rules that decide answers live in
// machine.cc. All blocks of a pool, persistent and runtime, are disjoint,
// because every rule that adds a block refuses an overlap. Queries are
// O(log n) in the number of blocks and bindings.
#ifndef PORTPOOL_PORT_POOL_H_
#define PORTPOOL_PORT_POOL_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/btree_map.h"
#include "portpool/ids.h"
#include "portpool/port_range.h"
#include "portpool/protocol.h"
#include "portpool/random.h"

namespace portpool {

enum class BlockKind : uint8_t { kPersistent, kRuntime };

struct Block {
  uint16_t count = 0;
  BlockKind kind = BlockKind::kPersistent;
  // False after a reboot until the model learns the new token (observer
  // mode); the simulator always knows its tokens.
  bool token_known = false;
  Token token = kInvalidToken;
  // Runtime blocks only: who acquired it, on which socket and family.
  ProcessId owner;
  SocketId socket;
  Family family = Family::kIpv4;
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
  using Blocks = absl::btree_map<uint16_t, Block>;
  using Bindings = absl::btree_map<uint16_t, Binding>;

  const Blocks& blocks() const { return blocks_; }
  const Bindings& bindings() const { return bindings_; }
  const PortRange& dynamic_range() const { return dynamic_; }
  void set_dynamic_range(PortRange range) { dynamic_ = range; }

  // The block starting exactly at range.start with exactly range.count ports.
  const Block* FindExact(PortRange range) const;
  Block* FindExact(PortRange range);
  // The block holding `port`, with its range, or nullopt.
  std::optional<std::pair<PortRange, const Block*>> BlockAt(uint32_t port) const;
  // Every block overlapping `range`, in port order.
  std::vector<std::pair<PortRange, const Block*>> Overlapping(PortRange range) const;
  bool OverlapsAnyBlock(PortRange range) const;
  // True if some port of `range` is bound (by either family).
  bool AnyBindingIn(PortRange range) const;
  const Binding* BindingAt(uint16_t port) const;
  // No block and no binding touches `range`.
  bool IsClear(PortRange range) const { return !OverlapsAnyBlock(range) && !AnyBindingIn(range); }

  // Wildcard placement: is there a clear run of `count` ports inside
  // `window`, and pick one from `rng` (any clear run may be picked).
  bool HasClearRun(PortRange window, uint16_t count) const;
  std::optional<PortRange> PickClearRun(PortRange window, uint16_t count, SplitMix64& rng) const;
  // Ports of `window` held by no block and no binding.
  bool HasFreePort(PortRange window) const;
  std::optional<uint16_t> PickFreePort(PortRange window, SplitMix64& rng) const;
  // Ports of `ranges` that no binding holds (blocks do not matter: these
  // are the ports of associated blocks).
  bool HasUnboundPort(const std::vector<PortRange>& ranges) const;
  std::optional<uint16_t> PickUnboundPort(const std::vector<PortRange>& ranges,
                                          SplitMix64& rng) const;

  void AddBlock(PortRange range, const Block& block);
  void RemoveBlock(uint16_t start);
  void Bind(uint16_t port, Family family, SocketId socket);
  void Unbind(uint16_t port, Family family);
  void ClearBindings() { bindings_.clear(); }
  // Drops runtime blocks and returns nothing; used by reboot.
  void RemoveRuntimeBlocks();
  Blocks& mutable_blocks() { return blocks_; }

 private:
  // The free runs (no block, and if `bindings_block` no binding) inside
  // window, in port order.
  std::vector<PortRange> FreeRuns(PortRange window, bool bindings_block) const;

  Blocks blocks_;
  Bindings bindings_;
  PortRange dynamic_ = kDefaultDynamicRange;
};

}  // namespace portpool

#endif  // PORTPOOL_PORT_POOL_H_
