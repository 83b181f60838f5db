#include "portpool/conformance/windows/worker_protocol.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/trace.h"

namespace portpool::conformance {
namespace {

constexpr absl::string_view kHeader = "portpool-trace 1";
constexpr absl::string_view kProvenance = "provenance: ";
constexpr absl::string_view kErrorPrefix = "# error ";

// The status code whose absl name is `name` ("UNIMPLEMENTED"), if any.
std::optional<absl::StatusCode> StatusCodeNamed(absl::string_view name) {
  for (int code = 1; code <= static_cast<int>(absl::StatusCode::kUnauthenticated); ++code) {
    const auto status_code = static_cast<absl::StatusCode>(code);
    if (absl::StatusCodeToString(status_code) == name) return status_code;
  }
  return std::nullopt;
}

absl::string_view WithoutLineEnd(absl::string_view line) {
  absl::ConsumeSuffix(&line, "\n");
  absl::ConsumeSuffix(&line, "\r");
  return line;
}

}  // namespace

std::string WorkerGreeting(absl::string_view description) {
  return absl::StrCat(kHeader, "\n", kProvenance,
                      absl::StrReplaceAll(description, {{"\r", " "}, {"\n", " "}}), "\n");
}

absl::StatusOr<std::string> ParseWorkerGreeting(absl::string_view header,
                                                absl::string_view provenance) {
  header = WithoutLineEnd(header);
  provenance = WithoutLineEnd(provenance);
  if (header != kHeader || !absl::ConsumePrefix(&provenance, kProvenance)) {
    return absl::InternalError(absl::StrCat("not a portpool worker: it began with '",
                                            header.substr(0, 80), "' and '",
                                            provenance.substr(0, 80), "'"));
  }
  return std::string(provenance);
}

std::string WorkerRequest(const Call& call) {
  traces::Step step;
  step.call = call;
  return traces::PrintCall(step);
}

absl::StatusOr<Call> ParseWorkerRequest(absl::string_view line) {
  absl::StatusOr<traces::Step> step = traces::ParseCallLine(WithoutLineEnd(line));
  if (!step.ok()) return step.status();
  return step->call;
}

std::string WorkerAnswer(const Call& call, const absl::StatusOr<Outcome>& answer) {
  if (!answer.ok()) {
    return absl::StrCat(kErrorPrefix, absl::StatusCodeToString(answer.status().code()), ": ",
                        absl::StrReplaceAll(answer.status().message(), {{"\r", " "}, {"\n", " "}}));
  }
  traces::Step step;
  step.call = call;
  step.outcome = *answer;
  return traces::PrintStep(step);
}

absl::StatusOr<Outcome> ParseWorkerAnswer(const Call& sent, absl::string_view line) {
  line = WithoutLineEnd(line);
  if (absl::ConsumePrefix(&line, kErrorPrefix)) {
    const size_t colon = line.find(": ");
    const std::optional<absl::StatusCode> code =
        colon == absl::string_view::npos ? std::nullopt : StatusCodeNamed(line.substr(0, colon));
    if (!code) {
      return absl::InternalError(
          absl::StrCat("the worker answered an error without a status code: ", line));
    }
    return absl::Status(*code, line.substr(colon + 2));
  }
  absl::StatusOr<traces::Step> step = traces::ParseStep(line);
  if (!step.ok()) {
    return absl::InternalError(
        absl::StrCat("the worker's answer is not a step: ", step.status().message()));
  }
  if (step->call != sent) {
    return absl::InternalError(absl::StrCat("the worker answered '", traces::PrintCall(*step),
                                            "' to '", WorkerRequest(sent), "'"));
  }
  return step->outcome;
}

int RunWorker(Backend& backend, std::istream& in, std::ostream& out) {
  out << WorkerGreeting(backend.Describe()) << std::flush;
  std::string line;
  while (out && std::getline(in, line)) {
    if (WithoutLineEnd(line).empty()) continue;
    absl::StatusOr<Call> call = ParseWorkerRequest(line);
    if (!call.ok()) {
      out << WorkerAnswer(Call{}, call.status()) << "\n" << std::flush;
      continue;
    }
    out << WorkerAnswer(*call, backend.Run(*call)) << "\n" << std::flush;
  }
  return out ? 0 : 1;
}

}  // namespace portpool::conformance
