// `portpool from-fuzz [--target NAME] FILE [-o OUT]`: the trace a fuzzer
// input stands for (docs/fuzzing.md), so that a crash or divergence a
// campaign finds becomes a trace to replay, shrink and keep in
// traces/regression/.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "args.h"
#include "commands.h"
#include "trace_io.h"
#ifdef PORTPOOL_HAVE_FUZZ
#include "portpool/fuzz/input_trace.h"
#endif

namespace portpool::cli {

const char kFromFuzzUsage[] =
    "usage: portpool from-fuzz [--target NAME] FILE [-o OUT]\n\n"
    "Writes the trace that the fuzzer input FILE (a crash-*, leak-* or\n"
    "timeout-* file, or any corpus file) stands for, to OUT or standard output:\n"
    "  calls    the decoded calls with the simulator's answers\n"
    "  win32    what the Win32 surface passed to the model, with its answers\n"
    "           (raw calls it answered itself appear as comments)\n"
    "  checker  the checked calls with their fuzzed answers, the divergent last\n"
    "  parser   the input itself, which is trace text already\n"
    "Without --target, NAME is taken from FILE's path (scripts/fuzz.sh keeps\n"
    "findings in .../findings/NAME/ and corpora in fuzz/corpus/NAME/).\n"
    "Replay the trace with 'portpool replay', shrink it with 'portpool shrink'.\n\n"
    "  --target NAME       calls, parser, win32 or checker\n"
    "  -o, --output OUT    where to write the trace\n\n"
    "exit: 0 written, 2 bad usage, FILE unreadable, or not a trace (parser)\n";

namespace {

#ifdef PORTPOOL_HAVE_FUZZ
// The target a path names: a folder called like one (findings/calls/...).
std::string TargetFromPath(const std::string& path) {
  std::string found;
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find('/', begin);
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

}  // namespace

int RunFromFuzz(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = Args::Parse(raw, {{"target", "", true}, {"output", "o", true}});
  if (!args.ok()) {
    err << "portpool from-fuzz: " << args.status().message() << "\n" << kFromFuzzUsage;
    return kExitBadInput;
  }
  if (args->positional().size() != 1) {
    err << "portpool from-fuzz: give exactly one input FILE\n" << kFromFuzzUsage;
    return kExitBadInput;
  }
#ifndef PORTPOOL_HAVE_FUZZ
  (void)out;
  err << "portpool from-fuzz: this portpool was built without fuzz support (clang's "
         "fuzzer/FuzzedDataProvider.h was not found when it was configured; install clang "
         "and configure again)\n";
  return kExitBadInput;
#else
  const std::string& file = args->positional()[0];
  std::string target = args->Get("target").value_or(TargetFromPath(file));
  if (target.empty()) {
    err << "portpool from-fuzz: cannot tell the target from the path '" << file
        << "'; give --target (" << absl::StrJoin(fuzz::TargetNames(), ", ") << ")\n";
    return kExitBadInput;
  }
  const std::vector<std::string>& names = fuzz::TargetNames();
  if (std::find(names.begin(), names.end(), target) == names.end()) {
    err << "portpool from-fuzz: --target: unknown target '" << target << "'; expected one of "
        << absl::StrJoin(names, ", ") << "\n";
    return kExitBadInput;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << "portpool from-fuzz: cannot read '" << file << "'\n";
    return kExitBadInput;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  if (in.bad()) {
    err << "portpool from-fuzz: error reading '" << file << "'\n";
    return kExitBadInput;
  }
  auto text = fuzz::InputTrace(
      target, absl::MakeSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  if (!text.ok()) {
    // Only a parser input can fail: it is not a trace.
    err << "portpool from-fuzz: " << file
        << " is not a trace, so it is its own regression input (keep it in "
           "fuzz/corpus/parser/): "
        << text.status().message() << "\n";
    return kExitBadInput;
  }
  const auto output = args->Get("output");
  if (output && *output != "-") {
    if (absl::Status written = WriteFile(*output, *text); !written.ok()) {
      err << "portpool from-fuzz: " << written.message() << "\n";
      return kExitBadInput;
    }
    return kExitOk;
  }
  out << *text;
  return kExitOk;
#endif
}

}  // namespace portpool::cli
