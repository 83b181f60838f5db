#include "portpool/fuzz/input_trace.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "portpool/fuzz/checker_session.h"
#include "portpool/fuzz/simulated_calls.h"
#include "portpool/fuzz/win32_session.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"

namespace portpool::fuzz {

const std::vector<std::string>& TargetNames() {
  static const std::vector<std::string>* const kNames =
      new std::vector<std::string>{"calls", "parser", "win32", "checker"};
  return *kNames;
}

absl::StatusOr<std::string> InputTrace(absl::string_view target, absl::Span<const uint8_t> data) {
  if (target == "calls") return traces::Print(SimulatedCallsTrace(data.data(), data.size()));
  if (target == "win32") return traces::Print(Win32SessionTrace(data.data(), data.size()));
  if (target == "checker") return CheckerSessionTrace(data.data(), data.size());
  if (target == "parser") {
    const absl::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    absl::StatusOr<traces::Trace> trace = traces::Parse(text, "<input>");
    if (!trace.ok()) return trace.status();
    return std::string(text);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown fuzz target '", target, "': expected one of ", absl::StrJoin(TargetNames(), ", ")));
}

}  // namespace portpool::fuzz
