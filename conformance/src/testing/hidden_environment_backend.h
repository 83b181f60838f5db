// A simulator whose listing leaves out every reservation of the environment:
// what a machine looks like where a block appears that no listing explains
// (or a backend that went wrong on its own). Tests of the checker's and the
// campaign's environment following use it to see an unexplained block
// reported as a divergence.
#ifndef PORTPOOL_CONFORMANCE_TESTING_HIDDEN_ENVIRONMENT_BACKEND_H_
#define PORTPOOL_CONFORMANCE_TESTING_HIDDEN_ENVIRONMENT_BACKEND_H_

#include <string>

#include "portpool/conformance/simulator_backend.h"

namespace portpool::conformance::testing {

class HiddenEnvironmentBackend final : public Backend {
 public:
  explicit HiddenEnvironmentBackend(uint64_t seed) : inner_(seed) {}

  std::string Describe() const override;
  Capabilities capabilities() const override { return inner_.capabilities(); }
  absl::StatusOr<Outcome> Run(const Call& call) override { return inner_.Run(call); }
  // The inner simulator's listing without the environment's blocks.
  absl::StatusOr<MachineSnapshot> Listing() override;

  // Makes `change` happen behind the checker's back; false if the machine
  // could not take it.
  bool Inject(const call::EnvironmentBlock& change);

 private:
  SimulatorBackend inner_;
  std::string injected_;
};

}  // namespace portpool::conformance::testing

#endif  // PORTPOOL_CONFORMANCE_TESTING_HIDDEN_ENVIRONMENT_BACKEND_H_
