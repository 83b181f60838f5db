#include "portpool/conformance/replay_json.h"

#include "json_parts.h"

namespace portpool::conformance {

std::string ReplayJson(const std::vector<ReplayedFile>& files,
                       const std::map<std::string, int>* coverage, const traces::ToolIdentity& tool,
                       int exit_code) {
  using Json = nlohmann::ordered_json;
  Json document{{"format", "portpool-replay"},
                {"format_version", 1},
                {"tool", json_parts::Tool(tool)},
                {"exit_code", exit_code}};
  Json list = Json::array();
  for (const ReplayedFile& file : files) {
    Json entry{{"path", file.path}};
    if (!file.result) {
      entry["status"] = "bad-input";
      entry["steps_checked"] = 0;
      entry["error"] = Json{{"line", nullptr}, {"column", nullptr}, {"message", file.load_error}};
    } else if (file.result->error) {
      const traces::ReplayError& e = *file.result->error;
      entry["status"] = "bad-input";
      entry["steps_checked"] = file.result->steps_checked;
      entry["error"] = Json{{"step", e.step + 1},
                            {"line", e.line > 0 ? Json(e.line) : Json(nullptr)},
                            {"column", e.line > 0 ? Json(1) : Json(nullptr)},
                            {"message", e.message}};
    } else if (file.result->divergence) {
      entry["status"] = "diverges";
      entry["steps_checked"] = file.result->steps_checked;
      entry["divergence"] = json_parts::Divergence(*file.result->divergence);
    } else {
      entry["status"] = "conforms";
      entry["steps_checked"] = file.result->steps_checked;
    }
    list.push_back(std::move(entry));
  }
  document["files"] = std::move(list);
  if (coverage != nullptr) {
    Json counts = Json::object();
    for (const Rule& rule : RuleCatalogue()) {
      auto it = coverage->find(std::string(rule.id));
      counts[std::string(rule.id)] = it == coverage->end() ? 0 : it->second;
    }
    for (const auto& [id, count] : *coverage) {
      if (!counts.contains(id)) counts[id] = count;
    }
    document["coverage"] = std::move(counts);
  }
  return document.dump() + "\n";
}

}  // namespace portpool::conformance
