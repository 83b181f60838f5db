// `portpool replay FILE...`: checks recorded traces against the model.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "options.h"
#include "portpool/conformance/replay_json.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"
#include "trace_io.h"

namespace portpool::cli {
namespace {

class ReplayCommand : public Command {
 public:
  absl::string_view name() const override { return "replay"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "check trace files against the model; report the first divergence\n\n"
             "Replays each trace FILE against the model: every recorded answer must be\n"
             "one the model allows. Prints 'FILE: conforms (N steps)', or the first\n"
             "divergence: its line, the call, the recorded answer, the answers the\n"
             "model allows, and the rules behind them with their sources. A file that\n"
             "is not a trace, or a step the model cannot judge (a process no step\n"
             "started), is reported as 'FILE:LINE:COLUMN: what is wrong'.",
             "exit: 0 every file conforms, 1 a file diverges, 2 bad usage or a bad file\n"
             "(a bad file outranks a divergence)");
    AddInputFiles(app, files_, "the traces to replay");
    AddFlag(app, "--coverage", coverage_,
            "then print how often each rule of the catalogue was exercised, over all\n"
            "files (zero rows included)");
    AddFlag(app, "-v,--verbose", verbose_, "print every step with the rule it matched");
    AddFlag(app, "--json", json_,
            "print the results as one JSON document on standard output instead\n"
            "(files, verdicts, divergences, coverage, the tool's version); errors\n"
            "still go to standard error too");
  }

  int Run(Context& context) override {
    int exit_code = kExitOk;
    std::map<std::string, int> coverage;
    std::vector<conformance::ReplayedFile> replayed;
    std::ostream& out = context.out();
    for (const std::string& path : files_) {
      conformance::ReplayedFile file;
      file.path = path;
      auto trace = LoadTrace(path);
      if (!trace.ok()) {
        file.load_error = std::string(trace.status().message());
        context.Say(file.load_error);
        exit_code = std::max(exit_code, kExitBadInput);
        replayed.push_back(std::move(file));
        continue;
      }
      const std::string name = path == "-" ? "<stdin>" : path;
      traces::ReplayResult result = traces::Replay(*trace);
      if (verbose_ && !json_) {
        for (const traces::StepVerdict& v : result.verdicts) {
          out << Where(name, v.line, v.step) << ": " << traces::PrintStep(trace->steps[v.step])
              << (v.conforms ? absl::StrCat("   [", v.rule, "]") : "   DIVERGES") << "\n";
        }
      }
      for (const auto& [rule, count] : result.coverage) coverage[rule] += count;
      if (result.error) {
        context.Say(FormatReplayError(name, *result.error));
        exit_code = std::max(exit_code, kExitBadInput);
      } else if (result.divergence) {
        if (!json_) out << FormatDivergence(name, *result.divergence);
        exit_code = std::max(exit_code, kExitDivergence);
      } else if (!json_) {
        out << name << ": conforms (" << result.steps_checked << " steps)\n";
      }
      file.result = std::move(result);
      replayed.push_back(std::move(file));
    }
    if (json_) {
      out << conformance::ReplayJson(replayed, coverage_ ? &coverage : nullptr, context.tool(),
                                     exit_code);
    } else if (coverage_) {
      out << "\n" << FormatCoverage(coverage);
    }
    return exit_code;
  }

 private:
  std::vector<std::string> files_;
  bool coverage_ = false;
  bool verbose_ = false;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeReplayCommand() { return std::make_unique<ReplayCommand>(); }

}  // namespace portpool::cli
