// portpool: the command-line front of the model, the traces and the
// conformance suite. `portpool --help` lists the subcommands.
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

namespace portpool::cli {
namespace {

const Command kCommands[] = {
    {"campaign", "run the conformance suite against a backend and write a report folder",
     kCampaignUsage, RunCampaign},
    {"demo", "run a seeded simulation of random calls with a reboot and print it", kDemoUsage,
     RunDemo},
    {"simulate", "write a seeded simulation of random calls as a trace file", kSimulateUsage,
     RunSimulate},
    {"replay", "check trace files against the model; report the first divergence", kReplayUsage,
     RunReplay},
    {"shrink", "cut a divergent trace down to a minimal one that still diverges", kShrinkUsage,
     RunShrink},
    {"show", "replay a trace and print the reservations and bindings it leaves", kShowUsage,
     RunShow},
    {"cleanup", "delete the reservations a crashed Windows run left (its journal)", kCleanupUsage,
     RunCleanup},
    {"record", "run a trace's calls on a backend and write its answers as a new trace",
     kRecordUsage, RunRecord},
    {"matrix", "tabulate recorded probe traces of several Windows builds, per unknown",
     kMatrixUsage, RunMatrix},
    {"worker", "run one process's calls for a pool of workers (started by portpool)", kWorkerUsage,
     RunWorker},
    {"from-fuzz", "write the trace a fuzzer input (a crash file) stands for", kFromFuzzUsage,
     RunFromFuzz},
};

void PrintHelp(std::ostream& out) {
  out << "portpool: the reference model of Windows' TCP/UDP port reservations\n\n"
         "usage: portpool COMMAND [options]\n       portpool COMMAND --help\n\ncommands:\n";
  for (const Command& c : kCommands) {
    out << "  " << c.name << std::string(12 - std::string(c.name).size(), ' ') << c.summary << "\n";
  }
  out << "\nexit codes: 0 success, 1 a divergence from the model, 2 bad input or usage\n";
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    PrintHelp(std::cerr);
    return kExitBadInput;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    PrintHelp(std::cout);
    return kExitOk;
  }
  for (const Command& c : kCommands) {
    if (args[0] != c.name) continue;
    std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const std::string& arg : rest) {
      if (arg == "--help" || arg == "-h") {
        std::cout << c.usage;
        return kExitOk;
      }
    }
    return c.run(rest, std::cout, std::cerr);
  }
  std::cerr << "portpool: unknown command '" << args[0] << "'; see 'portpool --help'\n";
  return kExitBadInput;
}

}  // namespace
}  // namespace portpool::cli

int main(int argc, char** argv) { return portpool::cli::Main(argc, argv); }
