#include "portpool/traces/simulate.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "portpool/machine.h"
#include "portpool/traces/record.h"
#include "portpool/traces/workload.h"

namespace portpool::traces {

absl::StatusOr<Trace> Simulate(const SimulateOptions& options) {
  Machine machine(options.seed);
  WorkloadOptions workload_options;
  workload_options.seed = options.seed;
  workload_options.sockets = options.sockets;
  workload_options.reboot_at = options.calls / 2;
  Workload workload(workload_options);

  TraceRecorder recorder;
  recorder.AddProvenance(absl::StrCat("simulator seed=", options.seed, " calls=", options.calls,
                                      options.sockets ? "" : " persistent-only=yes"));
  for (int i = 0; i < options.calls; ++i) {
    const Call call = workload.Next(machine);
    auto outcome = machine.Run(call);
    if (!outcome.ok()) {
      return absl::InternalError(absl::StrCat("the simulator refused call ", i + 1, " (",
                                              DescribeCall(call),
                                              "): ", outcome.status().message()));
    }
    workload.Observe(call, *outcome);
    recorder.Record(call, *outcome);
  }
  return std::move(recorder).Finish();
}

}  // namespace portpool::traces
