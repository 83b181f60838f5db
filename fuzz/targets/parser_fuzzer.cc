// libFuzzer target: the trace parser. Any bytes: Parse must never crash,
// hang or blow up, and must either fail with "FILE:LINE:COLUMN: ..." or give
// a trace that ValidateTrace accepts, that prints, and that re-parses to the
// same trace and prints the same again (docs/trace-format.md, "Canonical
// form").
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "testing/finding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using portpool::fuzz::testing::ReportFinding;
  namespace traces = portpool::traces;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto trace = traces::Parse(text, "<input>");
  if (!trace.ok()) {
    if (!absl::IsInvalidArgument(trace.status()) ||
        !absl::StartsWith(trace.status().message(), "<input>:")) {
      ReportFinding(
          "parser", data, size,
          absl::StrCat("a parse error that does not say where: ", trace.status().ToString()));
    }
    return 0;
  }
  if (absl::Status valid = traces::ValidateTrace(*trace); !valid.ok()) {
    ReportFinding("parser", data, size,
                  absl::StrCat("the parser gave a trace ValidateTrace rejects: ", valid.message()));
  }
  const std::string printed = traces::Print(*trace);
  auto again = traces::Parse(printed, "<printed>");
  if (!again.ok()) {
    ReportFinding("parser", data, size,
                  absl::StrCat("the printed trace does not parse: ", again.status().message(),
                               "\nprinted:\n", printed));
  }
  if (!(*again == *trace)) {
    ReportFinding("parser", data, size,
                  absl::StrCat("the printed trace parses to another trace\nprinted:\n", printed,
                               "re-printed:\n", traces::Print(*again)));
  }
  if (traces::Print(*again) != printed) {
    ReportFinding("parser", data, size, "printing the re-parsed trace gives other text");
  }
  return 0;
}
