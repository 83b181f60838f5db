#include "trace_io.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "files.h"
#include "portpool/rules.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/provenance.h"

namespace portpool::cli {

absl::StatusOr<traces::Trace> LoadTrace(const std::string& path) {
  if (path != "-") return traces::ParseFile(path);
  absl::StatusOr<std::string> text = ReadInput(path, traces::kMaxTraceSize);
  if (!text.ok()) return text.status();
  return traces::Parse(*text, kStdinName);
}

absl::Status WriteTrace(Context& context, traces::Trace trace, const std::string& path) {
  traces::StampProvenance(trace, context.tool());
  return WriteOutput(path, traces::Print(trace), context.out());
}

std::string Where(const std::string& file, int line, size_t step) {
  if (line > 0) return absl::StrCat(file, ":", line);
  return absl::StrCat(file, ", step ", step + 1);
}

std::string FormatDivergence(const std::string& file, const traces::Divergence& d) {
  std::string text = absl::StrCat(Where(file, d.line, d.step), ": divergence at step ", d.step + 1,
                                  ": the model does not allow the recorded answer\n");
  absl::StrAppend(&text, "  call:      ", d.call, "\n");
  absl::StrAppend(&text, "  recorded:  ", d.recorded, "\n");
  absl::StrAppend(&text, "  allowed:   ", d.allowed, "\n");
  absl::StrAppend(&text, "  rules:\n");
  for (const traces::RuleCitation& rule : d.rules) {
    if (rule.evidence.empty()) {
      absl::StrAppend(&text, "    ", rule.id, " (not in the rule catalogue)\n");
      continue;
    }
    absl::StrAppend(&text, "    ", rule.id, " (", rule.evidence, "; source: ", rule.source,
                    ")\n      ", rule.summary, "\n");
  }
  return text;
}

std::string FormatReplayError(const std::string& file, const traces::ReplayError& e) {
  if (e.line > 0) return absl::StrCat(file, ":", e.line, ":1: ", e.message);
  return absl::StrCat(file, ", step ", e.step + 1, ": ", e.message);
}

std::string FormatCoverage(const std::map<std::string, int>& coverage) {
  std::string text = absl::StrFormat("%-28s %7s  %s\n", "RULE", "COUNT", "EVIDENCE");
  int covered = 0, total = 0;
  for (const Rule& rule : RuleCatalogue()) {
    auto it = coverage.find(std::string(rule.id));
    const int count = it == coverage.end() ? 0 : it->second;
    ++total;
    if (count > 0) ++covered;
    absl::StrAppendFormat(&text, "%-28s %7d  %s\n", rule.id, count, EvidenceName(rule.evidence));
  }
  for (const auto& [id, count] : coverage) {
    if (FindRule(id) == nullptr) {
      absl::StrAppendFormat(&text, "%-28s %7d  %s\n", id, count, "(not in the catalogue)");
    }
  }
  absl::StrAppend(&text, covered, " of ", total, " rules exercised\n");
  return text;
}

}  // namespace portpool::cli
