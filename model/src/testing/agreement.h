// The agreement check between the Machine (as simulator) and the table
// oracle, over one sequence of abstract steps. Shared by the agreement
// properties and by the test that the check catches every mutant.
#ifndef PORTPOOL_TESTING_AGREEMENT_H_
#define PORTPOOL_TESTING_AGREEMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "portpool/machine.h"
#include "testing/call_generators.h"
#include "testing/table_oracle.h"

namespace portpool::testing {

// Empty when the machine and the oracle hold the same state.
std::string CompareStates(const Machine& machine, const TableOracle& oracle);

// Empty when two machines hold the same blocks (with tokens), bindings,
// processes, sockets and dynamic ranges.
std::string CompareMachines(const Machine& a, const Machine& b);

// The agreement check one call at a time, for callers that choose the calls
// themselves (the call-sequence fuzzer): the same checks as
// FindDisagreement makes at every step.
class CallAgreement {
 public:
  // `machine` is the simulator the calls run on; it must not have run any
  // call yet, or only calls the oracle has been told with Learn.
  explicit CallAgreement(Machine& machine) : machine_(machine) {}

  // Tells the oracle of a call the machine ran before the check began.
  void Learn(const Call& call, const Outcome& outcome) { oracle_.Apply(call, outcome); }
  // Judges `call` on the machine and the oracle, runs it on the machine and
  // compares their states. Returns "" if they agree; else what went wrong.
  // `outcome` receives what the machine answered.
  std::string Step(const Call& call, absl::StatusOr<Outcome>& outcome);
  // The oracle's self-check (a full scan): "" if consistent.
  std::string Finish() const;

  const TableOracle& oracle() const { return oracle_; }

 private:
  Machine& machine_;
  TableOracle oracle_;
  uint64_t steps_ = 0;
};

// The table oracle as a second judge of answers that come from elsewhere (a
// backend checked by a conformance Checker): each answer, judged by the
// oracle and by the model in the state before the call, the same checks as
// CallAgreement::Step makes, then learned.
//
// The oracle knows no unlearned token: a checker's model does not settle
// the tokens a reboot or a null-Token Create leaves unknown, and then allows
// what an association through such a token may do (R-ASSOC-UNLEARNED). From
// the first call judged in a state with an unlearned token, the judge stands
// aside for the rest of the run (counted, never reported as a pass).
class SecondJudge {
 public:
  // Before the call runs, with the model in the state it judges in: both
  // judges allow the same error codes and success, and agree on every
  // probe. "" if so, or if the judge stands aside; else what went wrong.
  std::string Before(const Machine& model, const Call& call);
  // After: the oracle allows the observed answer, and learns it.
  std::string After(const Call& call, const Outcome& outcome);
  const TableOracle& oracle() const { return oracle_; }
  int judged() const { return judged_; }
  int stood_aside() const { return stood_aside_; }

 private:
  TableOracle oracle_;
  bool aside_ = false;
  int judged_ = 0;
  int stood_aside_ = 0;
};

// Runs `steps` on a simulator Machine(seed, machine_options) and the table
// oracle side by side. At every step: the oracle's set of allowed error
// codes equals the Machine's, both agree whether NO_ERROR is allowed, the
// simulator's outcome is one the oracle allows, at every third step every
// probe answer (ports,
// tokens and blocks at the edges of the window and of every block, token 0,
// held tokens) is allowed by both or refused by both, and afterwards both
// hold the same state. Returns "" if they agree throughout; else what went wrong,
// followed by every call run so far with its outcome.
std::string FindDisagreement(const std::vector<Step>& steps, uint64_t seed,
                             const StepOptions& options,
                             const MachineOptions& machine_options = {});

}  // namespace portpool::testing

#endif  // PORTPOOL_TESTING_AGREEMENT_H_
