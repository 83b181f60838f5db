// What a fuzzer input stands for, as trace text: `portpool from-fuzz` writes
// it, and every fuzz target prints it before it aborts on a finding.
//
//   absl::StatusOr<std::string> text = portpool::fuzz::InputTrace("calls", bytes);
#ifndef PORTPOOL_FUZZ_INPUT_TRACE_H_
#define PORTPOOL_FUZZ_INPUT_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace portpool::fuzz {

// The fuzz targets, by the names scripts/fuzz.sh and `portpool from-fuzz
// --target` use: "calls", "parser", "win32", "checker".
const std::vector<std::string>& TargetNames();

// The trace `data` stands for as an input of `target`, in the trace format:
//   calls    the decoded calls with the simulator's answers;
//   win32    what the Win32 surface passed to the model, with its answers;
//            raw calls the surface answered itself are comments;
//   checker  the checked calls with the recorded (fuzzed) answers, the
//            divergent one last;
//   parser   the input itself: it is trace text already. If it does not
//            parse, the error is in the result's status.
// The first three always replay (`portpool replay`); the trace of a finding
// shows it (a divergence) or at least the calls leading to it (a crash).
// InvalidArgument for an unknown target.
absl::StatusOr<std::string> InputTrace(absl::string_view target, absl::Span<const uint8_t> data);

}  // namespace portpool::fuzz

#endif  // PORTPOOL_FUZZ_INPUT_TRACE_H_
