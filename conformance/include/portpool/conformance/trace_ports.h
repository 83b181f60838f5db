// Moving a trace's ports: hand-written traces for real machines (the probes
// of traces/probes/) name their specific ports in kTraceWindow, and a real
// machine runs them in whatever sandbox window it allows, so recording moves
// them there (conformance/windows/record_run.h) and the behaviour table
// (matrix.h) moves recordings back to compare runs of different machines.
#ifndef PORTPOOL_CONFORMANCE_TRACE_PORTS_H_
#define PORTPOOL_CONFORMANCE_TRACE_PORTS_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "portpool/port_range.h"
#include "portpool/traces/trace.h"

namespace portpool::conformance {

// Where hand-written traces for real machines put their specific ports: the
// default sandbox window (SandboxOptions' scan start and size).
inline constexpr PortRange kTraceWindow{20000, 256};

// Which ports RelocatePorts moves besides the call arguments.
enum class MoveAnswers : uint8_t {
  kNo,   // only the calls (a recording replaces the answers anyway)
  kYes,  // the answers' blocks and ports inside the window too
};

// `trace` with every port argument inside `from` (Create, Lookup and Delete
// starts, specific acquires, specific binds) moved by the same offset so
// that `from.start` becomes `to_start`. Ports outside `from`, port 0 and raw
// ports are left as they are; so are the recorded answers unless `answers`
// is kYes (then an answer's block or port inside `from` moves too). An error
// if the moved ports would pass 65535.
absl::StatusOr<traces::Trace> RelocatePorts(const traces::Trace& trace, PortRange from,
                                            uint16_t to_start,
                                            MoveAnswers answers = MoveAnswers::kNo);

// The span of `trace`'s specific port arguments (lowest to highest, the
// ports RelocatePorts would move), or nullopt if it names none.
std::optional<PortRange> SpecificPortSpan(const traces::Trace& trace);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_TRACE_PORTS_H_
