// Identities the model hands out: processes, sockets and reservation tokens.
#ifndef PORTPOOL_IDS_H_
#define PORTPOOL_IDS_H_

#include <cstdint>
#include <ostream>
#include <utility>

namespace portpool {

// A reservation token: opaque, non-zero for every live reservation.
using Token = uint64_t;
// Windows' INVALID_PORT_RESERVATION_TOKEN.
inline constexpr Token kInvalidToken = 0;

// A process on the simulated machine. Ids are never reused, not even across
// reboots, so a stale id is always recognisable as ended.
struct ProcessId {
  uint32_t value = 0;
  friend constexpr auto operator<=>(const ProcessId&, const ProcessId&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const ProcessId& id) {
    return H::combine(std::move(h), id.value);
  }
};

// A socket of a process. Like ProcessId, never reused.
struct SocketId {
  uint32_t value = 0;
  friend constexpr auto operator<=>(const SocketId&, const SocketId&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const SocketId& id) {
    return H::combine(std::move(h), id.value);
  }
};

inline std::ostream& operator<<(std::ostream& os, ProcessId id) { return os << "p" << id.value; }
inline std::ostream& operator<<(std::ostream& os, SocketId id) { return os << "s" << id.value; }

}  // namespace portpool

#endif  // PORTPOOL_IDS_H_
