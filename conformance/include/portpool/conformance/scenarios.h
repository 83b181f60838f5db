// Scenario steps: weighted choices mixed into the uniform random walk of
// steps.h that build, a call at a time, the states a uniform walk of 80
// calls rarely reaches (docs/mutation.md section 5): a block released by a
// process that does not own it, a small dynamic range filled before a
// bind(0) or a wildcard acquire, persistent blocks whose tokens a reboot
// withheld, calls at another block's very edge, an unelevated process
// associating with a persistent block.
//
// A scenario step holds no script: each time one is drawn it looks at what
// is live (LiveState) and makes the next call its scenario still lacks, so
// steps of several scenarios interleave with ordinary steps and with each
// other, and a shrunk sequence still makes sense.
#ifndef PORTPOOL_CONFORMANCE_SCENARIOS_H_
#define PORTPOOL_CONFORMANCE_SCENARIOS_H_

#include <cstdint>
#include <optional>

#include "portpool/call.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/steps.h"
#include "rapidcheck.h"

namespace portpool::conformance {

enum class Scenario : uint8_t {
  kNone = 0,
  // A process releases a runtime block it does not own (R-RELEASE-INVALID),
  // then a Create or Acquire over that block shows it is still held.
  kForeignRelease,
  // The dynamic range is set small and filled by wildcard acquires, then
  // bind(0) and wildcard acquires run in what is left (B-BIND-EPHEMERAL,
  // R-ACQUIRE-WILDCARD).
  kFullDynamicRange,
  // A persistent block, a reboot, then Lookups, associations through the
  // withheld token and binds into the block (TOKEN-REBOOT, R-ASSOC-UNLEARNED).
  kRebootTokens,
  // Create and Acquire ending on another block's first port or starting on
  // its last, binds at the edges of blocks other processes hold
  // (P-CREATE-OVERLAP, R-ACQUIRE-OVERLAP, B-BIND-*).
  kBlockEdges,
  // Lookup and Delete of a block's sub-range (P-LOOKUP-EXACT, P-DELETE-EXACT).
  kSubRange,
  // A Create over a bound port (P-CREATE-INUSE).
  kCreateOverBound,
  // A runtime block goes with its socket, then a Create over it (SOCK-CLOSE).
  kReuseClosedBlock,
  // An unelevated process associates with a persistent block
  // (R-ASSOC-ELEVATION).
  kUnelevatedAssociate,
};

// The scenario field of a generated step: mostly kNone (an ordinary step),
// else one of the scenarios `capabilities` can run.
rc::Gen<uint8_t> GenScenario(const Capabilities& capabilities);

// The next call of `spec`'s scenario, or nullopt when it has none to make
// here (a port it would use lies outside the backend's window, say): the
// step is then resolved as an ordinary one.
std::optional<Call> ResolveScenario(const StepSpec& spec, const LiveState& state,
                                    const Capabilities& capabilities);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_SCENARIOS_H_
