// `portpool replay FILE...`: checks trace files against the model. For each
// file, either "FILE: conforms (N steps)" or the first divergence with the
// rules behind it; --coverage adds the per-rule table over all files.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "args.h"
#include "commands.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"
#include "trace_io.h"

namespace portpool::cli {

const char kReplayUsage[] =
    "usage: portpool replay [--coverage] [--verbose] FILE...\n\n"
    "Replays each trace FILE against the model: every recorded answer must be\n"
    "one the model allows. Prints 'FILE: conforms (N steps)', or the first\n"
    "divergence: its line, the call, the recorded answer, the answers the\n"
    "model allows, and the rules behind them with their sources.\n\n"
    "  --coverage   then print how often each rule of the catalogue was\n"
    "               exercised, over all files (zero rows included)\n"
    "  --verbose    print every step with the rule it matched\n\n"
    "exit: 0 every file conforms, 1 a file diverges, 2 bad input or usage\n";

int RunReplay(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = Args::Parse(raw, {{"coverage", "", false}, {"verbose", "v", false}});
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
    const traces::ReplayResult result = traces::Replay(*trace);
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
      exit_code = std::max(exit_code, kExitDivergence);
    } else {
      out << file << ": conforms (" << result.steps_checked << " steps)\n";
    }
  }
  if (args->Has("coverage")) out << "\n" << FormatCoverage(coverage);
  return exit_code;
}

}  // namespace portpool::cli
