#include "portpool/traces/provenance.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "portpool/rule_digest.h"
#include "portpool/rules.h"
#include "portpool/version.h"

namespace portpool::traces {

ToolIdentity ToolIdentity::OfThisLibrary() {
  ToolIdentity tool;
  tool.version = kVersion;
  tool.rules = RuleCatalogue().size();
  tool.rule_digest = RuleCatalogueDigest();
  return tool;
}

std::string DescribeTool(const ToolIdentity& tool) {
  return absl::StrCat(
      tool.name, " ", tool.version, " (",
      tool.commit.empty() ? "not built from a git checkout" : absl::StrCat("commit ", tool.commit),
      "; rule catalogue: ", tool.rules, " rules, digest ", tool.rule_digest, ")");
}

std::string ToolProvenance(const ToolIdentity& tool) {
  return absl::StrCat(tool.name, " version=", tool.version,
                      " commit=", tool.commit.empty() ? "unknown" : tool.commit,
                      " rules=", tool.rules, " digest=", tool.rule_digest);
}

void StampProvenance(Trace& trace, const ToolIdentity& tool) {
  // The same tool's line once, last: after the lines of what it did.
  const std::string line = ToolProvenance(tool);
  std::erase(trace.provenance, line);
  trace.provenance.push_back(line);
}

}  // namespace portpool::traces
