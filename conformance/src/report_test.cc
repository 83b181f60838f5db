// The campaign report: what report.md and report.html hold, the port map's
// drawing rules, and the report folder.
#include "portpool/conformance/report.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/traces/parse.h"

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

// The widths of the <rect> elements whose tooltip starts with `what`.
std::vector<double> RectWidths(const std::string& svg, const std::string& what) {
  std::vector<double> widths;
  for (size_t at = svg.find("<rect "); at != std::string::npos; at = svg.find("<rect ", at + 1)) {
    const size_t end = svg.find('>', at);
    if (end == std::string::npos) break;
    if (svg.compare(end + 1, 7 + what.size(), "<title>" + what) != 0) continue;
    const std::string element = svg.substr(at, end - at);
    const size_t width_at = element.find(" width=\"");  // not stroke-width
    if (width_at == std::string::npos) continue;
    const size_t value_at = width_at + 8;
    double width = 0;
    EXPECT_TRUE(
        absl::SimpleAtod(element.substr(value_at, element.find('"', value_at) - value_at), &width));
    widths.push_back(width);
  }
  return widths;
}

TEST(PortMapTest, TinyBlocksAreDrawnAtAMinimumWidthWithCloseUps) {
  Machine machine(1);
  const ProcessId p = machine.StartProcess(true);
  ASSERT_TRUE(machine.Run(call::CreatePersistent{p, Protocol::kTcp, {5000, 1}}).ok());
  ASSERT_TRUE(machine.Run(call::CreatePersistent{p, Protocol::kTcp, {5001, 1}}).ok());
  auto socket = machine.Run(call::OpenSocket{p, Protocol::kTcp, Family::kIpv4});
  ASSERT_TRUE(socket.ok() && socket->socket);
  auto acquired = machine.Run(call::Acquire{p, *socket->socket, {6000, 2}});
  ASSERT_TRUE(acquired.ok() && acquired->ok()) << acquired->error;
  ASSERT_TRUE(machine.Run(call::Bind{p, *socket->socket, 5005}).ok());

  const std::string svg = PortMapSvg(machine, Protocol::kTcp);
  // Each one-port persistent block: once on the full map, once in a close-up.
  const std::vector<double> persistent = RectWidths(svg, "persistent block 5000 ");
  ASSERT_EQ(persistent.size(), 2u) << svg;
  for (double width : persistent) EXPECT_GE(width, 3.0);
  const std::vector<double> runtime = RectWidths(svg, "runtime block 6000");
  ASSERT_GE(runtime.size(), 1u);
  for (double width : runtime) EXPECT_GE(width, 3.0);
  EXPECT_THAT(svg, HasSubstr("port 5005 bound by s1 of p1 (ipv4)"));
  EXPECT_THAT(svg, HasSubstr("dynamic range 49152\u201365535"));
  EXPECT_THAT(svg, HasSubstr(">0</text>"));
  EXPECT_THAT(svg, HasSubstr(">65535</text>"));
  EXPECT_THAT(svg, HasSubstr(">port</text>"));
  EXPECT_THAT(svg, HasSubstr("stroke-dasharray"));  // the wedge of a close-up
  // UDP has nothing but its dynamic range: no close-ups.
  const std::string udp = PortMapSvg(machine, Protocol::kUdp);
  EXPECT_THAT(udp, Not(HasSubstr("stroke-dasharray")));
  EXPECT_THAT(udp, Not(HasSubstr("persistent block")));
}

TEST(PortMapTest, TheDynamicRangeFollowsTheMachine) {
  Machine machine(1);
  ASSERT_TRUE(machine.SetDynamicRange(Protocol::kUdp, {60000, 255}).ok());
  EXPECT_THAT(PortMapSvg(machine, Protocol::kUdp), HasSubstr("dynamic range 60000\u201360254"));
  EXPECT_THAT(PortMapSvg(machine, Protocol::kTcp), HasSubstr("dynamic range 49152\u201365535"));
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

}  // namespace
}  // namespace portpool::conformance
