// A run of many fresh backends on one real machine, as `portpool campaign
// --backend windows` makes it: what the machine had before (netsh_parse.h),
// the sandbox window and the journal (sandbox.h, journal.h), and for every
// sequence and documented case a fresh backend inside the sandbox whose
// blocks are deleted when it ends. Portable: the Linux tests run it on the
// simulator, and on a pool of simulator workers.
//
// And PORTPOOL_REQUIRE_REAL: where it is set (CI sets it on its Windows
// runners), a run that could not ask the real API, or not as an elevated
// administrator, fails instead of skipping, so that a green run always
// means real answers were checked.
#ifndef PORTPOOL_CONFORMANCE_WINDOWS_REAL_MACHINE_H_
#define PORTPOOL_CONFORMANCE_WINDOWS_REAL_MACHINE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/campaign.h"
#include "portpool/conformance/netsh_parse.h"
#include "portpool/conformance/trace_ports.h"
#include "portpool/conformance/windows/journal.h"
#include "portpool/conformance/windows/sandbox.h"

namespace portpool::conformance {

inline constexpr absl::string_view kRequireRealVariable = "PORTPOOL_REQUIRE_REAL";

// An environment variable's value; nullopt when unset or empty.
std::optional<std::string> EnvironmentVariable(const std::string& name);
// PORTPOOL_REQUIRE_REAL is set to anything but "0".
bool RealAnswersRequired();

struct RealMachineRun {
  // What the machine is: "windows build=22631 elevated=yes".
  std::string description;
  MachineSnapshot snapshot;
  Sandbox sandbox{kTraceWindow};
  std::shared_ptr<Journal> journal;
  // A fresh backend for one sequence or case (on Windows a new pool of
  // worker processes; its sockets close when it goes).
  std::function<absl::StatusOr<std::unique_ptr<Backend>>()> make_backend;
  // What the sequences could not delete, added to as each one ends: if not
  // empty, run `portpool cleanup --journal`.
  std::shared_ptr<std::vector<PendingReservation>> left =
      std::make_shared<std::vector<PendingReservation>>();
};

// Chooses the sandbox window for `snapshot` (`window_text` if given, as
// ParseWindow reads it), opens the journal at `journal_path` and notes the
// run there. An error saying which of the two failed.
absl::StatusOr<RealMachineRun> OpenRealMachineRun(
    std::string description, MachineSnapshot snapshot,
    const std::optional<std::string>& window_text, const std::string& journal_path,
    std::function<absl::StatusOr<std::unique_ptr<Backend>>()> make_backend);

// Points `options` at `run`: make_backend gives a SandboxedBackend over a
// fresh run.make_backend() that deletes what it created when it is
// destroyed (adding what it could not to run.left); prepare_model seeds the
// model with run.snapshot; adapt_case moves a documented case's ports into
// the window, and leaves out (as a case this backend cannot make) one whose
// ports span more than the window. The surface cases and the simulator's
// own promises are not checked.
void SetUpRealMachineCampaign(const RealMachineRun& run, CampaignOptions& options);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_WINDOWS_REAL_MACHINE_H_
