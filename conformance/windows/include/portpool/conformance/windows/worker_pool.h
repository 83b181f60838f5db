// Several model processes on one machine: a backend that runs each model
// process's calls in a worker process of its own (`portpool worker`, driven
// over a pipe with worker_protocol.h), so that a second process, an
// unelevated one and the end of a process are real OS processes and real
// process ends.
//
//   start-process normal  ->  launch a worker (on Windows, from an elevated
//                             runner, with a restricted medium-integrity
//                             token), send it "start-process normal"
//   pN <call>             ->  the call, in the worker's own ids, to pN's worker
//   end-process pN        ->  kill pN's worker; the OS closes its sockets
//
// The pool numbers processes p1, p2, ... in start order and sockets s1, s2,
// ... across all workers; tokens are the machine's and pass through as they
// are. Workers never outlive the pool: it kills them when it goes, and on
// Windows they run in a job object that kills them when the pool's process
// dies.
#ifndef PORTPOOL_CONFORMANCE_WINDOWS_WORKER_POOL_H_
#define PORTPOOL_CONFORMANCE_WINDOWS_WORKER_POOL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portpool/call.h"
#include "portpool/conformance/backend.h"
#include "portpool/ids.h"
#include "portpool/outcome.h"

namespace portpool::conformance {

// One running worker: its standard input and output, and its end.
class WorkerChannel {
 public:
  virtual ~WorkerChannel() = default;
  // Writes `line` and a line break.
  virtual absl::Status WriteLine(absl::string_view line) = 0;
  // The next line of the worker's output, without its line break. An error
  // once the output has ended (the worker exited or died).
  virtual absl::StatusOr<std::string> ReadLine() = 0;
  // Ends the worker at once, as a crash or Task Manager would, and waits
  // until it is gone. Idempotent.
  virtual void Kill() = 0;
};

// The next line of a worker's output, for the launchers' ReadLine: the first
// line in `buffer` (taken out, without its "\n" or "\r\n"), calling
// `read_more` to append the stream's next bytes to `buffer` until one is
// whole. read_more's error (the output ended, a read failed) is returned.
absl::StatusOr<std::string> NextLine(std::string& buffer,
                                     const std::function<absl::Status(std::string&)>& read_more);

// What to start: the worker program's arguments, and whether to lower it.
struct WorkerSpec {
  // After the program's own name: {"worker", "--backend", "windows"}.
  std::vector<std::string> args;
  // Start it with a restricted, medium-integrity version of this process's
  // token (an unelevated process beside an elevated one). Only on Windows.
  bool restricted_token = false;
};

class WorkerLauncher {
 public:
  virtual ~WorkerLauncher() = default;
  virtual absl::StatusOr<std::unique_ptr<WorkerChannel>> Launch(const WorkerSpec& spec) = 0;
};

// Starts `program` as workers of this platform: posix_spawn with a socket
// pair as standard input and output elsewhere; on Windows, CreateProcessW
// (CreateProcessAsUserW for a restricted token) with anonymous pipes, every
// worker in one job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE.
// Workers write their diagnostics to this process's standard error.
absl::StatusOr<std::unique_ptr<WorkerLauncher>> MakeProcessLauncher(std::string program);

// The path of the running program (for starting itself as a worker).
absl::StatusOr<std::string> CurrentProgramPath();

struct WorkerPoolOptions {
  // Describe(): what the machine is ("windows build=22631 elevated=yes").
  std::string description;
  // What the pool can start: elevated_process and unelevated_process as the
  // workers allow; several_processes and end_process are set by the pool;
  // reboot and set_dynamic_range are always off (they are not a process's).
  Capabilities capabilities;
  // The worker to start for a process of this elevation.
  std::function<WorkerSpec(bool elevated)> spec;
  // What the machine holds now (netsh's listing, run by the pool's own
  // process: reservations are machine-wide). Unset: the pool cannot list,
  // and a checker cannot follow the environment (Backend::Listing).
  std::function<absl::StatusOr<MachineSnapshot>()> listing;
};

class WorkerPoolBackend final : public Backend {
 public:
  WorkerPoolBackend(std::unique_ptr<WorkerLauncher> launcher, WorkerPoolOptions options);
  // Ends every worker still running (closes its input, then kills it).
  ~WorkerPoolBackend() override;
  WorkerPoolBackend(const WorkerPoolBackend&) = delete;
  WorkerPoolBackend& operator=(const WorkerPoolBackend&) = delete;

  std::string Describe() const override { return options_.description; }
  Capabilities capabilities() const override;
  absl::StatusOr<Outcome> Run(const Call& call) override;
  absl::StatusOr<MachineSnapshot> Listing() override;

  // The greeting of process `process`'s worker ("windows build=22631
  // elevated=no"): what the worker says it is. Empty if no such process.
  std::string WorkerDescription(ProcessId process) const;
  // How many workers are running.
  size_t running() const { return workers_.size(); }

 private:
  struct Worker {
    std::unique_ptr<WorkerChannel> channel;
    ProcessId local;  // the worker's own id for its process
    std::string description;
  };
  absl::StatusOr<Outcome> Start(const call::StartProcess& start);
  absl::StatusOr<Outcome> End(ProcessId process);
  // Sends `call` (in the worker's ids) and reads the answer.
  absl::StatusOr<Outcome> Ask(ProcessId process, Worker& worker, const Call& call);

  std::unique_ptr<WorkerLauncher> launcher_;
  WorkerPoolOptions options_;
  std::map<uint32_t, Worker> workers_;  // by the pool's process id
  // The pool's socket ids and the (process, worker's id) they stand for.
  std::map<uint32_t, std::pair<uint32_t, SocketId>> sockets_;
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> socket_ids_;
  uint32_t last_process_ = 0;
  uint32_t last_socket_ = 0;
};

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_WINDOWS_WORKER_POOL_H_
