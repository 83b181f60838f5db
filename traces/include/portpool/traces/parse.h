// Reading the trace text format (docs/trace-format.md) into a Trace.
//
//   absl::StatusOr<Trace> trace = portpool::traces::ParseFile("traces/regression/x.trace");
//   if (!trace.ok()) std::cerr << trace.status().message() << "\n";
//   // "traces/regression/x.trace:7:12: expected a port count, found 'ten'"
//
// The parser is purely syntactic: it checks the grammar, not whether names
// are bound or answers are allowed (that is the replayer's job). It never
// crashes, hangs or allocates without bound, whatever the input bytes: a
// malformed trace is an InvalidArgument status whose message is
// "FILE:LINE:COLUMN: what went wrong", with LINE and COLUMN 1-based and
// COLUMN counting bytes, pointing at the offending token. Inputs beyond the
// limits below are rejected with a message naming the limit.
#ifndef PORTPOOL_TRACES_PARSE_H_
#define PORTPOOL_TRACES_PARSE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portpool/traces/trace.h"

namespace portpool::traces {

// The longest line, in bytes, not counting its line ending.
inline constexpr size_t kMaxLineLength = 4096;
// The largest trace, in bytes.
inline constexpr uint64_t kMaxTraceSize = uint64_t{64} << 20;  // 64 MiB
// The most steps a trace may have.
inline constexpr size_t kMaxSteps = 1'000'000;
// The most comment and provenance lines a trace may have, together.
inline constexpr size_t kMaxCommentLines = 1'000'000;

struct ParseOptions {
  size_t max_line_length = kMaxLineLength;
  uint64_t max_trace_size = kMaxTraceSize;
  size_t max_steps = kMaxSteps;
  size_t max_comment_lines = kMaxCommentLines;
};

// Parses a whole trace held in memory. `file` names it in error messages
// (the path it came from, or e.g. "<stdin>").
absl::StatusOr<Trace> Parse(absl::string_view text, absl::string_view file = "<trace>",
                            const ParseOptions& options = {});

// Reads and parses the file at `path`, which also names it in error
// messages. The file is streamed line by line through a bounded buffer, and
// a regular file larger than options.max_trace_size is rejected before it is
// read: a huge or endless input fails fast. A missing file is NotFound; any
// other failure to read it is InvalidArgument; both name the path.
absl::StatusOr<Trace> ParseFile(const std::string& path, const ParseOptions& options = {});

// Parses one step line ("p1 create tcp 5000 10 -> NO_ERROR token=$a"),
// without the header a trace needs. Errors read "<step>:1:COLUMN: ...".
absl::StatusOr<Step> ParseStep(absl::string_view line);

// Parses a call alone, a step line without its "-> answer" ("p1 create tcp
// 5000 10"): the request line of the worker protocol
// (conformance/windows/worker_protocol.h). The step's outcome stays empty.
// Errors read "<call>:1:COLUMN: ...".
absl::StatusOr<Step> ParseCallLine(absl::string_view line);

}  // namespace portpool::traces

#endif  // PORTPOOL_TRACES_PARSE_H_
