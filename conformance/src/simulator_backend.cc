#include "portpool/conformance/simulator_backend.h"

#include <array>
#include <vector>

#include "absl/strings/str_cat.h"
#include "portpool/netsh_listing.h"

namespace portpool::conformance {
namespace {

// The environment's choices are drawn apart from the machine's, so that
// switching environment changes on leaves the machine's answers to the same
// calls as they were.
constexpr uint64_t kEnvironmentKey = 0x656e7669726f6e6dULL;  // "environm"

// NS-5: WinNAT takes 100-port chunks, HNS 64-port blocks; 10-port blocks
// are seen too.
constexpr std::array<uint16_t, 3> kRuntimeSizes = {100, 64, 10};

// Where the run's own calls play (steps.h keeps a shared window at 5000):
// an administrator's store=active exclusion lands there now and then.
constexpr PortRange kExclusionWindow{5000, 16};

}  // namespace

SimulatorBackend::SimulatorBackend(uint64_t seed, MachineOptions options)
    : SimulatorBackend(seed, SimulatorOptions{options, {}}) {}

SimulatorBackend::SimulatorBackend(uint64_t seed, SimulatorOptions options)
    : seed_(seed),
      options_(options),
      machine_(seed, options.machine),
      environment_rng_(seed ^ kEnvironmentKey) {
  for (int i = 0; i < options_.environment.initial_blocks; ++i) {
    PlaceRuntimeBlock(i % 2 == 0 ? Protocol::kTcp : Protocol::kUdp,
                      kRuntimeSizes[static_cast<size_t>(i) % kRuntimeSizes.size()]);
  }
}

std::string SimulatorBackend::Describe() const {
  std::string text = absl::StrCat("simulator seed=", seed_);
  if (machine_.options().mutant != Mutant::kNone) {
    absl::StrAppend(&text, " mutant=", MutantName(machine_.options().mutant));
  }
  if (options_.environment.rate > 0 || options_.environment.initial_blocks > 0) {
    absl::StrAppend(&text, " environment-rate=", options_.environment.rate,
                    " environment-blocks=", options_.environment.initial_blocks);
  }
  return text;
}

void SimulatorBackend::PlaceRuntimeBlock(Protocol protocol, uint16_t count) {
  const PortPool& pool = machine_.pool(protocol);
  const std::optional<PortRange> place =
      pool.PickClearRun(pool.dynamic_range(), count, environment_rng_);
  if (!place) return;
  if (machine_.Run(call::EnvironmentBlock{true, EnvironmentStore::kRuntime, protocol, *place})
          .ok()) {
    ++environment_changes_;
  }
}

void SimulatorBackend::ChangeEnvironment() {
  const Protocol protocol = environment_rng_.Below(2) == 0 ? Protocol::kTcp : Protocol::kUdp;
  const uint64_t what = environment_rng_.Below(20);
  if (what < 11) {  // ENV-RUNTIME-BLOCK: HNS or WinNAT takes a block (PS-8)
    PlaceRuntimeBlock(protocol, kRuntimeSizes[environment_rng_.Below(kRuntimeSizes.size())]);
    return;
  }
  // The blocks the environment may drop.
  std::vector<call::EnvironmentBlock> removable;
  machine_.pool(protocol).ForEachBlock([&](PortRange range, const Block& b) {
    if (b.kind == BlockKind::kRuntime && b.environment) {
      removable.push_back({false, EnvironmentStore::kRuntime, protocol, range});
    } else if (b.kind == BlockKind::kPersistent && b.active_only) {
      removable.push_back({false, EnvironmentStore::kActive, protocol, range});
    }
  });
  if (what < 17) {  // one of them goes
    if (removable.empty()) return;
    if (machine_.Run(removable[environment_rng_.Below(removable.size())]).ok()) {
      ++environment_changes_;
    }
    return;
  }
  // ENV-ACTIVE-EXCLUSION: an administrator excludes a few ports till the
  // next boot, where the run's calls play.
  const uint16_t count = static_cast<uint16_t>(1 + environment_rng_.Below(3));
  const std::optional<PortRange> place =
      machine_.pool(protocol).PickClearRun(kExclusionWindow, count, environment_rng_);
  if (!place) return;
  if (machine_.Run(call::EnvironmentBlock{true, EnvironmentStore::kActive, protocol, *place})
          .ok()) {
    ++environment_changes_;
  }
}

absl::StatusOr<MachineSnapshot> SimulatorBackend::Listing() {
  MachineSnapshot snapshot;
  for (Protocol protocol : kAllProtocols) {
    ProtocolSnapshot& s = snapshot.of(protocol);
    auto excluded = ParseExcludedPortRanges(FormatExcludedPortRanges(machine_, protocol));
    if (!excluded.ok()) return excluded.status();
    s.excluded = *std::move(excluded);
    // The store=active ones, as the persistent store's listing would lack them.
    for (ExcludedRange& entry : s.excluded) {
      const Block* block = machine_.pool(protocol).FindExact(entry.range);
      entry.active_only = entry.administered && block != nullptr && block->active_only;
    }
    s.dynamic = machine_.pool(protocol).dynamic_range(Family::kIpv4);
    s.dynamic_ipv6 = machine_.pool(protocol).dynamic_range(Family::kIpv6);
  }
  return snapshot;
}

absl::StatusOr<Outcome> SimulatorBackend::Run(const Call& call) {
  if (options_.environment.rate > 0 &&
      environment_rng_.Below(1'000'000) <
          static_cast<uint64_t>(options_.environment.rate * 1'000'000.0)) {
    ChangeEnvironment();
  }
  if (const auto* start = std::get_if<call::StartProcess>(&call)) {
    auto outcome = machine_.Run(*start);
    if (outcome.ok() && outcome->process) {
      apis_[*outcome->process] = std::make_unique<win32::ModelApi>(machine_, *outcome->process);
    }
    return outcome;
  }
  if (const auto* end = std::get_if<call::EndProcess>(&call)) {
    auto outcome = machine_.Run(*end);
    if (outcome.ok() && outcome->ok()) {
      runner_.ForgetSocketsOf(end->process);
      apis_.erase(end->process);
    }
    return outcome;
  }
  if (std::holds_alternative<call::Reboot>(call)) {
    // REBOOT-ENV-REPLACED: the components that held runtime blocks take new
    // ones of the same sizes after boot, elsewhere (PS-7).
    std::vector<std::pair<Protocol, uint16_t>> held;
    for (Protocol protocol : kAllProtocols) {
      machine_.pool(protocol).ForEachBlock([&](PortRange range, const Block& b) {
        if (b.kind == BlockKind::kRuntime && b.environment)
          held.emplace_back(protocol, range.count);
      });
    }
    auto outcome = machine_.Run(call);
    if (outcome.ok() && outcome->ok()) {
      runner_.ForgetSockets();
      apis_.clear();
      for (const auto& [protocol, count] : held) PlaceRuntimeBlock(protocol, count);
    }
    return outcome;
  }
  if (std::holds_alternative<call::SetDynamicRange>(call) ||
      std::holds_alternative<call::EnvironmentBlock>(call)) {
    return machine_.Run(call);
  }
  const ProcessId caller = CallerOf(call).value_or(ProcessId{});
  auto api = apis_.find(caller);
  if (api == apis_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("process p", caller.value, " is not running on this backend"));
  }
  return runner_.Run(*api->second, call);
}

}  // namespace portpool::conformance
