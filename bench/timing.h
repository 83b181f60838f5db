// Clocks and statistics for the benchmarks.
//
// The machines this runs on are often shared (builds and tests of other
// jobs on the same cores), so figures are made robust to preemption:
//   - short timed batches (microseconds) use the wall clock, and a figure is
//     the median over batches: a batch that was preempted is an outlier;
//   - long batches and runs (a millisecond or more, often preempted) use the
//     thread's CPU time, which does not count time spent descheduled (a
//     read of that clock costs ~0.3-1 us here: too much for short batches).
// Neither removes the cache pollution other jobs cause; quiet machines give
// lower and steadier figures.
#ifndef PORTPOOL_BENCH_TIMING_H_
#define PORTPOOL_BENCH_TIMING_H_

#include <time.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace portpool::bench {

using WallClock = std::chrono::steady_clock;

inline double SecondsSince(WallClock::time_point start) {
  return std::chrono::duration<double>(WallClock::now() - start).count();
}

// CPU time of the calling thread, in seconds (costs ~0.3-1 us a read).
inline double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Times one batch with both clocks: the wall clock's figure if the batch
// was short, else the thread CPU time's.
class BatchTimer {
 public:
  static constexpr double kLongBatch = 200e-6;  // seconds

  void Start() {
    cpu_ = ThreadCpuSeconds();
    wall_ = WallClock::now();
  }
  // The batch's seconds.
  double Stop() const {
    const double wall = SecondsSince(wall_);
    return wall < kLongBatch ? wall : ThreadCpuSeconds() - cpu_;
  }

 private:
  double cpu_ = 0;
  WallClock::time_point wall_;
};

// The median of `values` (0 if empty).
inline double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  if (values.size() % 2 == 1) return values[mid];
  const double upper = values[mid];
  return (upper +
          *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid))) /
         2;
}

}  // namespace portpool::bench

#endif  // PORTPOOL_BENCH_TIMING_H_
