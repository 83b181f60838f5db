// `portpool from-fuzz [--target NAME] FILE [-o OUT]`: the trace a fuzzer
// input stands for (docs/fuzzing.md), so that a crash or divergence a
// campaign finds becomes a trace to replay, shrink and keep in
// traces/regression/.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "command.h"
#include "files.h"
#include "options.h"
#include "portpool/traces/parse.h"
#include "trace_io.h"
#ifdef PORTPOOL_HAVE_FUZZ
#include "portpool/fuzz/input_trace.h"
#endif

namespace portpool::cli {
namespace {

// A fuzzer input is at most this big; libFuzzer's default -max_len is 4096.
constexpr uint64_t kMaxInputBytes = uint64_t{16} << 20;

// The fuzz targets (fuzz/targets/), as `--target` accepts them.
std::vector<std::string> Targets() {
#ifdef PORTPOOL_HAVE_FUZZ
  return fuzz::TargetNames();
#else
  return {"calls", "parser", "win32", "checker"};
#endif
}

#ifdef PORTPOOL_HAVE_FUZZ
// The target a path names: a folder called like one (findings/calls/...).
std::string TargetFromPath(const std::string& path) {
  std::string found;
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find_first_of("/\\", begin);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(begin, end - begin);
    for (const std::string& name : fuzz::TargetNames()) {
      if (end != path.size() && (part == name || part == "fuzz_" + name)) found = name;
    }
    begin = end + 1;
  }
  return found;
}
#endif

class FromFuzzCommand : public Command {
 public:
  absl::string_view name() const override { return "from-fuzz"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "write the trace a fuzzer input (a crash file) stands for\n\n"
             "Writes the trace that the fuzzer input FILE (a crash-*, leak-* or\n"
             "timeout-* file, or any corpus file) stands for:\n"
             "  calls    the decoded calls with the simulator's answers\n"
             "  win32    what the Win32 surface passed to the model, with its answers\n"
             "           (raw calls it answered itself appear as comments)\n"
             "  checker  the checked calls with their fuzzed answers, the divergent last\n"
             "  parser   the input itself, which is trace text already (written as is)\n"
             "Without --target, NAME is taken from FILE's path (scripts/fuzz.sh keeps\n"
             "findings in .../findings/NAME/ and corpora in fuzz/corpus/NAME/).\n"
             "Replay the trace with 'portpool replay', shrink it with 'portpool shrink'.",
             "exit: 0 written, 2 bad usage, FILE unreadable (or a folder), or not a\n"
             "trace (parser)");
    AddInputFile(app, file_, "the fuzzer input");
    AddChoice(app, "--target", target_, Targets(), "the fuzz target the input is for");
    AddOutputFile(app, output_, "where to write the trace");
  }

  int Run(Context& context) override {
#ifndef PORTPOOL_HAVE_FUZZ
    return context.Fail(
        "this portpool was built without fuzz support (clang's fuzzer/FuzzedDataProvider.h "
        "was not found when it was configured; install clang and configure again)");
#else
    std::string target = target_.empty() ? TargetFromPath(file_) : target_;
    if (target.empty()) {
      return context.Fail(absl::StrCat("cannot tell the target from the path '", file_,
                                       "'; give --target (",
                                       absl::StrJoin(fuzz::TargetNames(), ", "), ")"));
    }
    // The same reader as every other input: `-`, folders, system reasons.
    absl::StatusOr<std::string> bytes = ReadInput(file_, kMaxInputBytes);
    if (!bytes.ok()) return context.Fail(bytes.status().message());
    auto text = fuzz::InputTrace(
        target, absl::MakeSpan(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
    if (!text.ok()) {
      // Only a parser input can fail: it is not a trace.
      return context.Fail(absl::StrCat(InputName(file_),
                                       " is not a trace, so it is its own regression input "
                                       "(keep it in fuzz/corpus/parser/): ",
                                       text.status().message()));
    }
    absl::Status written;
    if (target == "parser") {
      // The input is the reproducer: byte for byte, no provenance added.
      written = WriteOutput(output_, *text, context.out());
    } else {
      auto trace = traces::Parse(*text, InputName(file_));
      written = trace.ok() ? WriteTrace(context, *std::move(trace), output_)
                           : WriteOutput(output_, *text, context.out());
    }
    if (!written.ok()) return context.Fail(written.message());
    context.Say(absl::StrCat("wrote the ", target, " trace of ", InputName(file_), " to ",
                             output_ == "-" ? "standard output" : output_));
    return kExitOk;
#endif
  }

 private:
  std::string file_;
  std::string target_;
  std::string output_ = "-";
};

}  // namespace

std::unique_ptr<Command> MakeFromFuzzCommand() { return std::make_unique<FromFuzzCommand>(); }

}  // namespace portpool::cli
