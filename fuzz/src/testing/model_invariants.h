// The model's invariants, checked on a Machine after every call by the fuzz
// targets: what must hold whatever calls ran, answer by answer.
#ifndef PORTPOOL_FUZZ_TESTING_MODEL_INVARIANTS_H_
#define PORTPOOL_FUZZ_TESTING_MODEL_INVARIANTS_H_

#include <string>

#include "portpool/machine.h"

namespace portpool::fuzz::testing {

// "" if they all hold; else the first that does not. Cheap enough for every
// call (linear in the blocks, bindings, processes and sockets):
//   - blocks of a protocol are non-empty, fit below 65536 and are disjoint
//     (POOL-PER-PROTOCOL, P-CREATE-OVERLAP, R-ACQUIRE-OVERLAP);
//   - every known token is non-zero, held by one block only, and the token
//     index finds that block (TOKEN-UNIQUE);
//   - a runtime block's owner is live and its socket open, of that owner and
//     protocol, and lists the block as acquired; every acquired start is such
//     a block (SOCK-CLOSE, PROCESS-END, REBOOT-ENDS-PROCESSES);
//   - a binding names an open socket of the protocol and family whose bound
//     port it is, and every bound socket has its binding;
//   - sockets belong to live processes that list them, and the other way round;
//   - the dynamic ranges fit (DYN-RANGE-SET).
std::string CheckInvariants(const Machine& machine);

// The same and, with a scan of all 65,536 ports per protocol, that the
// pool's free-port bitmap agrees with its blocks and bindings. For the end
// of a run, not every call.
std::string CheckInvariantsFully(const Machine& machine);

}  // namespace portpool::fuzz::testing

#endif  // PORTPOOL_FUZZ_TESTING_MODEL_INVARIANTS_H_
