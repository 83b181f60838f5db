#include "portpool/conformance/checker.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "portpool/conformance/environment_changes.h"

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

void Checker::HoldToSimulatorContract(const Outcome& outcome, Verdict& verdict) const {
  // Every new token the simulator hands out (after a reboot too) is one it
  // never issued before; only Lookup within a boot repeats a token.
  if (options_.simulator_contract && verdict.conforms && verdict.rule != rules::kLookupToken &&
      outcome.token && tokens_ever_.contains(*outcome.token)) {
    verdict.conforms = false;
    verdict.explanation = absl::StrFormat(
        "observed token 0x%x, which was issued before; the simulator promises a token never "
        "issued before [%s]",
        *outcome.token, std::string(rules::kTokenReboot));
  }
}

const std::string& Checker::why_lost() const {
  static const std::string* const kNotLost = new std::string();
  return lost_ ? *lost_ : *kNotLost;
}

absl::StatusOr<int> Checker::FollowEnvironment(const Call& model_call,
                                               const Outcome& model_outcome) {
  absl::StatusOr<MachineSnapshot> listing = backend_.Listing();
  if (!listing.ok()) return -1;  // this backend cannot tell: the verdict stands
  const std::vector<call::EnvironmentBlock> changes =
      EnvironmentChanges(*listing, model_, model_call, model_outcome, run_blocks_);
  for (const call::EnvironmentBlock& change : changes) {
    absl::StatusOr<Expectation> e = model_.Expect(change);
    if (!e.ok()) return e.status();
    const Outcome ok;
    CheckedCall checked{change, ok, model_.Check(*e, ok), divergences_ > 0, /*environment=*/true};
    if (absl::Status applied = model_.Observe(change, ok, *e); !applied.ok()) return applied;
    coverage_.Record(checked.verdict);
    history_.push_back(std::move(checked));
  }
  return static_cast<int>(changes.size());
}

absl::StatusOr<CheckedCall> Checker::Step(const Call& call) {
  if (lost_) {
    return absl::FailedPreconditionError(
        absl::StrCat("the model lost track of the backend: ", *lost_));
  }
  absl::StatusOr<Call> model_call = ToModel(call);
  if (!model_call.ok()) return model_call.status();
  absl::StatusOr<Expectation> expectation = model_.Expect(*model_call);
  if (!expectation.ok()) return expectation.status();
  if (expectation->answers.empty()) {
    // The model's first promise is an answer for every call it can judge:
    // an empty set is the model's fault, not the backend's.
    return absl::InternalError(
        absl::StrCat("the model allows no answer at all to ", DescribeCall(*model_call)));
  }
  absl::StatusOr<Outcome> outcome = backend_.Run(call);
  if (!outcome.ok()) return outcome.status();
  absl::StatusOr<Outcome> model_outcome = ToModel(call, *outcome);
  if (!model_outcome.ok()) return model_outcome.status();

  CheckedCall checked{call, *outcome, model_.Check(*expectation, *model_outcome), divergences_ > 0,
                      /*environment=*/false};
  HoldToSimulatorContract(*outcome, checked.verdict);
  if (!checked.verdict.conforms && options_.follow_environment &&
      !std::holds_alternative<call::EnvironmentBlock>(*model_call)) {
    // Only a change of the environment may explain it: look, and judge the
    // answer again against the model with those changes.
    absl::StatusOr<int> changes = FollowEnvironment(*model_call, *model_outcome);
    if (!changes.ok()) return changes.status();
    if (*changes > 0) {
      expectation = model_.Expect(*model_call);
      if (!expectation.ok()) return expectation.status();
      checked.verdict = model_.Check(*expectation, *model_outcome);
      HoldToSimulatorContract(*outcome, checked.verdict);
    }
    if (!checked.verdict.conforms && *changes >= 0) {
      absl::StrAppend(&checked.verdict.explanation,
                      *changes == 0
                          ? "; a fresh listing shows no reservation made or dropped outside "
                            "the run that would explain it"
                          : "; not explained by the reservations a fresh listing shows");
    }
  }
  Verdict& verdict = checked.verdict;
  coverage_.Record(verdict);
  if (verdict.conforms) {
    if (absl::Status learned = model_.Observe(*model_call, *model_outcome, *expectation);
        !learned.ok()) {
      return learned;
    }
  } else {
    ++divergences_;
    if (options_.keep_going) {
      // Follow the backend from here; an answer the model cannot hold
      // leaves it lost.
      if (absl::Status adopted = model_.Adopt(*model_call, *model_outcome); !adopted.ok()) {
        lost_ = std::string(adopted.message());
      }
    }
  }
  if (outcome->token) tokens_ever_.insert(*outcome->token);
  if (model_outcome->ok()) {
    if (const auto* create = std::get_if<call::CreatePersistent>(&*model_call)) {
      run_blocks_.emplace_back(create->protocol, create->block);
    } else if (const auto* acquire = std::get_if<call::Acquire>(&*model_call);
               acquire != nullptr && model_outcome->block) {
      if (const SocketState* s = model_.socket(acquire->socket)) {
        run_blocks_.emplace_back(s->protocol, *model_outcome->block);
      }
    }
  }
  history_.push_back(checked);
  return checked;
}

}  // namespace portpool::conformance
