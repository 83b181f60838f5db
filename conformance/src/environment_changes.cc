#include "portpool/conformance/environment_changes.h"

#include <algorithm>
#include <optional>

namespace portpool::conformance {
namespace {

// The block the call itself made or removed, if its outcome says so.
std::optional<std::pair<Protocol, PortRange>> OwnBlock(const Machine& model, const Call& call,
                                                       const Outcome& outcome) {
  if (!outcome.ok()) return std::nullopt;
  if (const auto* c = std::get_if<call::CreatePersistent>(&call)) {
    return std::make_pair(c->protocol, c->block);
  }
  if (const auto* d = std::get_if<call::DeletePersistent>(&call)) {
    return std::make_pair(d->protocol, d->block);
  }
  if (const auto* a = std::get_if<call::Acquire>(&call); a != nullptr && outcome.block) {
    if (const SocketState* s = model.socket(a->socket)) {
      return std::make_pair(s->protocol, *outcome.block);
    }
  }
  return std::nullopt;
}

bool Removable(const Block& block) {
  return block.kind == BlockKind::kPersistent || block.environment;
}

}  // namespace

MachineSnapshot ListingOf(const Machine& machine) {
  MachineSnapshot snapshot;
  for (Protocol protocol : kAllProtocols) {
    ProtocolSnapshot& s = snapshot.of(protocol);
    const PortPool& pool = machine.pool(protocol);
    pool.ForEachBlock([&](PortRange range, const Block& block) {
      const bool administered = block.kind == BlockKind::kPersistent;
      s.excluded.push_back(ExcludedRange{range, administered, administered && block.active_only});
    });
    s.dynamic = pool.dynamic_range(Family::kIpv4);
    s.dynamic_ipv6 = pool.dynamic_range(Family::kIpv6);
  }
  return snapshot;
}

std::vector<call::EnvironmentBlock> EnvironmentChanges(
    const MachineSnapshot& listing, const Machine& model, const Call& call, const Outcome& outcome,
    const std::vector<std::pair<Protocol, PortRange>>& run_blocks) {
  std::vector<call::EnvironmentBlock> gone;
  std::vector<call::EnvironmentBlock> appeared;
  const auto own = OwnBlock(model, call, outcome);
  for (Protocol protocol : kAllProtocols) {
    const std::vector<ExcludedRange>& listed = listing.of(protocol).excluded;
    const PortPool& pool = model.pool(protocol);
    const auto is_own = [&](PortRange range) {
      if (own && own->first == protocol && own->second == range) return true;
      return std::find(run_blocks.begin(), run_blocks.end(), std::make_pair(protocol, range)) !=
             run_blocks.end();
    };
    // Blocks the model holds that the listing lacks.
    std::vector<PortRange> kept;
    pool.ForEachBlock([&](PortRange range, const Block& block) {
      const bool administered = block.kind == BlockKind::kPersistent;
      const bool listed_too =
          std::any_of(listed.begin(), listed.end(), [&](const ExcludedRange& e) {
            return e.range == range && e.administered == administered;
          });
      if (listed_too || is_own(range) || !Removable(block)) {
        kept.push_back(range);
        return;
      }
      const EnvironmentStore store = !administered       ? EnvironmentStore::kRuntime
                                     : block.active_only ? EnvironmentStore::kActive
                                                         : EnvironmentStore::kPersistent;
      gone.push_back(call::EnvironmentBlock{false, store, protocol, range});
    });
    // Entries the model lacks, where nothing it keeps is in the way.
    for (const ExcludedRange& e : listed) {
      if (!e.range.fits() || is_own(e.range)) continue;
      const Block* held = pool.FindExact(e.range);
      if (held != nullptr && (held->kind == BlockKind::kPersistent) == e.administered) continue;
      const bool blocked = std::any_of(kept.begin(), kept.end(),
                                       [&](const PortRange& k) { return k.overlaps(e.range); });
      const bool taken = std::any_of(appeared.begin(), appeared.end(), [&](const auto& a) {
        return a.protocol == protocol && a.block.overlaps(e.range);
      });
      if (blocked || taken) continue;
      const EnvironmentStore store = !e.administered ? EnvironmentStore::kRuntime
                                     : e.active_only ? EnvironmentStore::kActive
                                                     : EnvironmentStore::kPersistent;
      appeared.push_back(call::EnvironmentBlock{true, store, protocol, e.range});
    }
  }
  gone.insert(gone.end(), appeared.begin(), appeared.end());
  return gone;
}

}  // namespace portpool::conformance
