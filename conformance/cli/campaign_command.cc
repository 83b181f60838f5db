// `portpool campaign`: the main job. Runs the conformance suite (the
// regression corpus, the documented cases, the surface cases and generated
// call sequences) against a backend, shrinks every divergence to a minimal
// trace, and writes a report folder (report.md, report.html, report.json,
// traces). The work itself is conformance/src/campaign.cc and report*.cc;
// this file reads the options, shows progress, handles Ctrl-C and prints
// where the report is.
#include <atomic>
#include <csignal>
#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "campaign_progress.h"
#include "command.h"
#include "options.h"
#include "portpool/conformance/campaign.h"
#include "portpool/conformance/report.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/windows/real_machine.h"
#include "portpool/conformance/windows/windows_backend.h"
#include "portpool/conformance/windows/worker_pool.h"

// Set by conformance/CMakeLists.txt: the install layout's data folder
// ("share") and the source tree the program was built from.
#ifndef PORTPOOL_INSTALL_DATADIR
#define PORTPOOL_INSTALL_DATADIR "share"
#endif

namespace portpool::cli {
namespace {

// The backend is not available on this system: the report says that
// nothing was checked.
constexpr int kExitNothingChecked = 3;

// Set by SIGINT/SIGTERM; the campaign stops at the next sequence.
std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void OnStopSignal(int signal) {
  g_signal = signal;
  g_stop.store(true);
  // A second Ctrl-C ends the process at once.
  std::signal(signal, SIG_DFL);
}

// Restores the previous handlers when the command returns.
class StopSignals {
 public:
  StopSignals() {
    g_stop.store(false);
    g_signal = 0;
    // A signal the caller ignores (nohup, a background job) stays ignored.
    previous_int_ = std::signal(SIGINT, OnStopSignal);
    if (previous_int_ == SIG_IGN) std::signal(SIGINT, SIG_IGN);
    previous_term_ = std::signal(SIGTERM, OnStopSignal);
    if (previous_term_ == SIG_IGN) std::signal(SIGTERM, SIG_IGN);
  }
  ~StopSignals() {
    std::signal(SIGINT, previous_int_ == SIG_ERR ? SIG_DFL : previous_int_);
    std::signal(SIGTERM, previous_term_ == SIG_ERR ? SIG_DFL : previous_term_);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  void (*previous_int_)(int);
  void (*previous_term_)(int);
};

// The corpus a build or an installation ships, if any: the installed copy
// next to the program first (<prefix>/bin/portpool ->
// <prefix>/share/portpool/traces/regression), then the source tree it was
// built from.
std::vector<std::string> DefaultCorpusCandidates() {
  std::vector<std::string> candidates;
#ifdef __linux__
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    candidates.push_back((exe.parent_path().parent_path() / PORTPOOL_INSTALL_DATADIR / "portpool" /
                          "traces" / "regression")
                             .string());
  }
#endif
#ifdef PORTPOOL_CLI_SOURCE_DIR
  candidates.push_back(std::string(PORTPOOL_CLI_SOURCE_DIR) + "/traces/regression");
#endif
  return candidates;
}

class CampaignCommand : public Command {
 public:
  absl::string_view name() const override { return "campaign"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "run the conformance suite against a backend and write a report folder\n\n"
             "Runs the conformance suite against a backend and writes a report folder:\n"
             "  1. replays every trace of the regression corpus (its recorded answers must\n"
             "     be ones the model allows), and runs each documented case's calls on the\n"
             "     backend, checking the backend's answers;\n"
             "  2. runs generated call sequences on the backend, one per seed, checking\n"
             "     every answer against the model.\n"
             "Every divergence is recorded as a trace and shrunk to a minimal one. The\n"
             "report (report.md, a self-contained report.html and report.json) gives the\n"
             "verdict and what it shows, the figures, each divergence with its rule, its\n"
             "source and the state before it, the rule coverage and a map of the port\n"
             "space. The same options give the same report, but for the wall-clock\n"
             "figures. Ctrl-C stops at the next sequence and writes a partial report.",
             "exit: 0 all conform, 1 a divergence (or a harness error), 2 bad options (or\n"
             "reservations left behind, or PORTPOOL_REQUIRE_REAL set where the real API is\n"
             "missing or the shell is not elevated), 3 nothing could be checked (the\n"
             "backend is not available here; the report says why), 130 interrupted before\n"
             "any divergence was found");
    seeds_option_ = AddNumber(app, "--seeds", seeds_, 1, 1'000'000'000,
                              "run N sequences; with --time-budget alone, as many as fit");
    AddSeconds(app, "--time-budget", time_budget_, kMaxTimeBudget,
               "start no new sequence after SECS seconds");
    AddSeed(app, seed_, "the first sequence's seed: sequence i uses seed S+i");
    AddNumber(app, "--length", length_, 1, 100'000, "steps generated per sequence", "L");
    AddChoice(app, "--backend", backend_, {"simulator", "windows"},
              "the backend; windows: the real API of this machine, every model\n"
              "process a worker process, inside a sandbox window, journalled (only in\n"
              "a build for Windows; run it elevated; docs/windows.md)");
    sandbox_option_ = AddText(app, "--sandbox", sandbox_, "START-END",
                              "windows: the only ports it may reserve or bind (default: the\n"
                              "first clear 256 ports from 20000 up)");
    journal_option_ = AddText(app, "--journal", journal_, "FILE",
                              "windows: every Create and Delete is written here first (default\n"
                              "DIR/journal.txt); 'portpool cleanup --journal FILE' removes\n"
                              "what a crashed run left");
    AddInputFolder(app, "--corpus", corpus_,
                   "the regression corpus (default: traces/regression of the source\n"
                   "tree, or share/portpool/traces/regression of the installation)");
    AddFlag(app, "--no-corpus", no_corpus_, "skip the corpus and the documented cases");
    AddFlag(app, "--keep-going", keep_going_,
            "go on after a divergence in a sequence: the model adopts the backend's\n"
            "answer, and every divergence is reported, each with a shrunk trace of\n"
            "its own");
    environment_rate_option_ =
        AddFraction(app, "--environment-rate", environment_rate_,
                    "(simulator) before each call, with chance R, a reservation no process of\n"
                    "the run made appears or goes, as WinNAT and HNS make them (rules ENV-*);\n"
                    "the checker explains them from a listing",
                    "R");
    environment_blocks_option_ =
        AddNumber(app, "--environment-blocks", environment_blocks_, 0, 100,
                  "(simulator) runtime blocks the simulator starts with, as WinNAT and\n"
                  "HNS leave them");
    AddOutputFolder(app, output_, "the report folder");
    AddFlag(app, "-q,--quiet", quiet_, "no progress on standard error");
  }

  int Run(Context& context) override {
    if (!corpus_.empty() && no_corpus_) {
      return context.Fail("give --corpus DIR or --no-corpus, not both");
    }
    conformance::CampaignOptions options;
    options.backend_name = backend_;
    options.checker.keep_going = keep_going_;
    if (backend_ != "simulator" &&
        (environment_rate_option_->count() > 0 || environment_blocks_option_->count() > 0)) {
      return context.Fail(
          "--environment-rate and --environment-blocks are for the simulator: a real machine "
          "has its own environment");
    }
    if (backend_ == "simulator") {
      conformance::SimulatorOptions simulator;
      simulator.environment.rate = environment_rate_;
      simulator.environment.initial_blocks = static_cast<int>(environment_blocks_);
      options.make_backend = [simulator](uint64_t s) -> std::unique_ptr<conformance::Backend> {
        return std::make_unique<conformance::SimulatorBackend>(s, simulator);
      };
    } else {
#ifndef _WIN32
      return context.Fail(
          "--backend windows runs only in a build for Windows (this portpool was built for "
          "another system); use --backend simulator here, and see docs/windows.md");
#endif
    }
    if (backend_ != "windows" && (sandbox_option_->count() > 0 || journal_option_->count() > 0)) {
      return context.Fail("--sandbox and --journal are for --backend windows");
    }
    // The simulator's own promises (fresh tokens after a reboot) and its
    // Win32-shaped surface are checked only on the simulator.
    options.checker.simulator_contract = backend_ == "simulator";
    options.surface_cases = backend_ == "simulator";
    options.first_seed = seed_;
    options.length = static_cast<int>(length_);
    options.time_budget_seconds = time_budget_;
    options.seeds = time_budget_ && seeds_option_->count() == 0 ? std::nullopt
                                                                : std::optional<uint64_t>(seeds_);
    options.tool = context.tool();

    if (!corpus_.empty()) {
      options.corpus_dir = corpus_;
    } else if (!no_corpus_) {
      std::string looked;
      for (const std::string& candidate : DefaultCorpusCandidates()) {
        std::error_code error;
        if (std::filesystem::is_directory(candidate, error)) {
          options.corpus_dir = std::filesystem::path(candidate).lexically_normal().string();
          options.corpus_is_default = true;
          break;
        }
        absl::StrAppend(&looked, looked.empty() ? "" : ", ", candidate);
      }
      if (options.corpus_dir.empty()) {
        return context.Fail(absl::StrCat("no regression corpus found (looked in ",
                                         looked.empty() ? "no place" : looked,
                                         "); give --corpus DIR, or --no-corpus to skip it"));
      }
    }
    {
      std::error_code error;
      std::filesystem::create_directories(output_, error);
      if (error || !std::filesystem::is_directory(output_)) {
        return context.Fail(absl::StrCat("--output: cannot create the report folder ", output_,
                                         error ? ": " + error.message() : ""));
      }
    }

    // The real machine: worker processes of this program, the sandbox, the
    // journal (conformance/windows/real_machine.h).
    std::shared_ptr<std::vector<conformance::PendingReservation>> left;
    std::string journal_path;
#ifdef _WIN32
    if (backend_ == "windows") {
      journal_path =
          journal_.empty() ? (std::filesystem::path(output_) / "journal.txt").string() : journal_;
      absl::StatusOr<std::string> program = conformance::CurrentProgramPath();
      absl::StatusOr<conformance::RealMachineRun> run =
          program.ok() ? conformance::SetUpWindowsCampaign(
                             *program,
                             sandbox_.empty() ? std::nullopt : std::optional<std::string>(sandbox_),
                             journal_path, options)
                       : absl::StatusOr<conformance::RealMachineRun>(program.status());
      if (!run.ok()) return context.Fail(run.status().message());
      left = run->left;
    }
#endif

    StopSignals signals;
    options.stop = &g_stop;
    ProgressPrinter progress(context.err(), StderrIsSmartTerminal());
    if (!quiet_) {
      options.on_progress = [&progress](const conformance::CampaignProgress& p) {
        if (g_stop.load()) progress.Interrupted();
        progress.Update(p);
      };
    }

    absl::StatusOr<conformance::CampaignResult> result = conformance::RunCampaign(options);
    if (!result.ok()) return context.Fail(result.status().message());
    absl::StatusOr<conformance::ReportFiles> files = conformance::WriteReport(*result, output_);
    if (!files.ok()) return context.Fail(files.status().message());
    PrintSummary(context, *result, *files);

    const conformance::CampaignResult& r = *result;
    if (left && !left->empty()) {
      return context.Fail(absl::StrCat(left->size(),
                                       " reservation(s) the run created could not be deleted; "
                                       "run 'portpool cleanup --journal ",
                                       journal_path, "'"));
    }
    if (r.unavailable) return kExitNothingChecked;
    if (!r.conforms()) return kExitDivergence;
    if (r.stop == conformance::CampaignResult::Stop::kInterrupted) {
      return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT);
    }
    return kExitOk;
  }

 private:
  // The longest --time-budget: 10^7 s, about 116 days.
  static constexpr double kMaxTimeBudget = 1e7;

  void PrintSummary(Context& context, const conformance::CampaignResult& r,
                    const conformance::ReportFiles& files) {
    std::ostream& out = context.out();
    out << "portpool campaign: " << conformance::VerdictLine(r) << "\n";
    out << "  " << Grouped(r.sequences) << " sequences";
    if (r.sequences > 0) {
      out << " (seeds " << r.first_seed << "-" << r.first_seed + r.sequences - 1 << ")";
    }
    out << ", " << Grouped(static_cast<uint64_t>(r.calls_checked())) << " calls checked, "
        << r.corpus_traces << " corpus traces replayed, " << r.documented_cases
        << " documented cases run\n";
    out << "  " << r.divergence_count << (r.divergence_count == 1 ? " divergence" : " divergences")
        << ", " << r.errors.size() << " harness errors; " << conformance::RulesChecked(r) << " of "
        << RuleCatalogue().size() << " rules checked\n";
    out << absl::StrFormat("  %s, %s calls/s\n", conformance::WallClockText(r),
                           conformance::CallsPerSecondText(r));
    for (size_t i = 0; i < r.divergences.size(); ++i) {
      const conformance::CampaignDivergence& d = r.divergences[i];
      out << "  divergence " << i + 1 << ": "
          << (d.divergence.rules.empty() ? "(no rule)" : d.divergence.rules.front().id)
          << ", found by " << d.found_by << "; minimal trace "
          << (std::filesystem::path(output_) / conformance::DivergenceFileName(i)).string() << " ("
          << d.minimal.steps.size() << " steps)\n";
    }
    if (r.stop == conformance::CampaignResult::Stop::kInterrupted) {
      out << "  interrupted: the report is partial\n";
    }
    out << "report: " << files.markdown << "\n        " << files.html << "\n        " << files.json
        << "\n";
  }

  uint64_t seeds_ = 200;
  std::optional<double> time_budget_;
  uint64_t seed_ = 1;
  uint64_t length_ = 80;
  std::string backend_ = "simulator";
  std::string sandbox_;
  std::string journal_;
  std::string corpus_;
  bool no_corpus_ = false;
  bool keep_going_ = false;
  double environment_rate_ = 0;
  uint64_t environment_blocks_ = 0;
  CLI::Option* environment_rate_option_ = nullptr;
  CLI::Option* environment_blocks_option_ = nullptr;
  std::string output_ = "portpool-report";
  bool quiet_ = false;
  CLI::Option* seeds_option_ = nullptr;
  CLI::Option* sandbox_option_ = nullptr;
  CLI::Option* journal_option_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> MakeCampaignCommand() { return std::make_unique<CampaignCommand>(); }

}  // namespace portpool::cli
