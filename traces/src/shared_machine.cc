#include "portpool/traces/shared_machine.h"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "portpool/expectation.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/trace.h"
#include "state_file.h"
#include "trace_text.h"

// Returns the status of `expr` if it is an error.
#define PORTPOOL_SHARED_RETURN_IF_ERROR(expr)           \
  do {                                                  \
    if (absl::Status status_ = (expr); !status_.ok()) { \
      return status_;                                   \
    }                                                   \
  } while (false)

namespace portpool::traces {
namespace {

constexpr absl::string_view kSettingsPrefix = "shared-machine ";
constexpr absl::string_view kOwnerPrefix = "started by OS process ";
constexpr absl::string_view kAnswerPrefix = "answer ";

// A number at the front of `text`, which is advanced past it.
std::optional<uint64_t> ConsumeNumber(absl::string_view& text) {
  size_t digits = 0;
  while (digits < text.size() && digits < 20 && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  uint64_t value = 0;
  if (digits == 0 || !absl::SimpleAtoi(text.substr(0, digits), &value)) return std::nullopt;
  text.remove_prefix(digits);
  return value;
}

// "started by OS process 4711 (NAME)" -> 4711.
std::optional<uint32_t> OwnerOf(const std::vector<std::string>& comments) {
  for (absl::string_view comment : comments) {
    if (!absl::ConsumePrefix(&comment, kOwnerPrefix)) continue;
    auto pid = ConsumeNumber(comment);
    if (pid && *pid <= UINT32_MAX) return static_cast<uint32_t>(*pid);
  }
  return std::nullopt;
}

// "answer 1 of 3 (RULE)" -> 1.
std::optional<size_t> AnswerOf(const std::vector<std::string>& comments) {
  for (absl::string_view comment : comments) {
    if (!absl::ConsumePrefix(&comment, kAnswerPrefix)) continue;
    auto answer = ConsumeNumber(comment);
    if (answer && absl::StartsWith(comment, " of ")) return static_cast<size_t>(*answer);
  }
  return std::nullopt;
}

size_t CountLines(absl::string_view text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The socket a call names, if it names one.
std::optional<SocketId> SocketOf(const Call& call) {
  return std::visit(
      [](const auto& c) -> std::optional<SocketId> {
        if constexpr (requires { c.socket; }) {
          return c.socket;
        } else {
          return std::nullopt;
        }
      },
      call);
}

}  // namespace

std::optional<AnswerPolicy> AnswerPolicyFromName(absl::string_view name) {
  if (name == "simulator") return AnswerPolicy::kSimulator;
  if (name == "explore") return AnswerPolicy::kExplore;
  return std::nullopt;
}

absl::string_view AnswerPolicyName(AnswerPolicy policy) {
  return policy == AnswerPolicy::kExplore ? "explore" : "simulator";
}

std::optional<std::vector<size_t>> NextSchedule(absl::Span<const Choice> choices) {
  for (size_t i = choices.size(); i-- > 0;) {
    if (choices[i].answer + 1 < choices[i].of) {
      std::vector<size_t> next;
      next.reserve(i + 1);
      for (size_t j = 0; j < i; ++j) next.push_back(choices[j].answer);
      next.push_back(choices[i].answer + 1);
      return next;
    }
  }
  return std::nullopt;
}

std::string FormatSchedule(absl::Span<const size_t> schedule) {
  return absl::StrJoin(schedule, ".");
}

absl::StatusOr<std::vector<size_t>> ParseSchedule(absl::string_view text) {
  std::vector<size_t> schedule;
  if (text.empty()) return schedule;
  for (absl::string_view part : absl::StrSplit(text, '.')) {
    absl::string_view rest = part;
    auto answer = ConsumeNumber(rest);
    if (!answer || !rest.empty() || *answer > 1'000'000) {
      return absl::InvalidArgumentError(
          absl::StrCat("schedule '", text, "': expected answer numbers separated by '.' (like ",
                       "1.0.2), found '", part, "'"));
    }
    schedule.push_back(static_cast<size_t>(*answer));
  }
  return schedule;
}

// --- Lock ---------------------------------------------------------------------

SharedMachine::Lock::Lock(Lock&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}

SharedMachine::Lock& SharedMachine::Lock::operator=(Lock&& other) noexcept {
  if (this != &other) {
    this->~Lock();
    owner_ = std::exchange(other.owner_, nullptr);
  }
  return *this;
}

SharedMachine::Lock::~Lock() {
  if (owner_ == nullptr) return;
  if (owner_->file_) owner_->file_->Unlock();
  owner_->locked_ = false;
  owner_ = nullptr;
}

// --- SharedMachine ----------------------------------------------------------------

SharedMachine::SharedMachine(SharedMachineOptions options)
    : options_(std::move(options)),
      machine_(options_.seed, MachineOptions{.mutant = options_.mutant}),
      pid_(internal::CurrentProcessId()) {}

SharedMachine::~SharedMachine() = default;

std::string SharedMachine::SettingsLine() const {
  std::string line = absl::StrCat(kSettingsPrefix, "seed=", options_.seed);
  if (options_.answers == AnswerPolicy::kExplore) {
    absl::StrAppend(&line, " answers=explore schedule=", FormatSchedule(options_.schedule));
  }
  if (options_.mutant != Mutant::kNone) {
    absl::StrAppend(&line, " mutant=", MutantName(options_.mutant));
  }
  return line;
}

absl::StatusOr<std::unique_ptr<SharedMachine>> SharedMachine::Open(SharedMachineOptions options) {
  std::unique_ptr<SharedMachine> shared(new SharedMachine(std::move(options)));
  const std::string& path = shared->options_.state_file;
  if (path.empty()) {
    absl::Status created = shared->Create();
    if (!created.ok()) return created;
    return shared;
  }
  auto file = internal::StateFile::Open(path);
  if (!file.ok()) return file.status();
  shared->file_ = *std::move(file);
  absl::StatusOr<Lock> lock = shared->AcquireLock();
  if (!lock.ok()) return lock.status();
  if (shared->file_offset_ == 0) {
    absl::Status created = shared->Create();
    if (!created.ok()) return created;
  }
  return shared;
}

absl::Status SharedMachine::Create() {
  return Write(
      absl::StrCat("portpool-trace ", kFormatVersion, "\nprovenance: ", SettingsLine(), "\n"));
}

absl::Status SharedMachine::RequireLock(absl::string_view what) const {
  if (file_ == nullptr || locked_) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("a shared machine with a state file ", what,
                                                    " only while its lock is held (AcquireLock)"));
}

absl::StatusOr<SharedMachine::Lock> SharedMachine::AcquireLock() {
  if (locked_) {
    return absl::FailedPreconditionError("the shared machine's lock is already held");
  }
  if (file_) {
    if (absl::Status locked = file_->Lock(); !locked.ok()) return locked;
  }
  locked_ = true;
  Lock lock(this);
  if (file_) {
    if (absl::Status caught_up = CatchUp(); !caught_up.ok()) return caught_up;
    if (absl::Status ended = EndAbandonedProcesses(); !ended.ok()) return ended;
  }
  return lock;
}

absl::Status SharedMachine::CatchUp() {
  auto size = file_->Size();
  if (!size.ok()) return size.status();
  if (*size < file_offset_) {
    return absl::FailedPreconditionError(
        absl::StrCat(file_->path(), ": the state file shrank from ", file_offset_, " to ", *size,
                     " bytes while this process used it: only shared machines may write to it"));
  }
  if (*size == file_offset_) return absl::OkStatus();
  auto text = file_->ReadFrom(file_offset_);
  if (!text.ok()) return text.status();
  if (file_offset_ == 0) {
    // A whole trace: the parser checks it from the header on.
    auto trace = Parse(*text, file_->path());
    if (!trace.ok()) return trace.status();
    if (trace->provenance.empty() || trace->provenance.front() != SettingsLine()) {
      return absl::FailedPreconditionError(absl::StrCat(
          file_->path(), ": the state file was made with the settings '",
          trace->provenance.empty() ? "(none)" : trace->provenance.front(),
          "', but this process asks for '", SettingsLine(),
          "': use the same settings (seed, answers, schedule, mutant) or a new state file"));
    }
    for (size_t i = 0; i < trace->steps.size(); ++i) {
      Step& step = trace->steps[i];
      if (i == 0)
        step.comments.insert(step.comments.begin(), trace->comments.begin(), trace->comments.end());
      if (absl::Status applied = ApplyStep(step); !applied.ok()) return applied;
    }
    text_ = *std::move(text);
    file_offset_ = *size;
    file_lines_ = static_cast<int>(CountLines(text_));
    // Appended lines must start on a line of their own.
    if (!text_.empty() && text_.back() != '\n') return Write("\n");
    return absl::OkStatus();
  }
  // Whole lines that other processes appended.
  const size_t end = text->rfind('\n');
  if (end == std::string::npos) return absl::OkStatus();
  const absl::string_view lines = absl::string_view(*text).substr(0, end + 1);
  int line_no = file_lines_;
  for (absl::string_view line : absl::StrSplit(lines.substr(0, lines.size() - 1), '\n')) {
    ++line_no;
    if (absl::Status applied = ApplyLine(line, line_no); !applied.ok()) return applied;
  }
  absl::StrAppend(&text_, lines);
  file_offset_ += lines.size();
  file_lines_ = line_no;
  return absl::OkStatus();
}

absl::Status SharedMachine::ApplyLine(absl::string_view line, int line_no) {
  absl::string_view content = internal::StripLeadingBlanks(line);
  if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
  if (internal::StripTrailingBlanks(content).empty()) return absl::OkStatus();
  if (content.front() == '#') {
    content.remove_prefix(1);
    absl::ConsumePrefix(&content, " ");
    pending_comments_.emplace_back(internal::StripTrailingBlanks(content));
    return absl::OkStatus();
  }
  auto step = ParseStep(content);
  if (!step.ok()) {
    // "<step>:1:COLUMN: message" -> "FILE:LINE:COLUMN: message".
    absl::string_view message = step.status().message();
    absl::ConsumePrefix(&message, "<step>:1:");
    return absl::InvalidArgumentError(absl::StrCat(file_->path(), ":", line_no, ":", message));
  }
  step->line = line_no;
  step->comments = std::exchange(pending_comments_, {});
  return ApplyStep(*step);
}

absl::StatusOr<Call> SharedMachine::Translate(const Step& step) const {
  absl::Status error;
  Call call = std::visit(
      [&](auto c) -> Call {
        using T = std::decay_t<decltype(c)>;
        if constexpr (requires { c.process; }) {
          auto it = processes_.find(c.process.value);
          if (it == processes_.end()) {
            error = absl::InvalidArgumentError(
                absl::StrCat("p", c.process.value, " is not a process of this machine"));
          } else {
            c.process = it->second;
          }
        }
        if constexpr (requires { c.socket; }) {
          auto it = sockets_.find(c.socket.value);
          if (it == sockets_.end()) {
            error = absl::InvalidArgumentError(
                absl::StrCat("s", c.socket.value, " is not a socket of this machine"));
          } else {
            c.socket = it->second;
          }
        }
        if constexpr (std::is_same_v<T, call::Release> || std::is_same_v<T, call::Associate>) {
          if (step.token_argument) {
            auto it = tokens_.find(*step.token_argument);
            if (it == tokens_.end()) {
              error = absl::InvalidArgumentError(absl::StrCat(
                  "token ", *step.token_argument, " is passed before any answer returned it"));
            } else {
              c.token = it->second;
            }
          }
        }
        return c;
      },
      step.call);
  if (!error.ok()) return error;
  return call;
}

absl::Status SharedMachine::ApplyStep(const Step& step) {
  auto mismatch = [&](absl::string_view why) {
    return absl::FailedPreconditionError(
        absl::StrCat(file_->path(), ":", step.line, ": ", why,
                     ": the state file was written by another version of the model, or edited"));
  };
  auto call = Translate(step);
  if (!call.ok()) return mismatch(call.status().message());
  std::optional<size_t> forced;
  if (options_.answers == AnswerPolicy::kExplore) forced = AnswerOf(step.comments).value_or(0);
  auto recorded = Execute(*call, forced);
  if (!recorded.ok()) return mismatch(recorded.status().message());
  const std::string replayed = PrintStep(recorded->step);
  const std::string written = PrintStep(step);
  if (replayed != written) {
    return mismatch(
        absl::StrCat("replaying it gives '", replayed, "' where it records '", written, "'"));
  }
  if (recorded->outcome.process) {
    owners_[*recorded->outcome.process] = OwnerOf(step.comments).value_or(0);
  }
  return absl::OkStatus();
}

absl::StatusOr<SharedMachine::Recorded> SharedMachine::Execute(const Call& call,
                                                               std::optional<size_t> forced) {
  Recorded recorded;
  absl::StatusOr<Outcome> outcome;
  if (options_.answers == AnswerPolicy::kExplore) {
    auto expectation = machine_.Expect(call);
    if (!expectation.ok()) return expectation.status();
    const size_t count = expectation->answers.size();
    size_t answer = 0;
    if (count > 1) {
      const size_t index = choices_.size();
      answer = forced.value_or(index < options_.schedule.size() ? options_.schedule[index] : 0);
      if (answer >= count) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the schedule asks for answer ", answer, " of loose call number ", index + 1, " (",
            DescribeCall(call), "), which allows only ", count,
            ": the program did not repeat the calls of the run the schedule came from"));
      }
      choices_.push_back(Choice{answer, count});
      const Answer& chosen = expectation->answers[answer];
      recorded.comments.push_back(absl::StrCat(kAnswerPrefix, answer, " of ", count, ": ",
                                               ErrorName(chosen.error), " (", chosen.rule, ")"));
    } else if (forced.value_or(0) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("the call has one allowed answer, not ", *forced + 1));
    }
    outcome = machine_.RunAnswer(call, answer);
  } else {
    outcome = machine_.Run(call);
  }
  if (!outcome.ok()) return outcome.status();
  recorded.outcome = *outcome;

  recorder_.Record(call, *outcome);
  Step step = recorder_.trace().steps.back();
  step.comments.clear();
  if (outcome->process) processes_[step.outcome.process->value] = *outcome->process;
  if (outcome->socket) sockets_[step.outcome.socket->value] = *outcome->socket;
  if (outcome->token && step.outcome_token_name) {
    tokens_[*step.outcome_token_name] = *outcome->token;
    returned_tokens_.insert(*outcome->token);
  }
  // A made-up token argument is written as its value, so that replaying the
  // state file passes the same value again.
  std::visit(
      [&](auto& named) {
        using T = std::decay_t<decltype(named)>;
        if constexpr (std::is_same_v<T, call::Release> || std::is_same_v<T, call::Associate>) {
          const auto& original = std::get<T>(call);
          if (step.token_argument && !returned_tokens_.contains(original.token)) {
            step.token_argument.reset();
            named.token = original.token;
          }
        }
      },
      step.call);
  recorded.step = std::move(step);
  return recorded;
}

absl::StatusOr<Outcome> SharedMachine::Run(const Call& call) {
  PORTPOOL_SHARED_RETURN_IF_ERROR(RequireLock("runs calls"));
  // A socket no call ever returned cannot be named in a trace: the model's
  // answer (WSAENOTSOCK) is given without a step, and noted instead.
  if (std::optional<SocketId> socket = SocketOf(call);
      socket && recorder_.SocketName(*socket).empty()) {
    auto expectation = machine_.Expect(call);
    if (!expectation.ok()) return expectation.status();
    if (expectation->answers.size() == 1 && expectation->answers[0].payload == Payload::kNothing) {
      Outcome outcome;
      outcome.error = expectation->answers[0].error;
      PORTPOOL_SHARED_RETURN_IF_ERROR(Note(absl::StrCat(
          DescribeCall(call), " -> ", ErrorName(outcome.error),
          " (not a step: no socket call returned this handle, so a trace ", "cannot name it)")));
      return outcome;
    }
  }
  auto recorded = Execute(call, std::nullopt);
  if (!recorded.ok()) return recorded.status();
  if (recorded->outcome.process) {
    owners_[*recorded->outcome.process] = pid_;
    recorded->comments.insert(
        recorded->comments.begin(),
        absl::StrCat(kOwnerPrefix, pid_,
                     options_.program.empty() ? "" : absl::StrCat(" (", options_.program, ")")));
  }
  PORTPOOL_SHARED_RETURN_IF_ERROR(
      Write(absl::StrCat(PrintComments(recorded->comments), PrintStep(recorded->step), "\n")));
  return recorded->outcome;
}

absl::Status SharedMachine::Note(absl::string_view text) {
  PORTPOOL_SHARED_RETURN_IF_ERROR(RequireLock("takes notes"));
  return Write(PrintComments({std::string(text)}));
}

absl::Status SharedMachine::EndAbandonedProcesses() {
  std::vector<std::pair<ProcessId, uint32_t>> gone;
  for (auto it = owners_.begin(); it != owners_.end();) {
    if (!machine_.IsLive(it->first)) {
      owners_.erase(it++);
      continue;
    }
    if (it->second != pid_ && !internal::ProcessIsRunning(it->second)) gone.push_back(*it);
    ++it;
  }
  std::sort(gone.begin(), gone.end());
  for (const auto& [process, pid] : gone) {
    PORTPOOL_SHARED_RETURN_IF_ERROR(
        Note(absl::StrCat("OS process ", pid, " has gone without ending ", ProcessName(process),
                          " (it crashed or was killed): ending it, as Windows would")));
    auto ended = Run(call::EndProcess{process});
    if (!ended.ok()) return ended.status();
  }
  return absl::OkStatus();
}

absl::Status SharedMachine::EndOwnProcesses() {
  std::vector<ProcessId> own;
  for (const auto& [process, pid] : owners_) {
    if (pid == pid_ && machine_.IsLive(process)) own.push_back(process);
  }
  std::sort(own.begin(), own.end());
  for (ProcessId process : own) {
    auto ended = Run(call::EndProcess{process});
    if (!ended.ok()) return ended.status();
  }
  return absl::OkStatus();
}

absl::Status SharedMachine::Write(const std::string& lines) {
  if (file_) {
    if (absl::Status appended = file_->Append(lines); !appended.ok()) return appended;
    file_offset_ += lines.size();
    file_lines_ += static_cast<int>(CountLines(lines));
  }
  text_ += lines;
  return absl::OkStatus();
}

}  // namespace portpool::traces
