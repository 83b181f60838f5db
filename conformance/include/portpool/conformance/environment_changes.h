// The reservations that appeared or went on a machine without any call of
// the run (rules ENV-*): the difference between a fresh listing of the
// machine and what a model holds. The checker reads a listing when an answer
// could only be explained by such a change; the simulator backend lists its
// own machine the same way netsh lists a real one.
#ifndef PORTPOOL_CONFORMANCE_ENVIRONMENT_CHANGES_H_
#define PORTPOOL_CONFORMANCE_ENVIRONMENT_CHANGES_H_

#include <utility>
#include <vector>

#include "portpool/call.h"
#include "portpool/conformance/netsh_parse.h"
#include "portpool/machine.h"
#include "portpool/outcome.h"

namespace portpool::conformance {

// What `machine` holds, as netsh would list it: every block of each
// protocol (persistent ones administered, store=active ones marked so), and
// the dynamic ranges of both IP versions.
MachineSnapshot ListingOf(const Machine& machine);

// The changes that bring `model` to what `listing` shows, in the order to
// apply them (what went first, then what appeared):
//   - a block the model holds that the listing lacks went, if something
//     outside the run may remove it: the environment's runtime blocks, and
//     administered blocks (never a process's own runtime block, which goes
//     only with its socket);
//   - an entry the model lacks appeared, if it overlaps no block the model
//     keeps: an unmarked one as a runtime block, an administered one as a
//     persistent block, or a store=active one.
// `call` (in the model's ids) ran just before the listing was read and has
// not been applied to `model`; the block its `outcome` made or removed (a
// Create's, an Acquire's, a Delete's) is its own doing and is left out.
// `run_blocks` are the blocks processes of the run made (every Create and
// Acquire that succeeded): a change with exactly such a range is left out
// too. It would be the run's own block kept when it should have gone, or
// gone when it should have been kept: a divergence for the checker to
// report, not something to explain away as the environment.
std::vector<call::EnvironmentBlock> EnvironmentChanges(
    const MachineSnapshot& listing, const Machine& model, const Call& call, const Outcome& outcome,
    const std::vector<std::pair<Protocol, PortRange>>& run_blocks = {});

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_ENVIRONMENT_CHANGES_H_
