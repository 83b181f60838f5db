// `portpool shrink FILE -o OUT`: cuts a divergent trace down to a minimal
// one that still diverges (delta debugging, see portpool/traces/shrink.h).
#include "args.h"
#include "commands.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/shrink.h"
#include "trace_io.h"

namespace portpool::cli {

const char kShrinkUsage[] =
    "usage: portpool shrink FILE [-o OUT] [--any-divergence] [--max-replays N]\n\n"
    "FILE must diverge from the model (see 'portpool replay'). Removes steps\n"
    "for as long as the rest still diverges in the same way (at the same step,\n"
    "under the same rules), until no single step can go, and writes the result\n"
    "to OUT (default: standard output) with a provenance line 'shrunk from\n"
    "FILE'. Prints the step counts before and after, and the divergence.\n\n"
    "  -o, --output OUT     where to write the shrunk trace\n"
    "  --any-divergence     accept any divergence, even of another step (may\n"
    "                       shrink further, but to a fault of its own making)\n"
    "  --max-replays N      give up after N candidate replays (default 100000;\n"
    "                       0: never), keeping the smallest trace found\n\n"
    "exit: 0 shrunk, 2 FILE conforms (nothing to shrink), is bad input, or usage\n";

int RunShrink(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = Args::Parse(
      raw, {{"output", "o", true}, {"any-divergence", "", false}, {"max-replays", "", true}});
  if (!args.ok()) {
    err << "portpool shrink: " << args.status().message() << "\n" << kShrinkUsage;
    return kExitBadInput;
  }
  if (args->positional().size() != 1) {
    err << "portpool shrink: give exactly one trace FILE\n" << kShrinkUsage;
    return kExitBadInput;
  }
  const std::string& file = args->positional()[0];
  auto trace = LoadTrace(file);
  if (!trace.ok()) {
    err << "portpool shrink: " << trace.status().message() << "\n";
    return kExitBadInput;
  }
  traces::ShrinkOptions options;
  options.source_name = file;
  options.same_divergence = !args->Has("any-divergence");
  auto max_replays = args->GetNumber("max-replays", 100000, 0, 1000000000);
  if (!max_replays.ok()) {
    err << "portpool shrink: " << max_replays.status().message() << "\n";
    return kExitBadInput;
  }
  options.max_replays = static_cast<int>(*max_replays);
  auto shrunk = traces::Shrink(*trace, options);
  if (!shrunk.ok()) {
    err << "portpool shrink: " << file << ": " << shrunk.status().message() << "\n";
    return kExitBadInput;
  }
  const std::string text = traces::Print(shrunk->trace);
  const auto output = args->Get("output");
  const bool to_file = output && *output != "-";
  const std::string out_name = to_file ? *output : "<shrunk>";
  // Report the divergence with the shrunk trace's own line numbers: read
  // back what is written (which also checks that it reads back at all).
  traces::Divergence divergence = shrunk->divergence;
  if (auto reread = traces::Parse(text, out_name); reread.ok()) {
    const traces::ReplayResult again = traces::Replay(*reread);
    if (again.divergence) divergence = *again.divergence;
  } else {
    err << "portpool shrink: internal error: the shrunk trace does not read back: "
        << reread.status().message() << "\n";
  }
  if (to_file) {
    if (absl::Status written = WriteFile(*output, text); !written.ok()) {
      err << "portpool shrink: " << written.message() << "\n";
      return kExitBadInput;
    }
  } else {
    out << text;
  }
  // The report goes where the trace does not.
  std::ostream& report = to_file ? out : err;
  report << file << ": shrunk from " << shrunk->original_steps << " to " << shrunk->shrunk_steps
         << (shrunk->shrunk_steps == 1 ? " step" : " steps") << " (" << shrunk->replays
         << " replays)" << (to_file ? ", written to " + *output : "") << "\n"
         << (shrunk->minimal ? ""
                             : "  (stopped by --max-replays: it still diverges, but a step or "
                               "more might still go)\n")
         << FormatDivergence(out_name, divergence);
  return kExitOk;
}

}  // namespace portpool::cli
