// Writing a Trace in the canonical trace text format (docs/trace-format.md).
//
//   std::string text = portpool::traces::Print(trace);
//
// Canonical means: the header, the provenance lines, the comments and the
// steps, one per line, each ending in "\n"; single spaces; payload fields in
// the fixed order process, socket, block, token, port; lowercase keywords;
// literal tokens in lowercase hex; buffer sizes only where they differ from
// the defaults. For canonical text, Print(Parse(text)) == text, and for every
// trace that ValidateTrace accepts, Parse(Print(trace)) == trace.
#ifndef PORTPOOL_TRACES_PRINT_H_
#define PORTPOOL_TRACES_PRINT_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "portpool/traces/trace.h"

namespace portpool::traces {

// The whole trace as canonical text.
//
// Print never writes a line that the parser would read as something other
// than it was meant: a comment or provenance text holding a line break is
// written as several lines, control characters and invalid UTF-8 become
// '?', trailing blanks are dropped and an empty provenance line is left out.
// Such a trace (one ValidateTrace rejects) therefore does not come back
// unchanged from Parse(Print(trace)).
std::string Print(const Trace& trace);

// One step as its line, without comments or line ending:
// "p1 create tcp 5000 10 -> NO_ERROR token=$a".
std::string PrintStep(const Step& step);

// Comment lines as Print writes them, "# TEXT\n" each (a text with line
// breaks becomes several): for writers that append to a trace line by line.
std::string PrintComments(const std::vector<std::string>& comments);

// The step's call alone, as its line starts: "p1 create tcp 5000 10"
// (ParseCallLine reads it back).
std::string PrintCall(const Step& step);

// OK when Parse(Print(trace)) == trace; otherwise InvalidArgument saying what
// the text format cannot express, e.g. "step 3: token name 'a' does not match
// \$[A-Za-z0-9_]+". The conditions:
//   - provenance lines are non-empty, without leading or trailing blanks;
//     comments have no trailing blanks; neither holds control characters
//     (tab aside) or invalid UTF-8;
//   - the first step has no comments (comments above it belong to the
//     trace), and a trace without steps has no trailing comments;
//   - process names are p1 and up (not p0);
//   - token names match \$[A-Za-z0-9_]+; a named token's numeric field is 0;
//     only release and associate have a token argument;
//   - only create, lookup, delete, acquire and bind have a raw port.
absl::Status ValidateTrace(const Trace& trace);

// For test failure messages: the step's line, and the trace's text.
std::ostream& operator<<(std::ostream& os, const Step& step);
std::ostream& operator<<(std::ostream& os, const Trace& trace);

}  // namespace portpool::traces

#endif  // PORTPOOL_TRACES_PRINT_H_
