// A block of consecutive ports, in host byte order.
//
// Inside the model every port is host order; byte order is converted only at
// the Win32-shaped surface (win32.h), exactly where Windows expects network
// order.
#ifndef PORTPOOL_PORT_RANGE_H_
#define PORTPOOL_PORT_RANGE_H_

#include <cstdint>
#include <ostream>
#include <string>

namespace portpool {

inline constexpr uint32_t kMaxPort = 65535;

struct PortRange {
  uint16_t start = 0;
  uint16_t count = 0;

  // The last port of the block, computed without overflow. May exceed 65535
  // for a block that runs past the top of the port space.
  constexpr uint32_t last() const { return uint32_t{start} + count - 1; }
  // True when the block is non-empty and ends at or below port 65535.
  constexpr bool fits() const { return count != 0 && last() <= kMaxPort; }
  constexpr bool contains(uint32_t port) const {
    return count != 0 && port >= start && port <= last();
  }
  constexpr bool contains(const PortRange& other) const {
    return other.count != 0 && contains(other.start) && other.last() <= last();
  }
  constexpr bool overlaps(const PortRange& other) const {
    return count != 0 && other.count != 0 && start <= other.last() && other.start <= last();
  }
  friend constexpr bool operator==(const PortRange&, const PortRange&) = default;
};

// "5000-5009" (or "5000" for one port; "5000+0" for an empty block).
std::string FormatRange(const PortRange& range);

inline std::ostream& operator<<(std::ostream& os, const PortRange& r) {
  return os << FormatRange(r);
}

}  // namespace portpool

#endif  // PORTPOOL_PORT_RANGE_H_
