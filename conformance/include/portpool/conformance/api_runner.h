// Runs a Call through a Win32-shaped Api exactly as a Windows program would:
// ports converted to network order at the surface, INET_PORT_RANGE and
// INET_PORT_RESERVATION_INSTANCE filled and read, WSAGetLastError after a
// failure. Shared by every backend that has an Api (the simulator through
// ModelApi, real Windows through its own).
#ifndef PORTPOOL_CONFORMANCE_API_RUNNER_H_
#define PORTPOOL_CONFORMANCE_API_RUNNER_H_

#include <map>

#include "absl/status/statusor.h"
#include "portpool/call.h"
#include "portpool/outcome.h"
#include "portpool/win32.h"

namespace portpool::conformance {

class ApiRunner {
 public:
  // Runs a socket, ioctl or persistent-reservation call on `api` (the
  // caller's process). Environment controls (processes, reboot, dynamic
  // range) are the backend's, not the Api's: they give an error status.
  absl::StatusOr<Outcome> Run(win32::Api& api, const Call& call);

  // Forgets every socket (after a reboot or the end of their process).
  void ForgetSockets() { sockets_.clear(); }
  // Forgets the sockets of one process.
  void ForgetSocketsOf(ProcessId process);

 private:
  struct OpenSocket {
    ProcessId process;
    win32::SOCKET handle;
    Family family;
  };
  // The backend's SocketIds (numbered here, from 1) for the Api's handles.
  std::map<uint32_t, OpenSocket> sockets_;
  uint32_t last_socket_ = 0;
};

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_API_RUNNER_H_
