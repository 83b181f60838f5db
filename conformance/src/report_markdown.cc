// report.md: the campaign report as Markdown (report.h).
#include "absl/strings/str_cat.h"
#include "portpool/conformance/report.h"
#include "portpool/traces/print.h"
#include "portpool/traces/provenance.h"
#include "report_text.h"

namespace portpool::conformance {
namespace {

using report_text::Cell;
using report_text::Thousands;

std::string MarkdownTrace(const traces::Trace& trace) {
  return absl::StrCat("```\n", traces::Print(trace), "```\n");
}

// The state as `portpool show` prints it, and a table of every block and
// bound port with its owner.
std::string StateMarkdown(const DrawnState& state) {
  std::string md = absl::StrCat("```\n", report_text::StateText(state), "```\n\n");
  for (Protocol protocol : kAllProtocols) {
    absl::StrAppend(&md, "| ", ProtocolName(protocol),
                    " ports | what | owner |\n| --- | --- | --- |\n");
    for (const PortTableRow& row : PortTable(state, protocol)) {
      absl::StrAppend(&md, "| ", Cell(row.ports), " | ", Cell(row.what), " | ", Cell(row.owner),
                      " |\n");
    }
    absl::StrAppend(&md, "\n");
  }
  return md;
}

}  // namespace

std::string ReportMarkdown(const CampaignResult& r) {
  std::string md = "# portpool conformance report\n\n";
  absl::StrAppend(&md, "## Verdict: ", VerdictLine(r), "\n\n", report_text::Summary(r), "\n\n",
                  "**What this shows:** ", WhatItShows(r), "\n\n");
  absl::StrAppend(&md, "| run | |\n| --- | --- |\n");
  absl::StrAppend(&md, "| backend | ", Cell(report_text::BackendLine(r)), " |\n");
  absl::StrAppend(&md, "| sequences | ", Cell(report_text::SequencesLine(r)), " |\n");
  absl::StrAppend(&md, "| stopped | ", Cell(report_text::StopLine(r)), " |\n");
  absl::StrAppend(&md, "| corpus | ", Cell(report_text::CorpusLine(r)), " |\n");
  absl::StrAppend(&md, "| tool | ", Cell(traces::DescribeTool(r.tool)), " |\n");
  absl::StrAppend(&md, "| run again | `", Cell(ReproduceCommand(r)), "` |\n\n");

  absl::StrAppend(&md, "## Figures\n\n| figure | value |\n| --- | ---: |\n");
  absl::StrAppend(&md, "| sequences run | ", Thousands(static_cast<int64_t>(r.sequences)), " |\n");
  absl::StrAppend(&md, "| calls checked | ", Thousands(r.calls_checked()), " |\n");
  absl::StrAppend(&md, "| &nbsp;&nbsp;in sequences | ", Thousands(r.sequence_calls), " |\n");
  absl::StrAppend(&md, "| &nbsp;&nbsp;in documented cases run on the backend | ",
                  Thousands(r.documented_case_calls), " |\n");
  absl::StrAppend(&md, "| &nbsp;&nbsp;recorded corpus steps replayed | ", Thousands(r.corpus_steps),
                  " |\n");
  absl::StrAppend(&md, "| corpus traces replayed | ", Thousands(r.corpus_traces), " (",
                  Thousands(r.corpus_conforming), " conform) |\n");
  absl::StrAppend(&md, "| documented cases run on the backend | ", Thousands(r.documented_cases),
                  r.documented_cases_unsupported > 0
                      ? absl::StrCat(" (", r.documented_cases_unsupported,
                                     " stopped at a call the backend cannot make)")
                      : "",
                  " |\n");
  absl::StrAppend(&md, "| surface cases (W32-*) | ", r.surface_cases, " (",
                  r.surface_cases - r.surface_cases_failed, " hold) |\n");
  absl::StrAppend(&md, "| divergences | ", Thousands(r.divergence_count),
                  r.divergence_count > 0
                      ? absl::StrCat(" (", r.divergences.size(), " distinct, kept below)")
                      : "",
                  " |\n");
  absl::StrAppend(&md, "| harness errors | ", r.errors.size(), " |\n");
  absl::StrAppend(&md, "| rules checked | ", RulesChecked(r), " of ", RuleCatalogue().size(),
                  " |\n\n");
  absl::StrAppend(&md, kTimingLinePrefix, ", differs between runs): ", WallClockText(r), ", ",
                  CallsPerSecondText(r), " calls/s.\n\n");

  absl::StrAppend(&md, "## Divergences\n\n");
  if (r.divergences.empty()) {
    absl::StrAppend(&md, r.divergence_count == 0 ? "None.\n\n"
                                                 : "None kept (the limit of kept divergences "
                                                   "was reached).\n\n");
  }
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    const CampaignDivergence& d = r.divergences[i];
    absl::StrAppend(&md, "### Divergence ", i + 1, ": ", report_text::DivergenceTitle(d), "\n\n",
                    report_text::FoundLine(d), " Minimal trace: `", DivergenceFileName(i), "`.");
    if (const std::string also = report_text::AlsoLine(d); !also.empty()) {
      absl::StrAppend(&md, " ", also);
    }
    absl::StrAppend(&md, "\n\n| | |\n| --- | --- |\n");
    absl::StrAppend(&md, "| call | `", Cell(d.divergence.call), "` (step ", d.divergence.step + 1,
                    " of the minimal trace) |\n");
    absl::StrAppend(&md, "| recorded | `", Cell(d.divergence.recorded), "` |\n");
    absl::StrAppend(&md, "| allowed | `", Cell(d.divergence.allowed), "` |\n\n");
    absl::StrAppend(&md, "Rules:\n\n");
    for (const traces::RuleCitation& rule : d.divergence.rules) {
      absl::StrAppend(&md, "- **", report_text::RuleLine(rule), "**",
                      rule.summary.empty() ? "" : ": ", rule.summary, "\n");
    }
    absl::StrAppend(&md, "\n", MarkdownTrace(d.minimal), "\n");
    if (const std::optional<DrawnState> before = report_text::StateBefore(d)) {
      absl::StrAppend(&md, "The state just before step ", d.divergence.step + 1, ":\n\n",
                      StateMarkdown(*before));
    }
    absl::StrAppend(&md, "Check it: `portpool replay ", DivergenceFileName(i),
                    "`; the state before it: `portpool show ", DivergenceFileName(i), "`.\n\n");
  }

  if (!r.errors.empty()) {
    absl::StrAppend(&md,
                    "## Errors\n\nThe harness could not run these; they are not "
                    "divergences, but the campaign is incomplete.\n\n");
    for (const std::string& error : r.errors) absl::StrAppend(&md, "- ", error, "\n");
    absl::StrAppend(&md, "\n");
  }

  absl::StrAppend(&md, "## Rule coverage\n\n", RulesChecked(r), " of ", RuleCatalogue().size(),
                  " catalogue rules were checked (part of some call's expectation); \"decided\" "
                  "counts the answers a rule allowed. Rules never checked are marked "
                  "**never checked**. Rule IDs are explained in docs/semantics.md (installed as "
                  "share/doc/portpool/semantics.md).\n\n");
  absl::StrAppend(&md, "| evidence | rules | checked | checks |\n| --- | ---: | ---: | ---: |\n");
  for (const report_text::EvidenceCount& e : report_text::EvidenceMix(r)) {
    absl::StrAppend(&md, "| ", EvidenceName(e.evidence), " | ", e.rules, " | ", e.rules_checked,
                    " | ", Thousands(e.checks), " |\n");
  }
  absl::StrAppend(
      &md, "\n| rule | evidence | checked | decided | |\n| --- | --- | ---: | ---: | --- |\n");
  for (const Rule& rule : RuleCatalogue()) {
    const RuleCoverage::Count count = r.coverage.Get(rule.id);
    absl::StrAppend(&md, "| ", rule.id, " | ", EvidenceName(rule.evidence), " | ",
                    Thousands(count.checked), " | ", Thousands(count.decided), " | ",
                    count.checked == 0 ? "**never checked**" : "", " |\n");
  }
  absl::StrAppend(&md, "\n## Sample: the first sequence\n\n");
  if (const std::optional<DrawnState> sample = report_text::SampleState(r);
      sample && r.sample_trace) {
    absl::StrAppend(&md, report_text::SampleLine(r),
                    " report.html draws it as a map of the port space.\n\n",
                    StateMarkdown(*sample));
  } else {
    absl::StrAppend(&md, "No sequence ran.\n\n");
  }
  absl::StrAppend(&md,
                  "## Files\n\n- `report.md`, `report.html`: this report; `report.json`: the same "
                  "for programs\n");
  if (r.sample_trace) absl::StrAppend(&md, "- `sample.trace`: the first sequence\n");
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    absl::StrAppend(&md, "- `", DivergenceFileName(i), "`: divergence ", i + 1, ", minimal; `",
                    FullDivergenceFileName(i), "`: as found\n");
  }
  return md;
}

}  // namespace portpool::conformance
