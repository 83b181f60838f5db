#include "portpool/conformance/documented_cases.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/replay.h"

namespace portpool::conformance {

absl::StatusOr<std::vector<DocumentedCase>> LoadDocumentedCases(const std::string& directory) {
  std::error_code error;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".trace") paths.push_back(entry.path().string());
  }
  if (error) {
    return absl::NotFoundError(absl::StrCat("cannot list ", directory, ": ", error.message()));
  }
  std::sort(paths.begin(), paths.end());
  std::vector<DocumentedCase> cases;
  for (const std::string& path : paths) {
    absl::StatusOr<traces::Trace> trace = traces::ParseFile(path);
    if (!trace.ok()) return trace.status();
    DocumentedCase c;
    for (const std::string& line : trace->provenance) {
      if (!absl::StartsWith(line, "doc ")) continue;
      for (absl::string_view field : absl::StrSplit(line.substr(4), ' ', absl::SkipEmpty())) {
        if (absl::ConsumePrefix(&field, "rule=")) c.rule = std::string(field);
        if (absl::ConsumePrefix(&field, "source=")) c.source = std::string(field);
      }
      // The source may hold spaces ("D1, D4"): keep the rest of the line.
      if (auto at = line.find("source="); at != std::string::npos) c.source = line.substr(at + 7);
    }
    if (c.rule.empty()) continue;
    c.path = path;
    c.trace = *std::move(trace);
    cases.push_back(std::move(c));
  }
  return cases;
}

absl::Status CheckRecordedAnswers(const DocumentedCase& c) {
  const traces::ReplayResult recorded = traces::Replay(c.trace);
  if (recorded.error) {
    return absl::InvalidArgumentError(
        absl::StrCat(c.path, ":", recorded.error->line, ":1: ", recorded.error->message));
  }
  if (recorded.divergence) {
    const traces::Divergence& d = *recorded.divergence;
    return absl::FailedPreconditionError(absl::StrCat(c.path, ":", d.line, ":1: the trace records ",
                                                      d.recorded, " for ", d.call,
                                                      "; the model allows ", d.allowed));
  }
  return absl::OkStatus();
}

absl::StatusOr<CaseResult> RunDocumentedCase(const DocumentedCase& c, Backend& backend,
                                             const CheckerOptions& options, RuleCoverage& coverage,
                                             const PrepareModel& prepare,
                                             RecordedAnswers recorded) {
  if (recorded == RecordedAnswers::kCheck) {
    if (absl::Status checked = CheckRecordedAnswers(c); !checked.ok()) return checked;
  }
  Checker checker(backend, options);
  if (prepare) {
    if (absl::Status prepared = prepare(checker.mutable_model()); !prepared.ok()) {
      return absl::Status(prepared.code(), absl::StrCat(c.path, ": ", prepared.message()));
    }
  }
  absl::StatusOr<TraceRun> run = RunTrace(c.trace, checker, backend.capabilities());
  if (!run.ok()) {
    return absl::Status(run.status().code(), absl::StrCat(c.path, ": ", run.status().message()));
  }
  if (run->failed) {
    return absl::InvalidArgumentError(
        absl::StrCat(c.path, ":", run->stopped_line, ":1: ", *run->failed));
  }
  CaseResult result{*std::move(run)};
  for (const CheckedCall& step : result.run.steps) {
    const auto& rules = step.verdict.rules;
    if (std::find(rules.begin(), rules.end(), c.rule) != rules.end()) result.rule_checked = true;
    if (step.verdict.conforms && step.verdict.rule == c.rule) result.rule_decided = true;
  }
  coverage.Merge(checker.coverage());
  return result;
}

}  // namespace portpool::conformance
