// What the trace subcommands (replay, shrink, show, simulate, record,
// from-fuzz) share: reading traces (files.h, `-` for standard input), writing
// them with the program's provenance line, and reporting replays as text.
#ifndef PORTPOOL_CONFORMANCE_CLI_TRACE_IO_H_
#define PORTPOOL_CONFORMANCE_CLI_TRACE_IO_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "command.h"
#include "portpool/traces/replay.h"
#include "portpool/traces/trace.h"

namespace portpool::cli {

// Reads and parses a trace file (`-`: standard input). Errors read
// "FILE:LINE:COLUMN: what is wrong", or "FILE: the system's reason".
absl::StatusOr<traces::Trace> LoadTrace(const std::string& path);

// Writes `trace`, stamped with the program's provenance line (version,
// commit, rule catalogue), to `path` (`-`: standard output).
absl::Status WriteTrace(Context& context, traces::Trace trace, const std::string& path);

// "FILE:LINE" (or "FILE, step N" for a step without a line).
std::string Where(const std::string& file, int line, size_t step);

// The divergence, several lines: where, call, recorded and allowed answers,
// and each rule with its evidence, source and summary.
std::string FormatDivergence(const std::string& file, const traces::Divergence& d);
// A step the model cannot judge: "FILE:LINE:1: MESSAGE" (the step starts at
// column 1), or "FILE, step N: MESSAGE".
std::string FormatReplayError(const std::string& file, const traces::ReplayError& e);

// The coverage table over every rule of the catalogue, zero rows included.
std::string FormatCoverage(const std::map<std::string, int>& coverage);

}  // namespace portpool::cli

#endif  // PORTPOOL_CONFORMANCE_CLI_TRACE_IO_H_
