// A conformance campaign: the main job of `portpool campaign`. It runs the
// whole suite against one backend and gathers everything a report needs:
//
//   1. the regression corpus (a folder of *.trace files), twice: every
//      trace's recorded answers replayed against the model (traces::Replay),
//      and every documented case's calls run on the backend, whose answers
//      the checker judges (RunDocumentedCase);
//   2. the W32-* surface cases, when the backend is the simulator;
//   3. generated call sequences, one per seed (the state machine of
//      state_machine_property_test.cc without rapidcheck's driver), for a
//      number of seeds or until a time budget is spent.
//
// Every divergence is recorded as a trace, shrunk to a minimal one that still
// diverges (traces::Shrink), and kept with the rules it breaks. Divergences
// with the same cause (the same kind of call diverging under the same rules)
// are shrunk once and counted.
//
//   CampaignOptions options;
//   options.make_backend = [](uint64_t seed) {
//     return std::make_unique<SimulatorBackend>(seed);
//   };
//   options.corpus_dir = "traces/regression";
//   absl::StatusOr<CampaignResult> result = RunCampaign(options);
//   // report.h turns *result into report.md and report.html.
//
// Deterministic: the same options give the same result, except the wall-clock
// figures in CampaignResult::timing and, with a time budget or a stop flag,
// how many sequences ran.
#ifndef PORTPOOL_CONFORMANCE_CAMPAIGN_H_
#define PORTPOOL_CONFORMANCE_CAMPAIGN_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/checker.h"
#include "portpool/conformance/rule_coverage.h"
#include "portpool/conformance/steps.h"
#include "portpool/machine.h"
#include "portpool/traces/provenance.h"
#include "portpool/traces/replay.h"
#include "portpool/traces/trace.h"

namespace portpool::conformance {

// Makes a fresh backend for one sequence or case; `seed` is the sequence's.
using BackendFactory = std::function<std::unique_ptr<Backend>(uint64_t seed)>;

// Where a campaign stands; passed to CampaignOptions::on_progress.
struct CampaignProgress {
  enum class Phase { kCorpusReplay, kDocumentedCases, kSurfaceCases, kSequences, kDone };
  Phase phase = Phase::kCorpusReplay;
  int corpus_traces_done = 0;
  int documented_cases_done = 0;
  uint64_t sequences_done = 0;
  // How many sequences will run, if a seed count bounds the campaign.
  std::optional<uint64_t> sequences_total;
  // Calls whose answers were judged so far: sequence calls, documented-case
  // calls and replayed corpus steps.
  int64_t calls_checked = 0;
  int divergences = 0;
  double elapsed_seconds = 0;
};

struct CampaignOptions {
  // Short name of the backend ("simulator", "windows"), for the report.
  std::string backend_name = "simulator";
  // Required: the backend for each sequence, and for each documented case
  // (called with first_seed).
  BackendFactory make_backend;
  CheckerOptions checker{.simulator_contract = true};
  // Whether to run the W32-* surface cases (they test the simulator's own
  // Win32-shaped surface, so only for the simulator).
  bool surface_cases = true;
  // Prepares each sequence's and documented case's model before its first
  // call (a real machine: what it already has). Unset: the model starts
  // empty.
  PrepareModel prepare_model;
  // The calls a documented case makes on this backend, from the case's trace
  // (a real machine moves the trace's ports into its sandbox window), or an
  // error saying why this backend cannot run the case: the case then counts
  // as one the backend cannot make (documented_cases_unsupported), not as a
  // harness error. Unset: the trace as written.
  std::function<absl::StatusOr<traces::Trace>(const traces::Trace&)> adapt_case;
  // Set when the backend is not available at all here (the Windows API is
  // missing, say): nothing runs, not even the corpus, and the result says
  // that nothing was checked (CampaignResult::unavailable). make_backend may
  // then be unset.
  std::optional<std::string> unavailable;

  // Sequence i (0-based) uses seed first_seed + i for both its generated
  // steps and its backend.
  uint64_t first_seed = 1;
  // How many sequences at most; nullopt: no bound (set time_budget_seconds).
  std::optional<uint64_t> seeds = 200;
  // Start no new sequence once this much wall time has passed since the
  // campaign began; nullopt: no budget.
  std::optional<double> time_budget_seconds;
  // Steps generated per sequence (a few resolve to no call).
  int length = 80;

  // The regression corpus: a folder of *.trace files; empty: none.
  std::string corpus_dir;
  // Whether corpus_dir is the corpus the build ships (the default of
  // `portpool campaign`): the report then need not name its path.
  bool corpus_is_default = false;

  // Who runs the campaign: named in the report and in every trace it writes.
  traces::ToolIdentity tool = traces::ToolIdentity::OfThisLibrary();

  // At most this many distinct divergences are recorded, shrunk and kept in
  // full; more are only counted.
  int max_kept_divergences = 20;

  // When set (from another thread or a signal handler), the campaign stops at
  // the next boundary between sequences or traces, and reports what it has.
  const std::atomic<bool>* stop = nullptr;
  // Called after every sequence, corpus trace and phase, on the campaign's
  // thread. May set *stop.
  std::function<void(const CampaignProgress&)> on_progress;
};

// One divergence, minimal.
struct CampaignDivergence {
  enum class Origin { kSequence, kDocumentedCase, kCorpusReplay };
  Origin origin = Origin::kSequence;
  // "sequence seed=17", "documented case traces/regression/x.trace", ...
  std::string found_by;
  uint64_t seed = 0;       // kSequence
  std::string trace_path;  // kDocumentedCase, kCorpusReplay: the corpus file
  // The backend as it described itself ("simulator seed=17 mutant=...").
  std::string backend;
  // The trace as run: up to and including the divergent call (a sequence or
  // documented case), or the whole corpus trace (a corpus replay).
  traces::Trace original;
  // The divergent step's index in `original`, and, for a corpus trace or a
  // documented case, its line in trace_path (else 0).
  size_t original_step = 0;
  int original_line = 0;
  // The minimal trace that still diverges (the original if it could not be
  // shrunk; see shrink_note).
  traces::Trace minimal;
  bool shrunk = false;
  std::string shrink_note;  // why not, when not shrunk
  // The divergence of `minimal` on replay: the call, the recorded answer,
  // the allowed answers and the rules with their sources. When the replay
  // does not diverge (a promise only the checker holds the simulator to,
  // TOKEN-REBOOT), built from the checker's verdict instead.
  traces::Divergence divergence;
  bool minimal_diverges_on_replay = false;
  // The checker's explanation of the original divergent call.
  std::string explanation;
  // Other sequences or traces that diverged the same way (same kind of call,
  // same rules), in the order found.
  std::vector<std::string> also_found_by;
};

struct CampaignTiming {
  double seconds = 0;
  double calls_per_second = 0;
};

struct CampaignResult {
  // The options, for the report (without the callbacks).
  std::string backend_name;
  std::string backend_description;  // of the first sequence's backend
  uint64_t first_seed = 1;
  std::optional<uint64_t> seeds;
  std::optional<double> time_budget_seconds;
  int length = 0;
  std::string corpus_dir;
  bool corpus_is_default = false;
  traces::ToolIdentity tool;

  enum class Stop { kCompleted, kTimeBudget, kInterrupted };
  Stop stop = Stop::kCompleted;

  // Sequences.
  uint64_t sequences = 0;
  int64_t sequence_calls = 0;
  // The corpus.
  int corpus_traces = 0;     // replayed
  int64_t corpus_steps = 0;  // replayed steps judged
  int corpus_conforming = 0;
  int documented_cases = 0;              // run on the backend
  int documented_cases_unsupported = 0;  // stopped at a call the backend cannot make
  int64_t documented_case_calls = 0;
  int surface_cases = 0;
  int surface_cases_failed = 0;

  // Every rule's checked/decided counts over sequences, documented cases
  // and surface cases.
  RuleCoverage coverage;
  // How many sequences, documented cases and corpus traces diverged in all
  // (kept or not).
  int divergence_count = 0;
  std::vector<CampaignDivergence> divergences;
  // Harness faults: calls a backend could not run, traces it could not
  // follow. Not divergences, but the campaign did not do all it should.
  std::vector<std::string> errors;
  // Why nothing was checked (CampaignOptions::unavailable), if so.
  std::optional<std::string> unavailable;

  // The sample: the first sequence, as a trace, and the model's state after
  // it (before its divergent call, if it diverged).
  std::optional<traces::Trace> sample_trace;
  std::optional<Machine> sample_state;
  uint64_t sample_seed = 0;
  bool sample_diverged = false;

  // Wall clock: the only part that differs between two runs with the same
  // options.
  CampaignTiming timing;

  int64_t calls_checked() const { return sequence_calls + documented_case_calls + corpus_steps; }
  bool conforms() const { return divergence_count == 0 && errors.empty() && !unavailable; }
};

// Runs the campaign. Fails only on bad options (no backend factory while the
// backend is available, neither a seed count nor a time budget, a length
// below 1) or an unreadable corpus (a
// missing folder, a file that does not parse: InvalidArgument or NotFound
// naming it); divergences and harness faults are part of the result.
absl::StatusOr<CampaignResult> RunCampaign(const CampaignOptions& options);

// The call sequence generated for `seed`: `length` steps for a backend with
// `capabilities`. The same seed always gives the same steps.
std::vector<StepSpec> GenerateSequence(uint64_t seed, int length, const Capabilities& capabilities);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_CAMPAIGN_H_
