// The simulator as one machine that several OS processes share, the way
// processes share Windows: what `portpool worker --backend simulator --state
// FILE` runs, so that a pool of workers (worker_pool.h) can be tested
// anywhere, with the simulator standing in for the operating system.
//
// The machine is the state file: a trace of every call any process made on
// it, in the machine's own ids and literal token values. For each call a
// backend locks the file, rebuilds the seeded Machine by running those calls
// again (the simulator is deterministic, so it gives the same answers; a
// file that does not is an error), runs its call, appends the step and
// unlocks. Like an operating system it also notices processes that died:
// each start-process step is followed by the OS process id of the worker
// that made it ("# os-pid 1234 of p2"), and a model process whose OS process
// is gone is ended (its sockets close) before the next call runs.
#ifndef PORTPOOL_CONFORMANCE_WINDOWS_SHARED_SIMULATOR_H_
#define PORTPOOL_CONFORMANCE_WINDOWS_SHARED_SIMULATOR_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "portpool/call.h"
#include "portpool/conformance/backend.h"
#include "portpool/ids.h"
#include "portpool/outcome.h"

namespace portpool::conformance {

class SharedSimulatorBackend final : public Backend {
 public:
  // Every backend sharing `state_path` must use the same `seed`.
  SharedSimulatorBackend(std::string state_path, uint64_t seed);

  // "simulator seed=N shared".
  std::string Describe() const override;
  // Processes of either elevation and their ends (reboots and dynamic-range
  // changes are the machine's: a process does not make them).
  Capabilities capabilities() const override;
  // Runs `call` on the shared machine. Ids are the machine's: the process a
  // start-process answers is the one this backend then speaks for, and it
  // speaks for no other.
  absl::StatusOr<Outcome> Run(const Call& call) override;
  // What the shared machine holds now, every process's blocks included, as
  // netsh would list it (ListingOf): what a pool of these workers lists.
  absl::StatusOr<MachineSnapshot> Listing() override;

 private:
  std::string path_;
  uint64_t seed_;
  std::optional<ProcessId> process_;
};

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_WINDOWS_SHARED_SIMULATOR_H_
