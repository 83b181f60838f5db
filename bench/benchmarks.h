// The benchmark families of portpool_bench, registered from main.cc.
//
// Every benchmark reports its figure as a user counter (so that the JSON
// holds it directly, whatever the time unit):
//   PerCall/<op>/<engine>/<N>    ns_per_op        (per_call_bench.cc)
//   Mixed/<driver>               calls_per_s      (workload_bench.cc)
//   Replay/<what>                lines_per_s      (workload_bench.cc)
//   Reboot/<N>                   ns_per_reboot, ns_per_reservation
//   Memory/<what>/<N>            bytes_per_reservation
#ifndef PORTPOOL_BENCH_BENCHMARKS_H_
#define PORTPOOL_BENCH_BENCHMARKS_H_

#include <vector>

namespace portpool::bench {

// The pool sizes (reservations already present) of the per-call benchmarks.
inline const std::vector<int> kPoolSizes = {1, 100, 10000, 60000};

void RegisterPerCallBenchmarks();
void RegisterWorkloadBenchmarks();

}  // namespace portpool::bench

#endif  // PORTPOOL_BENCH_BENCHMARKS_H_
