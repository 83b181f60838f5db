// A seeded random workload: a stream of calls that make sense against the
// live state of a Machine (they name live processes, open sockets and tokens
// seen so far), steered into a small window of ports so that overlaps,
// exhaustion and boundaries happen often.
//
// Used by `portpool demo` and `portpool simulate`, and by benchmarks. The
// calls are plain data: any backend can run them.
#ifndef PORTPOOL_TRACES_WORKLOAD_H_
#define PORTPOOL_TRACES_WORKLOAD_H_

#include <cstdint>
#include <vector>

#include "portpool/call.h"
#include "portpool/machine.h"
#include "portpool/outcome.h"
#include "portpool/random.h"

namespace portpool::traces {

struct WorkloadOptions {
  uint64_t seed = 1;
  // Persistent and specific runtime blocks are drawn from this window.
  PortRange window{5000, 48};
  // Whether to use sockets and the runtime ioctls, or only the persistent
  // functions (and processes and reboots).
  bool sockets = true;
  // Issue a reboot as call number `reboot_at` (0-based); negative: never.
  int reboot_at = -1;
  // Chance in percent that any call is a reboot or a process end.
  int churn_percent = 2;
};

class Workload {
 public:
  explicit Workload(const WorkloadOptions& options);

  // The next call, chosen against `machine`'s current state.
  Call Next(const Machine& machine);
  // Records what the call answered (tokens to reuse later).
  void Observe(const Call& call, const Outcome& outcome);

 private:
  PortRange RandomBlock();
  Token RandomToken();
  Call PersistentCall(const Machine& machine, const std::vector<ProcessId>& live);
  Call SocketCall(const Machine& machine, ProcessId caller);

  WorkloadOptions options_;
  SplitMix64 rng_;
  int issued_ = 0;
  std::vector<Token> tokens_;  // tokens seen in outcomes, most recent last
  // Blocks that Create or Acquire gave, so Lookup, Delete and specific
  // acquires often name real ones.
  std::vector<std::pair<Protocol, PortRange>> blocks_;
};

}  // namespace portpool::traces

#endif  // PORTPOOL_TRACES_WORKLOAD_H_
