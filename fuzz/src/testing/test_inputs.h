// Inputs and messages shared by the tests of the fuzz sessions: random byte
// strings standing in for fuzzer inputs, and why a replayed trace failed.
#ifndef PORTPOOL_FUZZ_TESTING_TEST_INPUTS_H_
#define PORTPOOL_FUZZ_TESTING_TEST_INPUTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "portpool/traces/replay.h"

namespace portpool::fuzz::testing {

// `size` bytes from a SplitMix64 stream seeded with `seed`: the same seed
// gives the same input on every machine.
std::vector<uint8_t> RandomBytes(uint64_t seed, size_t size);

// "" for a conforming replay; else its error, or its divergence as
// "CALL -> RECORDED; allowed ALLOWED".
std::string ReplayFailure(const traces::ReplayResult& result);

}  // namespace portpool::fuzz::testing

#endif  // PORTPOOL_FUZZ_TESTING_TEST_INPUTS_H_
