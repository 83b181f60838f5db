// report.json: the campaign report for programs (report.h). The same facts
// as report.md, as numbers and strings rather than sentences where they are
// figures. docs/report-json.md describes every field.
#include "json_parts.h"
#include "nlohmann/json.hpp"
#include "portpool/conformance/report.h"
#include "portpool/traces/print.h"
#include "report_text.h"

namespace portpool::conformance {
namespace {

using Json = nlohmann::ordered_json;

const char* StopName(CampaignResult::Stop stop) {
  switch (stop) {
    case CampaignResult::Stop::kCompleted:
      return "completed";
    case CampaignResult::Stop::kTimeBudget:
      return "time-budget";
    case CampaignResult::Stop::kInterrupted:
      return "interrupted";
  }
  return "";
}

const char* OriginName(CampaignDivergence::Origin origin) {
  switch (origin) {
    case CampaignDivergence::Origin::kSequence:
      return "sequence";
    case CampaignDivergence::Origin::kDocumentedCase:
      return "documented-case";
    case CampaignDivergence::Origin::kCorpusReplay:
      return "corpus-replay";
  }
  return "";
}

template <typename T>
Json OrNull(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// The blocks and bound ports of a state, per protocol, as the table under a
// map lists them.
Json StateJson(const DrawnState& state) {
  Json protocols = Json::object();
  for (Protocol protocol : kAllProtocols) {
    Json rows = Json::array();
    for (const PortTableRow& row : PortTable(state, protocol)) {
      rows.push_back(Json{{"ports", row.ports}, {"what", row.what}, {"owner", row.owner}});
    }
    protocols[std::string(ProtocolName(protocol))] = std::move(rows);
  }
  return protocols;
}

}  // namespace

std::string ReportJson(const CampaignResult& r) {
  Json run{{"backend", r.backend_name},
           {"backend_description", r.backend_description},
           {"unavailable", OrNull(r.unavailable)},
           {"first_seed", r.first_seed},
           {"seeds_asked", OrNull(r.seeds)},
           {"time_budget_seconds", OrNull(r.time_budget_seconds)},
           {"length", r.length},
           {"corpus", r.corpus_dir.empty() ? Json(nullptr) : Json(r.corpus_dir)},
           {"corpus_is_default", r.corpus_is_default},
           {"stopped", StopName(r.stop)},
           {"run_again", ReproduceCommand(r)}};
  Json figures{{"sequences", r.sequences},
               {"calls_checked", r.calls_checked()},
               {"sequence_calls", r.sequence_calls},
               {"documented_case_calls", r.documented_case_calls},
               {"corpus_steps", r.corpus_steps},
               {"corpus_traces", r.corpus_traces},
               {"corpus_traces_conforming", r.corpus_conforming},
               {"documented_cases", r.documented_cases},
               {"documented_cases_unsupported", r.documented_cases_unsupported},
               {"surface_cases", r.surface_cases},
               {"surface_cases_failed", r.surface_cases_failed},
               {"divergences", r.divergence_count},
               {"distinct_divergences", r.divergences.size()},
               {"harness_errors", r.errors.size()},
               {"rules_checked", RulesChecked(r)},
               {"rules_total", RuleCatalogue().size()}};
  Json rules = Json::array();
  for (const Rule& rule : RuleCatalogue()) {
    const RuleCoverage::Count count = r.coverage.Get(rule.id);
    rules.push_back(Json{{"id", std::string(rule.id)},
                         {"evidence", std::string(EvidenceName(rule.evidence))},
                         {"checked", count.checked},
                         {"decided", count.decided}});
  }
  Json evidence = Json::object();
  for (const report_text::EvidenceCount& e : report_text::EvidenceMix(r)) {
    evidence[std::string(EvidenceName(e.evidence))] =
        Json{{"rules", e.rules}, {"rules_checked", e.rules_checked}, {"checks", e.checks}};
  }
  Json divergences = Json::array();
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    const CampaignDivergence& d = r.divergences[i];
    Json entry{
        {"title", report_text::DivergenceTitle(d)},
        {"origin", OriginName(d.origin)},
        {"found_by", d.found_by},
        {"seed", d.origin == CampaignDivergence::Origin::kSequence ? Json(d.seed) : Json(nullptr)},
        {"trace_path", d.trace_path.empty() ? Json(nullptr) : Json(d.trace_path)},
        {"backend", d.backend},
        {"step_as_found", d.original_step + 1},
        {"line_as_found", d.original_line > 0 ? Json(d.original_line) : Json(nullptr)},
        {"shrunk", d.shrunk},
        {"shrink_note", d.shrink_note},
        {"divergence", json_parts::Divergence(d.divergence)},
        {"explanation", d.explanation},
        {"also_found_by", d.also_found_by},
        {"minimal_trace_file", DivergenceFileName(i)},
        {"minimal_trace", traces::Print(d.minimal)},
        {"full_trace_file", FullDivergenceFileName(i)},
        {"full_trace", traces::Print(d.original)}};
    const std::optional<DrawnState> before = report_text::StateBefore(d);
    entry["state_before"] = before ? StateJson(*before) : Json(nullptr);
    divergences.push_back(std::move(entry));
  }
  Json files{{"markdown", "report.md"}, {"html", "report.html"}, {"json", "report.json"}};
  files["sample_trace"] = r.sample_trace ? Json("sample.trace") : Json(nullptr);
  Json document{
      {"format", "portpool-report"},
      {"format_version", 1},
      {"tool", json_parts::Tool(r.tool)},
      {"verdict", VerdictWord(r)},
      {"conforms", r.conforms()},
      {"all_rules_checked", AllRulesChecked(r)},
      {"summary", report_text::Summary(r)},
      {"what_it_shows", WhatItShows(r)},
      {"run", std::move(run)},
      {"figures", std::move(figures)},
      {"timing",
       Json{{"seconds", r.timing.seconds}, {"calls_per_second", r.timing.calls_per_second}}},
      {"rules", std::move(rules)},
      {"evidence", std::move(evidence)},
      {"divergences", std::move(divergences)},
      {"errors", r.errors},
      {"sample_state", r.sample_state ? StateJson(*report_text::SampleState(r)) : Json(nullptr)},
      {"files", std::move(files)}};
  return document.dump(2) + "\n";
}

}  // namespace portpool::conformance
