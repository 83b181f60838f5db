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
#ifndef PORTPOOL_CONFORMANCE_CHECKER_H_
#define PORTPOOL_CONFORMANCE_CHECKER_H_

#include <functional>
#include <map>
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
};

// Prepares a fresh checker's model before its first call: a real machine's
// model starts from what the machine already has (SeedModel in
// conformance/windows/netsh_parse.h). An error means the run cannot start.
using PrepareModel = std::function<absl::Status(Machine& model)>;

// One checked call, in the backend's ids.
struct CheckedCall {
  Call call;
  Outcome outcome;
  Verdict verdict;
};

class Checker {
 public:
  explicit Checker(Backend& backend, CheckerOptions options = {});

  // Runs `call` (ids in the backend's numbering) and checks its answer. An
  // error status means the call could not be run or names something the
  // backend never created; a divergence is a Verdict that does not conform.
  // After a divergence the model no longer follows the backend: stop.
  absl::StatusOr<CheckedCall> Step(const Call& call);

  const RuleCoverage& coverage() const { return coverage_; }
  const Machine& model() const { return model_; }
  // The model itself, to seed it with what a real machine already has
  // (SeedModel in conformance/windows/netsh_parse.h) before the first Step; never after, or it
  // would no longer follow the backend.
  Machine& mutable_model() { return model_; }
  // Every call so far with its answer, in order.
  const std::vector<CheckedCall>& history() const { return history_; }

 private:
  absl::StatusOr<Call> ToModel(const Call& call) const;
  absl::StatusOr<Outcome> ToModel(const Call& call, const Outcome& outcome);

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
};

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_CHECKER_H_
