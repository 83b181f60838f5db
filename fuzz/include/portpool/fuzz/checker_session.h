// The checker fed answers from fuzzer bytes: the checker target makes sure
// it judges any recorded answer without crashing, and `portpool from-fuzz
// --target checker` writes the run as a trace.
//
// The calls are valid ones, decoded as for the call-sequence target (see
// call_decoder.h). Their answers come from a FuzzedBackend: a seeded
// simulator whose answer the bytes now and then replace, in part or whole:
// another error code, a token that is stale, made up, 0 or another
// reservation's, a port or block one off or anywhere, a process or socket id
// reused, fields a call never returns. So runs stay on the model's path long
// enough to reach deep states and then step off it in every way.
#ifndef PORTPOOL_FUZZ_CHECKER_SESSION_H_
#define PORTPOOL_FUZZ_CHECKER_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "portpool/call.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/checker.h"
#include "portpool/fuzz/call_decoder.h"
#include "portpool/machine.h"

namespace portpool::fuzz {

// The simulator, with answers the bytes may replace.
class FuzzedBackend final : public conformance::Backend {
 public:
  FuzzedBackend(FuzzedDataProvider& bytes, uint64_t seed) : bytes_(bytes), machine_(seed) {}

  std::string Describe() const override;
  conformance::Capabilities capabilities() const override { return {}; }
  absl::StatusOr<Outcome> Run(const Call& call) override;

  const Machine& machine() const { return machine_; }
  // How many answers were replaced so far.
  int replaced() const { return replaced_; }

 private:
  Outcome Replace(const Outcome& outcome);

  FuzzedDataProvider& bytes_;
  Machine machine_;
  std::vector<Token> tokens_;
  uint32_t last_id_ = 0;
  int replaced_ = 0;
};

class CheckerSession {
 public:
  // The bytes must outlive the session. The first byte seeds the simulator.
  CheckerSession(const uint8_t* data, size_t size);
  ~CheckerSession();

  struct Result {
    Call call;
    // A verdict, or why the call could not be checked.
    absl::StatusOr<conformance::CheckedCall> checked;
  };
  // Checks the next call, or returns nullopt when the input is used up or
  // the run has stopped: at a divergence, or at a call the checker could not
  // check (a status; the backend may have done what the checker refused).
  std::optional<Result> Next();

  const conformance::Checker& checker() const { return *checker_; }
  const FuzzedBackend& backend() const { return *backend_; }
  // The checked calls so far, as a trace (the divergent one last, with its
  // explanation as a comment).
  std::string TraceText() const;

 private:
  std::unique_ptr<FuzzedDataProvider> bytes_;
  uint64_t seed_;
  std::unique_ptr<FuzzedBackend> backend_;
  std::unique_ptr<conformance::Checker> checker_;
  CallDecoder decoder_;
  bool stopped_ = false;
};

// Runs the whole input and returns its trace text.
std::string CheckerSessionTrace(const uint8_t* data, size_t size);

}  // namespace portpool::fuzz

#endif  // PORTPOOL_FUZZ_CHECKER_SESSION_H_
