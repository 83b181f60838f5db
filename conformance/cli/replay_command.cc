// `portpool replay FILE...`: checks trace files against the model. For each
// file, either "FILE: conforms (N steps)" or the first divergence with the
// rules behind it (every divergence with --keep-going, each with a trace of
// its own, shrunk); --coverage adds the per-rule table over all files.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "args.h"
#include "commands.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"
#include "portpool/traces/shrink.h"
#include "trace_io.h"

namespace portpool::cli {

const char kReplayUsage[] =
    "usage: portpool replay [--coverage] [--verbose] [--keep-going] FILE...\n\n"
    "Replays each trace FILE against the model: every recorded answer must be\n"
    "one the model allows. Prints 'FILE: conforms (N steps)', or the first\n"
    "divergence: its line, the call, the recorded answer, the answers the\n"
    "model allows, and the rules behind them with their sources.\n\n"
    "  --coverage   then print how often each rule of the catalogue was\n"
    "               exercised, over all files (zero rows included)\n"
    "  --verbose    print every step with the rule it matched\n"
    "  --keep-going go on after a divergence: the model adopts the recorded\n"
    "               answer and every later divergence is printed too, each\n"
    "               with a shrunk trace of its own where the run without the\n"
    "               earlier divergent steps still reaches it\n\n"
    "exit: 0 every file conforms, 1 a file diverges, 2 bad input or usage\n";

namespace {

// With --keep-going: each divergence after the first, and a minimal trace
// of its own when one exists (traces::IsolateDivergence), then why the
// replay stopped early if the model could not adopt an answer.
void PrintLaterDivergences(const std::string& file, const traces::Trace& trace,
                           const traces::ReplayResult& result, std::ostream& out) {
  std::vector<size_t> earlier = {result.divergence->step};
  for (const traces::Divergence& d : result.later_divergences) {
    out << "\n(after a divergence) " << FormatDivergence(file, d);
    absl::StatusOr<traces::Trace> own = traces::IsolateDivergence(trace, earlier, d.step);
    absl::StatusOr<traces::ShrinkResult> shrunk =
        own.ok() ? traces::Shrink(*own, {.source_name = absl::StrCat(file, " step ", d.step + 1)})
                 : absl::StatusOr<traces::ShrinkResult>(own.status());
    if (shrunk.ok()) {
      out << "its own minimal trace (" << shrunk->shrunk_steps << " steps):\n"
          << traces::Print(shrunk->trace);
    } else {
      out << "no trace of its own: " << shrunk.status().message() << "\n";
    }
    earlier.push_back(d.step);
  }
  if (result.lost) {
    out << "\n"
        << file << ": stopped at line "
        << (result.later_divergences.empty() ? result.divergence->line
                                             : result.later_divergences.back().line)
        << ": the model cannot follow the recorded answer (" << *result.lost
        << "), so no later step can be judged\n";
  }
}

}  // namespace

int RunReplay(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = Args::Parse(
      raw, {{"coverage", "", false}, {"verbose", "v", false}, {"keep-going", "", false}});
  if (!args.ok()) {
    err << "portpool replay: " << args.status().message() << "\n" << kReplayUsage;
    return kExitBadInput;
  }
  if (args->positional().empty()) {
    err << "portpool replay: no trace file given\n" << kReplayUsage;
    return kExitBadInput;
  }
  int exit_code = kExitOk;
  std::map<std::string, int> coverage;
  for (const std::string& file : args->positional()) {
    auto trace = LoadTrace(file);
    if (!trace.ok()) {
      err << "portpool replay: " << trace.status().message() << "\n";
      exit_code = std::max(exit_code, kExitBadInput);
      continue;
    }
    const traces::ReplayResult result =
        traces::Replay(*trace, {.keep_going = args->Has("keep-going")});
    if (args->Has("verbose")) {
      for (const traces::StepVerdict& v : result.verdicts) {
        out << Where(file, v.line, v.step) << ": " << traces::PrintStep(trace->steps[v.step])
            << (v.conforms ? absl::StrCat("   [", v.rule, "]") : "   DIVERGES") << "\n";
      }
    }
    for (const auto& [rule, count] : result.coverage) coverage[rule] += count;
    if (result.error) {
      err << FormatReplayError(file, *result.error);
      exit_code = std::max(exit_code, kExitBadInput);
    } else if (result.divergence) {
      out << FormatDivergence(file, *result.divergence);
      PrintLaterDivergences(file, *trace, result, out);
      exit_code = std::max(exit_code, kExitDivergence);
    } else {
      out << file << ": conforms (" << result.steps_checked << " steps)\n";
    }
  }
  if (args->Has("coverage")) out << "\n" << FormatCoverage(coverage);
  return exit_code;
}

}  // namespace portpool::cli
