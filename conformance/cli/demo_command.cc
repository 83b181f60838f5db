// `portpool demo`: the main job until the campaign runner exists. A seeded
// random workload on the simulator, with a reboot in the middle; every call
// is printed with its answer and the rule that decided it, and the end state
// in the layout of `netsh int ipv4 show excludedportrange`.
#include <iomanip>

#include "args.h"
#include "commands.h"
#include "portpool/machine.h"
#include "portpool/netsh_listing.h"
#include "portpool/traces/workload.h"

namespace portpool::cli {

const char kDemoUsage[] =
    "usage: portpool demo [--seed N] [--calls K] [--persistent-only]\n\n"
    "Runs K random calls (default 40) against the simulator seeded with N\n"
    "(default 42), rebooting half-way, and prints each call, its answer and\n"
    "the rule that decided it, then each protocol's reservations as netsh\n"
    "shows them. The same seed prints the same run.\n";

int RunDemo(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args =
      Args::Parse(raw, {{"seed", "", true}, {"calls", "", true}, {"persistent-only", "", false}});
  if (!args.ok()) {
    err << "portpool demo: " << args.status().message() << "\n" << kDemoUsage;
    return kExitBadInput;
  }
  auto seed = args->GetNumber("seed", 42, 0, UINT64_MAX);
  auto calls = args->GetNumber("calls", 40, 1, 1000000);
  for (const auto* status : {&seed.status(), &calls.status()}) {
    if (!status->ok()) {
      err << "portpool demo: " << status->message() << "\n";
      return kExitBadInput;
    }
  }
  if (!args->positional().empty()) {
    err << "portpool demo: unexpected argument '" << args->positional()[0] << "'\n";
    return kExitBadInput;
  }

  Machine machine(*seed);
  traces::WorkloadOptions options;
  options.seed = *seed;
  options.sockets = !args->Has("persistent-only");
  options.reboot_at = static_cast<int>(*calls / 2);
  traces::Workload workload(options);

  out << "portpool demo: seed " << *seed << ", " << *calls << " calls, reboot at call "
      << options.reboot_at + 1 << "\n\n";
  for (uint64_t i = 0; i < *calls; ++i) {
    const Call call = workload.Next(machine);
    RuleId rule;
    auto outcome = machine.Run(call, &rule);
    if (!outcome.ok()) {  // the workload only names live processes
      err << "portpool demo: internal error at call " << i + 1 << ": " << outcome.status() << "\n";
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
    out << FormatExcludedPortRanges(machine, protocol) << FormatDynamicPortRange(machine, protocol);
  }
  return kExitOk;
}

}  // namespace portpool::cli
