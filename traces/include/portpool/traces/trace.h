// A trace: a sequence of calls with the answers observed for them, plus
// where the answers came from. The in-memory form of a .trace file (see
// docs/trace-format.md); parse.h reads it and print.h writes it.
//
// Processes, sockets and tokens are symbolic: p1, s2, $a. A process or socket
// name is bound by the step whose outcome creates it; a token name is bound
// by the first outcome that returns it and always stands for the same value
// afterwards (a token that changes across a reboot gets a new name).
#ifndef PORTPOOL_TRACES_TRACE_H_
#define PORTPOOL_TRACES_TRACE_H_

#include <optional>
#include <string>
#include <vector>

#include "portpool/call.h"
#include "portpool/outcome.h"

namespace portpool::traces {

inline constexpr int kFormatVersion = 1;

// One line of a trace: a call and its recorded answer.
//
// In `call` and `outcome`, ProcessId and SocketId hold the numbers of the
// trace's own names (p3 -> 3, s7 -> 7): they are names, not the ids of any
// machine. Tokens are symbolic where the *_token_name fields are set; the
// Token fields then hold 0 and mean nothing.
struct Step {
  Call call;
  // Release/Associate: the token argument's name ("$a"), or nullopt when
  // the trace gives a literal number (held in the call's token field).
  std::optional<std::string> token_argument;
  // The caller passed its port argument (StartPort, or bind's sin_port) in
  // host order by mistake ("raw:5000" in the text). The call's port is
  // already what Windows sees (the byte-swapped value, 34835 for raw:5000),
  // as the model needs it.
  bool raw_port = false;
  Outcome outcome;
  // The outcome's token name ("$a"), or nullopt for a literal or no token.
  std::optional<std::string> outcome_token_name;
  // Comment lines written directly above this step (without the '#').
  std::vector<std::string> comments;
  // 1-based line in the file it was parsed from; 0 if built in memory.
  int line = 0;

  // Equal when everything but `line` is equal: where a step was read from
  // does not change what it says, so Parse(Print(trace)) == trace.
  friend bool operator==(const Step& a, const Step& b) {
    return a.call == b.call && a.token_argument == b.token_argument && a.raw_port == b.raw_port &&
           a.outcome == b.outcome && a.outcome_token_name == b.outcome_token_name &&
           a.comments == b.comments;
  }
};

struct Trace {
  // "provenance:" header lines, in order, e.g. "simulator seed=42",
  // "windows build=22631 elevated=yes", "doc rule=P-CREATE-OVERLAP".
  std::vector<std::string> provenance;
  // Comment lines after the header and before the first step.
  std::vector<std::string> comments;
  std::vector<Step> steps;
  // Comment lines after the last step.
  std::vector<std::string> trailing_comments;

  friend bool operator==(const Trace&, const Trace&) = default;
};

}  // namespace portpool::traces

#endif  // PORTPOOL_TRACES_TRACE_H_
