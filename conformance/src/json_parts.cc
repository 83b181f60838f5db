#include "json_parts.h"

namespace portpool::conformance::json_parts {

using Json = nlohmann::ordered_json;

Json Tool(const traces::ToolIdentity& tool) {
  return Json{{"name", tool.name},
              {"version", tool.version},
              {"commit", tool.commit.empty() ? Json(nullptr) : Json(tool.commit)},
              {"rules", tool.rules},
              {"rule_digest", tool.rule_digest}};
}

Json Rule(const traces::RuleCitation& rule) {
  return Json{{"id", rule.id},
              {"evidence", rule.evidence.empty() ? Json(nullptr) : Json(rule.evidence)},
              {"source", rule.source},
              {"summary", rule.summary}};
}

Json Divergence(const traces::Divergence& d) {
  Json rules = Json::array();
  for (const traces::RuleCitation& rule : d.rules) rules.push_back(Rule(rule));
  return Json{{"step", d.step + 1},   {"line", d.line > 0 ? Json(d.line) : Json(nullptr)},
              {"call", d.call},       {"recorded", d.recorded},
              {"allowed", d.allowed}, {"rules", std::move(rules)}};
}

}  // namespace portpool::conformance::json_parts
