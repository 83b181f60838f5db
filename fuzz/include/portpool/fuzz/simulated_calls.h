// The call sequence fuzzer bytes stand for, run on a seeded simulator and
// recorded as a trace: the call-sequence target checks each call as it
// runs, and `portpool from-fuzz --target calls` writes the trace.
//
//   SimulatedCalls run(data, size);
//   while (std::optional<Call> call = run.Next()) {
//     ... run.machine().Expect(*call) ...   // the state before the call
//     run.Record(*call, run.mutable_machine().Run(*call));
//   }
//   std::string text = traces::Print(run.trace());
#ifndef PORTPOOL_FUZZ_SIMULATED_CALLS_H_
#define PORTPOOL_FUZZ_SIMULATED_CALLS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "portpool/call.h"
#include "portpool/fuzz/call_decoder.h"
#include "portpool/machine.h"
#include "portpool/outcome.h"
#include "portpool/traces/record.h"
#include "portpool/traces/trace.h"

namespace portpool::fuzz {

class SimulatedCalls {
 public:
  // `target` names the fuzz target in the trace's provenance. The bytes must
  // outlive this object. The first byte of the input seeds the simulator.
  SimulatedCalls(const uint8_t* data, size_t size, std::string target = "calls");
  ~SimulatedCalls();

  // The next call in the current state, or nullopt when the input is used up.
  std::optional<Call> Next();
  // Records what `call` (the one Next returned) answered and lets the
  // decoder learn from it. A malformed call (from a process that has ended)
  // goes into the trace as a comment: the trace format has no answer for it.
  void Record(const Call& call, const absl::StatusOr<Outcome>& outcome);

  const Machine& machine() const { return machine_; }
  Machine& mutable_machine() { return machine_; }
  uint64_t seed() const { return seed_; }
  // The calls recorded so far, ready to replay.
  traces::Trace trace() const;

 private:
  std::unique_ptr<FuzzedDataProvider> bytes_;
  uint64_t seed_;
  Machine machine_;
  CallDecoder decoder_;
  traces::TraceRecorder recorder_;
};

// Runs the whole input on the simulator and returns its trace.
traces::Trace SimulatedCallsTrace(const uint8_t* data, size_t size);

}  // namespace portpool::fuzz

#endif  // PORTPOOL_FUZZ_SIMULATED_CALLS_H_
