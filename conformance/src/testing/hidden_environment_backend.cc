#include "testing/hidden_environment_backend.h"

#include <vector>

#include "absl/strings/str_cat.h"

namespace portpool::conformance::testing {

std::string HiddenEnvironmentBackend::Describe() const {
  return absl::StrCat(inner_.Describe(), " hidden:", injected_);
}

absl::StatusOr<MachineSnapshot> HiddenEnvironmentBackend::Listing() {
  absl::StatusOr<MachineSnapshot> listing = inner_.Listing();
  if (!listing.ok()) return listing;
  for (Protocol protocol : kAllProtocols) {
    std::erase_if(listing->of(protocol).excluded, [&](const ExcludedRange& e) {
      const Block* block = inner_.machine().pool(protocol).FindExact(e.range);
      return block != nullptr && block->environment;
    });
  }
  return listing;
}

bool HiddenEnvironmentBackend::Inject(const call::EnvironmentBlock& change) {
  if (!inner_.Run(change).ok()) return false;
  absl::StrAppend(&injected_, injected_.empty() ? " " : "; ", DescribeCall(change));
  return true;
}

}  // namespace portpool::conformance::testing
