// Replay: the checker for traces. Feeds a trace's steps, one by one, to an
// observer Machine and judges each recorded answer against the answers the
// model allows (Expect, Check), learning from it when it conforms (Observe).
//
// Names. A trace speaks in names (p1, s2, $a), the Machine in ids and token
// values. The Replayer binds:
//   - a process or socket name when the recorded outcome of a start-process
//     or socket step creates it, to the Machine's next fresh id;
//   - a token name the first time it appears (in an outcome, or as an
//     argument), to a synthetic value: never 0, distinct for every name, and
//     distinct from every literal token in the trace. A name first used as an
//     argument is thus a made-up ("bogus") token with a value no outcome has
//     returned.
// A name always stands for one value, across reboots too.
//
// Verdicts. For every step the replay records whether it conforms and the
// rule of the allowed answer it matched. It stops at the first step whose
// recorded answer the model does not allow: that is the divergence, with
// the call, the recorded answer, the allowed answers and the rules the
// model drew on. A step the model cannot even judge (a name never bound, a
// process or socket name bound twice, a call from a process that has ended)
// is bad input: the replay stops with a ReplayError, which is not a
// divergence.
//
//   ReplayResult result = Replay(trace);
//   if (result.error) ...           // bad input, at result.error->line
//   else if (result.divergence) ... // the model forbids a recorded answer
//   else ...                        // result.conforms
#ifndef PORTPOOL_TRACES_REPLAY_H_
#define PORTPOOL_TRACES_REPLAY_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "portpool/machine.h"
#include "portpool/protocol.h"
#include "portpool/rules.h"
#include "portpool/traces/trace.h"

namespace portpool::traces {

// A rule as a divergence cites it.
struct RuleCitation {
  std::string id;
  std::string evidence;  // "documented", ...; empty if not in the catalogue
  std::string source;    // the catalogue's source tags
  std::string summary;
};

// The first step whose recorded answer the model forbids.
struct Divergence {
  size_t step = 0;       // 0-based index into Trace::steps
  int line = 0;          // the step's line in its file (0 if built in memory)
  std::string call;      // the step's call, as the trace writes it
  std::string recorded;  // the recorded answer, as the trace writes it
  std::string allowed;   // the allowed answers, tokens by name
  // Every rule the expectation drew on, in order: the allowed answers'
  // rules, then the rules it relied on besides.
  std::vector<RuleCitation> rules;
};

// Bad input: a step the model cannot judge.
struct ReplayError {
  size_t step = 0;
  int line = 0;
  std::string message;
};

struct StepVerdict {
  size_t step = 0;  // index into Trace::steps
  int line = 0;
  bool conforms = false;
  RuleId rule;  // the matched answer's rule (when it conforms)
};

struct ReplayResult {
  // Every step conformed. False on a divergence and on bad input.
  bool conforms = false;
  // The first divergence.
  std::optional<Divergence> divergence;
  // With ReplayOptions::keep_going: every divergence after the first, in
  // order; and, if the model could not adopt a recorded answer (Machine::
  // Adopt), why, at the divergence where the replay stopped.
  std::vector<Divergence> later_divergences;
  std::optional<std::string> lost;
  std::optional<ReplayError> error;
  // Steps judged, including a divergent one (not a bad one).
  size_t steps_checked = 0;
  std::vector<StepVerdict> verdicts;
  // Per rule ID: how many conforming steps matched an answer of that rule
  // or relied on it besides (Expectation::also).
  std::map<std::string, int> coverage;
  // The observer Machine after the last conforming step.
  Machine machine{0};
  // Machine ids and token values back to the trace's names.
  absl::flat_hash_map<ProcessId, std::string> process_names;
  absl::flat_hash_map<SocketId, std::string> socket_names;
  absl::flat_hash_map<Token, std::string> token_names;

  bool diverges() const { return divergence.has_value(); }
  bool bad_input() const { return error.has_value(); }
};

struct ReplayOptions {
  // Go on after a divergence: the model adopts the recorded answer
  // (Machine::Adopt) and judges the next step against it, so a recorded run
  // shows every divergence, not only the first. A recorded answer the model
  // cannot hold stops the replay there (ReplayResult::lost).
  bool keep_going = false;
};

class Replayer {
 public:
  // Keeps a reference to `trace`, which must outlive the Replayer (and its
  // copies).
  explicit Replayer(const Trace& trace, ReplayOptions options = {});

  // Judges trace.steps[index] next. Returns false once the replay has
  // stopped (at a divergence or bad input); later calls do nothing. Steps
  // may be fed in any selection and order: Shrink replays sub-traces this
  // way without copying them, and copies a Replayer to replay several
  // continuations of one prefix.
  bool Feed(size_t index);
  bool stopped() const {
    return result_.error || result_.lost || (result_.divergence && !options_.keep_going);
  }
  // The result of the steps fed so far.
  ReplayResult Finish() &&;

  // Feeds every step of the trace, then finishes.
  ReplayResult Run() &&;

 private:
  struct Translated {
    Call call;
    Outcome outcome;
    // A process or socket name the outcome binds.
    std::optional<uint32_t> new_process_name;
    std::optional<uint32_t> new_socket_name;
  };
  // The step in Machine terms, or the reason it is bad input.
  absl::StatusOr<Translated> Translate(const Step& step);
  Token TokenValue(const std::string& name);
  std::string WithTokenNames(std::string text) const;
  void Fail(size_t index, const Step& step, std::string message);

  const Trace* trace_;
  ReplayOptions options_;
  Machine machine_{0};
  ReplayResult result_;
  absl::flat_hash_map<uint32_t, ProcessId> processes_;  // trace name number -> machine id
  absl::flat_hash_map<uint32_t, SocketId> sockets_;
  absl::flat_hash_map<uint32_t, int> process_lines_;  // where each name was bound
  absl::flat_hash_map<uint32_t, int> socket_lines_;
  absl::flat_hash_map<std::string, Token> tokens_;
  absl::flat_hash_set<Token> taken_;  // literals and values already handed out
  absl::flat_hash_map<RuleId, int> coverage_;
  uint32_t last_process_ = 0;
  uint32_t last_socket_ = 0;
  uint64_t token_counter_ = 0;
};

// Replays `trace` (Replayer(trace, options).Run()).
ReplayResult Replay(const Trace& trace, ReplayOptions options = {});

// The sockets bound at the end of a replay, one line per port of `protocol`
// in port order: "      5003  ipv4    s2 (p1)". Empty if none.
std::string FormatBoundPorts(const ReplayResult& result, Protocol protocol);

}  // namespace portpool::traces

#endif  // PORTPOOL_TRACES_REPLAY_H_
