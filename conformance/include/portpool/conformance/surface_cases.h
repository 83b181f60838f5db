// Cases for the W32-* rules: behaviours of the Win32-shaped surface itself
// (null pointers, unknown ioctl codes, socket arguments, overlapped I/O, a
// process that has ended), which no Call can express. Each runs through
// win32::ModelApi on a fresh simulator and says whether the surface
// answered as its rule says.
#ifndef PORTPOOL_CONFORMANCE_SURFACE_CASES_H_
#define PORTPOOL_CONFORMANCE_SURFACE_CASES_H_

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "portpool/machine.h"
#include "portpool/rules.h"

namespace portpool::conformance {

struct SurfaceCase {
  RuleId rule;
  const char* what;
  // OK when the surface answered as the rule says; else what it did.
  absl::Status (*run)(Machine& machine);
};

std::span<const SurfaceCase> SurfaceCases();

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_SURFACE_CASES_H_
