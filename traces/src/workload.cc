#include "portpool/traces/workload.h"

#include <algorithm>
#include <tuple>

namespace portpool::traces {
namespace {

template <typename T>
const T& PickFrom(const std::vector<T>& items, SplitMix64& rng) {
  return items[rng.Below(items.size())];
}

}  // namespace

Workload::Workload(const WorkloadOptions& options) : options_(options), rng_(options.seed) {}

PortRange Workload::RandomBlock() {
  const PortRange w = options_.window;
  // Mostly small blocks inside the window; sometimes edge cases: zero
  // counts, the top of the port space, blocks running past 65535.
  switch (rng_.Below(20)) {
    case 0:
      return PortRange{0, static_cast<uint16_t>(1 + rng_.Below(4))};
    case 1:
      return PortRange{static_cast<uint16_t>(w.start + rng_.Below(w.count)), 0};
    case 2:
      return PortRange{static_cast<uint16_t>(65530 + rng_.Below(6)),
                       static_cast<uint16_t>(1 + rng_.Below(8))};
    default: {
      const uint16_t start = static_cast<uint16_t>(w.start + rng_.Below(w.count));
      return PortRange{start, static_cast<uint16_t>(1 + rng_.Below(8))};
    }
  }
}

Token Workload::RandomToken() {
  if (tokens_.empty() || rng_.Below(10) == 0) return rng_.Below(3) == 0 ? 0 : rng_.Next();
  // Prefer recent tokens: they are more likely to be live.
  const size_t recent = std::min<size_t>(tokens_.size(), 8);
  return tokens_[tokens_.size() - 1 - rng_.Below(recent)];
}

Call Workload::PersistentCall(const Machine& machine, const std::vector<ProcessId>& live) {
  // Administrators make most persistent calls: others only get refused.
  ProcessId caller = PickFrom(live, rng_);
  if (rng_.Below(4) != 0) {
    for (ProcessId p : live) {
      if (machine.process(p)->elevated) caller = p;
    }
  }
  Protocol protocol = rng_.Below(2) == 0 ? Protocol::kTcp : Protocol::kUdp;
  PortRange block = RandomBlock();
  const uint64_t kind = rng_.Below(3);
  if (kind != 0 && !blocks_.empty() && rng_.Below(3) != 0) {
    std::tie(protocol, block) = PickFrom(blocks_, rng_);
  }
  switch (kind) {
    case 0:
      return call::CreatePersistent{caller, protocol, block, rng_.Below(50) == 0};
    case 1:
      return call::LookupPersistent{caller, protocol, block, rng_.Below(50) == 0};
    default:
      return call::DeletePersistent{caller, protocol, block};
  }
}

Call Workload::SocketCall(const Machine& machine, ProcessId caller) {
  const std::vector<SocketId>& sockets = machine.process(caller)->sockets;
  if (sockets.empty() || rng_.Below(8) == 0) {
    return call::OpenSocket{caller, rng_.Below(2) == 0 ? Protocol::kTcp : Protocol::kUdp,
                            rng_.Below(4) == 0 ? Family::kIpv6 : Family::kIpv4};
  }
  const SocketId socket = PickFrom(sockets, rng_);
  switch (rng_.Below(7)) {
    case 0: {
      PortRange request = RandomBlock();
      if (rng_.Below(2) == 0) request.start = 0;  // wildcard
      if (!blocks_.empty() && rng_.Below(4) == 0) request = PickFrom(blocks_, rng_).second;
      return call::Acquire{caller, socket, request};
    }
    case 1:
      return call::Associate{caller, socket, RandomToken()};
    case 2:
      return call::Release{caller, socket, RandomToken()};
    case 3: {
      uint16_t port = 0;
      if (rng_.Below(2) == 0) {
        port = static_cast<uint16_t>(options_.window.start + rng_.Below(options_.window.count));
      }
      return call::Bind{caller, socket, port};
    }
    case 4:
      return call::GetSockName{caller, socket};
    case 5:
      return call::CloseSocket{caller, socket};
    default:
      return call::Bind{caller, socket, 0};
  }
}

Call Workload::Next(const Machine& machine) {
  const int n = issued_++;
  if (n == options_.reboot_at) return call::Reboot{};
  // Keep an elevated administrator and an ordinary user around.
  std::vector<ProcessId> live;
  bool have_admin = false;
  for (const auto& [id, state] : machine.processes()) {
    live.push_back(id);
    have_admin = have_admin || state.elevated;
  }
  if (!have_admin) return call::StartProcess{true};
  if (live.size() < 2) return call::StartProcess{false};
  std::sort(live.begin(), live.end());  // hash order is not reproducible
  if (rng_.Below(100) < static_cast<uint64_t>(options_.churn_percent)) {
    if (options_.reboot_at < 0 && rng_.Below(4) == 0) return call::Reboot{};
    return call::EndProcess{PickFrom(live, rng_)};
  }
  if (!options_.sockets || rng_.Below(2) == 0) return PersistentCall(machine, live);
  return SocketCall(machine, PickFrom(live, rng_));
}

void Workload::Observe(const Call& call, const Outcome& outcome) {
  if (outcome.token) tokens_.push_back(*outcome.token);
  if (!outcome.ok()) return;
  if (const auto* create = std::get_if<call::CreatePersistent>(&call)) {
    blocks_.emplace_back(create->protocol, create->block);
  }
  if (outcome.block) {
    // Runtime blocks: remember with either protocol; a wrong guess is a
    // harmless not-found.
    blocks_.emplace_back(Protocol::kTcp, *outcome.block);
  }
  if (blocks_.size() > 64) blocks_.erase(blocks_.begin());
}

}  // namespace portpool::traces
