// `portpool show FILE`: replays a trace and prints the machine it leaves,
// the way netsh lists it, plus the bound ports.
#include "args.h"
#include "commands.h"
#include "portpool/netsh_listing.h"
#include "portpool/traces/replay.h"
#include "trace_io.h"

namespace portpool::cli {

const char kShowUsage[] =
    "usage: portpool show FILE\n\n"
    "Replays the trace FILE (as 'portpool replay' does) and prints the state\n"
    "it leaves: each protocol's reservations as 'netsh int ipv4 show\n"
    "excludedportrange' lists them (persistent blocks marked '*'), the dynamic\n"
    "port range, and the ports bound by open sockets. If the trace diverges,\n"
    "prints the divergence and the state just before the divergent step.\n\n"
    "exit: 0 the trace conforms, 1 it diverges, 2 bad input or usage\n";

int RunShow(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = Args::Parse(raw, {});
  if (!args.ok()) {
    err << "portpool show: " << args.status().message() << "\n" << kShowUsage;
    return kExitBadInput;
  }
  if (args->positional().size() != 1) {
    err << "portpool show: give exactly one trace FILE\n" << kShowUsage;
    return kExitBadInput;
  }
  const std::string& file = args->positional()[0];
  auto trace = LoadTrace(file);
  if (!trace.ok()) {
    err << "portpool show: " << trace.status().message() << "\n";
    return kExitBadInput;
  }
  const traces::ReplayResult result = traces::Replay(*trace);
  if (result.error) {
    err << FormatReplayError(file, *result.error);
    return kExitBadInput;
  }
  if (result.divergence) {
    out << FormatDivergence(file, *result.divergence) << "\nThe state before step "
        << result.divergence->step + 1 << ":\n";
  } else {
    out << file << ": conforms (" << result.steps_checked << " steps)\n";
  }
  const Machine& machine = result.machine;
  out << "boot " << machine.boot() << ", " << machine.processes().size() << " live processes, "
      << machine.sockets().size() << " open sockets";
  if (machine.unknown_tokens() > 0) {
    out << ", " << machine.unknown_tokens() << " persistent tokens not yet seen since the reboot";
  }
  out << "\n";
  for (Protocol protocol : kAllProtocols) {
    out << FormatExcludedPortRanges(machine, protocol) << FormatDynamicPortRange(machine, protocol);
    const std::string bound = traces::FormatBoundPorts(result, protocol);
    out << "\nProtocol " << ProtocolName(protocol) << " Bound Ports\n\n"
        << "      Port  Family  Socket (process)\n"
        << (bound.empty() ? "  (none)\n" : bound);
  }
  return result.divergence ? kExitDivergence : kExitOk;
}

}  // namespace portpool::cli
