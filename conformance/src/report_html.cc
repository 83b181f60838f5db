// report.html: the campaign report as one self-contained HTML page
// (report.h): inline CSS and SVG, nothing fetched.
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "portpool/conformance/report.h"
#include "portpool/traces/print.h"
#include "portpool/traces/provenance.h"
#include "report_text.h"

namespace portpool::conformance {
namespace {

using report_text::Html;
using report_text::kBoundColour;
using report_text::kDynamicColour;
using report_text::kPersistentColour;
using report_text::kRuntimeColour;
using report_text::Plural;
using report_text::PortSpan;
using report_text::Thousands;

const char kCss[] = R"css(
:root { --ok: #15803d; --bad: #b91c1c; --warn: #b45309; --ink: #0f172a; --muted: #64748b;
        --line: #e2e8f0; --paper: #ffffff; }
* { box-sizing: border-box; }
body { margin: 0; background: #f1f5f9; color: var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 28px 48px; }
.title { display: flex; justify-content: space-between; align-items: baseline; margin-bottom: 10px; }
.title h1 { font-size: 18px; margin: 0; color: var(--muted); font-weight: 600; }
.title .cmd { font-size: 12px; color: var(--muted); }
.verdict { display: flex; align-items: center; gap: 28px; padding: 22px 30px; border-radius: 14px;
           color: #fff; }
.verdict .word { font-size: 60px; font-weight: 800; letter-spacing: 0.02em; line-height: 1; }
.verdict .what { font-size: 17px; max-width: 820px; }
.verdict .what .shows { display: block; margin-top: 6px; font-size: 14px; opacity: 0.92; }
.verdict.CONFORMS { background: var(--ok); }
.verdict.DIVERGES { background: var(--bad); }
.verdict.ERRORS { background: var(--warn); }
.verdict.INTERRUPTED { background: var(--warn); }
.verdict.UNSUPPORTED { background: var(--warn); }
.verdict.partial { background: repeating-linear-gradient(135deg, #15803d 0 22px, #a16207 22px 44px); }
.verdict .partial-note { font-size: 15px; font-weight: 700; margin-top: 6px; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 16px 0; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
        padding: 10px 16px; }
.card .n { font-size: 28px; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .l { font-size: 13px; color: var(--muted); }
.card.bad .n { color: var(--bad); }
.card.good .n { color: var(--ok); }
.card.clock { background: #f8fafc; border-style: dashed; }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
          padding: 16px 24px; margin: 16px 0; }
h2 { font-size: 20px; margin: 0 0 8px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
p { margin: 6px 0; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.run td:first-child { width: 140px; color: var(--muted); }
td.rule { white-space: nowrap; }
tr.never td { background: #fef3c7; font-weight: 600; }
td.zero { color: #94a3b8; }
.tag { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px;
       font-weight: 700; background: var(--warn); color: #fff; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
code { font-size: 13px; background: #f1f5f9; padding: 1px 5px; border-radius: 4px; }
pre { background: #0f172a; color: #e2e8f0; padding: 12px 16px; border-radius: 8px;
      font-size: 13px; line-height: 1.45; overflow-x: auto; }
pre .hit { background: #7f1d1d; color: #fff; display: inline-block; width: 100%; }
.div { border-left: 5px solid var(--bad); padding-left: 16px; margin: 14px 0 22px; }
.div table td:first-child { width: 90px; color: var(--muted); }
ul.rules { margin: 6px 0; padding-left: 20px; }
.legend { display: flex; gap: 22px; flex-wrap: wrap; font-size: 13px; margin: 6px 0 4px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.sw { width: 22px; height: 12px; display: inline-block; border-radius: 2px; }
.map { margin: 10px 0 6px; }
table.ports { margin: 4px 0 14px; font-size: 13px; }
table.ports td:first-child { white-space: nowrap; width: 190px; font-variant-numeric: tabular-nums; }
table.ports td.what { white-space: nowrap; width: 150px; }
table.evidence { width: auto; margin: 6px 0 14px; }
.cols { columns: 3; column-gap: 28px; }
details summary { cursor: pointer; color: var(--muted); }
)css";

std::string Card(const std::string& number, const std::string& label,
                 const std::string& css_class = "") {
  return absl::StrCat("<div class=\"card ", css_class, "\"><div class=\"n\">", Html(number),
                      "</div><div class=\"l\">", Html(label), "</div></div>\n");
}

std::string TraceHtml(const traces::Trace& trace, size_t divergent_step) {
  std::string hit;
  if (divergent_step < trace.steps.size()) hit = traces::PrintStep(trace.steps[divergent_step]);
  std::vector<std::string> lines = absl::StrSplit(traces::Print(trace), '\n');
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  // The divergent step is the last line that prints as it does.
  size_t hit_line = lines.size();
  for (size_t i = lines.size(); i-- > 0;) {
    if (!hit.empty() && lines[i] == hit) {
      hit_line = i;
      break;
    }
  }
  std::string html = "<pre>";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i == hit_line) {
      absl::StrAppend(&html, "<span class=\"hit\">", Html(lines[i]), "   \u2190 diverges</span>\n");
    } else {
      absl::StrAppend(&html, Html(lines[i]), "\n");
    }
  }
  return html + "</pre>\n";
}

std::string LegendHtml() {
  return absl::StrCat(
      "<div class=\"legend\">", "<span><i class=\"sw\" style=\"background:", kPersistentColour,
      "\"></i>persistent block (CreatePersistent\u2026)</span>",
      "<span><i class=\"sw\" style=\"background:", kRuntimeColour,
      "\"></i>runtime block (SIO_ACQUIRE_PORT_RESERVATION)</span>",
      "<span><svg width=\"14\" height=\"14\" viewBox=\"0 0 14 14\"><path d=\"M2 1 L12 1 L7 9 Z\" "
      "fill=\"",
      kBoundColour, "\"/><line x1=\"7\" y1=\"9\" x2=\"7\" y2=\"14\" stroke=\"", kBoundColour,
      "\" stroke-width=\"1.5\"/></svg>bound port</span>",
      "<span><i class=\"sw\" style=\"background:", kDynamicColour,
      "\"></i>dynamic (ephemeral) port range</span>", "</div>\n",
      "<p class=\"muted\" style=\"font-size:13px\">Blocks are drawn at least 3 pixels wide, so "
      "even a one-port block shows; shaded wedges lead to close-ups of crowded stretches, "
      "labelled with their ports. The table under each map lists every block and bound port "
      "with its owner.</p>\n");
}

std::string PoolSummary(const Machine& machine, Protocol protocol) {
  int persistent = 0, runtime = 0, bound = 0;
  for (const auto& [start, block] : machine.pool(protocol).blocks()) {
    (block.kind == BlockKind::kPersistent ? persistent : runtime) += 1;
  }
  for (const auto& [port, binding] : machine.pool(protocol).bindings()) {
    bound += (binding.ipv4 ? 1 : 0) + (binding.ipv6 ? 1 : 0);
  }
  const PortRange dynamic = machine.pool(protocol).dynamic_range();
  return absl::StrCat(absl::AsciiStrToUpper(ProtocolName(protocol)), ": ",
                      Plural(persistent, "persistent block", "persistent blocks"), ", ",
                      Plural(runtime, "runtime block", "runtime blocks"), ", ",
                      Plural(bound, "bound socket", "bound sockets"), "; dynamic range ",
                      PortSpan(dynamic.start, dynamic.last()));
}

// Both protocols' maps of `state`, each with the table of its ports.
std::string MapsHtml(const DrawnState& state) {
  std::string html;
  for (Protocol protocol : kAllProtocols) {
    absl::StrAppend(&html, "<div class=\"map\"><p><b>", Html(PoolSummary(state.machine, protocol)),
                    "</b></p>\n", PortMapSvg(state, protocol), "<table class=\"ports\"><tr><th>",
                    ProtocolName(protocol), " ports</th><th>what</th><th>owner</th></tr>\n");
    for (const PortTableRow& row : PortTable(state, protocol)) {
      absl::StrAppend(&html, "<tr><td>", Html(row.ports), "</td><td class=\"what\">",
                      Html(row.what), "</td><td>", Html(row.owner), "</td></tr>\n");
    }
    absl::StrAppend(&html, "</table></div>\n");
  }
  return html;
}

}  // namespace

std::string ReportHtml(const CampaignResult& r) {
  const std::string verdict = VerdictWord(r);
  const bool partial = verdict == "CONFORMS" && !AllRulesChecked(r);
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>portpool conformance report: ",
      Html(VerdictLine(r)), "</title>\n<style>", kCss, "</style>\n</head>\n<body>\n<main>\n");
  absl::StrAppend(&html, "<div class=\"title\"><h1>portpool conformance report</h1>",
                  "<div class=\"cmd\">", Html(r.backend_name), " backend \u00b7 ",
                  Html(report_text::SequencesLine(r)), " \u00b7 ", Html(r.tool.name), " ",
                  Html(r.tool.version), "</div></div>\n");
  absl::StrAppend(&html, "<div class=\"verdict ", verdict, partial ? " partial" : "",
                  "\"><div><div class=\"word\">", verdict, "</div>",
                  partial ? absl::StrCat("<div class=\"partial-note\">PARTIAL: ", RulesChecked(r),
                                         " of ", RuleCatalogue().size(), " rules checked</div>")
                          : "",
                  "</div><div class=\"what\">", Html(report_text::Summary(r)),
                  "<span class=\"shows\"><b>What this shows:</b> ", Html(WhatItShows(r)),
                  "</span></div></div>\n");

  // Figures.
  absl::StrAppend(&html, "<div class=\"cards\">\n");
  absl::StrAppend(
      &html, Card(Thousands(static_cast<int64_t>(r.sequences)),
                  absl::StrCat(
                      "sequences run (seeds ", r.first_seed,
                      r.sequences > 0 ? absl::StrCat("\u2013", r.first_seed + r.sequences - 1) : "",
                      ", ", r.length, " steps each)")));
  absl::StrAppend(&html, Card(Thousands(r.calls_checked()), "calls checked"));
  absl::StrAppend(&html,
                  Card(Thousands(r.corpus_traces),
                       r.corpus_dir.empty() ? std::string("corpus traces replayed (no corpus)")
                                            : absl::StrCat("corpus traces replayed (",
                                                           r.corpus_conforming, " conform)")));
  absl::StrAppend(&html,
                  Card(Thousands(r.documented_cases), "documented cases run on the backend"));
  absl::StrAppend(&html,
                  Card(Thousands(r.divergence_count),
                       r.divergence_count == 0
                           ? std::string("divergences")
                           : absl::StrCat("divergences (", r.divergences.size(), " distinct)"),
                       r.divergence_count > 0 ? "bad" : "good"));
  absl::StrAppend(&html, Card(absl::StrCat(RulesChecked(r), " / ", RuleCatalogue().size()),
                              "catalogue rules checked", AllRulesChecked(r) ? "good" : "bad"));
  absl::StrAppend(&html, Card(WallClockText(r), "wall-clock time", "clock"));
  absl::StrAppend(&html, Card(CallsPerSecondText(r), "calls checked per second", "clock"));
  absl::StrAppend(&html, "</div>\n");

  // The run.
  absl::StrAppend(&html, "<section><h2>Run</h2><table class=\"run\">\n");
  absl::StrAppend(&html, "<tr><td>backend</td><td>", Html(report_text::BackendLine(r)),
                  "</td></tr>\n");
  absl::StrAppend(&html, "<tr><td>sequences</td><td>", Html(report_text::SequencesLine(r)),
                  "</td></tr>\n");
  absl::StrAppend(&html, "<tr><td>stopped</td><td>", Html(report_text::StopLine(r)),
                  "</td></tr>\n");
  absl::StrAppend(&html, "<tr><td>corpus</td><td>", Html(report_text::CorpusLine(r)),
                  "</td></tr>\n");
  absl::StrAppend(&html, "<tr><td>calls checked</td><td>", Thousands(r.sequence_calls),
                  " in sequences, ", Thousands(r.documented_case_calls),
                  " in documented cases run on the backend, ", Thousands(r.corpus_steps),
                  " recorded corpus steps replayed; ", r.surface_cases, " surface cases (",
                  r.surface_cases - r.surface_cases_failed, " hold)</td></tr>\n");
  absl::StrAppend(&html, "<tr><td>tool</td><td>", Html(traces::DescribeTool(r.tool)),
                  "</td></tr>\n");
  absl::StrAppend(&html, "<tr><td>run again</td><td><code>", Html(ReproduceCommand(r)),
                  "</code></td></tr>\n</table></section>\n");

  // Divergences.
  absl::StrAppend(&html, "<section><h2>Divergences</h2>\n");
  if (r.divergences.empty()) {
    absl::StrAppend(&html, "<p>",
                    r.divergence_count == 0 ? "None: every answer was allowed." : "None kept.",
                    "</p>\n");
  }
  if (!r.divergences.empty()) absl::StrAppend(&html, LegendHtml());
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    const CampaignDivergence& d = r.divergences[i];
    absl::StrAppend(&html, "<div class=\"div\"><h3>Divergence ", i + 1, ": ",
                    Html(report_text::DivergenceTitle(d)), "</h3>\n<p>",
                    Html(report_text::FoundLine(d)), " Minimal trace: <code>",
                    DivergenceFileName(i), "</code>.</p>\n");
    if (const std::string also = report_text::AlsoLine(d); !also.empty()) {
      absl::StrAppend(&html, "<p class=\"muted\">", Html(also), "</p>\n");
    }
    absl::StrAppend(&html, "<table>\n<tr><td>call</td><td><code>", Html(d.divergence.call),
                    "</code> (step ", d.divergence.step + 1, " of the minimal trace)</td></tr>\n");
    absl::StrAppend(&html, "<tr><td>recorded</td><td><code>", Html(d.divergence.recorded),
                    "</code></td></tr>\n");
    absl::StrAppend(&html, "<tr><td>allowed</td><td><code>", Html(d.divergence.allowed),
                    "</code></td></tr>\n<tr><td>rules</td><td><ul class=\"rules\">\n");
    for (const traces::RuleCitation& rule : d.divergence.rules) {
      absl::StrAppend(&html, "<li><b>", Html(rule.id), "</b> ",
                      rule.evidence.empty() ? "(not in the rule catalogue)"
                                            : absl::StrCat("(", Html(rule.evidence),
                                                           "; source: ", Html(rule.source), ")"),
                      rule.summary.empty() ? "" : ": ", Html(rule.summary), "</li>\n");
    }
    absl::StrAppend(&html, "</ul></td></tr>\n</table>\n", TraceHtml(d.minimal, d.divergence.step));
    if (const std::optional<DrawnState> before = report_text::StateBefore(d)) {
      absl::StrAppend(&html, "<h3>The state just before step ", d.divergence.step + 1, "</h3>\n",
                      MapsHtml(*before));
    }
    absl::StrAppend(&html, "<p class=\"muted\">Check it: <code>portpool replay ",
                    DivergenceFileName(i), "</code>; the state before it: <code>portpool show ",
                    DivergenceFileName(i), "</code>.</p></div>\n");
  }
  absl::StrAppend(&html, "</section>\n");

  if (!r.errors.empty()) {
    absl::StrAppend(&html,
                    "<section><h2>Errors</h2><p>The harness could not run these; they "
                    "are not divergences, but the campaign is incomplete.</p><ul>\n");
    for (const std::string& error : r.errors) {
      absl::StrAppend(&html, "<li>", Html(error), "</li>\n");
    }
    absl::StrAppend(&html, "</ul></section>\n");
  }

  // The map of the sample.
  absl::StrAppend(&html, "<section><h2>Port map of the first sequence</h2>\n");
  if (const std::optional<DrawnState> sample = report_text::SampleState(r);
      sample && r.sample_trace) {
    absl::StrAppend(&html, "<p>", Html(report_text::SampleLine(r)), "</p>\n", LegendHtml(),
                    MapsHtml(*sample),
                    "<details><summary>The same state as netsh lists it</summary><pre>",
                    Html(report_text::StateText(*sample)), "</pre></details>\n");
  } else {
    absl::StrAppend(&html, "<p>No sequence ran.</p>\n");
  }
  absl::StrAppend(&html, "</section>\n");

  // Coverage.
  const std::vector<RuleId> unchecked = r.coverage.Unchecked();
  absl::StrAppend(&html, "<section><h2>Rule coverage</h2>\n<p>", RulesChecked(r), " of ",
                  RuleCatalogue().size(),
                  " catalogue rules were checked: <i>checked</i> counts the calls whose "
                  "expectation drew on the rule, <i>decided</i> the answers the rule allowed. ");
  if (unchecked.empty()) {
    absl::StrAppend(&html, "No rule went unchecked.");
  } else {
    absl::StrAppend(&html, "Rules never checked are <span class=\"tag\">highlighted</span>: ",
                    Html(absl::StrJoin(unchecked, ", ")), ".");
  }
  absl::StrAppend(&html,
                  " Rule IDs are explained in docs/semantics.md (installed as "
                  "share/doc/portpool/semantics.md).</p>\n");
  absl::StrAppend(&html,
                  "<p>The evidence behind the rules: <i>documented</i> by Microsoft, "
                  "<i>observed</i> on Windows, <i>inferred</i> from both, <i>unknown</i> (the "
                  "model allows every plausible answer), or <i>model</i> (the model's own "
                  "bookkeeping).</p>\n<table class=\"evidence\"><tr><th>evidence</th>"
                  "<th class=\"num\">rules</th><th class=\"num\">checked</th>"
                  "<th class=\"num\">checks</th></tr>\n");
  for (const report_text::EvidenceCount& e : report_text::EvidenceMix(r)) {
    absl::StrAppend(&html, "<tr><td>", EvidenceName(e.evidence), "</td><td class=\"num\">", e.rules,
                    "</td><td class=\"num", e.rules_checked < e.rules ? " zero" : "", "\">",
                    e.rules_checked, "</td><td class=\"num\">", Thousands(e.checks),
                    "</td></tr>\n");
  }
  absl::StrAppend(&html, "</table>\n");
  absl::StrAppend(&html,
                  "<table><tr><th>rule</th><th>evidence</th><th class=\"num\">checked</th>"
                  "<th class=\"num\">decided</th><th>summary</th></tr>\n");
  for (const Rule& rule : RuleCatalogue()) {
    const RuleCoverage::Count count = r.coverage.Get(rule.id);
    absl::StrAppend(
        &html, count.checked == 0 ? "<tr class=\"never\">" : "<tr>", "<td class=\"rule\">",
        Html(rule.id), count.checked == 0 ? " <span class=\"tag\">never checked</span>" : "",
        "</td><td>", EvidenceName(rule.evidence), "</td><td class=\"num",
        count.checked == 0 ? " zero" : "", "\">", Thousands(count.checked), "</td><td class=\"num",
        count.decided == 0 ? " zero" : "", "\">", Thousands(count.decided),
        "</td><td class=\"muted\">", Html(rule.summary), "</td></tr>\n");
  }
  absl::StrAppend(&html, "</table></section>\n");

  // Files.
  absl::StrAppend(&html, "<section><h2>Files in this folder</h2><ul>\n",
                  "<li><code>report.md</code>: this report as Markdown; <code>report.json"
                  "</code>: the same for programs</li>\n");
  if (r.sample_trace) {
    absl::StrAppend(&html, "<li><code>sample.trace</code>: the first sequence (",
                    "<code>portpool show sample.trace</code>)</li>\n");
  }
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    absl::StrAppend(&html, "<li><code>", DivergenceFileName(i), "</code>: divergence ", i + 1,
                    ", minimal; <code>", FullDivergenceFileName(i), "</code>: as found</li>\n");
  }
  absl::StrAppend(&html, "</ul></section>\n</main>\n</body>\n</html>\n");
  return html;
}

absl::string_view ReportStyleSheet() { return kCss; }

std::string HtmlEscape(absl::string_view text) { return report_text::Html(text); }

}  // namespace portpool::conformance
