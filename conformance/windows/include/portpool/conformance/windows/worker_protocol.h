// The wire between a WorkerPoolBackend (worker_pool.h) and a `portpool
// worker` process: the trace format (docs/trace-format.md), one line at a
// time. A worker runs the calls of one model process on its backend (the
// real API as the OS process it is, or the simulator); its output is a trace
// of that process, in the worker's own ids and with literal token values:
//
//   worker:  portpool-trace 1
//   worker:  provenance: windows build=22631 elevated=no
//   driver:  start-process normal
//   worker:  start-process normal -> NO_ERROR process=p1
//   driver:  p1 socket tcp ipv4
//   worker:  p1 socket tcp ipv4 -> NO_ERROR socket=s1
//   driver:  p1 create tcp 20000 4
//   worker:  # error UNIMPLEMENTED: unsupported on this system: ...
//
// The driver sends a call line (traces::PrintCall); the worker answers with
// exactly one line: the step (traces::PrintStep, call and answer), or, when
// its backend could not run the call at all, a comment "# error CODE:
// MESSAGE" with the absl status code's name. A line the worker cannot parse
// is answered the same way (INVALID_ARGUMENT). The worker ends at the end of
// its input, closing its sockets as any process does.
#ifndef PORTPOOL_CONFORMANCE_WINDOWS_WORKER_PROTOCOL_H_
#define PORTPOOL_CONFORMANCE_WINDOWS_WORKER_PROTOCOL_H_

#include <istream>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portpool/call.h"
#include "portpool/conformance/backend.h"
#include "portpool/outcome.h"

namespace portpool::conformance {

// The worker's first lines: the trace header, then "provenance: " and the
// backend's Describe().
std::string WorkerGreeting(absl::string_view description);
// The description in a greeting's provenance line; an error if `header` and
// `provenance` are not a greeting.
absl::StatusOr<std::string> ParseWorkerGreeting(absl::string_view header,
                                                absl::string_view provenance);

// "p1 create tcp 20000 4": the request for `call`.
std::string WorkerRequest(const Call& call);
// The call of a request line; an error naming the column if it is not one.
absl::StatusOr<Call> ParseWorkerRequest(absl::string_view line);

// The answer line for `call`: its step, or "# error CODE: MESSAGE" (line
// breaks in MESSAGE become spaces).
std::string WorkerAnswer(const Call& call, const absl::StatusOr<Outcome>& answer);
// What an answer line to `sent` says: the outcome, the backend's error, or
// an Internal error if the line is neither, or is the step of another call.
absl::StatusOr<Outcome> ParseWorkerAnswer(const Call& sent, absl::string_view line);

// The worker's loop: greets, then answers each request line of `in` with
// `backend` and flushes, until `in` ends. Returns the exit code: 0, or 1 if
// `out` failed.
int RunWorker(Backend& backend, std::istream& in, std::ostream& out);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_WINDOWS_WORKER_PROTOCOL_H_
