// `portpool matrix DIR...`: the behaviour table across Windows builds
// (conformance/matrix.h) from the recorded probe traces of several runs.
#include <string>

#include "args.h"
#include "commands.h"
#include "portpool/conformance/matrix.h"

namespace portpool::cli {

const char kMatrixUsage[] =
    "usage: portpool matrix DIR... [-o OUT] [--quiet]\n\n"
    "Puts the recorded probe traces of several runs side by side. Each DIR holds\n"
    "one run's recordings (the *.trace files `portpool record` wrote for\n"
    "traces/probes/ on one machine; CI uploads them as windows-real-IMAGE/\n"
    "recorded/), whose provenance names the Windows build. For each unknown of\n"
    "docs/semantics.md section 4, each probe and each step, the table gives the\n"
    "answer every build gave and the answers the model allows; where the model\n"
    "leaves a step open and every build answered alike, it says which allowed\n"
    "answer Windows gives. Writes OUT/matrix.md and OUT/matrix.html and prints\n"
    "the Markdown.\n\n"
    "  -o, --out OUT   the folder to write (default ./portpool-matrix)\n"
    "  -q, --quiet     do not print the Markdown\n\n"
    "exit: 0 written; 1 written, and some recorded answer is one the model does\n"
    "not allow; 2 bad usage, or a folder without traces or with a trace that\n"
    "does not parse\n";

int RunMatrix(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = Args::Parse(raw, {{"out", "o", true}, {"quiet", "q", false}});
  if (!args.ok() || args->positional().empty()) {
    err << "portpool matrix: "
        << (args.ok() ? std::string("give at least one folder of recorded traces")
                      : std::string(args.status().message()))
        << "\n"
        << kMatrixUsage;
    return kExitBadInput;
  }
  absl::StatusOr<conformance::Matrix> matrix = conformance::ReadMatrix(args->positional());
  if (!matrix.ok()) {
    err << "portpool matrix: " << matrix.status().message() << "\n";
    return kExitBadInput;
  }
  absl::StatusOr<conformance::MatrixFiles> files =
      conformance::WriteMatrix(*matrix, args->Get("out").value_or("portpool-matrix"));
  if (!files.ok()) {
    err << "portpool matrix: " << files.status().message() << "\n";
    return kExitBadInput;
  }
  if (!args->Has("quiet")) out << conformance::MatrixMarkdown(*matrix);
  err << "portpool matrix: wrote " << files->markdown << " and " << files->html << "\n";
  return matrix->not_allowed > 0 ? kExitDivergence : kExitOk;
}

}  // namespace portpool::cli
