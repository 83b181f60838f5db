// libFuzzer target: call sequences. The bytes become a sequence of every
// kind of call (call_decoder.h), run on the seeded simulator; the model and
// the table oracle must agree call for call (the same allowed error codes,
// the same verdict on NO_ERROR, the oracle accepts the simulator's answer,
// the same state afterwards), and the model's invariants must hold after
// every call. For one input in four, full scans at the end check the
// oracle's tables and the model's free-port bitmap, and the run's trace must
// replay to conformance (the recorder, printer, parser and replayer on deep
// runs).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "portpool/fuzz/simulated_calls.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"
#include "testing/agreement.h"
#include "testing/finding.h"
#include "testing/model_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using portpool::fuzz::testing::ReportFinding;
  portpool::fuzz::SimulatedCalls run(data, size);
  portpool::testing::CallAgreement agreement(run.mutable_machine());
  while (std::optional<portpool::Call> call = run.Next()) {
    absl::StatusOr<portpool::Outcome> outcome;
    const std::string disagreement = agreement.Step(*call, outcome);
    run.Record(*call, outcome);
    if (!disagreement.empty()) ReportFinding("calls", data, size, disagreement);
    const std::string broken = portpool::testing::CheckInvariants(run.machine());
    if (!broken.empty()) {
      ReportFinding(
          "calls", data, size,
          absl::StrCat("invariant broken after ", portpool::DescribeCall(*call), ": ", broken));
    }
  }
  // The full scans cost more than the run itself (65,536 ports per protocol
  // in the oracle and the model): one input in four makes them, picked by
  // its first byte so that the choice is the same on every run of an input.
  if (size == 0 || data[0] % 4 != 0) return 0;
  if (std::string broken = agreement.Finish(); !broken.empty()) {
    ReportFinding("calls", data, size, broken);
  }
  if (std::string broken = portpool::testing::CheckInvariantsFully(run.machine());
      !broken.empty()) {
    ReportFinding("calls", data, size, absl::StrCat("at the end: ", broken));
  }
  {
    const std::string text = portpool::traces::Print(run.trace());
    auto trace = portpool::traces::Parse(text, "<recorded>");
    if (!trace.ok()) {
      ReportFinding("calls", data, size,
                    absl::StrCat("the recorded trace does not parse: ", trace.status().message()));
    }
    const portpool::traces::ReplayResult replay = portpool::traces::Replay(*trace);
    if (!replay.conforms) {
      ReportFinding(
          "calls", data, size,
          absl::StrCat("the simulator's trace does not replay to conformance: ",
                       replay.error ? replay.error->message
                                    : absl::StrCat("divergence at step ", replay.divergence->step,
                                                   ": ", replay.divergence->call)));
    }
  }
  return 0;
}
