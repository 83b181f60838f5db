// The campaign report: what report.md and report.html hold, the port map's
// drawing rules, and the report folder.
#include "portpool/conformance/report.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/mutant.h"
#include "portpool/rule_digest.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/provenance.h"

namespace portpool::conformance {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

CampaignResult ShortCampaign(uint64_t seeds = 5) {
  CampaignOptions options;
  options.make_backend = [](uint64_t seed) -> std::unique_ptr<Backend> {
    return std::make_unique<SimulatorBackend>(seed);
  };
  options.seeds = seeds;
  options.length = 60;
  options.corpus_dir = std::string(PORTPOOL_SOURCE_DIR) + "/traces/regression";
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *std::move(result) : CampaignResult{};
}

TEST(ReportTest, TheMarkdownHasTheVerdictFiguresCoverageAndSample) {
  const CampaignResult result = ShortCampaign();
  const std::string md = ReportMarkdown(result);
  EXPECT_THAT(md, HasSubstr("## Verdict: CONFORMS"));
  EXPECT_THAT(md, HasSubstr("| sequences run | 5 |"));
  EXPECT_THAT(md, HasSubstr("| calls checked | "));
  EXPECT_THAT(md, HasSubstr("| corpus traces replayed | "));
  EXPECT_THAT(md, HasSubstr("| documented cases run on the backend | "));
  EXPECT_THAT(md, HasSubstr(std::string(kTimingLinePrefix)));
  EXPECT_THAT(md, HasSubstr("calls/s"));
  EXPECT_THAT(md, HasSubstr("## Divergences\n\nNone."));
  EXPECT_THAT(md, HasSubstr("## Rule coverage"));
  EXPECT_THAT(md, HasSubstr("Protocol tcp Port Exclusion Ranges"));
  EXPECT_THAT(md, HasSubstr("portpool campaign --backend simulator --seed 1 --seeds 5"));
  // Every catalogue rule has its row.
  for (const Rule& rule : RuleCatalogue()) {
    EXPECT_THAT(md, HasSubstr(absl::StrCat("| ", rule.id, " | ", EvidenceName(rule.evidence))))
        << rule.id;
  }
}

TEST(ReportTest, NeverCheckedRulesAreMarkedInBothReports) {
  CampaignResult result = ShortCampaign(1);
  result.coverage = RuleCoverage();  // nothing checked
  Verdict verdict;
  verdict.conforms = true;
  verdict.rule = rules::kCreateOk;
  verdict.rules = {rules::kCreateOk};
  result.coverage.Record(verdict);
  const std::string md = ReportMarkdown(result);
  EXPECT_THAT(md, HasSubstr("| P-CREATE-ZERO | documented | 0 | 0 | **never checked** |"));
  EXPECT_THAT(md, HasSubstr("| P-CREATE-OK | "));
  EXPECT_THAT(md, Not(HasSubstr("| P-CREATE-OK | documented | 1 | 1 | **never checked**")));
  const std::string html = ReportHtml(result);
  EXPECT_THAT(
      html,
      HasSubstr("<tr class=\"never\"><td class=\"rule\">P-CREATE-ZERO <span class=\"tag\">never "
                "checked</span>"));
  EXPECT_THAT(html, HasSubstr("<tr><td class=\"rule\">P-CREATE-OK</td>"));
}

TEST(ReportTest, TheHtmlIsSelfContained) {
  const std::string html = ReportHtml(ShortCampaign());
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<style>"));
  EXPECT_THAT(html, HasSubstr("class=\"verdict CONFORMS\""));
  EXPECT_THAT(html, HasSubstr("<svg"));
  // Nothing is fetched: no links, scripts, images, fonts or URLs.
  for (const char* external : {"http:", "https:", "<link", "<script", "<img", "<iframe",
                               "src=", "href=", "url(", "@import"}) {
    EXPECT_THAT(html, Not(HasSubstr(external))) << external;
  }
  // Both protocols have a map, and the figures are there.
  EXPECT_THAT(html, HasSubstr("aria-label=\"tcp port map\""));
  EXPECT_THAT(html, HasSubstr("aria-label=\"udp port map\""));
  EXPECT_THAT(html, HasSubstr("calls checked per second"));
  EXPECT_THAT(html, HasSubstr("corpus traces replayed"));
  EXPECT_THAT(html, HasSubstr("persistent block"));
  EXPECT_THAT(html, HasSubstr("runtime block"));
  EXPECT_THAT(html, HasSubstr("bound port"));
  EXPECT_THAT(html, HasSubstr("dynamic (ephemeral) port range"));
}

TEST(ReportTest, WriteReportWritesTheFolderAndDropsStaleDivergences) {
  const std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / "report_folder";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "divergence-7.trace") << "stale\n";
  std::ofstream(dir / "notes.txt") << "mine\n";
  const CampaignResult result = ShortCampaign(2);
  absl::StatusOr<ReportFiles> files = WriteReport(result, dir.string());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->markdown, (dir / "report.md").string());
  EXPECT_EQ(files->html, (dir / "report.html").string());
  EXPECT_TRUE(std::filesystem::exists(dir / "report.md"));
  EXPECT_TRUE(std::filesystem::exists(dir / "report.html"));
  EXPECT_FALSE(std::filesystem::exists(dir / "divergence-7.trace"));
  EXPECT_TRUE(std::filesystem::exists(dir / "notes.txt"));  // not ours: kept
  // sample.trace reads back and is the first sequence.
  absl::StatusOr<traces::Trace> sample = traces::ParseFile((dir / "sample.trace").string());
  ASSERT_TRUE(sample.ok()) << sample.status();
  EXPECT_EQ(sample->steps.size(), result.sample_trace->steps.size());
}

TEST(ReportTest, AnUnwritableFolderIsAnErrorNamingIt) {
  const std::filesystem::path file = std::filesystem::path(testing::TempDir()) / "report_is_a_file";
  std::ofstream(file) << "x\n";
  const absl::Status status = WriteReport(CampaignResult{}, (file / "sub").string()).status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("report_is_a_file"));
}

TEST(ReportTest, AVerdictThatLeftRulesUncheckedIsPartialAndNotPlainGreen) {
  CampaignResult result = ShortCampaign(1);
  ASSERT_TRUE(AllRulesChecked(result));  // the corpus checks every rule
  EXPECT_EQ(VerdictLine(result), "CONFORMS");
  EXPECT_THAT(ReportHtml(result), HasSubstr("class=\"verdict CONFORMS\""));
  result.coverage = RuleCoverage();
  Verdict verdict;
  verdict.conforms = true;
  verdict.rule = rules::kCreateOk;
  verdict.rules = {rules::kCreateOk};
  result.coverage.Record(verdict);
  const std::string partial =
      absl::StrCat("CONFORMS (partial: 1 of ", RuleCatalogue().size(), " rules checked)");
  EXPECT_EQ(VerdictLine(result), partial);
  EXPECT_THAT(ReportMarkdown(result), HasSubstr("## Verdict: " + partial));
  const std::string html = ReportHtml(result);
  EXPECT_THAT(html, HasSubstr("class=\"verdict CONFORMS partial\""));
  EXPECT_THAT(html, HasSubstr("PARTIAL: 1 of "));
  EXPECT_THAT(WhatItShows(result), HasSubstr("were never checked, so the verdict says nothing"));
}

TEST(ReportTest, SaysWhatACampaignShowsByBackend) {
  CampaignResult result = ShortCampaign(1);
  EXPECT_THAT(WhatItShows(result), HasSubstr("answers from the model itself"));
  EXPECT_THAT(WhatItShows(result), HasSubstr("says nothing about Windows"));
  EXPECT_THAT(ReportMarkdown(result), HasSubstr("**What this shows:** " + WhatItShows(result)));
  result.divergence_count = 1;
  EXPECT_THAT(WhatItShows(result), HasSubstr("a bug in portpool"));
  result.backend_name = "windows";
  result.backend_description = "windows build=22631 elevated=yes";
  EXPECT_THAT(WhatItShows(result), HasSubstr("Windows (windows build=22631 elevated=yes) gave"));
  result.divergence_count = 0;
  EXPECT_THAT(WhatItShows(result), HasSubstr("Windows behaves as docs/semantics.md describes"));
}

TEST(ReportTest, TheRunAgainCommandIsQuotedAndNamesTheCorpusAbsolutely) {
  CampaignResult result;
  result.backend_name = "simulator";
  result.first_seed = 7;
  result.sequences = 3;
  result.length = 40;
  result.corpus_dir = "my corpus/it's here";
  const std::string absolute =
      std::filesystem::absolute("my corpus/it's here").lexically_normal().string();
  EXPECT_EQ(ReproduceCommand(result),
            absl::StrCat("portpool campaign --backend simulator --seed 7 --seeds 3 --length 40 "
                         "--corpus '",
                         absl::StrReplaceAll(absolute, {{"'", "'\\''"}}), "'"));
  result.corpus_is_default = true;  // the build's own corpus: no path at all
  EXPECT_EQ(ReproduceCommand(result),
            "portpool campaign --backend simulator --seed 7 --seeds 3 --length 40");
  result.corpus_dir.clear();
  EXPECT_THAT(ReproduceCommand(result), testing::EndsWith(" --no-corpus"));
}

TEST(ReportTest, ADivergenceIsPlacedInItsTraceAndShowsTheStateBeforeIt) {
  const std::filesystem::path corpus =
      std::filesystem::path(testing::TempDir()) / "report_divergent_corpus";
  std::filesystem::remove_all(corpus);
  std::filesystem::create_directories(corpus);
  std::ofstream(corpus / "overlap.trace")
      << "portpool-trace 1\nstart-process elevated -> NO_ERROR process=p1\n"
         "p1 create udp 7000 3 -> NO_ERROR token=$x\n"
         "p1 create tcp 5000 10 -> NO_ERROR token=$a\n"
         "p1 create tcp 5005 10 -> NO_ERROR token=$b\n"
         "p1 create tcp 6000 10 -> NO_ERROR token=$c\n";
  CampaignOptions options;
  options.make_backend = [](uint64_t seed) -> std::unique_ptr<Backend> {
    return std::make_unique<SimulatorBackend>(seed);
  };
  options.seeds = 1;
  options.length = 10;
  options.corpus_dir = corpus.string();
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->divergences.size(), 1u);
  // Step 4 of 5 (line 5), not the trace's length.
  const std::string md = ReportMarkdown(*result);
  EXPECT_THAT(
      md, HasSubstr(absl::StrCat("at step 4 of 5 (", (corpus / "overlap.trace").string(), ":5)")));
  // The state before the divergent step: the block $a, not the first
  // sequence's state.
  EXPECT_THAT(md, HasSubstr("The state just before step 3:"));
  EXPECT_THAT(md, HasSubstr("| 5000\u20135009 (10 ports) | persistent block | token $a |"));
  const std::string html = ReportHtml(*result);
  EXPECT_THAT(html, HasSubstr("<h3>The state just before step 3</h3>"));
  EXPECT_THAT(html, HasSubstr("<td>5000\u20135009 (10 ports)</td><td class=\"what\">persistent "
                              "block</td><td>token $a</td>"));
}

TEST(ReportTest, TheJsonReportHoldsTheFiguresRulesAndDivergences) {
  CampaignOptions options;
  options.make_backend = [](uint64_t seed) -> std::unique_ptr<Backend> {
    return std::make_unique<SimulatorBackend>(seed, MachineOptions{Mutant::kOverlapMissesLowEnd});
  };
  options.seeds = 30;
  options.length = 60;
  options.tool.commit = "0123456789ab";
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_FALSE(result->divergences.empty());
  const nlohmann::json json =
      nlohmann::json::parse(ReportJson(*result), nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(json["format"], "portpool-report");
  EXPECT_EQ(json["verdict"], "DIVERGES");
  EXPECT_EQ(json["tool"]["commit"], "0123456789ab");
  EXPECT_EQ(json["tool"]["rule_digest"], RuleCatalogueDigest());
  EXPECT_EQ(json["figures"]["sequences"], 30);
  EXPECT_EQ(json["figures"]["divergences"], result->divergence_count);
  EXPECT_EQ(json["rules"].size(), RuleCatalogue().size());
  EXPECT_EQ(json["rules"][0]["id"], std::string(RuleCatalogue()[0].id));
  int evidence_rules = 0;
  for (const auto& [kind, counts] : json["evidence"].items())
    evidence_rules += counts["rules"].get<int>();
  EXPECT_EQ(evidence_rules, static_cast<int>(RuleCatalogue().size()));
  const nlohmann::json& divergence = json["divergences"][0];
  EXPECT_EQ(divergence["title"], "P-CREATE-OVERLAP");
  EXPECT_EQ(divergence["minimal_trace"], traces::Print(result->divergences[0].minimal));
  EXPECT_EQ(divergence["divergence"]["rules"][0]["id"], "P-CREATE-OVERLAP");
  EXPECT_TRUE(divergence["state_before"].contains("udp"));
  EXPECT_EQ(json["run"]["run_again"], ReproduceCommand(*result));
}

TEST(ReportTest, EveryTraceOfTheFolderNamesTheTool) {
  const std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / "report_tool";
  std::filesystem::remove_all(dir);
  CampaignResult result = ShortCampaign(1);
  result.tool.commit = "0123456789ab";
  absl::StatusOr<ReportFiles> files = WriteReport(result, dir.string());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->json, (dir / "report.json").string());
  ASSERT_FALSE(files->traces.empty());
  for (const std::string& path : files->traces) {
    absl::StatusOr<traces::Trace> trace = traces::ParseFile(path);
    ASSERT_TRUE(trace.ok()) << trace.status();
    EXPECT_EQ(trace->provenance.back(), traces::ToolProvenance(result.tool)) << path;
  }
  EXPECT_THAT(ReportMarkdown(result), HasSubstr("| tool | portpool "));
  EXPECT_THAT(ReportMarkdown(result), HasSubstr("commit 0123456789ab"));
}

TEST(ReportTest, TheVerdictWordFollowsTheResult) {
  CampaignResult result;
  EXPECT_EQ(VerdictWord(result), "CONFORMS");
  result.stop = CampaignResult::Stop::kInterrupted;
  EXPECT_EQ(VerdictWord(result), "INTERRUPTED");
  result.errors.push_back("a harness fault");
  EXPECT_EQ(VerdictWord(result), "ERRORS");
  result.divergence_count = 1;
  EXPECT_EQ(VerdictWord(result), "DIVERGES");
}

// A backend that is not available here (the Windows API under Wine, say):
// every form of the report says that nothing was checked, naming the machine,
// and never shows it as CONFORMS.
TEST(ReportTest, ABackendNotAvailableHereIsUnsupportedInEveryForm) {
  CampaignOptions options;
  options.backend_name = "windows";
  options.seeds = 3;
  options.unavailable = "unsupported on this system: no iphlpapi; windows build=22631 elevated=no";
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->conforms());
  EXPECT_EQ(VerdictWord(*result), "UNSUPPORTED");
  EXPECT_EQ(VerdictLine(*result), "UNSUPPORTED");
  EXPECT_THAT(WhatItShows(*result), HasSubstr("Nothing was checked"));
  const std::string md = ReportMarkdown(*result);
  EXPECT_THAT(md, HasSubstr("## Verdict: UNSUPPORTED"));
  EXPECT_THAT(md, HasSubstr("Nothing was checked: the windows backend is not available here"));
  EXPECT_THAT(md, HasSubstr("windows build=22631 elevated=no"));
  EXPECT_THAT(ReportHtml(*result), HasSubstr("verdict UNSUPPORTED"));
  const nlohmann::json json =
      nlohmann::json::parse(ReportJson(*result), nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(json["verdict"], "UNSUPPORTED");
  EXPECT_EQ(json["conforms"], false);
  EXPECT_EQ(json["run"]["unavailable"], *options.unavailable);
  EXPECT_THAT(json["run"]["backend_description"].get<std::string>(),
              HasSubstr("windows build=22631 elevated=no"));
  // A run that did check: the field is null.
  EXPECT_TRUE(nlohmann::json::parse(ReportJson(ShortCampaign(1)))["run"]["unavailable"].is_null());
}

}  // namespace
}  // namespace portpool::conformance
