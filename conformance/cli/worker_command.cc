// `portpool worker`: one model process of a worker pool
// (conformance/windows/worker_pool.h), driven over standard input and output
// with the worker protocol (worker_protocol.h). Started by portpool itself,
// not by people.
#include <iostream>
#include <memory>
#include <string>

#include "args.h"
#include "commands.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/windows/shared_simulator.h"
#include "portpool/conformance/windows/windows_backend.h"
#include "portpool/conformance/windows/worker_protocol.h"

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

namespace portpool::cli {

const char kWorkerUsage[] =
    "usage: portpool worker --backend windows|simulator [--seed N] [--state FILE]\n\n"
    "Runs the calls of one model process for a pool of workers (the Windows\n"
    "backend starts one per model process; docs/windows.md). Reads call lines\n"
    "(\"p1 create tcp 20000 4\") on standard input and answers each with one\n"
    "line on standard output: the step in the trace format, or \"# error CODE:\n"
    "MESSAGE\". It first writes the trace header and its provenance. It ends\n"
    "at the end of its input.\n\n"
    "  --backend NAME   windows: the real API, as this process (only in a build\n"
    "                   for Windows); simulator: the seeded model\n"
    "  --seed N         the simulator's seed (default 1)\n"
    "  --state FILE     simulator: share one machine with every worker given the\n"
    "                   same FILE and seed (a trace of all their calls)\n\n"
    "exit: 0 at the end of the input, 1 if the output failed, 2 bad usage\n";

int RunWorker(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = Args::Parse(raw, {{"backend", "", true}, {"seed", "", true}, {"state", "", true}});
  if (!args.ok() || !args->positional().empty() || !args->Has("backend")) {
    err << "portpool worker: "
        << (!args.ok() ? std::string(args.status().message())
                       : std::string("give --backend and no other arguments"))
        << "\n"
        << kWorkerUsage;
    return kExitBadInput;
  }
  auto seed = args->GetNumber("seed", 1, 0, UINT64_MAX);
  if (!seed.ok()) {
    err << "portpool worker: " << seed.status().message() << "\n";
    return kExitBadInput;
  }
  const std::string backend_name = *args->Get("backend");
  std::unique_ptr<conformance::Backend> backend;
  if (backend_name == "simulator") {
    if (auto state = args->Get("state")) {
      backend = std::make_unique<conformance::SharedSimulatorBackend>(*state, *seed);
    } else {
      backend = std::make_unique<conformance::SimulatorBackend>(*seed);
    }
  } else if (backend_name == "windows" && !args->Has("seed") && !args->Has("state")) {
#ifdef _WIN32
    backend = std::make_unique<conformance::WindowsBackend>();
#else
    err << "portpool worker: --backend windows needs a build for Windows\n";
    return kExitBadInput;
#endif
  } else {
    err << "portpool worker: --backend must be 'windows' or 'simulator' (--seed and --state "
           "are the simulator's), not '"
        << backend_name << "'\n";
    return kExitBadInput;
  }
#ifdef _WIN32
  // The protocol's line breaks are "\n" both ways, not "\r\n".
  (void)_setmode(_fileno(stdin), _O_BINARY);
  (void)_setmode(_fileno(stdout), _O_BINARY);
#endif
  return conformance::RunWorker(*backend, std::cin, out);
}

}  // namespace portpool::cli
