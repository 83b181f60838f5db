// The checker: runs calls on a backend and judges every answer against the
// model. One loop serves the simulator, real Windows and mutants alike:
//
//   expectation = model.Expect(call)      which answers Windows may give
//   outcome     = backend.Run(call)       what this backend answered
//   verdict     = model.Check(...)        allowed? by which rule?
//   model.Observe(call, outcome)          learn the answer
//
// The model is an observer Machine: it learns tokens and choices from the
// backend and never invents them. Process and socket ids are mapped between
// the backend's numbering and the model's.
//
// Two things happen when an answer is not allowed:
//
//   1. Environment changes. Other parts of Windows (HNS, WinNAT, Docker,
//      WSL, an administrator's netsh) take and drop reservations while a run
//      goes on (PS-7, PS-8). If the backend can list its reservations
//      (Backend::Listing), the checker reads a fresh listing, and every block
//      that appeared or went without a call of the run becomes an
//      environment change (an EnvironmentBlock call, rules ENV-*): it is
//      applied to the model, recorded in the history before the call, and
//      the call is judged again. Only an answer that is still not allowed
//      is a divergence. A block with the range of one the run itself made
//      is never taken for the environment's: a block the backend kept when
//      it should have freed it is the backend's fault, not HNS's.
//   2. Going on (CheckerOptions::keep_going). A Windows run is rare; it should
//      report every divergence, not the first only. The model then adopts
//      the observed answer (Machine::Adopt): it follows the backend from
//      there, as it follows learned tokens, and every later call is marked
//      as judged after a divergence. An answer the model cannot adopt (one
//      it could not hold: a block over a block of its family, a token
//      another live reservation holds, a port bound twice, a missing
//      payload) leaves the model lost: it no longer knows the backend's
//      state, so no later answer can be judged. The checker says so
//      (lost(), why_lost()) and refuses every later Step with
//      FailedPrecondition; the run stops there, its divergences kept.
#ifndef PORTPOOL_CONFORMANCE_CHECKER_H_
#define PORTPOOL_CONFORMANCE_CHECKER_H_

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/rule_coverage.h"
#include "portpool/machine.h"

namespace portpool::conformance {

struct CheckerOptions {
  // The backend is the built-in simulator, which promises more than Windows:
  // every new token, after a reboot too, is one never issued before (rule
  // TOKEN-REBOOT). Checked only when set.
  bool simulator_contract = false;
  // Read a fresh listing when an answer is not allowed, and record the
  // environment changes it shows before judging the answer again.
  bool follow_environment = true;
  // Go on after a divergence, adopting the observed answer.
  bool keep_going = false;
};

// Prepares a fresh checker's model before its first call: a real machine's
// model starts from what the machine already has (SeedModel in
// conformance/netsh_parse.h). An error means the run cannot start.
using PrepareModel = std::function<absl::Status(Machine& model)>;

// One checked call, in the backend's ids.
struct CheckedCall {
  Call call;
  Outcome outcome;
  Verdict verdict;
  // Judged after an earlier divergence, on a model that adopted the
  // backend's answers since.
  bool after_divergence = false;
  // An environment change the checker read from a listing, not a call it
  // ran.
  bool environment = false;
};

class Checker {
 public:
  explicit Checker(Backend& backend, CheckerOptions options = {});

  // Runs `call` (ids in the backend's numbering) and checks its answer. An
  // error status means the call could not be run, names something the
  // backend never created, or comes after the model lost track of the
  // backend; a divergence is a Verdict that does not conform. Without
  // keep_going, the model does not follow the backend after a divergence:
  // stop.
  absl::StatusOr<CheckedCall> Step(const Call& call);

  const RuleCoverage& coverage() const { return coverage_; }
  const Machine& model() const { return model_; }
  // The model itself, to seed it with what a real machine already has
  // (SeedModel in conformance/netsh_parse.h) before the first Step; never after, or it
  // would no longer follow the backend.
  Machine& mutable_model() { return model_; }
  // Every call so far with its answer, in order, environment changes
  // included (each before the call whose judging found it).
  const std::vector<CheckedCall>& history() const { return history_; }
  // Divergences so far.
  int divergences() const { return divergences_; }
  // Whether an answer could not be adopted (keep_going only), and why.
  bool lost() const { return lost_.has_value(); }
  const std::string& why_lost() const;

 private:
  absl::StatusOr<Call> ToModel(const Call& call) const;
  absl::StatusOr<Outcome> ToModel(const Call& call, const Outcome& outcome);
  // The simulator contract (TOKEN-REBOOT), on a verdict that conforms.
  void HoldToSimulatorContract(const Outcome& outcome, Verdict& verdict) const;
  // Reads a listing and records the environment changes it shows: how many,
  // or -1 if the backend cannot list.
  absl::StatusOr<int> FollowEnvironment(const Call& model_call, const Outcome& model_outcome);

  Backend& backend_;
  CheckerOptions options_;
  Machine model_;
  RuleCoverage coverage_;
  std::vector<CheckedCall> history_;
  // backend id -> model id
  std::map<uint32_t, uint32_t> processes_;
  std::map<uint32_t, uint32_t> sockets_;
  uint32_t last_model_process_ = 0;
  uint32_t last_model_socket_ = 0;
  absl::flat_hash_set<Token> tokens_ever_;
  // The blocks processes of the run made (model terms): never explained as
  // the environment's (environment_changes.h).
  std::vector<std::pair<Protocol, PortRange>> run_blocks_;
  int divergences_ = 0;
  std::optional<std::string> lost_;
};

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_CHECKER_H_
