// `portpool campaign`: the main job. Runs the conformance suite (the
// regression corpus, the documented cases, the surface cases and generated
// call sequences) against a backend, shrinks every divergence to a minimal
// trace, and writes a report folder (report.md, report.html, traces). The
// work itself is conformance/src/campaign.cc and report.cc; this file reads
// the options, shows progress, handles Ctrl-C and prints where the report is.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "args.h"
#include "commands.h"
#include "portpool/conformance/campaign.h"
#include "portpool/conformance/report.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/windows/real_machine.h"
#include "portpool/conformance/windows/windows_backend.h"
#include "portpool/conformance/windows/worker_pool.h"

#ifdef _WIN32
#include <io.h>
#define PORTPOOL_ISATTY(fd) _isatty(fd)
#else
#include <unistd.h>
#define PORTPOOL_ISATTY(fd) isatty(fd)  // C4996-safe: not compiled on Windows
#endif

// Set by conformance/CMakeLists.txt: the install layout's data folder
// ("share") and the source tree the program was built from.
#ifndef PORTPOOL_INSTALL_DATADIR
#define PORTPOOL_INSTALL_DATADIR "share"
#endif

namespace portpool::cli {

const char kCampaignUsage[] =
    "usage: portpool campaign [--seeds N] [--time-budget SECONDS] [--seed S] [--length L]\n"
    "                         [--backend simulator|windows] [--corpus DIR | --no-corpus]\n"
    "                         [--sandbox START-END] [--journal FILE] [-o DIR] [--quiet]\n\n"
    "Runs the conformance suite against a backend and writes a report folder:\n"
    "  1. replays every trace of the regression corpus (its recorded answers must\n"
    "     be ones the model allows), and runs each documented case's calls on the\n"
    "     backend, checking the backend's answers;\n"
    "  2. runs generated call sequences on the backend, one per seed, checking\n"
    "     every answer against the model.\n"
    "Every divergence is recorded as a trace and shrunk to a minimal one. The\n"
    "report (report.md and a self-contained report.html) gives the verdict, the\n"
    "figures, each divergence with its rule and source, the rule coverage and a\n"
    "map of the port space after the first sequence. The same options give the\n"
    "same report, but for one line of wall-clock figures.\n\n"
    "  --seeds N            run N sequences (default 200; with --time-budget\n"
    "                       alone, as many as fit)\n"
    "  --time-budget SECS   start no new sequence after SECS seconds\n"
    "  --seed S             the first sequence's seed (default 1); sequence i\n"
    "                       uses seed S+i for its calls and the simulator\n"
    "  --length L           steps generated per sequence (default 80)\n"
    "  --backend NAME       simulator (default), or windows: the real API of this\n"
    "                       machine, every model process a worker process, inside\n"
    "                       a sandbox window, journalled (only in a build for\n"
    "                       Windows; run it elevated; see docs/windows.md)\n"
    "  --sandbox START-END  windows: the only ports it may reserve or bind (default:\n"
    "                       the first clear 256 ports from 20000 up)\n"
    "  --journal FILE       windows: every Create and Delete is written here first\n"
    "                       (default DIR/journal.txt); 'portpool cleanup --journal\n"
    "                       FILE' removes what a crashed run left\n"
    "  --corpus DIR         the regression corpus (default: traces/regression of\n"
    "                       the source tree, or share/portpool/traces/regression\n"
    "                       of the installation)\n"
    "  --no-corpus          skip the corpus and the documented cases\n"
    "  -o, --out DIR        the report folder (default ./portpool-report)\n"
    "  -q, --quiet          no progress on standard error\n\n"
    "Ctrl-C stops at the next sequence and writes a partial report.\n\n"
    "exit: 0 all conform, 1 a divergence (or a harness error), 2 bad options (or\n"
    "      reservations left behind, or PORTPOOL_REQUIRE_REAL set where the real API\n"
    "      is missing or the shell is not elevated), 3 nothing could be checked (the\n"
    "      backend is not available here; the report says why), 130 interrupted\n"
    "      before any divergence was found\n";

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

std::string Grouped(int64_t n) {
  std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// One progress line, rewritten in place on a terminal (at most four times a
// second); elsewhere a plain line every few seconds and at each phase.
class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& err, bool tty) : err_(err), tty_(tty) {}

  void Update(const conformance::CampaignProgress& p) {
    using Phase = conformance::CampaignProgress::Phase;
    if (g_stop.load() && !told_stop_) {
      told_stop_ = true;
      Line(p, true);
      err_ << (tty_ ? "\n" : "")
           << "portpool campaign: interrupted; finishing the current sequence and writing a "
              "partial report (press Ctrl-C again to quit at once)\n";
      err_.flush();
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    const bool phase_changed = p.phase != last_phase_;
    const auto interval = tty_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(5000);
    if (p.phase != Phase::kDone && !phase_changed && now - last_ < interval) return;
    last_ = now;
    last_phase_ = p.phase;
    Line(p, p.phase == Phase::kDone);
  }

 private:
  void Line(const conformance::CampaignProgress& p, bool final_line) {
    using Phase = conformance::CampaignProgress::Phase;
    const char* phase = "";
    switch (p.phase) {
      case Phase::kCorpusReplay:
        phase = "replaying the corpus";
        break;
      case Phase::kDocumentedCases:
        phase = "documented cases";
        break;
      case Phase::kSurfaceCases:
        phase = "surface cases";
        break;
      case Phase::kSequences:
        phase = "sequences";
        break;
      case Phase::kDone:
        phase = "done";
        break;
    }
    std::string line = absl::StrCat("[", phase, "] ");
    if (p.phase == Phase::kCorpusReplay) {
      absl::StrAppend(&line, p.corpus_traces_done, " traces replayed");
    } else if (p.phase == Phase::kDocumentedCases) {
      absl::StrAppend(&line, p.documented_cases_done, " cases run");
    } else if (p.phase == Phase::kSurfaceCases) {
      absl::StrAppend(&line, "W32-* rules checked");
    } else {
      absl::StrAppend(&line, Grouped(static_cast<int64_t>(p.sequences_done)));
      if (p.sequences_total) {
        absl::StrAppend(&line, "/", Grouped(static_cast<int64_t>(*p.sequences_total)));
      }
      absl::StrAppend(&line, " sequences");
    }
    const double rate =
        p.elapsed_seconds > 0 ? static_cast<double>(p.calls_checked) / p.elapsed_seconds : 0;
    absl::StrAppend(&line, ", ", Grouped(p.calls_checked), " calls checked (",
                    Grouped(static_cast<int64_t>(rate)), "/s), ", p.divergences,
                    p.divergences == 1 ? " divergence, " : " divergences, ",
                    absl::StrFormat("%.1f s", p.elapsed_seconds));
    if (tty_) {
      err_ << "\r\033[K" << line << (final_line ? "\n" : "");
    } else {
      err_ << line << "\n";
    }
    err_.flush();
  }

  std::ostream& err_;
  bool tty_;
  bool told_stop_ = false;
  std::chrono::steady_clock::time_point last_{};
  conformance::CampaignProgress::Phase last_phase_ = conformance::CampaignProgress::Phase::kDone;
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

int BadOption(std::ostream& err, absl::string_view message) {
  err << "portpool campaign: " << message << "\n(see 'portpool campaign --help')\n";
  return kExitBadInput;
}

}  // namespace

int RunCampaign(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = Args::Parse(raw, {{"seeds", "", true},
                                {"time-budget", "", true},
                                {"seed", "", true},
                                {"length", "", true},
                                {"backend", "", true},
                                {"corpus", "", true},
                                {"no-corpus", "", false},
                                {"sandbox", "", true},
                                {"journal", "", true},
                                {"out", "o", true},
                                {"quiet", "q", false}});
  if (!args.ok()) return BadOption(err, args.status().message());
  if (!args->positional().empty()) {
    return BadOption(err, absl::StrCat("unexpected argument '", args->positional()[0], "'"));
  }
  auto seeds = args->GetNumber("seeds", 200, 1, 1'000'000'000);
  auto seed = args->GetNumber("seed", 1, 0, UINT64_MAX);
  auto length = args->GetNumber("length", 80, 1, 100'000);
  for (const absl::Status* status : {&seeds.status(), &seed.status(), &length.status()}) {
    if (!status->ok()) return BadOption(err, status->message());
  }
  std::optional<double> budget;
  if (auto text = args->Get("time-budget")) {
    double value = 0;
    if (!absl::SimpleAtod(*text, &value) || !(value > 0) || value > 1e7) {
      return BadOption(err, absl::StrCat("--time-budget must be a number of seconds above 0, "
                                         "not '",
                                         *text, "'"));
    }
    budget = value;
  }

  conformance::CampaignOptions options;
  options.backend_name = args->Get("backend").value_or("simulator");
  if (options.backend_name == "simulator") {
    options.make_backend = [](uint64_t s) -> std::unique_ptr<conformance::Backend> {
      return std::make_unique<conformance::SimulatorBackend>(s);
    };
  } else if (options.backend_name == "windows") {
#ifndef _WIN32
    return BadOption(err,
                     "--backend windows runs only in a build for Windows (this portpool was "
                     "built for another system); use --backend simulator here, and see "
                     "docs/windows.md");
#endif
  } else {
    return BadOption(err, absl::StrCat("unknown --backend '", options.backend_name,
                                       "': choose simulator or windows"));
  }
  if (options.backend_name != "windows" && (args->Has("sandbox") || args->Has("journal"))) {
    return BadOption(err, "--sandbox and --journal are for --backend windows");
  }
  // The simulator's own promises (fresh tokens after a reboot) and its
  // Win32-shaped surface are checked only on the simulator.
  options.checker.simulator_contract = options.backend_name == "simulator";
  options.surface_cases = options.backend_name == "simulator";
  options.first_seed = *seed;
  options.length = static_cast<int>(*length);
  options.time_budget_seconds = budget;
  options.seeds = budget && !args->Has("seeds") ? std::nullopt : std::optional<uint64_t>(*seeds);

  if (args->Has("corpus") && args->Has("no-corpus")) {
    return BadOption(err, "give --corpus DIR or --no-corpus, not both");
  }
  if (auto corpus = args->Get("corpus")) {
    std::error_code error;
    if (!std::filesystem::is_directory(*corpus, error)) {
      return BadOption(err, absl::StrCat("--corpus '", *corpus, "' is not a folder"));
    }
    options.corpus_dir = *corpus;
  } else if (!args->Has("no-corpus")) {
    std::string looked;
    for (const std::string& candidate : DefaultCorpusCandidates()) {
      std::error_code error;
      if (std::filesystem::is_directory(candidate, error)) {
        options.corpus_dir = std::filesystem::path(candidate).lexically_normal().string();
        break;
      }
      absl::StrAppend(&looked, looked.empty() ? "" : ", ", candidate);
    }
    if (options.corpus_dir.empty()) {
      return BadOption(err, absl::StrCat("no regression corpus found (looked in ",
                                         looked.empty() ? "no place" : looked,
                                         "); give --corpus DIR, or --no-corpus to skip it"));
    }
  }

  const std::string out_dir = args->Get("out").value_or("portpool-report");
  {
    std::error_code error;
    std::filesystem::create_directories(out_dir, error);
    if (error || !std::filesystem::is_directory(out_dir)) {
      return BadOption(err, absl::StrCat("cannot create the report folder --out '", out_dir, "'",
                                         error ? ": " + error.message() : ""));
    }
  }

  // The real machine: worker processes of this program, the sandbox, the
  // journal (conformance/windows/real_machine.h).
  std::shared_ptr<std::vector<conformance::PendingReservation>> left;
  std::string journal_path;
#ifdef _WIN32
  if (options.backend_name == "windows") {
    journal_path =
        args->Get("journal").value_or((std::filesystem::path(out_dir) / "journal.txt").string());
    absl::StatusOr<std::string> program = conformance::CurrentProgramPath();
    absl::StatusOr<conformance::RealMachineRun> run =
        program.ok() ? conformance::SetUpWindowsCampaign(*program, args->Get("sandbox"),
                                                         journal_path, options)
                     : absl::StatusOr<conformance::RealMachineRun>(program.status());
    if (!run.ok()) {
      err << "portpool campaign: " << run.status().message() << "\n";
      return kExitBadInput;
    }
    left = run->left;
  }
#endif

  StopSignals signals;
  options.stop = &g_stop;
  const bool tty = &err == &std::cerr && PORTPOOL_ISATTY(2);
  ProgressPrinter progress(err, tty);
  if (!args->Has("quiet")) {
    options.on_progress = [&progress](const conformance::CampaignProgress& p) {
      progress.Update(p);
    };
  }

  absl::StatusOr<conformance::CampaignResult> result = conformance::RunCampaign(options);
  if (!result.ok()) {
    err << "portpool campaign: " << result.status().message() << "\n";
    return kExitBadInput;
  }
  absl::StatusOr<conformance::ReportFiles> files = conformance::WriteReport(*result, out_dir);
  if (!files.ok()) {
    err << "portpool campaign: " << files.status().message() << "\n";
    return kExitBadInput;
  }

  const conformance::CampaignResult& r = *result;
  out << "portpool campaign: " << conformance::VerdictWord(r) << "\n";
  out << "  " << Grouped(static_cast<int64_t>(r.sequences)) << " sequences";
  if (r.sequences > 0)
    out << " (seeds " << r.first_seed << "-" << r.first_seed + r.sequences - 1 << ")";
  out << ", " << Grouped(r.calls_checked()) << " calls checked, " << r.corpus_traces
      << " corpus traces replayed, " << r.documented_cases << " documented cases run\n";
  out << "  " << r.divergence_count << (r.divergence_count == 1 ? " divergence" : " divergences")
      << ", " << r.errors.size() << " harness errors; "
      << RuleCatalogue().size() - r.coverage.Unchecked().size() << " of " << RuleCatalogue().size()
      << " rules checked\n";
  out << absl::StrFormat("  %.1f s, %s calls/s\n", r.timing.seconds,
                         Grouped(static_cast<int64_t>(r.timing.calls_per_second)));
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    const conformance::CampaignDivergence& d = r.divergences[i];
    out << "  divergence " << i + 1 << ": "
        << (d.divergence.rules.empty() ? "(no rule)" : d.divergence.rules.front().id)
        << ", found by " << d.found_by << "; minimal trace "
        << (std::filesystem::path(out_dir) / conformance::DivergenceFileName(i)).string() << " ("
        << d.minimal.steps.size() << " steps)\n";
  }
  if (r.stop == conformance::CampaignResult::Stop::kInterrupted) {
    out << "  interrupted: the report is partial\n";
  }
  out << "report: " << files->markdown << "\n        " << files->html << "\n";

  if (left && !left->empty()) {
    err << "portpool campaign: " << left->size()
        << " reservation(s) the run created could not be deleted; run 'portpool cleanup "
           "--journal "
        << journal_path << "'\n";
    return kExitBadInput;
  }
  if (r.unavailable) return kExitNothingChecked;
  if (!r.conforms()) return kExitDivergence;
  if (r.stop == conformance::CampaignResult::Stop::kInterrupted) {
    return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT);
  }
  return kExitOk;
}

}  // namespace portpool::cli
