// The model's invariants: what must hold whatever calls ran, answer by
// answer. The fuzz targets check them after every call, the exhaustive
// explorer (portpool explore) at every state it reaches.
#ifndef PORTPOOL_TESTING_MODEL_INVARIANTS_H_
#define PORTPOOL_TESTING_MODEL_INVARIANTS_H_

#include <string>

#include "portpool/machine.h"

namespace portpool::testing {

// "" if they all hold; else the first that does not. Cheap enough for every
// call (linear in the blocks, bindings, processes and sockets):
//   - blocks of a protocol are non-empty and fit below 65536; two overlap
//     only as an IPv4 and an IPv6 runtime block (POOL-PER-PROTOCOL,
//     P-CREATE-OVERLAP, R-ACQUIRE-OVERLAP, R-ACQUIRE-OTHER-FAMILY);
//   - every known token is non-zero, held by one block of its protocol
//     only, and the protocol's token index finds that block (TOKEN-UNIQUE);
//   - a runtime block of a process has a live owner and an open socket, of
//     that owner and protocol, that lists the block as acquired; every
//     acquired start is such a block (SOCK-CLOSE, PROCESS-END,
//     REBOOT-ENDS-PROCESSES); the environment's runtime blocks have no owner
//     (ENV-RUNTIME-BLOCK);
//   - a binding names an open socket of the protocol and family whose bound
//     port it is, and every bound socket has its binding;
//   - sockets belong to live processes that list them, and the other way round;
//   - the dynamic ranges of both IP versions fit (DYN-RANGE-FAMILY).
std::string CheckInvariants(const Machine& machine);

// The same and, with a scan of all 65,536 ports per protocol, that the
// pool's free-port bitmap agrees with its blocks and bindings. For the end
// of a run, not every call.
std::string CheckInvariantsFully(const Machine& machine);

}  // namespace portpool::testing

#endif  // PORTPOOL_TESTING_MODEL_INVARIANTS_H_
