// `portpool worker`: one model process of a worker pool
// (conformance/windows/worker_pool.h), driven over standard input and output
// with the worker protocol (worker_protocol.h). Started by portpool itself,
// not by people.
#include <iostream>
#include <memory>
#include <string>

#include "command.h"
#include "options.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/windows/shared_simulator.h"
#include "portpool/conformance/windows/windows_backend.h"
#include "portpool/conformance/windows/worker_protocol.h"

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

namespace portpool::cli {
namespace {

class WorkerCommand : public Command {
 public:
  absl::string_view name() const override { return "worker"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "run one process's calls for a pool of workers (started by portpool)\n\n"
             "Runs the calls of one model process for a pool of workers (the Windows\n"
             "backend starts one per model process; docs/windows.md). Reads call lines\n"
             "(\"p1 create tcp 20000 4\") on standard input and answers each with one\n"
             "line on standard output: the step in the trace format, or \"# error CODE:\n"
             "MESSAGE\". It first writes the trace header and its provenance. It ends\n"
             "at the end of its input.",
             "exit: 0 at the end of the input, 1 if the output failed, 2 bad usage");
    AddChoice(app, "--backend", backend_, {"windows", "simulator"},
              "windows: the real API, as this process (only in a build for\n"
              "Windows); simulator: the seeded model")
        ->required();
    seed_option_ = AddSeed(app, seed_, "the simulator's seed");
    state_option_ = AddText(app, "--state", state_, "FILE",
                            "simulator: share one machine with every worker given the same\n"
                            "FILE and seed (a trace of all their calls)");
  }

  int Run(Context& context) override {
    std::unique_ptr<conformance::Backend> backend;
    if (backend_ == "simulator") {
      if (state_option_->count() > 0) {
        backend = std::make_unique<conformance::SharedSimulatorBackend>(state_, seed_);
      } else {
        backend = std::make_unique<conformance::SimulatorBackend>(seed_);
      }
    } else {
      if (seed_option_->count() > 0 || state_option_->count() > 0) {
        return context.Fail("--seed and --state are for the simulator backend");
      }
#ifdef _WIN32
      backend = std::make_unique<conformance::WindowsBackend>();
#else
      return context.Fail("--backend windows needs a build for Windows");
#endif
    }
#ifdef _WIN32
    // The protocol's line breaks are "\n" both ways, not "\r\n".
    (void)_setmode(_fileno(stdin), _O_BINARY);
    (void)_setmode(_fileno(stdout), _O_BINARY);
#endif
    return conformance::RunWorker(*backend, std::cin, context.out());
  }

 private:
  std::string backend_;
  uint64_t seed_ = 1;
  std::string state_;
  CLI::Option* seed_option_ = nullptr;
  CLI::Option* state_option_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> MakeWorkerCommand() { return std::make_unique<WorkerCommand>(); }

}  // namespace portpool::cli
