#include "portpool/conformance/windows/worker_pool.h"

#include <variant>

#include "absl/strings/str_cat.h"
#include "portpool/conformance/windows/worker_protocol.h"

namespace portpool::conformance {
namespace {

// The worker's id for a socket it never opened: the worker answers a call
// on it as Windows answers a handle the process does not have.
constexpr SocketId kForeignSocket{0x7fffffffu};

}  // namespace

absl::StatusOr<std::string> NextLine(std::string& buffer,
                                     const std::function<absl::Status(std::string&)>& read_more) {
  for (;;) {
    if (const size_t end = buffer.find('\n'); end != std::string::npos) {
      std::string line = buffer.substr(0, end);
      buffer.erase(0, end + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (absl::Status more = read_more(buffer); !more.ok()) return more;
  }
}

WorkerPoolBackend::WorkerPoolBackend(std::unique_ptr<WorkerLauncher> launcher,
                                     WorkerPoolOptions options)
    : launcher_(std::move(launcher)), options_(std::move(options)) {}

WorkerPoolBackend::~WorkerPoolBackend() {
  // Killing is what ending a process means here; the sockets close with it.
  for (auto& [id, worker] : workers_) worker.channel->Kill();
}

Capabilities WorkerPoolBackend::capabilities() const {
  Capabilities caps = options_.capabilities;
  caps.several_processes = true;
  caps.end_process = true;
  caps.reboot = false;
  caps.set_dynamic_range = false;
  return caps;
}

absl::StatusOr<MachineSnapshot> WorkerPoolBackend::Listing() {
  if (!options_.listing) return Backend::Listing();
  return options_.listing();
}

std::string WorkerPoolBackend::WorkerDescription(ProcessId process) const {
  auto it = workers_.find(process.value);
  return it == workers_.end() ? std::string() : it->second.description;
}

absl::StatusOr<Outcome> WorkerPoolBackend::Run(const Call& call) {
  if (const auto* start = std::get_if<call::StartProcess>(&call)) return Start(*start);
  if (const auto* end = std::get_if<call::EndProcess>(&call)) return End(end->process);
  if (std::holds_alternative<call::Reboot>(call) ||
      std::holds_alternative<call::SetDynamicRange>(call)) {
    return absl::UnimplementedError(absl::StrCat("a pool of worker processes cannot run '",
                                                 DescribeCall(call),
                                                 "': it is the machine's, not a process's"));
  }
  const ProcessId caller = CallerOf(call).value_or(ProcessId{});
  auto worker = workers_.find(caller.value);
  if (worker == workers_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("process p", caller.value, " is not running in the worker pool"));
  }
  Call local = call;
  std::visit(
      [&](auto& c) {
        if constexpr (requires { c.process; }) c.process = worker->second.local;
        if constexpr (requires { c.socket; }) {
          auto it = sockets_.find(c.socket.value);
          c.socket = it != sockets_.end() && it->second.first == caller.value ? it->second.second
                                                                              : kForeignSocket;
        }
      },
      local);
  absl::StatusOr<Outcome> outcome = Ask(caller, worker->second, local);
  if (!outcome.ok() || !outcome->socket) return outcome;
  const auto key = std::make_pair(caller.value, outcome->socket->value);
  auto [known, added] = socket_ids_.try_emplace(key, last_socket_ + 1);
  if (added) {
    ++last_socket_;
    sockets_[known->second] = {caller.value, *outcome->socket};
  }
  outcome->socket = SocketId{known->second};
  return outcome;
}

absl::StatusOr<Outcome> WorkerPoolBackend::Start(const call::StartProcess& start) {
  const bool can = start.elevated ? options_.capabilities.elevated_process
                                  : options_.capabilities.unelevated_process;
  if (!can) {
    return absl::UnimplementedError(absl::StrCat("this worker pool cannot start an ",
                                                 start.elevated ? "elevated" : "unelevated",
                                                 " process (", options_.description, ")"));
  }
  absl::StatusOr<std::unique_ptr<WorkerChannel>> channel =
      launcher_->Launch(options_.spec(start.elevated));
  if (!channel.ok()) return channel.status();
  Worker worker;
  worker.channel = *std::move(channel);
  absl::StatusOr<std::string> header = worker.channel->ReadLine();
  absl::StatusOr<std::string> provenance =
      header.ok() ? worker.channel->ReadLine() : header.status();
  if (!provenance.ok()) {
    worker.channel->Kill();
    return absl::InternalError(
        absl::StrCat("the worker did not greet: ", provenance.status().message()));
  }
  absl::StatusOr<std::string> description = ParseWorkerGreeting(*header, *provenance);
  if (!description.ok()) {
    worker.channel->Kill();
    return description.status();
  }
  worker.description = *description;
  const ProcessId id{last_process_ + 1};
  absl::StatusOr<Outcome> outcome = Ask(id, worker, start);
  if (!outcome.ok() || !outcome->ok() || !outcome->process) {
    worker.channel->Kill();
    return outcome;
  }
  worker.local = *outcome->process;
  last_process_ = id.value;
  workers_.emplace(id.value, std::move(worker));
  outcome->process = id;
  return outcome;
}

absl::StatusOr<Outcome> WorkerPoolBackend::End(ProcessId process) {
  auto worker = workers_.find(process.value);
  if (worker == workers_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("process p", process.value, " is not running in the worker pool"));
  }
  worker->second.channel->Kill();
  workers_.erase(worker);
  return Outcome{};
}

absl::StatusOr<Outcome> WorkerPoolBackend::Ask(ProcessId process, Worker& worker,
                                               const Call& call) {
  const std::string request = WorkerRequest(call);
  absl::Status written = worker.channel->WriteLine(request);
  absl::StatusOr<std::string> answer =
      written.ok() ? worker.channel->ReadLine() : absl::StatusOr<std::string>(written);
  if (!answer.ok()) {
    return absl::InternalError(absl::StrCat("the worker of p", process.value, " (",
                                            worker.description, ") stopped answering at '", request,
                                            "': ", answer.status().message()));
  }
  return ParseWorkerAnswer(call, *answer);
}

}  // namespace portpool::conformance
