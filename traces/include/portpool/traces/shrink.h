// Shrinking: from a trace that diverges, a minimal trace that still does.
//
// Delta debugging (Zeller's ddmin) over the trace's steps: it removes ever
// smaller chunks of steps and keeps a removal whenever the remaining steps
// still replay to a divergence. Steps after the first divergence go first:
// the replay never reaches them; then the shortest suffix that still
// diverges is tried (last 1, 2, 4, ... steps). A removal never drops the
// start-process or socket step of a name that a remaining step uses (that
// could only be bad input); any other candidate that no longer replays is
// rejected. After ddmin, whole processes and sockets (every step naming
// them) and, in short traces, pairs of steps (a create and its delete) are
// tried. The result is 1-minimal: removing any single further step loses
// the divergence. Deterministic: the same trace always shrinks to the same
// one.
//
// By default the shrunk trace must diverge in the same way: at the same
// step of the original, and with an expectation that draws on the same
// rules (say P-CREATE-OVERLAP and POOL-PER-PROTOCOL). Without that, removing
// steps tends to make some *other* step diverge (drop a delete, and a later
// lookup finds a block the recording says is gone): a shorter trace, but
// of a fault the shrinking made up. With `same_divergence` off any
// divergence will do, which may shrink further but may find such a fault.
//
// The header (provenance, comments) is kept, and a provenance line
// "shrunk from FILE (N steps)" is added.
#ifndef PORTPOOL_TRACES_SHRINK_H_
#define PORTPOOL_TRACES_SHRINK_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "portpool/traces/replay.h"
#include "portpool/traces/trace.h"

namespace portpool::traces {

struct ShrinkOptions {
  // Named in the added provenance line; "" names no file.
  std::string source_name;
  // Keep the divergence's step and rules (see above); false: any divergence.
  bool same_divergence = true;
  // Stop trying candidates after this many replays (0: never), keeping the
  // smallest divergent trace found so far. Each replay costs up to the
  // trace's length; a trace of a few hundred steps needs a few thousand.
  int max_replays = 100000;
};

struct ShrinkResult {
  Trace trace;
  size_t original_steps = 0;
  size_t shrunk_steps = 0;
  // The shrunk trace's divergence.
  Divergence divergence;
  // How many candidate traces were replayed.
  int replays = 0;
  // False if max_replays stopped the search: the trace still diverges but
  // may not be 1-minimal.
  bool minimal = true;
};

// Shrinks `trace`. Fails with FailedPrecondition if the trace conforms
// (nothing to shrink) and InvalidArgument if it is bad input.
absl::StatusOr<ShrinkResult> Shrink(const Trace& trace, const ShrinkOptions& options = {});

// For a divergence after the first in a run that went on (ReplayOptions::
// keep_going, CheckerOptions::keep_going): the run up to and including step
// `at`, without the steps that diverged before it (`earlier`, indices into
// trace.steps). Such a trace reaches the divergence without the answers
// the model only adopted, so it replays and shrinks on its own. It fails
// with FailedPrecondition when it does not diverge at its last step: a step
// in between relied on an earlier divergent answer (a name it bound, a
// block it made), and the divergence is known only in the whole run.
absl::StatusOr<Trace> IsolateDivergence(const Trace& trace, const std::vector<size_t>& earlier,
                                        size_t at);

}  // namespace portpool::traces

#endif  // PORTPOOL_TRACES_SHRINK_H_
