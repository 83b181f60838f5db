#include "portpool/conformance/checker.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace portpool::conformance {
namespace {

// The model's id for a socket the backend never opened: no model socket has
// it, so the model answers as for a socket that is not open.
constexpr uint32_t kUnknownModelSocket = UINT32_MAX;

}  // namespace

Checker::Checker(Backend& backend, CheckerOptions options)
    : backend_(backend), options_(options), model_(/*seed=*/0) {}

absl::StatusOr<Call> Checker::ToModel(const Call& call) const {
  Call mapped = call;
  absl::Status status;
  std::visit(
      [&](auto& c) {
        if constexpr (requires { c.process; }) {
          auto it = processes_.find(c.process.value);
          if (it == processes_.end()) {
            status = absl::InvalidArgumentError(
                absl::StrCat("process p", c.process.value, " was never started on the backend"));
            return;
          }
          c.process = ProcessId{it->second};
        }
        if constexpr (requires { c.socket; }) {
          auto it = sockets_.find(c.socket.value);
          c.socket = SocketId{it == sockets_.end() ? kUnknownModelSocket : it->second};
        }
      },
      mapped);
  if (!status.ok()) return status;
  return mapped;
}

absl::StatusOr<Outcome> Checker::ToModel(const Call& call, const Outcome& outcome) {
  Outcome mapped = outcome;
  if (outcome.process) {
    if (processes_.contains(outcome.process->value)) {
      return absl::InternalError(absl::StrCat("the backend reused process id p",
                                              outcome.process->value, " for ", DescribeCall(call)));
    }
    processes_[outcome.process->value] = ++last_model_process_;
    mapped.process = ProcessId{last_model_process_};
  }
  if (outcome.socket) {
    if (sockets_.contains(outcome.socket->value)) {
      return absl::InternalError(absl::StrCat("the backend reused socket id s",
                                              outcome.socket->value, " for ", DescribeCall(call)));
    }
    sockets_[outcome.socket->value] = ++last_model_socket_;
    mapped.socket = SocketId{last_model_socket_};
  }
  return mapped;
}

absl::StatusOr<CheckedCall> Checker::Step(const Call& call) {
  absl::StatusOr<Call> model_call = ToModel(call);
  if (!model_call.ok()) return model_call.status();
  absl::StatusOr<Expectation> expectation = model_.Expect(*model_call);
  if (!expectation.ok()) return expectation.status();
  absl::StatusOr<Outcome> outcome = backend_.Run(call);
  if (!outcome.ok()) return outcome.status();
  absl::StatusOr<Outcome> model_outcome = ToModel(call, *outcome);
  if (!model_outcome.ok()) return model_outcome.status();

  CheckedCall checked{call, *outcome, model_.Check(*expectation, *model_outcome)};
  Verdict& verdict = checked.verdict;
  // Every new token the simulator hands out (after a reboot too) is one it
  // never issued before; only Lookup within a boot repeats a token.
  if (options_.simulator_contract && verdict.conforms && verdict.rule != rules::kLookupToken &&
      outcome->token && tokens_ever_.contains(*outcome->token)) {
    verdict.conforms = false;
    verdict.explanation = absl::StrFormat(
        "observed token 0x%x, which was issued before; the simulator promises a token never "
        "issued before [%s]",
        *outcome->token, std::string(rules::kTokenReboot));
  }
  coverage_.Record(verdict);
  if (verdict.conforms) {
    if (absl::Status learned = model_.Observe(*model_call, *model_outcome); !learned.ok()) {
      return learned;
    }
  }
  if (outcome->token) tokens_ever_.insert(*outcome->token);
  history_.push_back(checked);
  return checked;
}

}  // namespace portpool::conformance
