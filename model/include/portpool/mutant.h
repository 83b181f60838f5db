// Deliberate faults for the mutation test (conformance/): each Mutant makes
// a simulator break one rule the way a plausible bug would. The suite must
// catch every one, which shows its checks have teeth. All mutants live in the
// one build and are chosen per Machine (mutant schemata), so the correct
// model that checks a mutant is the same code with Mutant::kNone.
//
// Never set outside tests: a mutant Machine is wrong on purpose.
#ifndef PORTPOOL_MUTANT_H_
#define PORTPOOL_MUTANT_H_

#include <cstdint>
#include <optional>
#include <span>

#include "absl/strings/string_view.h"

namespace portpool {

enum class Mutant : uint8_t {
  kNone = 0,
  kOverlapMissesLowEnd,        // Create ignores a block ending at its first port
  kOverlapMissesHighEnd,       // Create ignores a block starting at its last port
  kLookupFindsSubRange,        // Lookup finds a block containing the range
  kDeleteFindsSubRange,        // Delete removes a block containing the range
  kTokensSurviveReboot,        // the simulator keeps tokens across a reboot
  kZeroToken,                  // Create returns token 0
  kEphemeralIgnoresBlocks,     // bind(0) may pick a reserved port
  kSurfaceHostOrder,           // ModelApi takes StartPort in host order
  kCloseKeepsBlocks,           // closesocket keeps its runtime blocks
  kAccessAndInUseSwapped,      // WSAEACCES and WSAEADDRINUSE swapped
  kCreateIgnoresBoundPorts,    // Create succeeds over a bound port
  kReleaseAnyProcess,          // SIO_RELEASE frees another process's block
  kWildcardOutsideDynamic,     // wildcard blocks may start below the range
  kAssociateWithoutElevation,  // persistent association needs no elevation
};

// Every mutant but kNone.
std::span<const Mutant> AllMutants();
absl::string_view MutantName(Mutant mutant);
std::optional<Mutant> MutantFromName(absl::string_view name);

}  // namespace portpool

#endif  // PORTPOOL_MUTANT_H_
