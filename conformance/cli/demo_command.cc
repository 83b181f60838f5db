// `portpool demo`: a seeded random workload on the simulator, with a reboot
// in the middle; every call is printed with its answer and the rule that
// decided it, and the end state in the layout of `netsh int ipv4 show
// excludedportrange`.
#include <iomanip>

#include "absl/strings/str_cat.h"
#include "command.h"
#include "options.h"
#include "portpool/machine.h"
#include "portpool/netsh_listing.h"
#include "portpool/traces/workload.h"

namespace portpool::cli {
namespace {

class DemoCommand : public Command {
 public:
  absl::string_view name() const override { return "demo"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "print a seeded run of random calls, with a reboot, call by call\n\n"
             "Runs K random calls against the simulator seeded with S, rebooting\n"
             "half-way, and prints each call, its answer and the rule that decided it,\n"
             "then each protocol's reservations as netsh shows them. The same seed\n"
             "prints the same run. 'portpool simulate' writes such a run as a trace.",
             "exit: 0 printed, 1 an internal error of the simulator, 2 bad usage");
    AddWorkloadOptions(app, workload_);
  }

  int Run(Context& context) override {
    std::ostream& out = context.out();
    Machine machine(workload_.seed);
    traces::WorkloadOptions options;
    options.seed = workload_.seed;
    options.sockets = !workload_.persistent_only;
    options.reboot_at = static_cast<int>(workload_.calls / 2);
    traces::Workload workload(options);

    out << "portpool demo: seed " << workload_.seed << ", " << workload_.calls
        << " calls, reboot at call " << options.reboot_at + 1 << "\n\n";
    for (uint64_t i = 0; i < workload_.calls; ++i) {
      const Call call = workload.Next(machine);
      RuleId rule;
      auto outcome = machine.Run(call, &rule);
      if (!outcome.ok()) {  // the workload only names live processes
        context.Say(
            absl::StrCat("internal error at call ", i + 1, ": ", outcome.status().message()));
        return kExitDivergence;
      }
      workload.Observe(call, *outcome);
      out << std::setw(4) << i + 1 << "  " << DescribeCall(call) << "\n      -> "
          << DescribeOutcome(*outcome) << "   [" << rule << "]\n";
      if (std::holds_alternative<call::Reboot>(call)) {
        out << "      (boot " << machine.boot() << ": every process ended; persistent "
            << "reservations kept, with new tokens)\n";
      }
    }
    for (Protocol protocol : kAllProtocols) {
      out << FormatExcludedPortRanges(machine, protocol)
          << FormatDynamicPortRange(machine, protocol);
    }
    return kExitOk;
  }

 private:
  WorkloadFlags workload_;
};

}  // namespace

std::unique_ptr<Command> MakeDemoCommand() { return std::make_unique<DemoCommand>(); }

}  // namespace portpool::cli
