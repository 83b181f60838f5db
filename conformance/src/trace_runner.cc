#include "portpool/conformance/trace_runner.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "portpool/random.h"

namespace portpool::conformance {
namespace {

struct Names {
  std::map<uint32_t, ProcessId> processes;  // trace name number -> backend id
  std::map<uint32_t, SocketId> sockets;
  std::map<std::string, Token> tokens;
  uint64_t made_up = 0;
};

}  // namespace

absl::StatusOr<TraceRun> RunTrace(const traces::Trace& trace, Checker& checker,
                                  const Capabilities& capabilities,
                                  traces::TraceRecorder* recorder) {
  TraceRun run;
  Names names;
  for (size_t i = 0; i < trace.steps.size(); ++i) {
    const traces::Step& step = trace.steps[i];
    if (!Supports(capabilities, step.call)) {
      run.unsupported = absl::StrCat(DescribeCall(step.call), " is not possible on this backend");
      run.stopped_step = i;
      run.stopped_line = step.line;
      break;
    }
    Call call = step.call;
    absl::Status bad;
    std::visit(
        [&](auto& c) {
          if constexpr (requires { c.process; }) {
            auto it = names.processes.find(c.process.value);
            if (it == names.processes.end()) {
              bad = absl::InvalidArgumentError(absl::StrCat(
                  "p", c.process.value, " is not a process: no earlier step started it"));
              return;
            }
            c.process = it->second;
          }
          if constexpr (requires { c.socket; }) {
            auto it = names.sockets.find(c.socket.value);
            // A socket name never opened stays a handle the backend lacks.
            c.socket =
                it == names.sockets.end() ? SocketId{0x7ffffff0u - c.socket.value} : it->second;
          }
          if constexpr (requires { c.token; }) {
            if (step.token_argument) {
              auto [it, added] = names.tokens.try_emplace(*step.token_argument, 0);
              // A made-up token: a value no backend hands out in practice.
              if (added) it->second = Mix64(0x6d6164652d7570ULL + names.made_up++) | 1;
              c.token = it->second;
            }
          }
        },
        call);
    absl::StatusOr<CheckedCall> checked =
        bad.ok() ? checker.Step(call) : absl::StatusOr<CheckedCall>(bad);
    if (!checked.ok()) {
      run.failed = std::string(checked.status().message());
      run.stopped_step = i;
      run.stopped_line = step.line;
      break;
    }
    if (recorder != nullptr) recorder->Record(checked->call, checked->outcome, step.raw_port);
    const Outcome& o = checked->outcome;
    if (o.ok() && o.process) {
      if (const auto* start = std::get_if<call::StartProcess>(&step.call);
          start != nullptr && step.outcome.process) {
        names.processes[step.outcome.process->value] = *o.process;
      }
    }
    if (o.ok() && o.socket && step.outcome.socket) {
      names.sockets[step.outcome.socket->value] = *o.socket;
    }
    if (o.token && step.outcome_token_name) {
      names.tokens.try_emplace(*step.outcome_token_name, *o.token);
    }
    run.steps.push_back(*checked);
    if (!checked->verdict.conforms) {
      run.divergence = i;
      break;
    }
  }
  return run;
}

}  // namespace portpool::conformance
