#include "portpool/conformance/campaign.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "portpool/conformance/documented_cases.h"
#include "portpool/conformance/surface_cases.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/record.h"
#include "portpool/traces/shrink.h"

namespace portpool::conformance {
namespace {

using Clock = std::chrono::steady_clock;

traces::RuleCitation Cite(absl::string_view id) {
  traces::RuleCitation citation;
  citation.id = std::string(id);
  if (const Rule* rule = FindRule(id)) {
    citation.evidence = std::string(EvidenceName(rule->evidence));
    citation.source = std::string(rule->source);
    citation.summary = std::string(rule->summary);
  }
  return citation;
}

// What makes two divergences "the same": the kind of call that diverged and
// the rules its expectation drew on.
std::string Signature(const Call& call, std::vector<std::string> rules) {
  std::sort(rules.begin(), rules.end());
  return absl::StrCat(call.index(), ":", absl::StrJoin(rules, ","));
}

std::vector<std::string> VerdictRules(const Verdict& verdict) {
  std::vector<std::string> rules;
  for (RuleId rule : verdict.rules) rules.emplace_back(rule);
  // The checker's own promise about the simulator cites its rule in the
  // explanation only.
  if (absl::StrContains(verdict.explanation, absl::StrCat("[", rules::kTokenReboot, "]")) &&
      std::find(rules.begin(), rules.end(), rules::kTokenReboot) == rules.end()) {
    rules.emplace_back(rules::kTokenReboot);
  }
  return rules;
}

// The checked calls of a run as a trace, in backend terms turned into names.
traces::Trace Record(const std::vector<CheckedCall>& calls, const std::string& provenance,
                     const traces::Trace* raw_ports_from = nullptr) {
  traces::TraceRecorder recorder;
  recorder.AddProvenance(provenance);
  for (size_t i = 0; i < calls.size(); ++i) {
    const bool raw = raw_ports_from != nullptr && i < raw_ports_from->steps.size() &&
                     raw_ports_from->steps[i].raw_port;
    recorder.Record(calls[i].call, calls[i].outcome, raw);
  }
  return std::move(recorder).Finish();
}

// The trace with its names renumbered in order of appearance (p1, s1, $a,
// ...): a shrunk trace keeps the names of the long one (p4, $g), which read
// as if steps were missing. Comments and provenance are kept.
traces::Trace Renamed(const traces::Trace& trace) {
  traces::TraceRecorder recorder;
  for (const std::string& line : trace.provenance) recorder.AddProvenance(line);
  for (const std::string& line : trace.comments) recorder.AddComment(line);
  // A token name stands for one value; give each a value no literal has.
  std::map<std::string, Token> values;
  auto value_of = [&](const std::string& name) {
    auto [it, added] = values.try_emplace(name, 0);
    if (added) it->second = 0x7e57000000000000ULL + values.size();
    return it->second;
  };
  for (const traces::Step& step : trace.steps) {
    for (const std::string& line : step.comments) recorder.AddComment(line);
    Call call = step.call;
    Outcome outcome = step.outcome;
    if (step.token_argument) {
      std::visit(
          [&](auto& c) {
            if constexpr (requires { c.token; }) c.token = value_of(*step.token_argument);
          },
          call);
    }
    if (step.outcome_token_name) outcome.token = value_of(*step.outcome_token_name);
    recorder.Record(call, outcome, step.raw_port);
  }
  for (const std::string& line : trace.trailing_comments) recorder.AddComment(line);
  return std::move(recorder).Finish();
}

class Campaign {
 public:
  explicit Campaign(const CampaignOptions& options) : options_(options), start_(Clock::now()) {}

  absl::StatusOr<CampaignResult> Run() &&;

 private:
  bool Stopped() const {
    return options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed);
  }
  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  void Progress(CampaignProgress::Phase phase) {
    if (!options_.on_progress) return;
    CampaignProgress progress;
    progress.phase = phase;
    progress.corpus_traces_done = result_.corpus_traces;
    progress.documented_cases_done = result_.documented_cases;
    progress.sequences_done = result_.sequences;
    progress.sequences_total = options_.time_budget_seconds ? std::nullopt : options_.seeds;
    progress.calls_checked = result_.calls_checked();
    progress.divergences = result_.divergence_count;
    // The last report gives the figures the result holds, so that the
    // progress line, the summary and the report agree on the rate.
    progress.elapsed_seconds =
        phase == CampaignProgress::Phase::kDone ? result_.timing.seconds : Elapsed();
    options_.on_progress(progress);
  }

  absl::Status RunCorpus();
  void RunSurfaceCases();
  void RunSequences();
  void RunSequence(uint64_t seed, const Capabilities& capabilities);
  // keep_going: every divergence of the sequence, each with a trace of its
  // own (traces::IsolateDivergence) where one exists.
  void RunSequenceKeepingGoing(uint64_t seed, const std::vector<StepSpec>& steps,
                               const Capabilities& capabilities, Backend& backend, Checker& checker,
                               const std::string& provenance);

  // Records a divergence: counts it, and unless one with the same signature
  // is kept already (or enough are kept), shrinks and keeps it. `verdict`
  // is the checker's, for a divergence a replay does not reproduce; nullptr
  // for one found by replay.
  void AddDivergence(CampaignDivergence divergence, const std::string& signature,
                     const Verdict* verdict, const Call* call, const Outcome* outcome,
                     bool shrink = true);

  const CampaignOptions& options_;
  Clock::time_point start_;
  CampaignResult result_;
  std::map<std::string, size_t> kept_by_signature_;
};

absl::StatusOr<CampaignResult> Campaign::Run() && {
  if (options_.unavailable) {
    result_.backend_name = options_.backend_name;
    result_.backend_description = absl::StrCat("not available here: ", *options_.unavailable);
    result_.unavailable = options_.unavailable;
    result_.first_seed = options_.first_seed;
    result_.seeds = options_.seeds;
    result_.length = options_.length;
    result_.corpus_dir = options_.corpus_dir;
    Progress(CampaignProgress::Phase::kDone);
    return std::move(result_);
  }
  if (!options_.make_backend) return absl::InvalidArgumentError("no backend factory given");
  if (!options_.seeds && !options_.time_budget_seconds) {
    return absl::InvalidArgumentError("give a seed count, a time budget or both");
  }
  if (options_.length < 1) return absl::InvalidArgumentError("the sequence length must be >= 1");
  result_.backend_name = options_.backend_name;
  result_.first_seed = options_.first_seed;
  result_.seeds = options_.seeds;
  result_.time_budget_seconds = options_.time_budget_seconds;
  result_.length = options_.length;
  result_.corpus_dir = options_.corpus_dir;
  result_.corpus_is_default = options_.corpus_is_default;
  result_.tool = options_.tool;
  result_.sample_seed = options_.first_seed;
  result_.backend_description = options_.make_backend(options_.first_seed)->Describe();

  if (!options_.corpus_dir.empty()) {
    if (absl::Status corpus = RunCorpus(); !corpus.ok()) return corpus;
  }
  if (options_.surface_cases && !Stopped()) RunSurfaceCases();
  if (!Stopped()) RunSequences();
  if (Stopped()) result_.stop = CampaignResult::Stop::kInterrupted;

  result_.timing.seconds = Elapsed();
  if (result_.timing.seconds > 0) {
    result_.timing.calls_per_second =
        static_cast<double>(result_.calls_checked()) / result_.timing.seconds;
  }
  Progress(CampaignProgress::Phase::kDone);
  return std::move(result_);
}

absl::Status Campaign::RunCorpus() {
  // Load everything first: a corpus that does not read is bad input, found
  // before any work is done.
  std::error_code error;
  if (!std::filesystem::is_directory(options_.corpus_dir, error)) {
    return absl::NotFoundError(
        absl::StrCat("the corpus folder '", options_.corpus_dir, "' does not exist"));
  }
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(options_.corpus_dir, error)) {
    if (entry.path().extension() == ".trace") paths.push_back(entry.path().string());
  }
  if (error) {
    return absl::NotFoundError(absl::StrCat("cannot list the corpus folder '", options_.corpus_dir,
                                            "': ", error.message()));
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::pair<std::string, traces::Trace>> corpus;
  for (const std::string& path : paths) {
    absl::StatusOr<traces::Trace> trace = traces::ParseFile(path);
    if (!trace.ok()) return trace.status();
    corpus.emplace_back(path, *std::move(trace));
  }
  absl::StatusOr<std::vector<DocumentedCase>> cases = LoadDocumentedCases(options_.corpus_dir);
  if (!cases.ok()) return cases.status();

  // 1. The recorded answers, replayed against the model.
  for (const auto& [path, trace] : corpus) {
    if (Stopped()) return absl::OkStatus();
    const traces::ReplayResult replay = traces::Replay(trace);
    ++result_.corpus_traces;
    result_.corpus_steps += static_cast<int64_t>(replay.steps_checked);
    if (replay.error) {
      result_.errors.push_back(absl::StrCat("corpus replay: ", path, ":", replay.error->line,
                                            ":1: ", replay.error->message));
    } else if (replay.divergence) {
      CampaignDivergence d;
      d.origin = CampaignDivergence::Origin::kCorpusReplay;
      d.found_by = absl::StrCat("corpus replay of ", path, " (its recorded answers)");
      d.trace_path = path;
      d.backend = "recorded answers";
      d.original = trace;
      d.original_step = replay.divergence->step;
      d.original_line = replay.divergence->line;
      std::vector<std::string> rules;
      for (const traces::RuleCitation& c : replay.divergence->rules) rules.push_back(c.id);
      AddDivergence(std::move(d), absl::StrCat("replay:", absl::StrJoin(rules, ",")), nullptr,
                    nullptr, nullptr);
    } else {
      ++result_.corpus_conforming;
    }
    Progress(CampaignProgress::Phase::kCorpusReplay);
  }

  // 2. The documented cases' calls, run on the backend and checked.
  for (DocumentedCase c : *cases) {
    if (Stopped()) return absl::OkStatus();
    if (options_.adapt_case) {
      absl::StatusOr<traces::Trace> adapted = options_.adapt_case(c.trace);
      if (!adapted.ok()) {
        ++result_.documented_cases;
        ++result_.documented_cases_unsupported;
        Progress(CampaignProgress::Phase::kDocumentedCases);
        continue;
      }
      c.trace = *std::move(adapted);
    }
    std::unique_ptr<Backend> backend = options_.make_backend(options_.first_seed);
    const std::string description = backend->Describe();
    absl::StatusOr<CaseResult> run =
        RunDocumentedCase(c, *backend, options_.checker, result_.coverage, options_.prepare_model,
                          // Step 1 replayed every corpus file as written, so
                          // its recorded answers are judged, even where the
                          // case's ports move for this backend.
                          RecordedAnswers::kCheckedApart);
    ++result_.documented_cases;
    // A call a sandbox refused never reached the backend: the case is one
    // this backend cannot make, as one that needs a reboot is.
    if (!run.ok() && absl::StrContains(run.status().message(), kRefusedBySandbox)) {
      ++result_.documented_cases_unsupported;
      Progress(CampaignProgress::Phase::kDocumentedCases);
      continue;
    }
    if (!run.ok()) {
      result_.errors.push_back(absl::StrCat("documented case ", run.status().message()));
      continue;
    }
    result_.documented_case_calls += static_cast<int64_t>(run->run.steps.size());
    if (run->run.unsupported) ++result_.documented_cases_unsupported;
    if (run->run.divergence) {
      const CheckedCall& divergent = run->run.steps[*run->run.divergence];
      CampaignDivergence d;
      d.origin = CampaignDivergence::Origin::kDocumentedCase;
      d.found_by =
          absl::StrCat("documented case ", c.path, " (rule ", c.rule, ") run on ", description);
      d.trace_path = c.path;
      d.backend = description;
      d.original =
          Record(run->run.steps,
                 absl::StrCat(description, " documented-case=", c.rule, " campaign"), &c.trace);
      d.original_step = *run->run.divergence;
      d.original_line = c.trace.steps[d.original_step].line;
      d.explanation = divergent.verdict.explanation;
      AddDivergence(std::move(d), Signature(divergent.call, VerdictRules(divergent.verdict)),
                    &divergent.verdict, &divergent.call, &divergent.outcome);
    }
    Progress(CampaignProgress::Phase::kDocumentedCases);
  }
  return absl::OkStatus();
}

void Campaign::RunSurfaceCases() {
  for (const SurfaceCase& c : SurfaceCases()) {
    Machine machine(options_.first_seed);
    const absl::Status held = c.run(machine);
    ++result_.surface_cases;
    result_.coverage.RecordSurface(c.rule, held.ok());
    if (!held.ok()) {
      ++result_.surface_cases_failed;
      result_.errors.push_back(
          absl::StrCat("surface case ", c.rule, " (", c.what, "): ", held.message()));
    }
  }
  Progress(CampaignProgress::Phase::kSurfaceCases);
}

void Campaign::RunSequences() {
  const Capabilities capabilities = options_.make_backend(options_.first_seed)->capabilities();
  for (uint64_t i = 0;; ++i) {
    if (options_.seeds && i >= *options_.seeds) break;
    if (Stopped()) break;
    if (options_.time_budget_seconds && Elapsed() >= *options_.time_budget_seconds) {
      result_.stop = CampaignResult::Stop::kTimeBudget;
      break;
    }
    RunSequence(options_.first_seed + i, capabilities);
    ++result_.sequences;
    Progress(CampaignProgress::Phase::kSequences);
  }
}

void Campaign::RunSequence(uint64_t seed, const Capabilities& capabilities) {
  const std::vector<StepSpec> steps = GenerateSequence(seed, options_.length, capabilities);
  std::unique_ptr<Backend> backend = options_.make_backend(seed);
  Checker checker(*backend, options_.checker);
  if (options_.prepare_model) {
    if (absl::Status prepared = options_.prepare_model(checker.mutable_model()); !prepared.ok()) {
      result_.errors.push_back(absl::StrCat("sequence seed=", seed, ": ", prepared.message()));
      return;
    }
  }
  if (options_.checker.keep_going) {
    RunSequenceKeepingGoing(
        seed, steps, capabilities, *backend, checker,
        absl::StrCat(backend->Describe(), " length=", options_.length, " campaign keep-going"));
    return;
  }
  absl::StatusOr<std::optional<CheckedCall>> divergent = RunSteps(steps, checker, capabilities);
  result_.sequence_calls += static_cast<int64_t>(checker.history().size());
  result_.coverage.Merge(checker.coverage());
  const std::string provenance =
      absl::StrCat(backend->Describe(), " length=", options_.length, " campaign");
  const bool diverged = divergent.ok() && divergent->has_value();
  if (seed == options_.first_seed && result_.sequences == 0) {
    result_.sample_trace = Record(checker.history(), provenance);
    result_.sample_state = checker.model();
    result_.sample_diverged = diverged;
  }
  if (!divergent.ok()) {
    result_.errors.push_back(absl::StrCat("sequence seed=", seed, ": after ",
                                          checker.history().size(),
                                          " calls: ", divergent.status().message()));
    return;
  }
  if (!diverged) return;
  const CheckedCall& call = **divergent;
  CampaignDivergence d;
  d.origin = CampaignDivergence::Origin::kSequence;
  d.found_by = absl::StrCat("sequence seed=", seed);
  d.seed = seed;
  d.backend = backend->Describe();
  d.original = Record(checker.history(), provenance);
  d.original_step = d.original.steps.empty() ? 0 : d.original.steps.size() - 1;
  d.explanation = call.verdict.explanation;
  AddDivergence(std::move(d), Signature(call.call, VerdictRules(call.verdict)), &call.verdict,
                &call.call, &call.outcome);
}

void Campaign::RunSequenceKeepingGoing(uint64_t seed, const std::vector<StepSpec>& steps,
                                       const Capabilities& capabilities, Backend& backend,
                                       Checker& checker, const std::string& provenance) {
  absl::StatusOr<std::vector<size_t>> divergent =
      RunStepsKeepingGoing(steps, checker, capabilities);
  const std::vector<CheckedCall>& history = checker.history();
  result_.sequence_calls += static_cast<int64_t>(history.size());
  result_.coverage.Merge(checker.coverage());
  if (seed == options_.first_seed && result_.sequences == 0) {
    result_.sample_trace = Record(history, provenance);
    result_.sample_state = checker.model();
    result_.sample_diverged = divergent.ok() && !divergent->empty();
  }
  if (!divergent.ok()) {
    result_.errors.push_back(absl::StrCat("sequence seed=", seed, ": after ", history.size(),
                                          " calls: ", divergent.status().message()));
    return;
  }
  const traces::Trace whole = Record(history, provenance);
  for (size_t k = 0; k < divergent->size(); ++k) {
    const size_t at = (*divergent)[k];
    const CheckedCall& call = history[at];
    CampaignDivergence d;
    d.origin = CampaignDivergence::Origin::kSequence;
    d.found_by =
        k == 0 ? absl::StrCat("sequence seed=", seed)
               : absl::StrCat("sequence seed=", seed, " call ", at + 1, " (after a divergence)");
    d.seed = seed;
    d.backend = backend.Describe();
    d.explanation = call.verdict.explanation;
    const bool last = k + 1 == divergent->size();
    if (last && checker.lost()) {
      absl::StrAppend(&d.explanation, "; the model cannot follow this answer (", checker.why_lost(),
                      "), so the sequence stopped here");
    }
    bool shrink = true;
    if (k == 0) {
      d.original =
          Record({history.begin(), history.begin() + static_cast<ptrdiff_t>(at) + 1}, provenance);
    } else {
      const std::vector<size_t> earlier(divergent->begin(),
                                        divergent->begin() + static_cast<ptrdiff_t>(k));
      absl::StatusOr<traces::Trace> own = traces::IsolateDivergence(whole, earlier, at);
      if (own.ok()) {
        d.original = *std::move(own);
      } else {
        // Only the whole run reaches it: keep the run up to it, unshrunk.
        d.original =
            Record({history.begin(), history.begin() + static_cast<ptrdiff_t>(at) + 1}, provenance);
        d.shrink_note = std::string(own.status().message());
        shrink = false;
      }
    }
    AddDivergence(std::move(d), Signature(call.call, VerdictRules(call.verdict)), &call.verdict,
                  &call.call, &call.outcome, shrink);
  }
}

void Campaign::AddDivergence(CampaignDivergence d, const std::string& signature,
                             const Verdict* verdict, const Call* call, const Outcome* outcome,
                             bool shrink) {
  ++result_.divergence_count;
  if (auto it = kept_by_signature_.find(signature); it != kept_by_signature_.end()) {
    result_.divergences[it->second].also_found_by.push_back(d.found_by);
    return;
  }
  if (static_cast<int>(result_.divergences.size()) >= options_.max_kept_divergences) return;

  traces::ShrinkOptions shrink_options;
  // The provenance line reads "shrunk from <this> (N steps)".
  shrink_options.source_name = d.origin == CampaignDivergence::Origin::kSequence
                                   ? absl::StrCat("campaign sequence seed=", d.seed)
                                   : d.trace_path;
  absl::StatusOr<traces::ShrinkResult> shrunk =
      shrink ? traces::Shrink(d.original, shrink_options)
             : absl::StatusOr<traces::ShrinkResult>(absl::FailedPreconditionError(d.shrink_note));
  if (shrunk.ok()) {
    d.minimal = std::move(shrunk->trace);
    d.shrunk = true;
    // Renumbered names, if the trace still diverges the same way with them
    // (it always should: names only stand for values).
    traces::Trace renamed = Renamed(d.minimal);
    const traces::ReplayResult before = traces::Replay(d.minimal);
    const traces::ReplayResult after = traces::Replay(renamed);
    if (before.divergence && after.divergence &&
        before.divergence->step == after.divergence->step &&
        before.divergence->rules.size() == after.divergence->rules.size()) {
      d.minimal = std::move(renamed);
    }
  } else {
    d.minimal = d.original;
    d.shrink_note = std::string(shrunk.status().message());
  }
  const traces::ReplayResult replay = traces::Replay(d.minimal);
  // An unshrunk run past earlier divergences replays to the first of them,
  // not to this one: cite the checker's verdict then.
  if (replay.divergence && shrink) {
    d.divergence = *replay.divergence;
    d.minimal_diverges_on_replay = true;
  } else if (verdict != nullptr) {
    // Only the checker sees this divergence (its simulator contract): cite
    // its verdict, at the last step of the trace.
    d.divergence.step = d.minimal.steps.empty() ? 0 : d.minimal.steps.size() - 1;
    d.divergence.call = call != nullptr ? DescribeCall(*call) : "";
    d.divergence.recorded = outcome != nullptr ? DescribeOutcome(*outcome) : "";
    d.divergence.allowed = verdict->explanation;
    for (const std::string& rule : VerdictRules(*verdict)) d.divergence.rules.push_back(Cite(rule));
    if (d.shrink_note.empty()) d.shrink_note = "the replay does not diverge";
  }
  kept_by_signature_[signature] = result_.divergences.size();
  result_.divergences.push_back(std::move(d));
}

}  // namespace

std::vector<StepSpec> GenerateSequence(uint64_t seed, int length,
                                       const Capabilities& capabilities) {
  return rc::gen::container<std::vector<StepSpec>>(static_cast<size_t>(length),
                                                   GenStep(capabilities))(rc::Random(seed), 50)
      .value();
}

absl::StatusOr<CampaignResult> RunCampaign(const CampaignOptions& options) {
  return Campaign(options).Run();
}

}  // namespace portpool::conformance
