#include "portpool/conformance/universe.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace portpool::conformance {
namespace {

// Windows' smallest dynamic range (DYN-RANGE-INVALID below it).
constexpr uint32_t kDynamicMinimum = 255;

std::string Protocols(const std::vector<Protocol>& protocols) {
  return absl::StrJoin(protocols, "+",
                       [](std::string* out, Protocol p) { absl::StrAppend(out, ProtocolName(p)); });
}
std::string Families(const std::vector<Family>& families) {
  return absl::StrJoin(families, "+",
                       [](std::string* out, Family f) { absl::StrAppend(out, FamilyName(f)); });
}

}  // namespace

absl::Status Universe::Validate() const {
  if (protocols.empty()) return absl::InvalidArgumentError("the universe has no protocol");
  if (families.empty()) return absl::InvalidArgumentError("the universe has no address family");
  if (elevated_processes + normal_processes == 0) {
    return absl::InvalidArgumentError("the universe has no process (--elevated, --normal)");
  }
  if (elevated_processes > 4 || normal_processes > 4 || sockets_per_process > 4) {
    return absl::InvalidArgumentError(
        "at most 4 elevated, 4 normal processes and 4 sockets per process");
  }
  if (window_ports == 0 || window_ports > 16) {
    return absl::InvalidArgumentError("--ports must be 1..16");
  }
  if (dynamic_ports > window_ports) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--dynamic-ports (", dynamic_ports, ") must not exceed --ports (", window_ports, ")"));
  }
  if (window_start < 1025 || uint32_t{window_start} + window_ports + kDynamicMinimum > kMaxPort) {
    return absl::InvalidArgumentError(absl::StrCat("--window-start ", window_start,
                                                   " must be 1025..",
                                                   kMaxPort - kDynamicMinimum - window_ports));
  }
  return absl::OkStatus();
}

std::string Universe::Describe() const {
  const PortRange dyn = dynamic_in_window();
  return absl::StrCat(
      Protocols(protocols), " ", Families(families), ", ", elevated_processes, " elevated + ",
      normal_processes, " normal process", elevated_processes + normal_processes == 1 ? "" : "es",
      ", ", sockets_per_process, " socket", sockets_per_process == 1 ? "" : "s", " each, ports ",
      FormatRange(window()), " (dynamic ", dyn.count == 0 ? "none" : FormatRange(dyn), "), ",
      reboots ? "reboots" : "no reboots", ", ",
      environment ? "environment events" : "no environment events",
      buffer_classes ? "" : ", right buffer sizes only");
}

std::string Universe::Options() const {
  return absl::StrCat("--protocols ", Protocols(protocols), " --families ", Families(families),
                      " --elevated ", elevated_processes, " --normal ", normal_processes,
                      " --sockets ", sockets_per_process, " --window-start ", window_start,
                      " --ports ", window_ports, " --dynamic-ports ", dynamic_ports,
                      reboots ? "" : " --no-reboots", environment ? " --environment" : "",
                      buffer_classes ? "" : " --no-buffer-classes");
}

PortRange Universe::dynamic_range() const {
  return PortRange{static_cast<uint16_t>(window_start + window_ports - dynamic_ports),
                   static_cast<uint16_t>(kDynamicMinimum)};
}

PortRange Universe::dynamic_in_window() const {
  return PortRange{static_cast<uint16_t>(window_start + window_ports - dynamic_ports),
                   dynamic_ports};
}

std::vector<Call> Universe::Prelude() const {
  std::vector<Call> calls;
  const PortRange dyn = dynamic_range();
  const PortRange filler{static_cast<uint16_t>(window_start + window_ports),
                         static_cast<uint16_t>(kDynamicMinimum - dynamic_ports)};
  for (Protocol p : kAllProtocols) {
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      calls.push_back(call::SetDynamicRange{p, dyn, f});
    }
    calls.push_back(call::EnvironmentBlock{true, EnvironmentStore::kPersistent, p, filler});
  }
  return calls;
}

}  // namespace portpool::conformance
