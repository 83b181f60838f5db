// The rule-catalogue digest: stable for one catalogue, different when any
// field of any rule changes, and in the documented form.
#include "portpool/rule_digest.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace portpool {
namespace {

using ::testing::MatchesRegex;

TEST(RuleDigestTest, HasTheDocumentedForm) {
  EXPECT_THAT(RuleCatalogueDigest(), MatchesRegex("fnv1a64:[0-9a-f]{16}"));
  EXPECT_EQ(RuleCatalogueDigest(), RuleCatalogueDigest());
}

TEST(RuleDigestTest, KnownValueOfASmallCatalogue) {
  // Pinned: the digest must not change between builds or platforms for the
  // same rules, or saved reports could not be matched to a model any more.
  const std::vector<Rule> rules = {
      {"P-CREATE-ZERO", Evidence::kDocumented, "zero fails", "MS-CREATE"}};
  EXPECT_EQ(RuleCatalogueDigest(rules), "fnv1a64:f0645393ff6c0d0f");
}

TEST(RuleDigestTest, EveryFieldOfEveryRuleCounts) {
  const std::vector<Rule> base = {
      {"A-1", Evidence::kDocumented, "summary one", "S1"},
      {"A-2", Evidence::kUnknown, "summary two", "S2"},
  };
  const uint64_t hash = RuleCatalogueHash(base);
  std::vector<std::vector<Rule>> changed(5, base);
  changed[0][1].id = "A-3";
  changed[1][1].evidence = Evidence::kObserved;
  changed[2][0].summary = "summary 1";
  changed[3][0].source = "S9";
  changed[4] = {base[1], base[0]};  // the order counts too
  for (const std::vector<Rule>& rules : changed) EXPECT_NE(RuleCatalogueHash(rules), hash);
  // Fields are separated: moving text from one field to the next changes it.
  std::vector<Rule> shifted = base;
  shifted[0].summary = "summary on";
  shifted[0].source = "eS1";
  EXPECT_NE(RuleCatalogueHash(shifted), hash);
}

}  // namespace
}  // namespace portpool
