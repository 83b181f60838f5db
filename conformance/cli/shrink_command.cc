// `portpool shrink FILE -o OUT`: cuts a divergent trace down to a minimal
// one that still diverges (delta debugging, see portpool/traces/shrink.h).
#include "absl/strings/str_cat.h"
#include "command.h"
#include "files.h"
#include "options.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/provenance.h"
#include "portpool/traces/shrink.h"
#include "trace_io.h"

namespace portpool::cli {
namespace {

class ShrinkCommand : public Command {
 public:
  absl::string_view name() const override { return "shrink"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "cut a divergent trace down to a minimal one that still diverges\n\n"
             "FILE must diverge from the model (see 'portpool replay'). Removes steps\n"
             "for as long as the rest still diverges in the same way (at the same step,\n"
             "under the same rules), until no single step can go, and writes the result\n"
             "with a provenance line 'shrunk from FILE'. Prints the step counts before\n"
             "and after, and the divergence, on standard error.",
             "exit: 0 shrunk, 2 bad usage, a bad file, or FILE conforms (nothing to shrink)");
    AddInputFile(app, file_, "the divergent trace");
    AddOutputFile(app, output_, "where to write the shrunk trace");
    AddFlag(app, "--any-divergence", any_divergence_,
            "accept any divergence, even of another step (may shrink further,\n"
            "but to a fault of its own making)");
    AddNumber(app, "--max-replays", max_replays_, 0, 1'000'000'000,
              "give up after N candidate replays (0: never), keeping the smallest\n"
              "trace found");
  }

  int Run(Context& context) override {
    const std::string name = InputName(file_);
    auto trace = LoadTrace(file_);
    if (!trace.ok()) return context.Fail(trace.status().message());
    // Bad input and conforming traces are told the way `replay` tells them.
    const traces::ReplayResult original = traces::Replay(*trace);
    if (original.error) return context.Fail(FormatReplayError(name, *original.error));
    if (!original.divergence) {
      return context.Fail(
          absl::StrCat(name, ": conforms (", original.steps_checked, " steps): nothing to shrink"));
    }
    traces::ShrinkOptions options;
    options.source_name = name;
    options.same_divergence = !any_divergence_;
    options.max_replays = static_cast<int>(max_replays_);
    auto shrunk = traces::Shrink(*trace, options);
    if (!shrunk.ok()) return context.Fail(absl::StrCat(name, ": ", shrunk.status().message()));
    traces::Trace& result = shrunk->trace;
    traces::StampProvenance(result, context.tool());
    const std::string text = traces::Print(result);
    if (absl::Status written = WriteOutput(output_, text, context.out()); !written.ok()) {
      return context.Fail(written.message());
    }
    // The divergence with the written trace's own line numbers: read back
    // what was written.
    const bool to_file = output_ != "-";
    const std::string out_name = to_file ? output_ : "<shrunk>";
    traces::Divergence divergence = shrunk->divergence;
    if (auto reread = traces::Parse(text, out_name); reread.ok()) {
      const traces::ReplayResult again = traces::Replay(*reread);
      if (again.divergence) divergence = *again.divergence;
    }
    context.Say(absl::StrCat(name, ": shrunk from ", shrunk->original_steps, " to ",
                             shrunk->shrunk_steps, shrunk->shrunk_steps == 1 ? " step" : " steps",
                             " (", shrunk->replays, " replays), written to ",
                             to_file ? output_ : "standard output",
                             shrunk->minimal ? ""
                                             : "; stopped by --max-replays: it still diverges, "
                                               "but a step or more might still go"));
    context.err() << FormatDivergence(out_name, divergence);
    return kExitOk;
  }

 private:
  std::string file_;
  std::string output_ = "-";
  bool any_divergence_ = false;
  uint64_t max_replays_ = 100000;
};

}  // namespace

std::unique_ptr<Command> MakeShrinkCommand() { return std::make_unique<ShrinkCommand>(); }

}  // namespace portpool::cli
