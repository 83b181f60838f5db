#include "portpool/fuzz/simulated_calls.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace portpool::fuzz {
namespace {

// The seed comes from the first byte, not from FuzzedDataProvider's end of
// the input where the call choices are read: mutating the calls then keeps
// the simulator's choices, and the seed is plain to see in a hex dump.
uint64_t SeedOf(const uint8_t* data, size_t size) { return size == 0 ? 0 : data[0]; }

}  // namespace

SimulatedCalls::SimulatedCalls(const uint8_t* data, size_t size, std::string target)
    : bytes_(std::make_unique<FuzzedDataProvider>(size == 0 ? data : data + 1,
                                                  size == 0 ? 0 : size - 1)),
      seed_(SeedOf(data, size)),
      machine_(seed_),
      decoder_(*bytes_) {
  recorder_.AddProvenance(absl::StrCat("fuzz target=", target, " simulator seed=", seed_));
}

SimulatedCalls::~SimulatedCalls() = default;

std::optional<Call> SimulatedCalls::Next() {
  if (decoder_.done()) return std::nullopt;
  return decoder_.Next(machine_);
}

void SimulatedCalls::Record(const Call& call, const absl::StatusOr<Outcome>& outcome) {
  decoder_.Observe(call, outcome);
  if (!outcome.ok()) {
    recorder_.AddComment(
        absl::StrCat("not run: ", DescribeCall(call), ": ", outcome.status().message()));
    return;
  }
  recorder_.Record(call, *outcome);
}

traces::Trace SimulatedCalls::trace() const {
  traces::TraceRecorder copy = recorder_;
  return std::move(copy).Finish();
}

traces::Trace SimulatedCallsTrace(const uint8_t* data, size_t size) {
  SimulatedCalls run(data, size);
  while (std::optional<Call> call = run.Next()) {
    run.Record(*call, run.mutable_machine().Run(*call));
  }
  return run.trace();
}

}  // namespace portpool::fuzz
