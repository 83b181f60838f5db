// `portpool replay --json`: the replay of trace files as one JSON document,
// for CI and scripts. Written with nlohmann-json; this header exposes only
// text.
//
//   {"format": "portpool-replay", "format_version": 1,
//    "tool": {"name", "version", "commit", "rules", "rule_digest"},
//    "exit_code": 1,
//    "files": [{"path", "status": "conforms"|"diverges"|"bad-input",
//               "steps_checked", "divergence": {...}, "error": {...}}],
//    "coverage": {"RULE-ID": count, ...}}   (with --coverage only)
//
// docs/report-json.md describes every field.
#ifndef PORTPOOL_CONFORMANCE_REPLAY_JSON_H_
#define PORTPOOL_CONFORMANCE_REPLAY_JSON_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "portpool/traces/provenance.h"
#include "portpool/traces/replay.h"

namespace portpool::conformance {

// One file given to `portpool replay`.
struct ReplayedFile {
  std::string path;
  // Why it could not be read or parsed ("FILE:LINE:COLUMN: ..."); empty if
  // it was.
  std::string load_error;
  // The replay, when the file was read.
  std::optional<traces::ReplayResult> result;
};

// The document, one line of JSON and a newline. `coverage`: the per-rule
// counts over all files, or nullptr to leave them out.
std::string ReplayJson(const std::vector<ReplayedFile>& files,
                       const std::map<std::string, int>* coverage, const traces::ToolIdentity& tool,
                       int exit_code);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_REPLAY_JSON_H_
