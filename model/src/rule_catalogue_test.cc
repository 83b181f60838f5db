// The rule catalogue (rules.cc) is the thread through the project: each rule
// has a summary and a source, IDs are unique, docs/semantics.md states every
// rule, and some test of model/src cites every rule.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "portpool/rules.h"

namespace portpool {
namespace {

namespace fs = std::filesystem;

// This file is model/src/rule_catalogue_test.cc: the folder of the tests.
fs::path TestSourceDir() {
  const fs::path here = fs::path(__FILE__).parent_path();
  if (fs::exists(here / "rule_catalogue_test.cc")) return here;
#ifdef PORTPOOL_SOURCE_DIR
  return fs::path(PORTPOOL_SOURCE_DIR) / "model" / "src";
#else
  return here;
#endif
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether `text` holds `cite` as a whole word: "rule b-bind-ephemeral" is
// not cited by "rule b-bind-ephemeral-exhausted".
bool Cites(const std::string& text, const std::string& cite) {
  for (size_t at = text.find(cite); at != std::string::npos; at = text.find(cite, at + 1)) {
    const size_t end = at + cite.size();
    if (end == text.size()) return true;
    const unsigned char next = static_cast<unsigned char>(text[end]);
    if (!absl::ascii_isalnum(next) && next != '-') return true;
  }
  return false;
}

TEST(RuleCatalogue, EveryRuleHasASummaryAndASourceAndAUniqueId) {
  std::set<std::string> ids;
  for (const Rule& rule : RuleCatalogue()) {
    EXPECT_FALSE(rule.id.empty());
    EXPECT_FALSE(rule.summary.empty()) << "rule " << rule.id << " has no summary";
    EXPECT_FALSE(rule.source.empty()) << "rule " << rule.id << " has no source";
    EXPECT_NE(EvidenceName(rule.evidence), "?") << "rule " << rule.id;
    EXPECT_TRUE(ids.insert(std::string(rule.id)).second)
        << "rule " << rule.id << " is listed twice";
    EXPECT_EQ(FindRule(rule.id), &rule) << "rule " << rule.id;
    // IDs are upper-case words joined by '-'.
    for (const char c : rule.id) {
      EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')
          << "rule " << rule.id << " has an odd character";
    }
  }
  EXPECT_EQ(FindRule("NO-SUCH-RULE"), nullptr);
  EXPECT_GE(ids.size(), 70u);
}

// docs/semantics.md (written beside the model) must state every rule.
TEST(RuleCatalogue, DocsSemanticsStatesEveryRule) {
  const fs::path docs = TestSourceDir() / ".." / ".." / "docs" / "semantics.md";
  ASSERT_TRUE(fs::exists(docs)) << docs << " does not exist yet";
  const std::string text = ReadFile(docs);
  std::vector<std::string> missing;
  for (const Rule& rule : RuleCatalogue()) {
    if (!absl::StrContains(text, rule.id)) missing.emplace_back(rule.id);
  }
  EXPECT_TRUE(missing.empty()) << docs << " does not mention: " << absl::StrJoin(missing, ", ");
}

// Every rule is cited ("rule ID" in a message or "Rule ID" in a comment) by
// a test of model/src.
TEST(RuleCatalogue, EveryRuleIsCitedByATest) {
  std::string tests;
  for (const auto& entry : fs::directory_iterator(TestSourceDir())) {
    const std::string name = entry.path().filename().string();
    if (!absl::EndsWith(name, "_test.cc") || name == "rule_catalogue_test.cc") continue;
    absl::StrAppend(&tests, absl::AsciiStrToLower(ReadFile(entry.path())), "\n");
  }
  ASSERT_FALSE(tests.empty()) << "no tests found in " << TestSourceDir();
  std::vector<std::string> uncited;
  for (const Rule& rule : RuleCatalogue()) {
    if (!Cites(tests, absl::AsciiStrToLower(absl::StrCat("rule ", rule.id)))) {
      uncited.emplace_back(rule.id);
    }
  }
  EXPECT_TRUE(uncited.empty()) << "no test cites: " << absl::StrJoin(uncited, ", ");
}

}  // namespace
}  // namespace portpool
