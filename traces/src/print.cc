#include "portpool/traces/print.h"

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "portpool/call.h"
#include "portpool/error.h"
#include "portpool/outcome.h"
#include "portpool/protocol.h"
#include "portpool/win32.h"
#include "trace_text.h"

namespace portpool::traces {
namespace {

std::string PortText(uint16_t port, bool raw) {
  if (raw) return absl::StrCat("raw:", win32::HostToNetwork(port));
  return absl::StrCat(port);
}

std::string TokenText(Token value, const std::optional<std::string>& name) {
  if (name) return *name;
  return absl::StrCat("0x", absl::Hex(value));
}

std::string SizeOption(absl::string_view key, uint32_t size, uint32_t default_size) {
  if (size == default_size) return "";
  return absl::StrCat(" ", key, "=", size);
}

std::string CallText(const Step& step) {
  return std::visit(
      [&](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::StartProcess>) {
          return c.elevated ? "start-process elevated" : "start-process normal";
        } else if constexpr (std::is_same_v<T, call::EndProcess>) {
          return absl::StrCat("end-process p", c.process.value);
        } else if constexpr (std::is_same_v<T, call::Reboot>) {
          return "reboot";
        } else if constexpr (std::is_same_v<T, call::SetDynamicRange>) {
          return absl::StrCat("set-dynamic ", c.family == Family::kIpv6 ? "ipv6 " : "",
                              ProtocolName(c.protocol), " ", c.range.start, " ", c.range.count);
        } else if constexpr (std::is_same_v<T, call::EnvironmentBlock>) {
          return absl::StrCat("env ", c.added ? "add " : "remove ", EnvironmentStoreName(c.store),
                              " ", ProtocolName(c.protocol), " ", c.block.start, " ",
                              c.block.count);
        } else if constexpr (std::is_same_v<T, call::CreatePersistent> ||
                             std::is_same_v<T, call::LookupPersistent>) {
          return absl::StrCat("p", c.process.value,
                              std::is_same_v<T, call::CreatePersistent> ? " create " : " lookup ",
                              ProtocolName(c.protocol), " ", PortText(c.block.start, step.raw_port),
                              " ", c.block.count, c.null_token ? " null-token" : "");
        } else if constexpr (std::is_same_v<T, call::DeletePersistent>) {
          return absl::StrCat("p", c.process.value, " delete ", ProtocolName(c.protocol), " ",
                              PortText(c.block.start, step.raw_port), " ", c.block.count);
        } else if constexpr (std::is_same_v<T, call::OpenSocket>) {
          return absl::StrCat("p", c.process.value, " socket ", ProtocolName(c.protocol), " ",
                              FamilyName(c.family));
        } else if constexpr (std::is_same_v<T, call::CloseSocket>) {
          return absl::StrCat("p", c.process.value, " s", c.socket.value, " close");
        } else if constexpr (std::is_same_v<T, call::Acquire>) {
          const std::string port = !step.raw_port && c.request.start == 0
                                       ? std::string("any")
                                       : PortText(c.request.start, step.raw_port);
          return absl::StrCat("p", c.process.value, " s", c.socket.value, " acquire ", port, " ",
                              c.request.count, SizeOption("in", c.in_size, call::kPortRangeSize),
                              SizeOption("out", c.out_size, call::kInstanceSize));
        } else if constexpr (std::is_same_v<T, call::Release> ||
                             std::is_same_v<T, call::Associate>) {
          return absl::StrCat("p", c.process.value, " s", c.socket.value,
                              std::is_same_v<T, call::Release> ? " release " : " associate ",
                              TokenText(c.token, step.token_argument),
                              SizeOption("in", c.in_size, call::kTokenSize),
                              SizeOption("out", c.out_size, 0));
        } else if constexpr (std::is_same_v<T, call::Bind>) {
          return absl::StrCat("p", c.process.value, " s", c.socket.value, " bind ",
                              PortText(c.port, step.raw_port));
        } else {
          static_assert(std::is_same_v<T, call::GetSockName>, "every call prints");
          return absl::StrCat("p", c.process.value, " s", c.socket.value, " getsockname");
        }
      },
      step.call);
}

std::string AnswerText(const Step& step) {
  const Outcome& o = step.outcome;
  std::string out = ErrorName(o.error);
  if (o.process) absl::StrAppend(&out, " process=p", o.process->value);
  if (o.socket) absl::StrAppend(&out, " socket=s", o.socket->value);
  if (o.block) absl::StrAppend(&out, " block=", FormatRange(*o.block));
  if (o.token || step.outcome_token_name) {
    absl::StrAppend(&out,
                    " token=", TokenText(o.token.value_or(kInvalidToken), step.outcome_token_name));
  }
  if (o.port) absl::StrAppend(&out, " port=", *o.port);
  return out;
}

// `text` as lines that each fit on one line of a trace: split at line
// breaks, bad bytes replaced, trailing blanks dropped.
std::vector<std::string> TextLines(absl::string_view text) {
  std::vector<std::string> lines;
  for (absl::string_view piece : absl::StrSplit(text, '\n')) {
    if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
    lines.emplace_back(internal::StripTrailingBlanks(internal::Sanitize(piece)));
  }
  return lines;
}

void AppendComments(std::string& out, const std::vector<std::string>& comments) {
  for (const std::string& comment : comments) {
    for (const std::string& line : TextLines(comment)) {
      absl::StrAppend(&out, line.empty() ? "#" : "# ", line, "\n");
    }
  }
}

// Why `text` cannot be a comment or provenance line, or "".
std::string TextProblem(absl::string_view text) {
  const internal::BadByte bad = internal::FindBadByte(text);
  if (bad.offset < text.size()) {
    return bad.control ? "holds a control character" : "holds invalid UTF-8";
  }
  if (internal::StripTrailingBlanks(text).size() != text.size()) return "ends in a blank";
  return "";
}

absl::Status Invalid(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

bool HasRawPort(const Call& call) {
  return std::holds_alternative<call::CreatePersistent>(call) ||
         std::holds_alternative<call::LookupPersistent>(call) ||
         std::holds_alternative<call::DeletePersistent>(call) ||
         std::holds_alternative<call::Acquire>(call) || std::holds_alternative<call::Bind>(call);
}

// The call's token argument, for release and associate.
const Token* TokenArgument(const Call& call) {
  if (const auto* c = std::get_if<call::Release>(&call)) return &c->token;
  if (const auto* c = std::get_if<call::Associate>(&call)) return &c->token;
  return nullptr;
}

absl::Status ValidateStep(const Step& step, absl::string_view where) {
  const std::optional<ProcessId> process = CallerOf(step.call);
  if (process && process->value == 0) return Invalid(where, "process p0 (names start at p1)");
  if (step.outcome.process && step.outcome.process->value == 0) {
    return Invalid(where, "outcome process p0 (names start at p1)");
  }
  const Token* argument = TokenArgument(step.call);
  if (step.token_argument) {
    if (argument == nullptr) return Invalid(where, "a token argument on a call that takes none");
    if (!internal::IsTokenName(*step.token_argument)) {
      return Invalid(where, absl::StrCat("token name '", *step.token_argument,
                                         "' does not match \\$[A-Za-z0-9_]+"));
    }
    if (*argument != kInvalidToken) {
      return Invalid(where, "a named token argument whose value is not 0");
    }
  }
  if (step.outcome_token_name) {
    if (!internal::IsTokenName(*step.outcome_token_name)) {
      return Invalid(where, absl::StrCat("token name '", *step.outcome_token_name,
                                         "' does not match \\$[A-Za-z0-9_]+"));
    }
    if (step.outcome.token != kInvalidToken) {
      return Invalid(where, "a named outcome token whose value is not 0 (or is missing)");
    }
  }
  if (step.raw_port && !HasRawPort(step.call)) {
    return Invalid(where, "a raw port on a call without a port");
  }
  for (const std::string& comment : step.comments) {
    if (std::string problem = TextProblem(comment); !problem.empty()) {
      return Invalid(where, absl::StrCat("a comment ", problem));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string PrintCall(const Step& step) { return CallText(step); }

std::string PrintStep(const Step& step) {
  return absl::StrCat(CallText(step), " -> ", AnswerText(step));
}

std::string PrintComments(const std::vector<std::string>& comments) {
  std::string out;
  AppendComments(out, comments);
  return out;
}

std::string Print(const Trace& trace) {
  std::string out = absl::StrCat("portpool-trace ", kFormatVersion, "\n");
  for (const std::string& provenance : trace.provenance) {
    for (const std::string& line : TextLines(provenance)) {
      const absl::string_view text = internal::StripLeadingBlanks(line);
      if (!text.empty()) absl::StrAppend(&out, "provenance: ", text, "\n");
    }
  }
  AppendComments(out, trace.comments);
  for (const Step& step : trace.steps) {
    AppendComments(out, step.comments);
    absl::StrAppend(&out, PrintStep(step), "\n");
  }
  AppendComments(out, trace.trailing_comments);
  return out;
}

absl::Status ValidateTrace(const Trace& trace) {
  for (const std::string& provenance : trace.provenance) {
    if (provenance.empty()) return Invalid("provenance", "an empty line");
    if (internal::StripLeadingBlanks(provenance).size() != provenance.size()) {
      return Invalid("provenance", "a line starts with a blank");
    }
    if (std::string problem = TextProblem(provenance); !problem.empty()) {
      return Invalid("provenance", absl::StrCat("a line ", problem));
    }
  }
  for (const auto* comments : {&trace.comments, &trace.trailing_comments}) {
    for (const std::string& comment : *comments) {
      if (std::string problem = TextProblem(comment); !problem.empty()) {
        return Invalid("comments", absl::StrCat("a comment ", problem));
      }
    }
  }
  if (trace.steps.empty() && !trace.trailing_comments.empty()) {
    return Invalid("trailing comments", "a trace without steps has only leading comments");
  }
  if (!trace.steps.empty() && !trace.steps.front().comments.empty()) {
    return Invalid("step 1", "comments above the first step belong to the trace (Trace::comments)");
  }
  for (size_t i = 0; i < trace.steps.size(); ++i) {
    const absl::Status status = ValidateStep(trace.steps[i], absl::StrCat("step ", i + 1));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

std::ostream& operator<<(std::ostream& os, const Step& step) { return os << PrintStep(step); }

std::ostream& operator<<(std::ostream& os, const Trace& trace) { return os << Print(trace); }

}  // namespace portpool::traces
