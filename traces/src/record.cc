#include "portpool/traces/record.h"

#include <iterator>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"

namespace portpool::traces {

std::string TokenName(uint64_t n) {
  // Bijective base 26: a..z, aa..az, ba.., zz, aaa...
  std::string letters;
  for (uint64_t k = n + 1; k > 0; k = (k - 1) / 26) {
    letters.insert(letters.begin(), static_cast<char>('a' + (k - 1) % 26));
  }
  return absl::StrCat("$", letters);
}

void TraceRecorder::AddProvenance(std::string line) {
  trace_.provenance.push_back(std::move(line));
}

void TraceRecorder::AddComment(std::string line) { pending_comments_.push_back(std::move(line)); }

ProcessId TraceRecorder::NameProcess(ProcessId backend_id) {
  auto [it, inserted] = processes_.try_emplace(backend_id.value, next_process_);
  if (inserted) ++next_process_;
  return ProcessId{it->second};
}

SocketId TraceRecorder::NameSocket(SocketId backend_id) {
  auto [it, inserted] = sockets_.try_emplace(backend_id.value, next_socket_);
  if (inserted) ++next_socket_;
  return SocketId{it->second};
}

Token TraceRecorder::NameToken(Token value, std::optional<std::string>& name) {
  if (value == kInvalidToken) {
    name.reset();
    return kInvalidToken;  // the literal 0
  }
  auto [it, inserted] = tokens_.try_emplace(value);
  if (inserted) it->second = TokenName(tokens_.size() - 1);
  name = it->second;
  return kInvalidToken;
}

void TraceRecorder::Record(const Call& call, const Outcome& outcome, bool raw_port) {
  Step step;
  step.raw_port = raw_port;
  // Comments above the first step belong to the trace (see ValidateTrace).
  auto& comments = trace_.steps.empty() ? trace_.comments : step.comments;
  comments.insert(comments.end(), std::make_move_iterator(pending_comments_.begin()),
                  std::make_move_iterator(pending_comments_.end()));
  pending_comments_.clear();

  // The call's arguments first: they name what already exists.
  step.call = std::visit(
      [&](auto c) -> Call {
        using T = std::decay_t<decltype(c)>;
        if constexpr (requires { c.process; }) c.process = NameProcess(c.process);
        if constexpr (requires { c.socket; }) c.socket = NameSocket(c.socket);
        if constexpr (std::is_same_v<T, call::Release> || std::is_same_v<T, call::Associate>) {
          c.token = NameToken(c.token, step.token_argument);
        }
        return c;
      },
      call);

  // Then the outcome: a new process or socket always gets a new name.
  step.outcome = outcome;
  if (outcome.process) {
    processes_[outcome.process->value] = next_process_;
    step.outcome.process = ProcessId{next_process_++};
  }
  if (outcome.socket) {
    sockets_[outcome.socket->value] = next_socket_;
    step.outcome.socket = SocketId{next_socket_++};
  }
  if (outcome.token) {
    step.outcome.token = NameToken(*outcome.token, step.outcome_token_name);
  }
  trace_.steps.push_back(std::move(step));
}

Trace TraceRecorder::Finish() && {
  // After the last step, or (in a trace without steps) after the header.
  auto& comments = trace_.steps.empty() ? trace_.comments : trace_.trailing_comments;
  for (std::string& line : pending_comments_) comments.push_back(std::move(line));
  pending_comments_.clear();
  return std::move(trace_);
}

std::string TraceRecorder::ProcessName(ProcessId backend_id) const {
  auto it = processes_.find(backend_id.value);
  return it == processes_.end() ? "" : absl::StrCat("p", it->second);
}

std::string TraceRecorder::SocketName(SocketId backend_id) const {
  auto it = sockets_.find(backend_id.value);
  return it == sockets_.end() ? "" : absl::StrCat("s", it->second);
}

std::string TraceRecorder::TokenNameOf(Token value) const {
  auto it = tokens_.find(value);
  return it == tokens_.end() ? "" : it->second;
}

}  // namespace portpool::traces
