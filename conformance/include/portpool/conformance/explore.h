// Bounded-exhaustive exploration: every state of the model that calls inside
// a small universe (universe.h) can reach, breadth first, to a fixpoint or a
// depth bound (docs/exhaustive.md).
//
// From each state the explorer makes every call the universe allows and, for
// each call, follows EVERY answer the model allows: an answer with an open
// payload (a wildcard block, an ephemeral port, a fresh token) becomes one
// successor per concrete value inside the universe. States equal up to the
// names of processes, sockets and tokens are one state (canonical_state.h);
// a 128-bit fingerprint of each is kept in the visited set.
//
// At every state and transition it checks: each call's answer set is
// non-empty and Expect succeeds; each allowed answer is one Observe accepts;
// the invariants hook holds; a second judge (the table oracle in tests and in
// the CLI) accepts exactly the candidate answers the model accepts, and
// holds the same state. With a mutant as the system, the mutant's allowed
// answers must equal the model's and every answer its simulator gives must
// be allowed: the depth of the first that is not is the mutant's kill depth.
//
//   ExploreOptions options;
//   options.universe.protocols = {Protocol::kTcp, Protocol::kUdp};
//   ExploreResult result = Explore(options);
//   if (result.failure) std::cout << traces::Print(result.failure->trace);
#ifndef PORTPOOL_CONFORMANCE_EXPLORE_H_
#define PORTPOOL_CONFORMANCE_EXPLORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "portpool/call.h"
#include "portpool/conformance/universe.h"
#include "portpool/error.h"
#include "portpool/machine.h"
#include "portpool/outcome.h"
#include "portpool/traces/trace.h"

namespace portpool::conformance {

// A second, independent judge that follows the model step by step.
class SecondJudge {
 public:
  virtual ~SecondJudge() = default;
  virtual std::unique_ptr<SecondJudge> Clone() const = 0;
  // Becomes a copy of `other` (a judge of the same kind), reusing its own
  // memory: the explorer does this once per state.
  virtual void Assign(const SecondJudge& other) = 0;
  // The error codes it allows for `call`, and whether it allows success;
  // nullopt if it cannot judge the call (then it is not asked about it).
  struct Allowed {
    std::vector<Error> errors;
    bool success = false;
  };
  virtual std::optional<Allowed> Judge(const Call& call) const = 0;
  // "" if it allows `outcome`; else why not.
  virtual std::string WhyNot(const Call& call, const Outcome& outcome) const = 0;
  // Learns from an outcome; `model` is the model after it (for tokens the
  // model settled without an outcome, at a reboot).
  virtual void Apply(const Call& call, const Outcome& outcome, const Machine& model) = 0;
  // "" if it holds the same state as `model`.
  virtual std::string Compare(const Machine& model) const = 0;
  // What it is, for the report ("table oracle").
  virtual std::string name() const = 0;
};

struct ExploreProgress {
  size_t states = 0;
  size_t transitions = 0;
  size_t depth = 0;     // of the states being expanded
  size_t frontier = 0;  // states left to expand
  double seconds = 0;
  bool done = false;
};

struct ExploreOptions {
  Universe universe;
  // The longest path explored: states up to this many calls from the
  // initial state are found and checked, the ones at the bound are not
  // expanded. nullopt: until no new state appears (the fixpoint).
  std::optional<size_t> max_depth;
  // Stop (without a fixpoint) after expanding this many states; 0: no limit.
  size_t max_states = 0;
  // The system whose answers are judged: Mutant::kNone explores the model
  // against itself and the second judge; a mutant is checked against the
  // correct model (its kill depth).
  Mutant system = Mutant::kNone;
  // "" if the model's invariants hold (e.g. testing::CheckInvariants).
  std::function<std::string(const Machine&)> invariants;
  // Made once; cloned along the exploration. Null: no second judge.
  std::function<std::unique_ptr<SecondJudge>()> second_judge;
  // Called every `progress_every` states and at the end.
  std::function<void(const ExploreProgress&)> progress;
  size_t progress_every = 10000;
  // Collect probe traces for the unknowns (docs/semantics.md section 4:
  // U1..U15, C1..C3, M1..M7):
  // the shortest situations, at most this many per unknown; 0: none.
  size_t probes_per_unknown = 0;
  // Seed of the machines (it decides the tokens a reboot settles).
  uint64_t seed = 1;
};

struct ExploreFailure {
  size_t depth = 0;  // of the transition that failed
  std::string what;  // what went wrong
  // The shortest path from the initial state, ending in the failing call
  // with the answer in question: `portpool replay` reproduces it.
  traces::Trace trace;
};

struct ProbeTrace {
  std::string unknown;  // "U4"
  std::string name;     // a file name: "U4-d3-release-1.trace"
  traces::Trace trace;
};

struct ExploreResult {
  size_t states = 0;
  size_t transitions = 0;
  // Calls judged (each call from each state) and candidate answers judged.
  size_t calls = 0;
  size_t answers_judged = 0;
  size_t depth = 0;       // the deepest state found
  bool fixpoint = false;  // no state is left unexpanded
  double seconds = 0;
  std::vector<size_t> states_per_depth;
  std::string second_judge;  // its name, or "" if none
  std::optional<ExploreFailure> failure;
  std::vector<ProbeTrace> probes;
};

ExploreResult Explore(const ExploreOptions& options);

// A Markdown report of a run: the universe, the figures, the checks made,
// the failure if any. `peak_memory_bytes` 0: not known.
std::string ExploreReportMarkdown(const ExploreOptions& options, const ExploreResult& result,
                                  uint64_t peak_memory_bytes);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_EXPLORE_H_
