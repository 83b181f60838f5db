#include "testing/finding.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "portpool/fuzz/input_trace.h"

namespace portpool::fuzz::testing {

void ReportFinding(absl::string_view target, const uint8_t* data, size_t size,
                   absl::string_view what) {
  const absl::StatusOr<std::string> trace = InputTrace(target, absl::MakeSpan(data, size));
  const std::string report = absl::StrCat(
      "\n==== portpool fuzz finding (", target, "): ", what,
      "\n==== the input as a trace (`portpool from-fuzz --target ", target,
      " CRASHFILE` writes it again):\n",
      trace.ok() ? *trace : absl::StrCat("(no trace: ", trace.status().message(), ")\n"),
      "==== end of trace\n");
  std::fputs(report.c_str(), stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace portpool::fuzz::testing
