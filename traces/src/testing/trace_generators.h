// rapidcheck generators of arbitrary valid Traces: every call and answer
// form the text format has, raw ports, literal and named tokens, odd buffer
// sizes, unnamed error codes, comments with tabs and non-ASCII text. "Valid"
// means ValidateTrace accepts it (print.h), so Parse(Print(t)) == t.
//
// The traces are syntactic: names need not be bound and answers need not be
// ones Windows would give. For replayable traces, record a simulation
// instead (record.h).
//
//   RC_GTEST_PROP(MyTest, Prop, ()) {
//     const portpool::traces::Trace trace = *portpool::traces::testing::GenTrace();
//     ...
//   }
#ifndef PORTPOOL_TRACES_TESTING_TRACE_GENERATORS_H_
#define PORTPOOL_TRACES_TESTING_TRACE_GENERATORS_H_

#include <cstddef>
#include <string>

#include "portpool/call.h"
#include "portpool/traces/print.h"  // operator<< for counterexamples
#include "portpool/traces/trace.h"
#include "rapidcheck.h"

namespace portpool::traces::testing {

// A comment's text: printable UTF-8 and tabs, no trailing blank; may be empty.
rc::Gen<std::string> GenCommentText();
// A provenance line's text: like a comment, non-empty, no leading blank.
rc::Gen<std::string> GenProvenanceText();
// "$" and one or more of [A-Za-z0-9_]; mostly short names like $a.
rc::Gen<std::string> GenTokenName();
// Any call, with process names p1 and up.
rc::Gen<Call> GenCall();
// A step without comments: a call, its raw-port and token-name decorations,
// and an outcome with any subset of the payload fields.
rc::Gen<Step> GenStep();

struct TraceOptions {
  size_t max_steps = 30;
};
// A whole trace: provenance, comments (on the trace, its steps but the first,
// and trailing when there are steps) and steps.
rc::Gen<Trace> GenTrace(const TraceOptions& options = {});

}  // namespace portpool::traces::testing

#endif  // PORTPOOL_TRACES_TESTING_TRACE_GENERATORS_H_
