// Simulation to a trace: a seeded Workload run on the simulator (a Machine
// as backend), recorded with symbolic names. `portpool simulate` writes it;
// the property tests replay it. The replay of a simulated trace always
// conforms: the simulator only picks answers the model allows.
#ifndef PORTPOOL_TRACES_SIMULATE_H_
#define PORTPOOL_TRACES_SIMULATE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "portpool/traces/trace.h"

namespace portpool::traces {

struct SimulateOptions {
  uint64_t seed = 42;
  int calls = 40;
  // Sockets and the runtime ioctls, or only the persistent functions.
  bool sockets = true;
};

// Runs `options.calls` Workload calls (seeded with `seed`, rebooting at call
// calls/2) on Machine(seed). Provenance: "simulator seed=N calls=K", plus
// " persistent-only=yes" without sockets. Fails only if the simulator refuses a
// call of the workload (a bug).
absl::StatusOr<Trace> Simulate(const SimulateOptions& options);

}  // namespace portpool::traces

#endif  // PORTPOOL_TRACES_SIMULATE_H_
