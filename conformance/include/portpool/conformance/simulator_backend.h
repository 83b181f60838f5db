// The built-in simulator as a backend: a seeded Machine, reached through
// ModelApi exactly as real Windows is reached through its API, so that the
// byte order and buffer handling of the surface are exercised too.
//
// With environment changes switched on (SimulatorOptions::environment), it
// also plays the parts of Windows outside the run: before a call, now and
// then, a reservation appears or goes that no process of the run made
// (HNS's and WinNAT's runtime blocks in the dynamic range, NS-5 and PS-8; an
// administrator's store=active exclusion, PS-4), and after a reboot the
// runtime ones come back at new places (PS-7, REBOOT-ENV-REPLACED). None of
// this is reported in any answer: a checker sees it only in Listing(), as it
// would on a real machine.
#ifndef PORTPOOL_CONFORMANCE_SIMULATOR_BACKEND_H_
#define PORTPOOL_CONFORMANCE_SIMULATOR_BACKEND_H_

#include <cstdint>
#include <map>
#include <memory>

#include "portpool/conformance/api_runner.h"
#include "portpool/conformance/backend.h"
#include "portpool/machine.h"
#include "portpool/random.h"
#include "portpool/win32.h"

namespace portpool::conformance {

struct EnvironmentOptions {
  // The chance, before each call, that a reservation of the environment
  // appears or goes. 0: never.
  double rate = 0;
  // Runtime blocks the machine starts with, as HNS and WinNAT leave them
  // (100 and 64 ports in the dynamic range).
  int initial_blocks = 0;
};

struct SimulatorOptions {
  MachineOptions machine;
  EnvironmentOptions environment;
};

class SimulatorBackend final : public Backend {
 public:
  explicit SimulatorBackend(uint64_t seed, MachineOptions options = {});
  SimulatorBackend(uint64_t seed, SimulatorOptions options);

  std::string Describe() const override;
  Capabilities capabilities() const override { return Capabilities{}; }
  absl::StatusOr<Outcome> Run(const Call& call) override;
  // The machine's reservations and dynamic ranges, through netsh's text:
  // formatted as netsh prints them and parsed back (netsh_parse.h).
  absl::StatusOr<MachineSnapshot> Listing() override;

  const Machine& machine() const { return machine_; }
  // How many environment changes the backend made so far.
  int environment_changes() const { return environment_changes_; }

 private:
  // Makes one environment change, if the machine has room for it.
  void ChangeEnvironment();
  // Places a runtime block of `count` ports in the protocol's dynamic range.
  void PlaceRuntimeBlock(Protocol protocol, uint16_t count);

  uint64_t seed_;
  SimulatorOptions options_;
  Machine machine_;
  SplitMix64 environment_rng_;
  int environment_changes_ = 0;
  std::map<ProcessId, std::unique_ptr<win32::ModelApi>> apis_;
  ApiRunner runner_;
};

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_SIMULATOR_BACKEND_H_
