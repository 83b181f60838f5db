#include "portpool/mutant.h"

#include <array>
#include <utility>

namespace portpool {
namespace {

constexpr std::array<std::pair<Mutant, absl::string_view>, 14> kMutants = {{
    {Mutant::kOverlapMissesLowEnd, "overlap-misses-low-end"},
    {Mutant::kOverlapMissesHighEnd, "overlap-misses-high-end"},
    {Mutant::kLookupFindsSubRange, "lookup-finds-sub-range"},
    {Mutant::kDeleteFindsSubRange, "delete-finds-sub-range"},
    {Mutant::kTokensSurviveReboot, "tokens-survive-reboot"},
    {Mutant::kZeroToken, "zero-token"},
    {Mutant::kEphemeralIgnoresBlocks, "ephemeral-ignores-blocks"},
    {Mutant::kSurfaceHostOrder, "surface-host-order"},
    {Mutant::kCloseKeepsBlocks, "close-keeps-blocks"},
    {Mutant::kAccessAndInUseSwapped, "access-and-in-use-swapped"},
    {Mutant::kCreateIgnoresBoundPorts, "create-ignores-bound-ports"},
    {Mutant::kReleaseAnyProcess, "release-any-process"},
    {Mutant::kWildcardOutsideDynamic, "wildcard-outside-dynamic"},
    {Mutant::kAssociateWithoutElevation, "associate-without-elevation"},
}};

constexpr std::array<Mutant, kMutants.size()> kAll = [] {
  std::array<Mutant, kMutants.size()> all{};
  for (size_t i = 0; i < kMutants.size(); ++i) all[i] = kMutants[i].first;
  return all;
}();

}  // namespace

std::span<const Mutant> AllMutants() { return kAll; }

absl::string_view MutantName(Mutant mutant) {
  for (const auto& [m, name] : kMutants) {
    if (m == mutant) return name;
  }
  return "none";
}

std::optional<Mutant> MutantFromName(absl::string_view name) {
  if (name == "none") return Mutant::kNone;
  for (const auto& [m, known] : kMutants) {
    if (known == name) return m;
  }
  return std::nullopt;
}

}  // namespace portpool
