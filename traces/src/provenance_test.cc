// The tool's provenance line: what it says, and that stamping a trace twice
// with the same tool adds it once.
#include "portpool/traces/provenance.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/rule_digest.h"
#include "portpool/rules.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/version.h"

namespace portpool::traces {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ProvenanceTest, TheLibraryKnowsItsVersionAndCatalogueButNoCommit) {
  const ToolIdentity tool = ToolIdentity::OfThisLibrary();
  EXPECT_EQ(tool.version, kVersion);
  EXPECT_EQ(tool.rules, RuleCatalogue().size());
  EXPECT_EQ(tool.rule_digest, RuleCatalogueDigest());
  EXPECT_TRUE(tool.commit.empty());
  EXPECT_EQ(ToolProvenance(tool),
            "portpool version=" + std::string(kVersion) + " commit=unknown rules=" +
                std::to_string(RuleCatalogue().size()) + " digest=" + RuleCatalogueDigest());
  EXPECT_THAT(DescribeTool(tool), HasSubstr("not built from a git checkout"));
}

TEST(ProvenanceTest, StampingAddsOneLineThatReadsBack) {
  ToolIdentity tool = ToolIdentity::OfThisLibrary();
  tool.commit = "0123456789ab";
  Trace trace;
  trace.provenance = {"simulator seed=7"};
  StampProvenance(trace, tool);
  StampProvenance(trace, tool);
  EXPECT_THAT(trace.provenance, ElementsAre("simulator seed=7", ToolProvenance(tool)));
  // Shrunk by the same tool: its line moves last; another version's stays.
  ToolIdentity older = tool;
  older.version = "0.0.9";
  trace.provenance = {ToolProvenance(older), "simulator seed=7", ToolProvenance(tool),
                      "shrunk from x.trace (9 steps)"};
  StampProvenance(trace, tool);
  EXPECT_THAT(trace.provenance, ElementsAre(ToolProvenance(older), "simulator seed=7",
                                            "shrunk from x.trace (9 steps)", ToolProvenance(tool)));
  EXPECT_THAT(DescribeTool(tool), HasSubstr("commit 0123456789ab"));
  auto reread = Parse(Print(trace));
  ASSERT_TRUE(reread.ok()) << reread.status();
  EXPECT_EQ(*reread, trace);
}

}  // namespace
}  // namespace portpool::traces
