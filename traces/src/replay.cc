#include "portpool/traces/replay.h"

#include <algorithm>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "portpool/expectation.h"
#include "portpool/random.h"
#include "portpool/rules.h"
#include "portpool/traces/print.h"

namespace portpool::traces {
namespace {

// Synthetic token values are Mix64 of this key plus a counter.
constexpr uint64_t kTokenKey = 0x7265706c61792d74ULL;  // "replay-t"

// "at line 7" for a line, "at step 3" for -3 (a step built in memory).
std::string Where(int line_or_step) {
  return line_or_step > 0 ? absl::StrCat("at line ", line_or_step)
                          : absl::StrCat("at step ", -line_or_step);
}

}  // namespace

Replayer::Replayer(const Trace& trace, ReplayOptions options) : trace_(&trace), options_(options) {
  // Synthetic values must differ from every literal token the trace writes.
  taken_.insert(kInvalidToken);
  for (const Step& step : trace.steps) {
    if (!step.token_argument) {
      if (const auto* release = std::get_if<call::Release>(&step.call))
        taken_.insert(release->token);
      if (const auto* assoc = std::get_if<call::Associate>(&step.call)) taken_.insert(assoc->token);
    }
    if (step.outcome.token && !step.outcome_token_name) taken_.insert(*step.outcome.token);
  }
}

Token Replayer::TokenValue(const std::string& name) {
  if (auto it = tokens_.find(name); it != tokens_.end()) return it->second;
  Token value = kInvalidToken;
  while (taken_.contains(value)) value = Mix64(kTokenKey + token_counter_++);
  taken_.insert(value);
  tokens_[name] = value;
  result_.token_names[value] = name;
  return value;
}

absl::StatusOr<Replayer::Translated> Replayer::Translate(const Step& step) {
  Translated t;
  absl::Status status;
  auto process = [&](ProcessId name) {
    auto it = processes_.find(name.value);
    if (it != processes_.end()) {
      if (!machine_.IsLive(it->second) && status.ok()) {
        status = absl::FailedPreconditionError(absl::StrCat(
            "p", name.value, " has ended (by end-process or a reboot): a call from it ",
            "cannot be judged; start a new process"));
      }
      return it->second;
    }
    if (status.ok()) {
      status = absl::NotFoundError(
          absl::StrCat("p", name.value, " is not a process: no earlier step started it"));
    }
    return ProcessId{};
  };
  auto socket = [&](SocketId name) {
    auto it = sockets_.find(name.value);
    if (it != sockets_.end()) return it->second;
    if (status.ok()) {
      status = absl::NotFoundError(
          absl::StrCat("s", name.value, " is not a socket: no earlier step opened it"));
    }
    return SocketId{};
  };

  t.call = std::visit(
      [&](auto c) -> Call {
        using T = std::decay_t<decltype(c)>;
        if constexpr (requires { c.process; }) c.process = process(c.process);
        if constexpr (requires { c.socket; }) c.socket = socket(c.socket);
        if constexpr (std::is_same_v<T, call::Release> || std::is_same_v<T, call::Associate>) {
          if (step.token_argument) c.token = TokenValue(*step.token_argument);
        }
        return c;
      },
      step.call);
  if (!status.ok()) return status;

  t.outcome = step.outcome;
  if (step.outcome.process) {
    const uint32_t name = step.outcome.process->value;
    if (std::holds_alternative<call::StartProcess>(step.call)) {
      if (auto it = process_lines_.find(name); it != process_lines_.end()) {
        return absl::AlreadyExistsError(
            absl::StrCat("p", name, " is started twice (first ", Where(it->second), ")"));
      }
      t.new_process_name = name;
      t.outcome.process = ProcessId{last_process_ + 1};
    } else {
      // No other call answers with a process: the check will refuse it.
      auto it = processes_.find(name);
      t.outcome.process = it != processes_.end() ? it->second : ProcessId{};
    }
  }
  if (step.outcome.socket) {
    const uint32_t name = step.outcome.socket->value;
    if (std::holds_alternative<call::OpenSocket>(step.call)) {
      if (auto it = socket_lines_.find(name); it != socket_lines_.end()) {
        return absl::AlreadyExistsError(
            absl::StrCat("s", name, " is opened twice (first ", Where(it->second), ")"));
      }
      t.new_socket_name = name;
      t.outcome.socket = SocketId{last_socket_ + 1};
    } else {
      auto it = sockets_.find(name);
      t.outcome.socket = it != sockets_.end() ? it->second : SocketId{};
    }
  }
  if (step.outcome_token_name) t.outcome.token = TokenValue(*step.outcome_token_name);
  return t;
}

std::string Replayer::WithTokenNames(std::string text) const {
  // Only an exact-token answer prints a token ("with token 0x1f [RULE]").
  for (const auto& [value, name] : result_.token_names) {
    const std::string hex = absl::StrFormat(" token 0x%x [", value);
    if (text.find(hex) != std::string::npos) {
      text = absl::StrReplaceAll(text, {{hex, absl::StrCat(" token ", name, " [")}});
    }
  }
  return text;
}

void Replayer::Fail(size_t index, const Step& step, std::string message) {
  result_.error = ReplayError{index, step.line, std::move(message)};
}

bool Replayer::Feed(size_t i) {
  if (stopped()) return false;
  const Step& step = trace_->steps[i];
  auto translated = Translate(step);
  if (!translated.ok()) {
    Fail(i, step, std::string(translated.status().message()));
    return false;
  }
  auto expectation = machine_.Expect(translated->call);
  if (!expectation.ok()) {
    Fail(i, step, std::string(expectation.status().message()));
    return false;
  }
  const Verdict verdict = machine_.Check(*expectation, translated->outcome);
  ++result_.steps_checked;
  result_.verdicts.push_back(
      StepVerdict{i, step.line, verdict.conforms, verdict.conforms ? verdict.rule : RuleId()});
  if (!verdict.conforms) {
    Divergence d;
    d.step = i;
    d.line = step.line;
    const std::string text = PrintStep(step);
    std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits(" -> ", 1));
    d.call = parts[0];
    d.recorded = parts.size() > 1 ? parts[1] : DescribeOutcome(step.outcome);
    d.allowed = WithTokenNames(DescribeExpectation(*expectation));
    for (RuleId id : expectation->Rules()) {
      RuleCitation citation;
      citation.id = std::string(id);
      if (const Rule* rule = FindRule(id)) {
        citation.evidence = std::string(EvidenceName(rule->evidence));
        citation.source = std::string(rule->source);
        citation.summary = std::string(rule->summary);
      }
      d.rules.push_back(std::move(citation));
    }
    if (!result_.divergence) {
      result_.divergence = std::move(d);
    } else {
      result_.later_divergences.push_back(std::move(d));
    }
    if (!options_.keep_going) return false;
    // Follow the recording from here, as the checker does (keep_going).
    if (absl::Status adopted = machine_.Adopt(translated->call, translated->outcome);
        !adopted.ok()) {
      result_.lost = std::string(adopted.message());
      return false;
    }
  } else {
    ++coverage_[verdict.rule];
    for (RuleId id : expectation->also) ++coverage_[id];
    if (absl::Status observed = machine_.Observe(translated->call, translated->outcome);
        !observed.ok()) {
      // Check accepted the outcome, so Observe must: a bug in the model.
      Fail(i, step, absl::StrCat("internal error: ", observed.message()));
      return false;
    }
  }
  const int where = step.line > 0 ? step.line : -static_cast<int>(i + 1);
  if (translated->new_process_name) {
    const ProcessId id = *translated->outcome.process;
    processes_[*translated->new_process_name] = id;
    process_lines_[*translated->new_process_name] = where;
    result_.process_names[id] = absl::StrCat("p", *translated->new_process_name);
    last_process_ = id.value;
  }
  if (translated->new_socket_name) {
    const SocketId id = *translated->outcome.socket;
    sockets_[*translated->new_socket_name] = id;
    socket_lines_[*translated->new_socket_name] = where;
    result_.socket_names[id] = absl::StrCat("s", *translated->new_socket_name);
    last_socket_ = id.value;
  }
  return true;
}

ReplayResult Replayer::Finish() && {
  for (const auto& [rule, count] : coverage_) result_.coverage[std::string(rule)] = count;
  result_.conforms = !result_.divergence && !result_.error;
  result_.machine = std::move(machine_);
  return std::move(result_);
}

ReplayResult Replayer::Run() && {
  for (size_t i = 0; i < trace_->steps.size() && Feed(i); ++i) {
  }
  return std::move(*this).Finish();
}

ReplayResult Replay(const Trace& trace, ReplayOptions options) {
  return Replayer(trace, options).Run();
}

std::string FormatBoundPorts(const ReplayResult& result, Protocol protocol) {
  std::vector<std::tuple<uint16_t, Family, std::string, std::string>> rows;
  for (const auto& [id, socket] : result.machine.sockets()) {
    if (socket.protocol != protocol || !socket.bound_port) continue;
    auto name = result.socket_names.find(id);
    auto owner = result.process_names.find(socket.owner);
    rows.emplace_back(*socket.bound_port, socket.family,
                      name != result.socket_names.end() ? name->second : "?",
                      owner != result.process_names.end() ? owner->second : "?");
  }
  std::sort(rows.begin(), rows.end());
  std::string text;
  for (const auto& [port, family, socket, process] : rows) {
    absl::StrAppendFormat(&text, "%10d  %-6s  %s (%s)\n", port, FamilyName(family), socket,
                          process);
  }
  return text;
}

}  // namespace portpool::traces
