// `portpool matrix DIR...`: the behaviour table across Windows builds
// (conformance/matrix.h) from the recorded probe traces of several runs.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "options.h"
#include "portpool/conformance/matrix.h"

namespace portpool::cli {
namespace {

class MatrixCommand : public Command {
 public:
  absl::string_view name() const override { return "matrix"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "tabulate recorded probe traces of several Windows builds, per unknown\n\n"
             "Puts the recorded probe traces of several runs side by side. Each DIR holds\n"
             "one run's recordings (the *.trace files 'portpool record' wrote for\n"
             "traces/probes/ on one machine; CI uploads them as windows-real-IMAGE/\n"
             "recorded/), whose provenance names the Windows build. For each unknown of\n"
             "docs/semantics.md section 4, each probe and each step, the table gives the\n"
             "answer every build gave and the answers the model allows; where the model\n"
             "leaves a step open and every build answered alike, it says which allowed\n"
             "answer Windows gives. Writes OUT/matrix.md and OUT/matrix.html and prints\n"
             "the Markdown.",
             "exit: 0 written; 1 written, and some recorded answer is one the model does\n"
             "not allow; 2 bad usage, or a folder without traces or with a trace that\n"
             "does not parse");
    app.add_option("DIR", folders_, "one run's folder of recorded *.trace files")->required();
    AddOutputFolder(app, output_, "the folder to write matrix.md and matrix.html in");
    AddFlag(app, "-q,--quiet", quiet_, "do not print the Markdown");
  }

  int Run(Context& context) override {
    absl::StatusOr<conformance::Matrix> matrix = conformance::ReadMatrix(folders_);
    if (!matrix.ok()) return context.Fail(matrix.status().message());
    absl::StatusOr<conformance::MatrixFiles> files = conformance::WriteMatrix(*matrix, output_);
    if (!files.ok()) return context.Fail(files.status().message());
    if (!quiet_) context.out() << conformance::MatrixMarkdown(*matrix);
    context.Say(absl::StrCat("wrote ", files->markdown, " and ", files->html));
    return matrix->not_allowed > 0 ? kExitDivergence : kExitOk;
  }

 private:
  std::vector<std::string> folders_;
  std::string output_ = "portpool-matrix";
  bool quiet_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeMatrixCommand() { return std::make_unique<MatrixCommand>(); }

}  // namespace portpool::cli
