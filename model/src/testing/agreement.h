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

// Runs `steps` on a simulator Machine(seed, machine_options) and the table
// oracle side by side. At every step: the oracle's set of allowed error
// codes equals the Machine's, both agree whether NO_ERROR is allowed, the
// simulator's outcome is one the oracle allows, and afterwards both hold the
// same state. Returns "" if they agree throughout; else what went wrong,
// followed by every call run so far with its outcome.
std::string FindDisagreement(const std::vector<Step>& steps, uint64_t seed,
                             const StepOptions& options,
                             const MachineOptions& machine_options = {});

}  // namespace portpool::testing

#endif  // PORTPOOL_TESTING_AGREEMENT_H_
