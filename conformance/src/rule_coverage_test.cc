// Rule coverage: the suite as a whole (state machine, documented cases,
// surface cases) must check every rule of the catalogue at least once, and
// every rule but the qualifiers must decide an answer at least once. The
// table is printed for the record.
#include "portpool/conformance/rule_coverage.h"

#include <cstdio>

#include "gtest/gtest.h"
#include "portpool/conformance/documented_cases.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/steps.h"
#include "portpool/conformance/surface_cases.h"

namespace portpool::conformance {
namespace {

TEST(RuleCoverageTest, CountsCheckedAndDecidedRules) {
  RuleCoverage coverage;
  Verdict verdict;
  verdict.conforms = true;
  verdict.rule = rules::kCreateOk;
  verdict.rules = {rules::kCreateOk, rules::kTokenUnique};
  coverage.Record(verdict);
  coverage.Record(verdict);
  EXPECT_EQ(coverage.Get(rules::kCreateOk).checked, 2);
  EXPECT_EQ(coverage.Get(rules::kCreateOk).decided, 2);
  EXPECT_EQ(coverage.Get(rules::kTokenUnique).checked, 2);
  EXPECT_EQ(coverage.Get(rules::kTokenUnique).decided, 0);
  const auto unchecked = coverage.Unchecked();
  EXPECT_EQ(std::count(unchecked.begin(), unchecked.end(), rules::kCreateOk), 0);
  EXPECT_EQ(std::count(unchecked.begin(), unchecked.end(), rules::kCreateZero), 1);
  EXPECT_NE(coverage.FormatTable().find("never checked"), std::string::npos);
}

TEST(RuleCoverageTest, TheWholeSuiteChecksAndDecidesEveryRule) {
  RuleCoverage coverage;
  // The state machine's sequences.
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    const std::vector<StepSpec> steps =
        rc::gen::container<std::vector<StepSpec>>(60, GenStep(Capabilities{}))(rc::Random(seed), 50)
            .value();
    SimulatorBackend backend(seed);
    Checker checker(backend, {.simulator_contract = true});
    auto divergence = RunSteps(steps, checker);
    ASSERT_TRUE(divergence.ok()) << divergence.status();
    ASSERT_FALSE(divergence->has_value()) << FormatHistory(checker);
    coverage.Merge(checker.coverage());
  }
  // The documented cases.
  auto cases = LoadDocumentedCases(std::string(PORTPOOL_SOURCE_DIR) + "/traces/regression");
  ASSERT_TRUE(cases.ok()) << cases.status();
  for (const DocumentedCase& c : *cases) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {  // loose rules decide on some seed
      SimulatorBackend backend(seed);
      auto result = RunDocumentedCase(c, backend, {.simulator_contract = true}, coverage);
      ASSERT_TRUE(result.ok()) << result.status();
    }
  }
  // The surface cases.
  for (const SurfaceCase& c : SurfaceCases()) {
    Machine machine(1);
    const bool held = c.run(machine).ok();
    EXPECT_TRUE(held) << c.rule;
    coverage.RecordSurface(c.rule, held);
  }
  std::printf("%s", coverage.FormatTable().c_str());
  for (RuleId rule : coverage.Unchecked()) ADD_FAILURE() << "rule " << rule << " never checked";
  // Checked is not enough: a rule that only ever sat in an expectation never
  // chose an answer, so a bug in what it allows would go unseen.
  for (const Rule& rule : RuleCatalogue()) {
    if (OnlyQualifies(rule.id)) {
      EXPECT_EQ(coverage.Get(rule.id).decided, 0) << rule.id << " qualifies only, yet decided";
      continue;
    }
    EXPECT_GT(coverage.Get(rule.id).decided, 0) << "rule " << rule.id << " never decided an answer";
  }
}

}  // namespace
}  // namespace portpool::conformance
