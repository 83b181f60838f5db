// The report of a conformance campaign (campaign.h): a folder a person opens
// after `portpool campaign`, and a program can read.
//
//   report.md            the report as Markdown (for terminals, CI logs, diffs)
//   report.html          the same, self-contained (inline CSS and SVG, no
//                        external resources), with maps of the port space
//   report.json          the same facts for programs (ReportJson)
//   sample.trace         the first sequence, as a trace
//   divergence-N.trace   each kept divergence, shrunk to a minimal trace
//   divergence-N-full.trace   the same divergence as it was found
//
// Every form holds the verdict and a sentence on what it shows (what was
// compared with what, and what a reader may conclude), the figures, every
// divergence with its minimal trace, its rules with their sources and the
// state just before it, the rule coverage (every catalogue rule, never-checked
// ones marked, and the mix of evidence), and the tool's version, commit and
// rule-catalogue digest. report.md is deterministic: the same campaign
// options give the same bytes, except the one line that starts with
// kTimingLinePrefix, which holds every wall-clock figure.
#ifndef PORTPOOL_CONFORMANCE_REPORT_H_
#define PORTPOOL_CONFORMANCE_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portpool/conformance/campaign.h"
#include "portpool/conformance/port_map.h"

namespace portpool::conformance {

// The report.md line holding the wall-clock figures starts with this.
inline constexpr absl::string_view kTimingLinePrefix = "Timing (wall clock";

// "CONFORMS", "DIVERGES", "ERRORS" (harness faults, no divergence),
// "INTERRUPTED" (stopped early, no divergence so far) or "UNSUPPORTED" (the
// backend is not available here: nothing was checked).
std::string VerdictWord(const CampaignResult& result);
// The verdict word, and for a CONFORMS that left rules unchecked, how many:
// "CONFORMS (partial: 64 of 75 rules checked)".
std::string VerdictLine(const CampaignResult& result);
// Whether every rule of the catalogue was checked.
bool AllRulesChecked(const CampaignResult& result);
int RulesChecked(const CampaignResult& result);
// What was compared with what, and what a reader may conclude from the
// verdict: a simulator campaign checks the model's own consistency and its
// Win32-shaped surface, not Windows; a Windows campaign checks Windows.
std::string WhatItShows(const CampaignResult& result);

// The wall-clock figures, as every form of the report and the command's
// summary print them: "60.00 s" and "244,257" (calls checked per second).
std::string WallClockText(const CampaignResult& result);
std::string CallsPerSecondText(const CampaignResult& result);

// The command line that runs the same sequences again (with --seeds set to
// the number that ran, also after a time budget or an interrupt). Its words
// are quoted for a POSIX shell; a corpus other than the build's own is named
// by its absolute path.
std::string ReproduceCommand(const CampaignResult& result);

std::string ReportMarkdown(const CampaignResult& result);
std::string ReportHtml(const CampaignResult& result);
// report.json: {"format": "portpool-report", "format_version": 1, "tool",
// "verdict", "what_it_shows", "run", "figures", "timing", "rules",
// "evidence", "divergences" (each with its minimal and full trace), "errors",
// "files"}. docs/report-json.md describes every field.
std::string ReportJson(const CampaignResult& result);

// The style sheet of report.html, for other pages in the report's style
// (the behaviour table of matrix.h).
absl::string_view ReportStyleSheet();
// `text` with &, <, > and " escaped for HTML.
std::string HtmlEscape(absl::string_view text);

// "divergence-1.trace" for index 0, "divergence-1-full.trace".
std::string DivergenceFileName(size_t index);
std::string FullDivergenceFileName(size_t index);

struct ReportFiles {
  std::string markdown;  // paths of the files written
  std::string html;
  std::string json;
  std::vector<std::string> traces;
};

// Writes the report folder `directory` (created if missing). Old
// divergence-*.trace files there are removed first, so the folder never
// mixes two campaigns' divergences. Every trace gets the tool's provenance
// line. Fails, naming the path and the system's reason, if a file cannot be
// written.
absl::StatusOr<ReportFiles> WriteReport(const CampaignResult& result, const std::string& directory);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_REPORT_H_
