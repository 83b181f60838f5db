// The pieces report.json and `portpool replay --json` share: how a tool, a
// rule citation and a divergence look in JSON. Internal to the conformance
// library (nlohmann-json stays out of its public headers).
#ifndef PORTPOOL_CONFORMANCE_SRC_JSON_PARTS_H_
#define PORTPOOL_CONFORMANCE_SRC_JSON_PARTS_H_

#include "nlohmann/json.hpp"
#include "portpool/traces/provenance.h"
#include "portpool/traces/replay.h"

namespace portpool::conformance::json_parts {

// {"name", "version", "commit" (null when unknown), "rules", "rule_digest"}.
nlohmann::ordered_json Tool(const traces::ToolIdentity& tool);
// {"id", "evidence", "source", "summary"}; evidence null for a rule not in
// the catalogue.
nlohmann::ordered_json Rule(const traces::RuleCitation& rule);
// {"step" (1-based), "line" (null if none), "call", "recorded", "allowed",
//  "rules": [...]}.
nlohmann::ordered_json Divergence(const traces::Divergence& d);

}  // namespace portpool::conformance::json_parts

#endif  // PORTPOOL_CONFORMANCE_SRC_JSON_PARTS_H_
