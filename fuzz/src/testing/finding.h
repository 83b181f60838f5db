// How a fuzz target reports a finding: what went wrong, and the input as a
// trace, on stderr; then it aborts, so that libFuzzer saves the input.
#ifndef PORTPOOL_FUZZ_TESTING_FINDING_H_
#define PORTPOOL_FUZZ_TESTING_FINDING_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace portpool::fuzz::testing {

// Prints "portpool fuzz finding (TARGET): WHAT", the input's trace (see
// input_trace.h) between marker lines, and how to write it again with
// `portpool from-fuzz`; then aborts.
[[noreturn]] void ReportFinding(absl::string_view target, const uint8_t* data, size_t size,
                                absl::string_view what);

}  // namespace portpool::fuzz::testing

#endif  // PORTPOOL_FUZZ_TESTING_FINDING_H_
