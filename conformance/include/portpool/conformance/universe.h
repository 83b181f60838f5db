// A small universe for the bounded-exhaustive explorer (explore.h): which
// protocols, families, processes, sockets and ports exist, and which
// environment events may happen. The explorer visits every state of the model
// that calls inside the universe can reach.
//
// The window is a run of real ports (50000.. by default). Windows refuses a
// dynamic range of fewer than 255 ports (DYN-RANGE-INVALID), so a universe
// whose dynamic range has `dynamic_ports` ports inside the window sets a
// 255-port range that starts there and fills the part past the window with
// one persistent environment block per protocol (ENV-PERSISTENT-BLOCK): the
// only ports a wildcard acquire or a bind(0) can take are then the window's.
// Every trace the explorer writes starts with these set-up steps (Prelude),
// so `portpool replay` and `portpool record` see the same machine.
#ifndef PORTPOOL_CONFORMANCE_UNIVERSE_H_
#define PORTPOOL_CONFORMANCE_UNIVERSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "portpool/call.h"
#include "portpool/port_range.h"
#include "portpool/protocol.h"

namespace portpool::conformance {

struct Universe {
  std::vector<Protocol> protocols{Protocol::kTcp};
  std::vector<Family> families{Family::kIpv4};
  // How many processes of each kind may be live at once.
  uint32_t elevated_processes = 1;
  uint32_t normal_processes = 0;
  uint32_t sockets_per_process = 1;
  uint16_t window_start = 50000;
  uint16_t window_ports = 2;
  // The dynamic range's ports inside the window: its last ones.
  uint16_t dynamic_ports = 1;
  bool reboots = true;
  // Environment blocks (ENV-*) appear and go away inside the window.
  bool environment = false;
  // Besides the right buffer sizes, one wrong size per ioctl argument.
  bool buffer_classes = true;

  // An error naming the option that is out of range.
  absl::Status Validate() const;
  // "tcp+udp ipv4+ipv6, 1 elevated + 1 normal process, 2 sockets each,
  // ports 50000-50003 (dynamic 50002-50003), reboots, no environment".
  std::string Describe() const;
  // The same as command-line options of `portpool explore`.
  std::string Options() const;

  PortRange window() const { return PortRange{window_start, window_ports}; }
  // The dynamic range as Windows holds it (255 ports from inside the window).
  PortRange dynamic_range() const;
  // The ports of the dynamic range inside the window.
  PortRange dynamic_in_window() const;
  // The set-up calls every explored trace starts with: the dynamic range of
  // each protocol and family, and the filler blocks past the window.
  std::vector<Call> Prelude() const;
};

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_UNIVERSE_H_
