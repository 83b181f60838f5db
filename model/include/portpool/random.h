// Deterministic randomness for the simulator: splitmix64.
//
// splitmix64's sequence is fixed by its definition, not by a library version,
// so one seed gives the same simulation on every platform and compiler. Its
// output function is a bijection on 64-bit values, which TokenSource uses to
// issue tokens that never repeat.
#ifndef PORTPOOL_RANDOM_H_
#define PORTPOOL_RANDOM_H_

#include <cstdint>

namespace portpool {

// The splitmix64 output function: a bijection on uint64_t.
constexpr uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class SplitMix64 {
 public:
  explicit constexpr SplitMix64(uint64_t seed) : state_(seed) {}
  constexpr uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix64(state_);
  }
  // A value in [0, bound); bound must be > 0. The tiny modulo bias is
  // irrelevant here: choices only need to be reproducible and spread out.
  constexpr uint64_t Below(uint64_t bound) { return Next() % bound; }

 private:
  uint64_t state_;
};

// Issues tokens that are never 0 and never repeat for one seed: the n-th
// token is Mix64 of a seed-derived key plus n, and Mix64 is a bijection.
class TokenSource {
 public:
  explicit constexpr TokenSource(uint64_t seed) : key_(Mix64(seed ^ 0x746f6b656e73ULL)) {}
  constexpr uint64_t Next() {
    for (;;) {
      const uint64_t token = Mix64(key_ + counter_++);
      if (token != 0) return token;
    }
  }

 private:
  uint64_t key_;
  uint64_t counter_ = 0;
};

}  // namespace portpool

#endif  // PORTPOOL_RANDOM_H_
