// The behaviour table across Windows builds: `portpool matrix DIR...`. Each
// DIR holds the recorded probe traces of one run (`portpool record` of
// traces/probes/*.trace on one machine; CI uploads them per runner image),
// whose provenance names the Windows build. The table puts the runs side by
// side: per unknown of docs/semantics.md section 4 (U1..Un), per probe, per
// step, the answer each build gave, the answers the model allows there, and
// where every build agrees on a step the model leaves open, which of the
// allowed answers Windows actually gives: the evidence to narrow the model.
//
// Answers are compared by their error code and the rule of the allowed
// answer they matched (a bind(0) gives a different port on every run, yet
// the same answer). A run whose sandbox window was not the traces' own
// (20000-20255) has its ports moved back first, so the calls line up.
#ifndef PORTPOOL_CONFORMANCE_MATRIX_H_
#define PORTPOOL_CONFORMANCE_MATRIX_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "portpool/traces/trace.h"

namespace portpool::conformance {

// One run: a DIR and the build its traces name.
struct MatrixRun {
  std::string dir;
  // "build 22631" (from "windows build=22631" in the provenance), or the
  // first provenance line of a run that is not Windows ("simulator seed=1").
  std::string build;
  // "elevated=yes", "elevated=no" or empty.
  std::string elevation;
};

// What one run answered at one step.
struct MatrixCell {
  bool ran = false;      // the run recorded this step
  bool judged = false;   // the replay judged it (it stops at a divergence)
  bool allowed = false;  // the model allows the answer (when judged)
  std::string answer;    // "ERROR_INVALID_PARAMETER", "NO_ERROR token=$a"
  std::string rule;      // the rule of the allowed answer it matched
  // The answer as compared across runs: error code and rule.
  std::string key() const { return answer.substr(0, answer.find(' ')) + " [" + rule + "]"; }
};

struct MatrixRow {
  size_t step = 0;                // 0-based
  std::string call;               // the call, ports as the probe names them
  std::string allowed;            // what the model allows here ("A [R1] | B [R2]")
  bool open = false;              // the model allows more than one answer here
  std::vector<MatrixCell> cells;  // one per run
  // Every run recorded this step, each answer was allowed, and all are the
  // same (MatrixCell::key()).
  std::optional<std::string> agreed;
};

struct MatrixProbe {
  std::string name;      // "U1-null-token"
  std::string unknown;   // "U1", or "" for a trace that is no probe
  std::string question;  // from the probe's provenance, if it says
  // The probe's own comments above its first step: the question and what
  // each answer would mean.
  std::vector<std::string> comments;
  std::vector<MatrixRow> rows;
  // Per run: "" or why its recording stopped early, or "not recorded".
  std::vector<std::string> notes;
};

struct Matrix {
  std::vector<MatrixRun> runs;
  std::vector<MatrixProbe> probes;  // by unknown (U1, U2, ..., U10), then name
  // Open steps where every run agreed, where runs differed, and answers the
  // model does not allow (a divergence: the model or the recording is wrong).
  int agreed = 0;
  int differing = 0;
  int not_allowed = 0;
};

// Reads the *.trace files of each folder (one run each). An error naming the
// file for a trace that does not parse, a folder without traces, or a folder
// whose traces name different Windows builds.
absl::StatusOr<Matrix> ReadMatrix(const std::vector<std::string>& dirs);

// Builds the table from runs already read: `traces[i]` are run i's
// recordings, `runs[i]` its description (ReadMatrix does this for folders).
Matrix BuildMatrix(std::vector<MatrixRun> runs,
                   const std::vector<std::vector<traces::Trace>>& traces);

std::string MatrixMarkdown(const Matrix& matrix);
std::string MatrixHtml(const Matrix& matrix);

struct MatrixFiles {
  std::string markdown;
  std::string html;
};
// Writes matrix.md and matrix.html into `directory` (created if missing).
absl::StatusOr<MatrixFiles> WriteMatrix(const Matrix& matrix, const std::string& directory);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_MATRIX_H_
