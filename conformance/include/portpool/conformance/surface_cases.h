// Cases for the rules of the model's own API, which no Call can express:
// the W32-* rules of the Win32-shaped surface (null pointers, unknown ioctl
// codes, socket arguments, overlapped I/O, a process that has ended) and
// DYN-RANGE-SEEDED (seeding a model from a machine). Each runs on a fresh
// simulator (the W32-* ones through win32::ModelApi) and says whether the
// model answered as its rule says.
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
