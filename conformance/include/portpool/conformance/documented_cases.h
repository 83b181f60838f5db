// Documented cases: every behaviour written down from Microsoft's pages and
// the research notes, one trace per case, each naming its rule and source in
// its provenance ("doc rule=P-CREATE-OVERLAP source=D1"). The same files are
// the regression corpus (traces/regression/): replayed, their recorded
// answers are checked; run here, their calls go to any backend and the
// backend's answers are checked.
#ifndef PORTPOOL_CONFORMANCE_DOCUMENTED_CASES_H_
#define PORTPOOL_CONFORMANCE_DOCUMENTED_CASES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/rule_coverage.h"
#include "portpool/conformance/trace_runner.h"
#include "portpool/traces/trace.h"

namespace portpool::conformance {

struct DocumentedCase {
  std::string rule;    // from "doc rule=..."
  std::string source;  // from "source=..."
  std::string path;
  traces::Trace trace;
};

// Every *.trace in `directory` whose provenance names a documented rule,
// sorted by file name. A file that does not parse is an error naming it.
absl::StatusOr<std::vector<DocumentedCase>> LoadDocumentedCases(const std::string& directory);

struct CaseResult {
  TraceRun run;
  // The case's rule was part of some step's expectation.
  bool rule_checked = false;
  // The case's rule decided some step's answer.
  bool rule_decided = false;
};

// The case's recorded answers, replayed on the model (traces::Replay): an
// answer the model refuses is an error naming the file and line. So along the
// recorded path, a call the model allows one answer for records exactly it.
absl::Status CheckRecordedAnswers(const DocumentedCase& c);

enum class RecordedAnswers : uint8_t {
  kCheck,         // RunDocumentedCase checks them first
  kCheckedApart,  // the caller checked them on the case as written (its ports
                  // moved since, so its recorded answers no longer apply)
};

// Runs one case's calls on `backend`, checked; adds to `coverage`. The
// checker's model is prepared with `prepare` first, if given. A case passes
// only if its recorded answers are allowed (CheckRecordedAnswers) and so are
// the backend's: where the model allows one answer only, the two are equal.
absl::StatusOr<CaseResult> RunDocumentedCase(const DocumentedCase& c, Backend& backend,
                                             const CheckerOptions& options, RuleCoverage& coverage,
                                             const PrepareModel& prepare = {},
                                             RecordedAnswers recorded = RecordedAnswers::kCheck);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_DOCUMENTED_CASES_H_
