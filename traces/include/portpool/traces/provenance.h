// Which tool wrote a trace or a report, so that a saved file can be tied to
// the model that judged it: the tool's version, the commit it was built from
// and a digest of the rule catalogue (portpool/rule_digest.h).
//
//   traces::ToolIdentity tool;        // this library's version and catalogue
//   tool.commit = "0123456789ab";     // known to the program, not the library
//   traces::StampProvenance(trace, tool);
//   // adds "provenance: portpool version=0.1.0 commit=0123456789ab rules=75
//   //       digest=fnv1a64:3f2a9c0d11b7e845"
#ifndef PORTPOOL_TRACES_PROVENANCE_H_
#define PORTPOOL_TRACES_PROVENANCE_H_

#include <cstddef>
#include <string>

#include "portpool/traces/trace.h"

namespace portpool::traces {

struct ToolIdentity {
  std::string name = "portpool";
  // portpool::kVersion of the build.
  std::string version;
  // The git commit the program was built from (12 hex digits, "-dirty" when
  // the checkout had changes); empty when not built from git.
  std::string commit;
  // The rule catalogue: how many rules, and RuleCatalogueDigest().
  size_t rules = 0;
  std::string rule_digest;

  // This library's identity: its version and catalogue, no commit.
  static ToolIdentity OfThisLibrary();
};

// "portpool 0.1.0 (commit 0123456789ab; rule catalogue: 75 rules, digest
// fnv1a64:...)", or "(not built from a git checkout; ...)".
std::string DescribeTool(const ToolIdentity& tool);

// The provenance line (without "provenance: "): "portpool version=0.1.0
// commit=0123456789ab rules=75 digest=fnv1a64:...", commit=unknown when not
// known.
std::string ToolProvenance(const ToolIdentity& tool);

// Appends ToolProvenance(tool) to trace.provenance, as its last line; an
// earlier identical line (the same tool wrote the trace before) is dropped.
// Lines of other tools and versions stay.
void StampProvenance(Trace& trace, const ToolIdentity& tool);

}  // namespace portpool::traces

#endif  // PORTPOOL_TRACES_PROVENANCE_H_
