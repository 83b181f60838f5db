// Heap accounting for the memory benchmarks: the bench binary replaces the
// global operator new and delete (heap_counter.cc) so that the live heap
// bytes of a data structure can be measured.
//
//   portpool::bench::HeapCounter counter;   // starts counting
//   Machine machine(42); ...                // build it inside the window
//   int64_t bytes = counter.LiveBytes();    // what it holds now
//
// Bytes are malloc_usable_size of each block: what the allocator really
// hands out, rounding included (glibc's 8-byte chunk header excluded).
// Counting is off outside a HeapCounter's lifetime, so the timed benchmarks
// pay one predictable branch per allocation. Single-threaded use only.
#ifndef PORTPOOL_BENCH_HEAP_COUNTER_H_
#define PORTPOOL_BENCH_HEAP_COUNTER_H_

#include <cstdint>

namespace portpool::bench {

class HeapCounter {
 public:
  HeapCounter();
  ~HeapCounter();
  HeapCounter(const HeapCounter&) = delete;
  HeapCounter& operator=(const HeapCounter&) = delete;

  // Bytes allocated minus bytes freed since construction.
  int64_t LiveBytes() const;
  // Allocations since construction.
  int64_t Allocations() const;
};

}  // namespace portpool::bench

#endif  // PORTPOOL_BENCH_HEAP_COUNTER_H_
