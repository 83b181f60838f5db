// The report of a conformance campaign (campaign.h): a folder a person opens
// after `portpool campaign`.
//
//   report.md            the report as Markdown (for terminals, CI logs, diffs)
//   report.html          the same, self-contained (inline CSS and SVG, no
//                        external resources), with a map of the port space
//   sample.trace         the first sequence, as a trace
//   divergence-N.trace   each kept divergence, shrunk to a minimal trace
//   divergence-N-full.trace   the same divergence as it was found
//
// Both reports hold the verdict, the figures, every divergence with its
// minimal trace, the rule and the rule's source, and the rule-coverage table
// (every catalogue rule, never-checked ones marked). report.md is
// deterministic: the same campaign options give the same bytes, except the
// one line that starts with kTimingLinePrefix, which holds every wall-clock
// figure.
#ifndef PORTPOOL_CONFORMANCE_REPORT_H_
#define PORTPOOL_CONFORMANCE_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portpool/conformance/campaign.h"
#include "portpool/machine.h"
#include "portpool/protocol.h"

namespace portpool::conformance {

// The report.md line holding the wall-clock figures starts with this.
inline constexpr absl::string_view kTimingLinePrefix = "Timing (wall clock";

// "CONFORMS", "DIVERGES", "ERRORS" (harness faults, no divergence),
// "INTERRUPTED" (stopped early, no divergence so far) or "UNSUPPORTED" (the
// backend is not available here: nothing was checked).
std::string VerdictWord(const CampaignResult& result);

// The command line that runs the same sequences again (with --seeds set to
// the number that ran, also after a time budget or an interrupt).
std::string ReproduceCommand(const CampaignResult& result);

std::string ReportMarkdown(const CampaignResult& result);
std::string ReportHtml(const CampaignResult& result);

// A map of `protocol`'s port space 0-65535 in `machine`: persistent blocks,
// runtime blocks, bound ports and the dynamic range, with axis labels and
// close-ups of crowded stretches. Blocks narrower than a few pixels are drawn
// at a minimum width. An <svg> element, without a legend (ReportHtml adds
// one for all maps).
std::string PortMapSvg(const Machine& machine, Protocol protocol);

// The style sheet of report.html, for other pages in the report's style
// (the behaviour table of matrix.h).
absl::string_view ReportStyleSheet();
// `text` with &, <, > and " escaped for HTML.
std::string HtmlEscape(absl::string_view text);

// "divergence-1.trace" for index 0.
std::string DivergenceFileName(size_t index);

struct ReportFiles {
  std::string markdown;  // paths of the files written
  std::string html;
  std::vector<std::string> traces;
};

// Writes the report folder `directory` (created if missing). Old
// divergence-*.trace files there are removed first, so the folder never
// mixes two campaigns' divergences. Fails, naming the path, if a file
// cannot be written.
absl::StatusOr<ReportFiles> WriteReport(const CampaignResult& result, const std::string& directory);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_REPORT_H_
