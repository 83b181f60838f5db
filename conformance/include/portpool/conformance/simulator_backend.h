// The built-in simulator as a backend: a seeded Machine, reached through
// ModelApi exactly as real Windows is reached through its API, so that the
// byte order and buffer handling of the surface are exercised too.
#ifndef PORTPOOL_CONFORMANCE_SIMULATOR_BACKEND_H_
#define PORTPOOL_CONFORMANCE_SIMULATOR_BACKEND_H_

#include <cstdint>
#include <map>
#include <memory>

#include "portpool/conformance/api_runner.h"
#include "portpool/conformance/backend.h"
#include "portpool/machine.h"
#include "portpool/win32.h"

namespace portpool::conformance {

class SimulatorBackend final : public Backend {
 public:
  explicit SimulatorBackend(uint64_t seed, MachineOptions options = {});

  std::string Describe() const override;
  Capabilities capabilities() const override { return Capabilities{}; }
  absl::StatusOr<Outcome> Run(const Call& call) override;

  const Machine& machine() const { return machine_; }

 private:
  uint64_t seed_;
  Machine machine_;
  std::map<ProcessId, std::unique_ptr<win32::ModelApi>> apis_;
  ApiRunner runner_;
};

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_SIMULATOR_BACKEND_H_
