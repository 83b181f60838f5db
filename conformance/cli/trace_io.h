// What the trace subcommands (replay, shrink, simulate, show) share: reading
// and writing trace files, and reporting replays as text.
#ifndef PORTPOOL_CONFORMANCE_CLI_TRACE_IO_H_
#define PORTPOOL_CONFORMANCE_CLI_TRACE_IO_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "portpool/traces/replay.h"
#include "portpool/traces/trace.h"

namespace portpool::cli {

// Reads and parses a trace file; the error names the file (and line).
absl::StatusOr<traces::Trace> LoadTrace(const std::string& path);
// Writes `text` to the file `path`, replacing it.
absl::Status WriteFile(const std::string& path, const std::string& text);

// "FILE:LINE" (or "FILE, step N" for a step without a line).
std::string Where(const std::string& file, int line, size_t step);

// The divergence, several lines: where, call, recorded and allowed answers,
// and each rule with its evidence, source and summary.
std::string FormatDivergence(const std::string& file, const traces::Divergence& d);
// "FILE:LINE: bad trace: MESSAGE".
std::string FormatReplayError(const std::string& file, const traces::ReplayError& e);

// The coverage table over every rule of the catalogue, zero rows included.
std::string FormatCoverage(const std::map<std::string, int>& coverage);

}  // namespace portpool::cli

#endif  // PORTPOOL_CONFORMANCE_CLI_TRACE_IO_H_
