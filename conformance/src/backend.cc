#include "portpool/conformance/backend.h"

namespace portpool::conformance {

bool Supports(const Capabilities& caps, const Call& call) {
  if (const auto* start = std::get_if<call::StartProcess>(&call)) {
    return start->elevated ? caps.elevated_process : caps.unelevated_process;
  }
  if (std::holds_alternative<call::EndProcess>(call)) return caps.end_process;
  if (std::holds_alternative<call::Reboot>(call)) return caps.reboot;
  if (std::holds_alternative<call::SetDynamicRange>(call)) return caps.set_dynamic_range;
  return true;
}

}  // namespace portpool::conformance
