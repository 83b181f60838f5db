// Every documented case (traces/regression/) run against the simulator
// backend, through the Win32 surface, with its answers checked. Each case
// is its own test, named after its file.
#include "portpool/conformance/documented_cases.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/surface_cases.h"

namespace portpool::conformance {
namespace {

const std::string kCorpus = std::string(PORTPOOL_SOURCE_DIR) + "/traces/regression";

const std::vector<DocumentedCase>& Cases() {
  static const auto* cases = [] {
    auto loaded = LoadDocumentedCases(kCorpus);
    return new std::vector<DocumentedCase>(loaded.ok() ? *std::move(loaded)
                                                       : std::vector<DocumentedCase>{});
  }();
  return *cases;
}

std::vector<size_t> CaseIndices() {
  std::vector<size_t> indices;
  for (size_t i = 0; i < Cases().size(); ++i) indices.push_back(i);
  return indices;
}

TEST(DocumentedCasesTest, TheCorpusLoadsWithACaseForEveryCallableRule) {
  auto loaded = LoadDocumentedCases(kCorpus);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_GE(loaded->size(), 40u);
  for (const Rule& rule : RuleCatalogue()) {
    // Rules of the model's own API (the W32-* surface, seeding): SurfaceCaseTest.
    const bool surface = std::any_of(SurfaceCases().begin(), SurfaceCases().end(),
                                     [&](const SurfaceCase& c) { return c.rule == rule.id; });
    if (surface) continue;
    bool found = false;
    for (const DocumentedCase& c : *loaded) found = found || c.rule == rule.id;
    EXPECT_TRUE(found) << "no documented case for rule " << rule.id;
  }
}

class DocumentedCaseTest : public testing::TestWithParam<size_t> {};

TEST_P(DocumentedCaseTest, SimulatorAnswersConformAndExerciseTheRule) {
  const DocumentedCase& c = Cases()[GetParam()];
  SCOPED_TRACE(c.path + " (rule " + c.rule + ", source " + c.source + ")");
  bool decided = false;
  // The simulator's loose choices differ by seed: try several.
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    SimulatorBackend backend(seed);
    RuleCoverage coverage;
    auto result = RunDocumentedCase(c, backend, {.simulator_contract = true}, coverage);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_FALSE(result->run.unsupported) << *result->run.unsupported;
    ASSERT_FALSE(result->run.divergence)
        << "seed " << seed << ": "
        << result->run.steps[*result->run.divergence].verdict.explanation;
    EXPECT_TRUE(result->rule_checked) << "rule " << c.rule << " never came up";
    decided = decided || result->rule_decided;
  }
  const Rule* rule = FindRule(c.rule);
  ASSERT_NE(rule, nullptr) << "unknown rule " << c.rule;
  // A rule with known answers must decide one; a loose rule may be
  // answered by its alternatives on every seed; and some rules never decide
  // an answer themselves, they qualify the answers of others.
  if (rule->evidence != Evidence::kUnknown && rule->evidence != Evidence::kModel &&
      !OnlyQualifies(rule->id)) {
    EXPECT_TRUE(decided) << "rule " << c.rule << " never decided an answer";
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, DocumentedCaseTest, testing::ValuesIn(CaseIndices()),
                         [](const testing::TestParamInfo<size_t>& p) {
                           std::string name =
                               std::filesystem::path(Cases()[p.param].path).stem().string();
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

// A case that records a wrong answer must fail even though the backend
// answers well: flip each recorded answer of each case, one at a time, to
// WSAEOPNOTSUPP (an answer the model gives for no call) and run the case.
TEST(DocumentedCaseTest, FlippingAnyRecordedAnswerFailsTheCase) {
  ASSERT_FALSE(Cases().empty());
  size_t flipped = 0;
  for (const DocumentedCase& original : Cases()) {
    for (size_t i = 0; i < original.trace.steps.size(); ++i) {
      if (std::holds_alternative<call::EnvironmentBlock>(original.trace.steps[i].call)) continue;
      DocumentedCase c = original;
      traces::Step& step = c.trace.steps[i];
      step.outcome = Outcome{};
      step.outcome.error = Error::kWsaEopnotsupp;
      step.outcome_token_name.reset();
      SimulatorBackend backend(1);
      RuleCoverage coverage;
      auto result = RunDocumentedCase(c, backend, {.simulator_contract = true}, coverage);
      ++flipped;
      ASSERT_FALSE(result.ok()) << c.path << ": step " << i + 1 << " flipped, yet the case passed";
      EXPECT_TRUE(
          absl::StrContains(result.status().message(), absl::StrCat(c.path, ":", step.line, ":")))
          << "the failure does not name the flipped line " << step.line << ": " << result.status();
    }
  }
  EXPECT_GE(flipped, Cases().size());
}

TEST(SurfaceCaseTest, EverySurfaceRuleHoldsOnModelApi) {
  for (const SurfaceCase& c : SurfaceCases()) {
    Machine machine(7);
    EXPECT_TRUE(c.run(machine).ok()) << c.rule << " (" << c.what << "): " << c.run(machine);
  }
}

}  // namespace
}  // namespace portpool::conformance
