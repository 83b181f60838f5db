// Safety for a differential run on a real machine: a sandbox window of ports
// the run may touch, and a Backend decorator that enforces it.
//
// A real Windows machine (a CI runner, a developer's PC) has reservations of
// its own (Hyper-V, WinNAT, administered exclusions). The run reads them
// first (netsh_parse.h), picks a window clear of all of them and of the
// dynamic port range, and then:
//   - refuses (an error status, never a call) anything that names a port
//     outside the window: Create, Delete, a specific acquire, a specific
//     bind; a Lookup may read anywhere, it changes nothing;
//   - refuses Reboot and SetDynamicRange outright;
//   - refuses Release and Associate with a token the run did not obtain
//     (except 0 and kBogusToken), so it never releases or consumes another
//     program's reservation;
//   - never deletes a reservation it did not create: a Delete of a block
//     this run did not create is first checked with a Lookup of that exact
//     block on the inner backend, and refused if the block exists;
//   - journals every Create and Delete before the call and its answer after.
// Calls that let the system choose (a wildcard acquire, bind to port 0) are
// let through when `allow_system_chosen` is set (the default): they take a
// port or block from the dynamic range exactly as any program does, and it
// goes when the socket closes.
#ifndef PORTPOOL_CONFORMANCE_SANDBOX_H_
#define PORTPOOL_CONFORMANCE_SANDBOX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "portpool/call.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/windows/journal.h"
#include "portpool/conformance/netsh_parse.h"
#include "portpool/port_range.h"

namespace portpool::conformance {

struct SandboxOptions {
  // The window, if the user chose one; else one is found by scanning.
  std::optional<PortRange> window;
  // Size of a scanned window and where the scan starts.
  uint16_t size = 256;
  uint16_t scan_from = 20000;
  // Let wildcard acquires and bind(port 0) through (see above).
  bool allow_system_chosen = true;
};

// Parses "20000-20255" or "20000+256" (start and count). An error for
// anything else, an empty range or one past 65535.
absl::StatusOr<PortRange> ParseWindow(absl::string_view text);

class Sandbox {
 public:
  // A token no reservation has (the sandbox lets it through as "made up").
  static constexpr Token kBogusToken = 0x0badc0de0badc0deULL;

  // The user's window if it is clear, else the lowest clear window of
  // `options.size` ports at or above `options.scan_from`. Clear: no
  // excluded range and no bound port of either protocol, and outside both
  // dynamic ranges. An error saying what is in the way, or that no window
  // fits.
  static absl::StatusOr<Sandbox> Choose(const MachineSnapshot& snapshot,
                                        const SandboxOptions& options = {});
  // A sandbox on a window, unchecked (tests).
  explicit Sandbox(PortRange window, bool allow_system_chosen = true)
      : window_(window), allow_system_chosen_(allow_system_chosen) {}

  const PortRange& window() const { return window_; }
  bool allow_system_chosen() const { return allow_system_chosen_; }
  // The n-th port of the window (n < size).
  uint16_t Port(uint16_t n) const { return static_cast<uint16_t>(window_.start + n); }

  // OK if the call's ports keep to the window, else why not. Tokens and
  // foreign blocks are the backend's business (they need its state).
  absl::Status Admit(const Call& call) const;

 private:
  // The ports a block argument can touch: start..min(last, 65535).
  absl::Status AdmitBlock(absl::string_view what, PortRange block) const;

  PortRange window_;
  bool allow_system_chosen_ = true;
};

// What goes in the conflict report of Choose: everything of `snapshot`
// that `window` would touch ("tcp excluded 50000-50059 *", "udp dynamic
// range 49152-65535", "tcp port 20001 bound"). Empty when clear.
std::vector<std::string> WindowConflicts(const MachineSnapshot& snapshot, PortRange window);

class SandboxedBackend final : public Backend {
 public:
  // `inner` and `journal` must outlive this. `snapshot` lists what was there
  // before (its blocks are never deleted, wherever they are).
  SandboxedBackend(Backend& inner, Sandbox sandbox, Journal& journal,
                   MachineSnapshot snapshot = {});

  std::string Describe() const override;
  // The inner backend's, without reboot, dynamic-range and environment
  // changes, with the
  // window as the port window, system-chosen ports as allowed, and
  // kBogusToken as the made-up token.
  Capabilities capabilities() const override;
  // A refused call gives FailedPrecondition "refused by the sandbox: ..."
  // (kRefusedBySandbox) and reaches neither the inner backend nor Windows.
  absl::StatusOr<Outcome> Run(const Call& call) override;
  // The inner backend's listing: reading changes nothing.
  absl::StatusOr<MachineSnapshot> Listing() override;

  // Deletes, through the inner backend, every persistent block this backend
  // created that may still exist; journaled like any Delete. As `process`
  // if given; otherwise as an elevated process started for the purpose (and
  // ended after), which is what a run whose own processes may have ended or
  // be unelevated needs: where the backend can end processes, the run's
  // processes are ended first, so that no socket of theirs holds a port of
  // a block (a Delete may then be refused, unknown U5). Returns what it
  // could not delete.
  std::vector<PendingReservation> CleanUp(std::optional<ProcessId> process = std::nullopt);

  const Sandbox& sandbox() const { return sandbox_; }
  // This run's pending blocks (created and not deleted).
  std::vector<PendingReservation> Pending() const { return pending_.Pending(); }
  // How many calls were refused so far.
  int refused() const { return refused_; }

 private:
  absl::Status Refuse(const std::string& why);
  absl::StatusOr<Outcome> RunJournaled(JournalOp op, Protocol protocol, PortRange block,
                                       const Call& call);
  absl::Status AdmitToken(absl::string_view what, Token token) const;
  bool IsForeign(Protocol protocol, PortRange block) const;
  void Learn(const Call& call, const Outcome& outcome);

  Backend& inner_;
  Sandbox sandbox_;
  Journal& journal_;
  MachineSnapshot snapshot_;
  PendingSet pending_;
  absl::flat_hash_set<Token> own_tokens_;
  absl::flat_hash_set<uint32_t> live_processes_;
  int refused_ = 0;
};

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_SANDBOX_H_
