// `portpool show FILE`: replays a trace and prints the machine it leaves,
// the way netsh lists it, plus the bound ports.
#include "command.h"
#include "files.h"
#include "options.h"
#include "portpool/netsh_listing.h"
#include "portpool/traces/replay.h"
#include "trace_io.h"

namespace portpool::cli {
namespace {

class ShowCommand : public Command {
 public:
  absl::string_view name() const override { return "show"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "replay a trace and print the reservations and bindings it leaves\n\n"
             "Replays the trace FILE (as 'portpool replay' does) and prints the state\n"
             "it leaves: each protocol's reservations as 'netsh int ipv4 show\n"
             "excludedportrange' lists them (persistent blocks marked '*'), the dynamic\n"
             "port range, and the ports bound by open sockets. If the trace diverges,\n"
             "prints the divergence and the state just before the divergent step.",
             "exit: 0 the trace conforms, 1 it diverges, 2 bad usage or a bad file");
    AddInputFile(app, file_, "the trace to show");
  }

  int Run(Context& context) override {
    const std::string name = InputName(file_);
    auto trace = LoadTrace(file_);
    if (!trace.ok()) return context.Fail(trace.status().message());
    const traces::ReplayResult result = traces::Replay(*trace);
    if (result.error) return context.Fail(FormatReplayError(name, *result.error));
    std::ostream& out = context.out();
    if (result.divergence) {
      out << FormatDivergence(name, *result.divergence) << "\nThe state before step "
          << result.divergence->step + 1 << ":\n";
    } else {
      out << name << ": conforms (" << result.steps_checked << " steps)\n";
    }
    const Machine& machine = result.machine;
    out << "boot " << machine.boot() << ", " << machine.processes().size() << " live processes, "
        << machine.sockets().size() << " open sockets";
    if (machine.unknown_tokens() > 0) {
      out << ", " << machine.unknown_tokens() << " persistent tokens not yet seen since the reboot";
    }
    out << "\n";
    for (Protocol protocol : kAllProtocols) {
      out << FormatExcludedPortRanges(machine, protocol)
          << FormatDynamicPortRange(machine, protocol);
      const std::string bound = traces::FormatBoundPorts(result, protocol);
      out << "\nProtocol " << ProtocolName(protocol) << " Bound Ports\n\n"
          << "      Port  Family  Socket (process)\n"
          << (bound.empty() ? "  (none)\n" : bound);
    }
    return result.divergence ? kExitDivergence : kExitOk;
  }

 private:
  std::string file_;
};

}  // namespace

std::unique_ptr<Command> MakeShowCommand() { return std::make_unique<ShowCommand>(); }

}  // namespace portpool::cli
