// Counts, per rule ID of the catalogue, how often the suite checked an answer
// against that rule ("checked": the rule was part of the call's expectation)
// and how often the rule decided the observed answer ("decided"). A rule the
// suite never checks is a rule whose tests have no teeth.
#ifndef PORTPOOL_CONFORMANCE_RULE_COVERAGE_H_
#define PORTPOOL_CONFORMANCE_RULE_COVERAGE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "portpool/machine.h"
#include "portpool/rules.h"

namespace portpool::conformance {

// Rules that never decide an answer themselves: they qualify the answers of
// others (P-ERROR-ORDER, BYTE-ORDER, TOKEN-UNIQUE, ...), so they are only
// ever checked. Every other rule must decide some answer in the suite.
bool OnlyQualifies(RuleId rule);

class RuleCoverage {
 public:
  struct Count {
    int64_t checked = 0;
    int64_t decided = 0;
  };

  void Record(const Verdict& verdict);
  // Counts a rule checked outside a Machine expectation (the W32-* surface
  // rules, checked by documented cases on the Api itself).
  void RecordSurface(RuleId rule, bool decided = true);
  void Merge(const RuleCoverage& other);

  Count Get(RuleId rule) const;
  // Catalogue rules never checked, in catalogue order.
  std::vector<RuleId> Unchecked() const;
  // A table of every catalogue rule: ID, evidence, checked, decided.
  std::string FormatTable() const;

 private:
  std::map<std::string, Count, std::less<>> counts_;
};

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_RULE_COVERAGE_H_
