// `portpool simulate`: a seeded random workload on the simulator, written
// as a trace. Its replay always conforms; it is where a new user starts.
#include "absl/strings/str_cat.h"
#include "command.h"
#include "options.h"
#include "portpool/traces/simulate.h"
#include "trace_io.h"

namespace portpool::cli {
namespace {

class SimulateCommand : public Command {
 public:
  absl::string_view name() const override { return "simulate"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "write a seeded simulation of random calls as a trace file\n\n"
             "Runs K random calls against the simulator seeded with S, rebooting at\n"
             "call K/2, and writes them with their answers as a trace (provenance\n"
             "'simulator seed=S calls=K'). The same seed writes the same trace;\n"
             "'portpool replay' accepts it.",
             "exit: 0 written, 2 bad usage or OUT not writable");
    AddWorkloadOptions(app, workload_);
    AddOutputFile(app, output_, "where to write the trace");
  }

  int Run(Context& context) override {
    traces::SimulateOptions options;
    options.seed = workload_.seed;
    options.calls = static_cast<int>(workload_.calls);
    options.sockets = !workload_.persistent_only;
    auto trace = traces::Simulate(options);
    if (!trace.ok()) {  // a bug: the workload only makes calls the model can judge
      context.Say(absl::StrCat("internal error: ", trace.status().message()));
      return kExitDivergence;
    }
    const size_t steps = trace->steps.size();
    if (absl::Status written = WriteTrace(context, *std::move(trace), output_); !written.ok()) {
      return context.Fail(written.message());
    }
    context.Say(
        absl::StrCat("wrote ", steps, " steps to ", output_ == "-" ? "standard output" : output_));
    return kExitOk;
  }

 private:
  WorkloadFlags workload_;
  std::string output_ = "-";
};

}  // namespace

std::unique_ptr<Command> MakeSimulateCommand() { return std::make_unique<SimulateCommand>(); }

}  // namespace portpool::cli
