// A backend runs calls for the conformance suite: the simulator, or the real
// Windows API. The checker judges every answer a backend gives against the
// model, so any backend that implements this interface can be diffed.
//
// Ids in calls and outcomes are the backend's own (its process and socket
// numbering, its tokens); the checker maps them onto the model's.
#ifndef PORTPOOL_CONFORMANCE_BACKEND_H_
#define PORTPOOL_CONFORMANCE_BACKEND_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portpool/call.h"
#include "portpool/conformance/netsh_parse.h"
#include "portpool/ids.h"
#include "portpool/outcome.h"
#include "portpool/port_range.h"

namespace portpool::conformance {

// The start of a backend's error message when the API is not there at all
// (a Windows build under Wine, say): nothing was asked, so the call proves
// nothing either way. Tests skip with it; runs that must check real answers
// (PORTPOOL_REQUIRE_REAL) fail with it.
inline constexpr absl::string_view kUnsupportedOnThisSystem = "unsupported on this system";
// The start of the message of a call a sandbox refused (sandbox.h in
// conformance/windows/): it never reached the backend.
inline constexpr absl::string_view kRefusedBySandbox = "refused by the sandbox";

// The environment controls a backend can provide. Real Windows cannot
// reboot inside a test or drop its own elevation; generators leave out the
// calls a backend cannot run.
struct Capabilities {
  bool reboot = true;
  bool end_process = true;
  bool unelevated_process = true;
  bool elevated_process = true;
  bool several_processes = true;
  bool set_dynamic_range = true;
  // Whether the backend can be made to run an environment change (an
  // EnvironmentBlock call): the simulator can; a real machine only lists
  // what other parts of Windows did (Backend::Listing).
  bool environment_events = true;
  // The ports the backend may touch, when not all of them: a real machine
  // is touched only inside its sandbox window (conformance/windows/sandbox.h), so generated
  // calls keep every port and block inside it. Unset (the simulator): any.
  std::optional<PortRange> port_window;
  // Whether the system may choose the port (bind to port 0, a wildcard
  // acquire): such a port lies outside any window, and a sandbox may
  // forbid it.
  bool system_chosen_ports = true;
  // A token nobody holds that the backend accepts in Release and Associate
  // (a sandbox refuses tokens the run did not obtain, which may be another
  // program's, except this one). Unset: any made-up token.
  std::optional<Token> made_up_token;
};

// Whether `call` needs only what `capabilities` provides.
bool Supports(const Capabilities& capabilities, const Call& call);

class Backend {
 public:
  virtual ~Backend() = default;
  // "simulator seed=42", "windows build=22631".
  virtual std::string Describe() const = 0;
  virtual Capabilities capabilities() const = 0;
  // Runs one call and returns what it answered. An error status means the
  // backend could not run the call at all (unsupported here, a harness
  // fault); it is never a Windows answer.
  virtual absl::StatusOr<Outcome> Run(const Call& call) = 0;
  // What the machine holds now, as `netsh int ipv4 show excludedportrange`
  // and `show dynamicport` list it: the checker reads it when an answer
  // could only be explained by a reservation that no process of the run
  // made or removed (ENV-*). Unimplemented for a backend that cannot list.
  virtual absl::StatusOr<MachineSnapshot> Listing();
};

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_BACKEND_H_
