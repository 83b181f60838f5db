// The campaign runner: a short campaign conforms, the same options give the
// same report, a mutant simulator is caught with a minimal trace that still
// diverges, a stop flag gives a partial report, and bad options are errors.
#include "portpool/conformance/campaign.h"

#include <atomic>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "portpool/conformance/report.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/trace_ports.h"
#include "portpool/mutant.h"
#include "portpool/traces/replay.h"
#include "testing/hidden_environment_backend.h"

namespace portpool::conformance {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kCorpus = std::string(PORTPOOL_SOURCE_DIR) + "/traces/regression";

CampaignOptions Simulator(Mutant mutant = Mutant::kNone) {
  CampaignOptions options;
  options.make_backend = [mutant](uint64_t seed) -> std::unique_ptr<Backend> {
    return std::make_unique<SimulatorBackend>(seed, MachineOptions{mutant});
  };
  return options;
}

// report.md without its one line of wall-clock figures.
std::string WithoutTiming(const std::string& markdown) {
  std::string out;
  int timing_lines = 0;
  for (absl::string_view line : absl::StrSplit(markdown, '\n')) {
    if (absl::StartsWith(line, kTimingLinePrefix)) {
      ++timing_lines;
      continue;
    }
    absl::StrAppend(&out, line, "\n");
  }
  EXPECT_EQ(timing_lines, 1) << "report.md must have exactly one timing line";
  return out;
}

// report.json without its "timing" object, the only part that differs
// between two runs with the same options.
std::string WithoutJsonTiming(const std::string& json) {
  nlohmann::json document = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(document.is_discarded()) << "report.json does not parse";
  EXPECT_TRUE(document.contains("timing"));
  document.erase("timing");
  return document.dump();
}

TEST(CampaignTest, AShortCampaignOnTheSimulatorConforms) {
  CampaignOptions options = Simulator();
  options.seeds = 25;
  options.length = 60;
  options.corpus_dir = kCorpus;
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->conforms()) << ReportMarkdown(*result);
  EXPECT_EQ(result->divergence_count, 0);
  EXPECT_THAT(result->errors, ::testing::IsEmpty());
  EXPECT_EQ(result->stop, CampaignResult::Stop::kCompleted);
  EXPECT_EQ(result->sequences, 25u);
  EXPECT_GT(result->sequence_calls, 25 * 40);
  EXPECT_GE(result->corpus_traces, 40);
  EXPECT_EQ(result->corpus_conforming, result->corpus_traces);
  EXPECT_GE(result->documented_cases, 40);
  EXPECT_GT(result->documented_case_calls, 0);
  EXPECT_GT(result->corpus_steps, 0);
  EXPECT_GT(result->surface_cases, 0);
  EXPECT_EQ(result->surface_cases_failed, 0);
  EXPECT_EQ(result->calls_checked(),
            result->sequence_calls + result->documented_case_calls + result->corpus_steps);
  ASSERT_TRUE(result->sample_trace.has_value());
  ASSERT_TRUE(result->sample_state.has_value());
  EXPECT_EQ(result->sample_seed, 1u);
  EXPECT_FALSE(result->sample_diverged);
  // The sample trace is a faithful record: it replays and conforms.
  EXPECT_TRUE(traces::Replay(*result->sample_trace).conforms);
  EXPECT_THAT(result->sample_trace->provenance,
              ::testing::Contains(HasSubstr("simulator seed=1 length=60 campaign")));
  // With the corpus, the whole suite reaches every rule.
  EXPECT_THAT(result->coverage.Unchecked(), ::testing::IsEmpty());
  EXPECT_EQ(VerdictWord(*result), "CONFORMS");
}

// ENV-*: the simulator plays HNS, WinNAT and an administrator's netsh while
// the sequences run; every answer they change is explained by a listing.
TEST(CampaignTest, WithEnvironmentChangesTheSimulatorConforms_ENV_RUNTIME_BLOCK) {
  SimulatorOptions simulator;
  simulator.environment.rate = 0.1;
  simulator.environment.initial_blocks = 2;
  CampaignOptions options;
  options.make_backend = [simulator](uint64_t seed) -> std::unique_ptr<Backend> {
    return std::make_unique<SimulatorBackend>(seed, simulator);
  };
  options.seeds = 40;
  options.length = 80;
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->conforms()) << ReportMarkdown(*result);
  EXPECT_GT(result->coverage.Get(rules::kEnvironmentRuntime).checked, 0)
      << "no answer needed the environment to explain it";
}

// A block that appears and that no listing shows cannot be explained: the
// campaign diverges and says that the fresh listing explained nothing.
TEST(CampaignTest, AnInjectedUnexplainedBlockDivergesAndIsNamed) {
  CampaignOptions options;
  options.make_backend = [](uint64_t seed) -> std::unique_ptr<Backend> {
    auto backend = std::make_unique<testing::HiddenEnvironmentBackend>(seed);
    // Where the generated sequences play (steps.h: a window at 5000).
    for (Protocol protocol : kAllProtocols) {
      EXPECT_TRUE(backend->Inject(
          call::EnvironmentBlock{true, EnvironmentStore::kRuntime, protocol, PortRange{5000, 8}}));
    }
    return backend;
  };
  options.seeds = 20;
  options.surface_cases = false;
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_FALSE(result->divergences.empty()) << ReportMarkdown(*result);
  const CampaignDivergence& d = result->divergences.front();
  EXPECT_THAT(d.explanation, HasSubstr("a fresh listing shows no reservation made or dropped "
                                       "outside the run that would explain it"));
  EXPECT_THAT(d.backend, HasSubstr("hidden: environment adds runtime tcp block 5000-5007"));
}

// keep_going: one sequence of a faulty simulator reports every divergence,
// the later ones marked, and each kept divergence has its own trace.
TEST(CampaignTest, KeepGoingReportsEveryDivergenceOfASequence) {
  CampaignOptions options = Simulator(Mutant::kAccessAndInUseSwapped);
  options.checker.keep_going = true;
  options.seeds = 30;
  options.length = 160;
  options.max_kept_divergences = 1000;
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  CampaignOptions first_only = Simulator(Mutant::kAccessAndInUseSwapped);
  first_only.seeds = 30;
  first_only.length = 160;
  absl::StatusOr<CampaignResult> stopped = RunCampaign(first_only);
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_GT(result->divergence_count, stopped->divergence_count);
  bool later = false;
  for (const CampaignDivergence& d : result->divergences) {
    for (const std::string& found : d.also_found_by) later |= absl::StrContains(found, "after a");
    later |= absl::StrContains(d.found_by, "after a divergence");
    EXPECT_FALSE(d.minimal.steps.empty());
  }
  EXPECT_TRUE(later) << ReportMarkdown(*result);
}

TEST(CampaignTest, TheSameOptionsGiveTheSameReport) {
  CampaignOptions options = Simulator();
  options.first_seed = 1000;
  options.seeds = 12;
  options.length = 50;
  options.corpus_dir = kCorpus;
  absl::StatusOr<CampaignResult> first = RunCampaign(options);
  absl::StatusOr<CampaignResult> second = RunCampaign(options);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(WithoutTiming(ReportMarkdown(*first)), WithoutTiming(ReportMarkdown(*second)));
  // And a different seed gives a different run.
  options.first_seed = 2000;
  absl::StatusOr<CampaignResult> other = RunCampaign(options);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE(WithoutTiming(ReportMarkdown(*first)), WithoutTiming(ReportMarkdown(*other)));
}

TEST(CampaignTest, TheSameOptionsWriteByteIdenticalReportFolders) {
  const std::filesystem::path base =
      std::filesystem::path(::testing::TempDir()) / "campaign_identical";
  std::filesystem::remove_all(base);
  CampaignOptions options = Simulator(Mutant::kOverlapMissesLowEnd);
  options.seeds = 30;
  options.length = 60;
  for (const char* name : {"a", "b"}) {
    absl::StatusOr<CampaignResult> result = RunCampaign(options);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_TRUE(WriteReport(*result, (base / name).string()).ok());
  }
  auto read = [](const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(file), {});
  };
  int compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(base / "a")) {
    const std::string name = entry.path().filename().string();
    if (name == "report.html") continue;  // holds the time in its figures
    const std::string a = read(entry.path()), b = read(base / "b" / name);
    if (name == "report.md") {
      EXPECT_EQ(WithoutTiming(a), WithoutTiming(b));
    } else if (name == "report.json") {
      EXPECT_EQ(WithoutJsonTiming(a), WithoutJsonTiming(b));
    } else {
      EXPECT_EQ(a, b) << name;
    }
    ++compared;
  }
  EXPECT_GE(compared, 5);  // report.md, .json, sample.trace, divergence-1(-full).trace
}

TEST(CampaignTest, AMutantSimulatorIsCaughtWithAMinimalTraceThatStillDiverges) {
  // Create ignores an existing block that ends at its first port.
  CampaignOptions options = Simulator(Mutant::kOverlapMissesLowEnd);
  options.seeds = 60;
  options.length = 80;
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->conforms());
  EXPECT_EQ(VerdictWord(*result), "DIVERGES");
  ASSERT_FALSE(result->divergences.empty());
  EXPECT_GE(result->divergence_count, static_cast<int>(result->divergences.size()));

  const CampaignDivergence& d = result->divergences.front();
  EXPECT_EQ(d.origin, CampaignDivergence::Origin::kSequence);
  EXPECT_THAT(d.found_by, HasSubstr("sequence seed="));
  EXPECT_THAT(d.backend, HasSubstr("mutant=overlap-misses-low-end"));
  EXPECT_THAT(d.original.provenance,
              ::testing::Contains(HasSubstr("mutant=overlap-misses-low-end length=80 campaign")));
  ASSERT_TRUE(d.shrunk) << d.shrink_note;
  EXPECT_LT(d.minimal.steps.size(), d.original.steps.size());
  EXPECT_LE(d.minimal.steps.size(), 6u) << traces::Replay(d.minimal).steps_checked;
  EXPECT_TRUE(d.minimal_diverges_on_replay);
  // Its names are renumbered from the start (p1, $a), as if written afresh.
  ASSERT_TRUE(d.minimal.steps.front().outcome.process.has_value());
  EXPECT_EQ(d.minimal.steps.front().outcome.process->value, 1u);
  // Replayed on its own, the minimal trace still diverges, on its last step.
  const traces::ReplayResult replay = traces::Replay(d.minimal);
  ASSERT_TRUE(replay.divergence.has_value());
  EXPECT_EQ(replay.divergence->step, d.minimal.steps.size() - 1);

  // The report names the rule, with its source, and the divergent call.
  std::vector<std::string> rules;
  for (const traces::RuleCitation& c : d.divergence.rules) rules.push_back(c.id);
  EXPECT_THAT(rules, ::testing::Contains("P-CREATE-OVERLAP"));
  const std::string md = ReportMarkdown(*result);
  EXPECT_THAT(md, HasSubstr("## Verdict: DIVERGES"));
  EXPECT_THAT(md, HasSubstr("### Divergence 1: "));
  EXPECT_THAT(md, HasSubstr("P-CREATE-OVERLAP (documented; source: "));
  EXPECT_THAT(md, HasSubstr(d.divergence.call));
  EXPECT_THAT(md, HasSubstr("divergence-1.trace"));
  const std::string html = ReportHtml(*result);
  EXPECT_THAT(html, HasSubstr("<b>P-CREATE-OVERLAP</b>"));
  EXPECT_THAT(html, HasSubstr("class=\"hit\""));
}

TEST(CampaignTest, DivergencesOfTheSameCauseAreShrunkOnceAndCounted) {
  CampaignOptions options = Simulator(Mutant::kZeroToken);
  options.seeds = 40;
  options.length = 60;
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_FALSE(result->divergences.empty());
  size_t also = 0;
  for (const CampaignDivergence& d : result->divergences) also += d.also_found_by.size();
  EXPECT_EQ(static_cast<size_t>(result->divergence_count), result->divergences.size() + also);
  EXPECT_GT(result->divergence_count, static_cast<int>(result->divergences.size()))
      << "a mutant that breaks every Create diverges in many sequences the same way";
}

TEST(CampaignTest, AMutantIsAlsoCaughtByTheDocumentedCasesOnTheBackend) {
  CampaignOptions options = Simulator(Mutant::kLookupFindsSubRange);
  options.seeds = 1;
  options.corpus_dir = kCorpus;
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  // The recorded answers are the model's own, so replaying them conforms.
  EXPECT_EQ(result->corpus_conforming, result->corpus_traces);
  const CampaignDivergence* from_case = nullptr;
  for (const CampaignDivergence& d : result->divergences) {
    if (d.origin == CampaignDivergence::Origin::kDocumentedCase) from_case = &d;
  }
  ASSERT_NE(from_case, nullptr) << ReportMarkdown(*result);
  EXPECT_THAT(from_case->found_by, HasSubstr("documented case "));
  EXPECT_TRUE(from_case->minimal_diverges_on_replay);
  EXPECT_LE(from_case->minimal.steps.size(), from_case->original.steps.size());
}

TEST(CampaignTest, ADivergentCorpusTraceIsReportedShrunk) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "campaign_divergent_corpus";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "overlap.trace") << "portpool-trace 1\n"
                                          "provenance: hand-written\n"
                                          "start-process elevated -> NO_ERROR process=p1\n"
                                          "p1 create udp 7000 3 -> NO_ERROR token=$x\n"
                                          "p1 create tcp 5000 10 -> NO_ERROR token=$a\n"
                                          "p1 lookup tcp 5000 10 -> NO_ERROR token=$a\n"
                                          "p1 create tcp 5005 10 -> NO_ERROR token=$b\n";
  CampaignOptions options = Simulator();
  options.seeds = 2;
  options.corpus_dir = dir.string();
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->corpus_traces, 1);
  EXPECT_EQ(result->corpus_conforming, 0);
  EXPECT_EQ(result->documented_cases, 0);  // no "doc rule=" provenance
  ASSERT_EQ(result->divergences.size(), 1u);
  const CampaignDivergence& d = result->divergences.front();
  EXPECT_EQ(d.origin, CampaignDivergence::Origin::kCorpusReplay);
  EXPECT_TRUE(d.shrunk);
  EXPECT_EQ(d.minimal.steps.size(), 3u);  // start, create 5000, create 5005
  EXPECT_EQ(d.divergence.rules.front().id, "P-CREATE-OVERLAP");
}

// A case whose ports a backend moves (a sandbox window) runs moved, and its
// recorded answers are judged as written, once: by the corpus replay. Moved,
// a recorded port would no longer be the model's answer.
TEST(CampaignTest, MovedDocumentedCasesAreJudgedOnTheirRecordedAnswersAsWritten) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "campaign_moved_cases";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string header =
      "portpool-trace 1\n"
      "provenance: doc rule=B-BIND-ASSOC-ZERO source=D1\n"
      "start-process elevated -> NO_ERROR process=p1\n"
      "p1 socket tcp ipv4 -> NO_ERROR socket=s1\n"
      "p1 s1 acquire 5000 2 -> NO_ERROR block=5000-5001 token=$a\n"
      "p1 s1 associate $a -> NO_ERROR\n";
  std::ofstream(dir / "good.trace") << header << "p1 s1 bind 0 -> NO_ERROR port=5001\n";
  std::ofstream(dir / "wrong.trace") << header << "p1 s1 bind 0 -> NO_ERROR port=5002\n";
  CampaignOptions options = Simulator();
  options.seeds = 1;
  options.corpus_dir = dir.string();
  options.adapt_case = [](const traces::Trace& trace) {
    return RelocatePorts(trace, PortRange{5000, 2}, 30000);
  };
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->errors.empty()) << absl::StrJoin(result->errors, "\n");
  EXPECT_EQ(result->corpus_conforming, 1);
  ASSERT_EQ(result->divergences.size(), 1u);
  EXPECT_EQ(result->divergences.front().origin, CampaignDivergence::Origin::kCorpusReplay);
  EXPECT_EQ(result->divergences.front().trace_path, (dir / "wrong.trace").string());
  // Both cases ran moved on the simulator, where each conforms.
  EXPECT_EQ(result->documented_cases, 2);
  EXPECT_EQ(result->documented_case_calls, 10);  // five calls each
}

TEST(CampaignTest, AStopFlagGivesAPartialReportThatSaysSo) {
  std::atomic<bool> stop{false};
  CampaignOptions options = Simulator();
  options.seeds = 100;
  options.length = 40;
  options.corpus_dir = kCorpus;
  options.stop = &stop;
  int progress_calls = 0;
  options.on_progress = [&](const CampaignProgress& p) {
    ++progress_calls;
    if (p.phase == CampaignProgress::Phase::kSequences && p.sequences_done == 3) stop = true;
  };
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stop, CampaignResult::Stop::kInterrupted);
  EXPECT_EQ(result->sequences, 3u);
  EXPECT_GT(progress_calls, 3);
  EXPECT_EQ(VerdictWord(*result), "INTERRUPTED");
  const std::string md = ReportMarkdown(*result);
  EXPECT_THAT(md, HasSubstr("## Verdict: INTERRUPTED"));
  EXPECT_THAT(md, HasSubstr("INTERRUPTED after 3 sequences: this report is partial"));
  EXPECT_THAT(md, HasSubstr("--seeds 3 "));  // the command to run the same again
  EXPECT_THAT(ReportHtml(*result), HasSubstr("class=\"verdict INTERRUPTED\""));
}

TEST(CampaignTest, AStopFlagSetBeforeTheStartRunsNothing) {
  std::atomic<bool> stop{true};
  CampaignOptions options = Simulator();
  options.corpus_dir = kCorpus;
  options.stop = &stop;
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stop, CampaignResult::Stop::kInterrupted);
  EXPECT_EQ(result->sequences, 0u);
  EXPECT_FALSE(result->sample_state.has_value());
  EXPECT_THAT(ReportMarkdown(*result), HasSubstr("No sequence ran."));
  EXPECT_THAT(ReportHtml(*result), HasSubstr("No sequence ran."));
}

TEST(CampaignTest, ATimeBudgetAloneBoundsTheCampaign) {
  CampaignOptions options = Simulator();
  options.seeds = std::nullopt;
  options.time_budget_seconds = 0.3;
  options.length = 30;
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stop, CampaignResult::Stop::kTimeBudget);
  EXPECT_GE(result->sequences, 1u);
  EXPECT_GE(result->timing.seconds, 0.3);
  EXPECT_THAT(ReportMarkdown(*result), HasSubstr("by the time budget of 0.3 s"));
}

TEST(CampaignTest, ASeedCountEndsTheCampaignBeforeALargeTimeBudget) {
  CampaignOptions options = Simulator();
  options.seeds = 4;
  options.time_budget_seconds = 3600;
  absl::StatusOr<CampaignResult> result = RunCampaign(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stop, CampaignResult::Stop::kCompleted);
  EXPECT_EQ(result->sequences, 4u);
}

TEST(CampaignTest, BadOptionsAreErrors) {
  CampaignOptions no_backend;
  EXPECT_EQ(RunCampaign(no_backend).status().code(), absl::StatusCode::kInvalidArgument);

  CampaignOptions unbounded = Simulator();
  unbounded.seeds = std::nullopt;
  EXPECT_EQ(RunCampaign(unbounded).status().code(), absl::StatusCode::kInvalidArgument);

  CampaignOptions no_length = Simulator();
  no_length.length = 0;
  EXPECT_EQ(RunCampaign(no_length).status().code(), absl::StatusCode::kInvalidArgument);

  CampaignOptions missing_corpus = Simulator();
  missing_corpus.corpus_dir = "/no/such/corpus";
  const absl::Status status = RunCampaign(missing_corpus).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("/no/such/corpus"));
}

TEST(CampaignTest, ACorpusFileThatDoesNotParseIsAnErrorNamingIt) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "campaign_bad_corpus";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "garbage.trace") << "this is not a trace\n";
  CampaignOptions options = Simulator();
  options.corpus_dir = dir.string();
  const absl::Status status = RunCampaign(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("garbage.trace:1"));
}

TEST(CampaignTest, TheSameSeedGeneratesTheSameSequence) {
  const auto a = GenerateSequence(7, 50, Capabilities{});
  const auto b = GenerateSequence(7, 50, Capabilities{});
  const auto c = GenerateSequence(8, 50, Capabilities{});
  ASSERT_EQ(a.size(), 50u);
  auto same = [](const std::vector<StepSpec>& x, const std::vector<StepSpec>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      std::ostringstream sx, sy;
      sx << x[i];
      sy << y[i];
      if (sx.str() != sy.str()) return false;
    }
    return true;
  };
  EXPECT_TRUE(same(a, b));
  EXPECT_FALSE(same(a, c));
}

}  // namespace
}  // namespace portpool::conformance
