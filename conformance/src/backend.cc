#include "portpool/conformance/backend.h"

#include "absl/strings/str_cat.h"

namespace portpool::conformance {

bool Supports(const Capabilities& caps, const Call& call) {
  if (const auto* start = std::get_if<call::StartProcess>(&call)) {
    return start->elevated ? caps.elevated_process : caps.unelevated_process;
  }
  if (std::holds_alternative<call::EndProcess>(call)) return caps.end_process;
  if (std::holds_alternative<call::Reboot>(call)) return caps.reboot;
  if (std::holds_alternative<call::SetDynamicRange>(call)) return caps.set_dynamic_range;
  if (std::holds_alternative<call::EnvironmentBlock>(call)) return caps.environment_events;
  return true;
}

absl::StatusOr<MachineSnapshot> Backend::Listing() {
  return absl::UnimplementedError(absl::StrCat(Describe(), " cannot list its reservations"));
}

}  // namespace portpool::conformance
