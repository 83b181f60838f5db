// `portpool simulate`: a seeded random workload on the simulator, written
// as a trace. Its replay always conforms; it is where a new user starts.
#include "args.h"
#include "commands.h"
#include "portpool/traces/print.h"
#include "portpool/traces/simulate.h"
#include "trace_io.h"

namespace portpool::cli {

const char kSimulateUsage[] =
    "usage: portpool simulate [--seed N] [--calls K] [-o OUT] [--persistent-only]\n\n"
    "Runs K random calls (default 40) against the simulator seeded with N\n"
    "(default 42), rebooting at call K/2, and writes them with their answers\n"
    "as a trace (provenance 'simulator seed=N calls=K') to OUT or standard\n"
    "output. The same seed writes the same trace; 'portpool replay' accepts it.\n\n"
    "  --seed N            the simulator's seed (0 to 2^64-1)\n"
    "  --calls K           how many calls (1 to 1000000)\n"
    "  -o, --output OUT    where to write the trace\n"
    "  --persistent-only   no sockets: only the persistent functions,\n"
    "                      processes and reboots\n\n"
    "exit: 0 written, 2 bad usage or OUT not writable\n";

int RunSimulate(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = Args::Parse(raw, {{"seed", "", true},
                                {"calls", "", true},
                                {"output", "o", true},
                                {"persistent-only", "", false}});
  if (!args.ok()) {
    err << "portpool simulate: " << args.status().message() << "\n" << kSimulateUsage;
    return kExitBadInput;
  }
  auto seed = args->GetNumber("seed", 42, 0, UINT64_MAX);
  auto calls = args->GetNumber("calls", 40, 1, 1000000);
  for (const absl::Status* status : {&seed.status(), &calls.status()}) {
    if (!status->ok()) {
      err << "portpool simulate: " << status->message() << "\n";
      return kExitBadInput;
    }
  }
  if (!args->positional().empty()) {
    err << "portpool simulate: unexpected argument '" << args->positional()[0] << "'\n";
    return kExitBadInput;
  }
  traces::SimulateOptions options;
  options.seed = *seed;
  options.calls = static_cast<int>(*calls);
  options.sockets = !args->Has("persistent-only");
  auto trace = traces::Simulate(options);
  if (!trace.ok()) {  // a bug: the workload only makes calls the model can judge
    err << "portpool simulate: internal error: " << trace.status().message() << "\n";
    return kExitDivergence;
  }
  const std::string text = traces::Print(*trace);
  const auto output = args->Get("output");
  if (output && *output != "-") {
    if (absl::Status written = WriteFile(*output, text); !written.ok()) {
      err << "portpool simulate: " << written.message() << "\n";
      return kExitBadInput;
    }
    return kExitOk;
  }
  out << text;
  return kExitOk;
}

}  // namespace portpool::cli
