#include "portpool/conformance/windows/sandbox.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace portpool::conformance {
namespace {

// The ports a block argument can reach: the fitted part (a block running
// past 65535 is cut there). Empty (count 0) stays empty.
PortRange Reach(PortRange block) {
  if (block.count == 0 || block.fits()) return block;
  return PortRange{block.start, static_cast<uint16_t>(kMaxPort - block.start + 1)};
}

}  // namespace

absl::StatusOr<PortRange> ParseWindow(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  const size_t dash = text.find('-');
  const size_t plus = text.find('+');
  const size_t split = dash != absl::string_view::npos ? dash : plus;
  uint32_t first = 0;
  uint32_t second = 0;
  if (split == absl::string_view::npos || !absl::SimpleAtoi(text.substr(0, split), &first) ||
      !absl::SimpleAtoi(text.substr(split + 1), &second)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a port window (START-END or START+COUNT)"));
  }
  if (first == 0 || first > kMaxPort) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "': the window must start at a port from 1 to 65535"));
  }
  if (split == dash && second < first) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is empty: END must not be below START"));
  }
  const uint32_t count = split == dash ? second - first + 1 : second;
  if (count == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' holds no port: COUNT must be at least 1"));
  }
  if (uint64_t{first} + count - 1 > kMaxPort) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' ends at port ", uint64_t{first} + count - 1, ", past 65535"));
  }
  return PortRange{static_cast<uint16_t>(first), static_cast<uint16_t>(count)};
}

std::vector<std::string> WindowConflicts(const MachineSnapshot& snapshot, PortRange window) {
  std::vector<std::string> conflicts;
  for (Protocol protocol : kAllProtocols) {
    const ProtocolSnapshot& s = snapshot.of(protocol);
    for (const ExcludedRange& excluded : s.excluded) {
      if (excluded.range.overlaps(window)) {
        conflicts.push_back(absl::StrCat(ProtocolName(protocol), " excluded ",
                                         FormatRange(excluded.range),
                                         excluded.administered ? " *" : ""));
      }
    }
    for (const PortRange& dynamic : {s.dynamic, s.dynamic_ipv6}) {
      if (dynamic.overlaps(window)) {
        conflicts.push_back(
            absl::StrCat(ProtocolName(protocol), " dynamic range ", FormatRange(dynamic)));
        break;
      }
    }
    for (uint16_t port : s.bound) {
      if (window.contains(port)) {
        conflicts.push_back(absl::StrCat(ProtocolName(protocol), " port ", port, " bound"));
      }
    }
  }
  return conflicts;
}

absl::StatusOr<Sandbox> Sandbox::Choose(const MachineSnapshot& snapshot,
                                        const SandboxOptions& options) {
  if (options.window) {
    if (!options.window->fits()) {
      return absl::InvalidArgumentError(
          absl::StrCat("sandbox window ", FormatRange(*options.window), " is not a range"));
    }
    std::vector<std::string> conflicts = WindowConflicts(snapshot, *options.window);
    if (!conflicts.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("sandbox window ", FormatRange(*options.window),
                       " is not clear: ", absl::StrJoin(conflicts, ", ")));
    }
    return Sandbox(*options.window, options.allow_system_chosen);
  }
  if (options.size == 0) return absl::InvalidArgumentError("sandbox size 0");
  // Everything in the way, as ranges; the scan jumps past each.
  std::vector<PortRange> obstacles;
  for (Protocol protocol : kAllProtocols) {
    const ProtocolSnapshot& s = snapshot.of(protocol);
    for (const ExcludedRange& excluded : s.excluded) obstacles.push_back(excluded.range);
    obstacles.push_back(s.dynamic);
    obstacles.push_back(s.dynamic_ipv6);
    for (uint16_t port : s.bound) obstacles.push_back(PortRange{port, 1});
  }
  uint32_t start = std::max<uint32_t>(options.scan_from, 1);
  while (start + options.size - 1 <= kMaxPort) {
    const PortRange candidate{static_cast<uint16_t>(start), options.size};
    uint32_t next = start;
    for (const PortRange& obstacle : obstacles) {
      if (obstacle.overlaps(candidate)) next = std::max(next, obstacle.last() + 1);
    }
    if (next == start) return Sandbox(candidate, options.allow_system_chosen);
    start = next;
  }
  return absl::ResourceExhaustedError(absl::StrCat("no clear window of ", options.size,
                                                   " ports at or above ", options.scan_from,
                                                   "; choose one (e.g. --sandbox START-END)"));
}

absl::Status Sandbox::AdmitBlock(absl::string_view what, PortRange block) const {
  const PortRange reach = Reach(block);
  const bool inside = reach.count == 0 ? window_.contains(reach.start) : window_.contains(reach);
  if (!inside) {
    return absl::FailedPreconditionError(absl::StrCat(what, " ", block.start, "+", block.count,
                                                      " reaches outside the sandbox window ",
                                                      FormatRange(window_)));
  }
  return absl::OkStatus();
}

absl::Status Sandbox::Admit(const Call& call) const {
  return std::visit(
      [&](const auto& c) -> absl::Status {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::Reboot>) {
          return absl::FailedPreconditionError("a reboot of a real machine is never run");
        } else if constexpr (std::is_same_v<T, call::SetDynamicRange>) {
          return absl::FailedPreconditionError(
              "the dynamic port range of a real machine is never changed");
        } else if constexpr (std::is_same_v<T, call::EnvironmentBlock>) {
          return absl::FailedPreconditionError(
              "a reservation of the environment is observed on a real machine, never made");
        } else if constexpr (std::is_same_v<T, call::CreatePersistent>) {
          return AdmitBlock("create", c.block);
        } else if constexpr (std::is_same_v<T, call::DeletePersistent>) {
          return AdmitBlock("delete", c.block);
        } else if constexpr (std::is_same_v<T, call::Acquire>) {
          if (c.request.start == 0) {
            if (allow_system_chosen_) return absl::OkStatus();
            return absl::FailedPreconditionError(
                "a wildcard acquire takes a block outside the sandbox window (system-chosen "
                "ports are not allowed)");
          }
          return AdmitBlock("acquire", c.request);
        } else if constexpr (std::is_same_v<T, call::Bind>) {
          if (c.port == 0) {
            if (allow_system_chosen_) return absl::OkStatus();
            return absl::FailedPreconditionError(
                "bind to port 0 takes a port outside the sandbox window (system-chosen ports "
                "are not allowed)");
          }
          return AdmitBlock("bind", PortRange{c.port, 1});
        } else {
          // Lookup reads; sockets, getsockname, processes change no port.
          // Release and Associate are checked by token (SandboxedBackend).
          return absl::OkStatus();
        }
      },
      call);
}

// --- SandboxedBackend ----------------------------------------------------------

SandboxedBackend::SandboxedBackend(Backend& inner, Sandbox sandbox, Journal& journal,
                                   MachineSnapshot snapshot)
    : inner_(inner), sandbox_(sandbox), journal_(journal), snapshot_(std::move(snapshot)) {}

std::string SandboxedBackend::Describe() const {
  return absl::StrCat(inner_.Describe(), " sandbox=", FormatRange(sandbox_.window()));
}

Capabilities SandboxedBackend::capabilities() const {
  Capabilities caps = inner_.capabilities();
  caps.reboot = false;
  caps.set_dynamic_range = false;
  caps.environment_events = false;
  // What Admit and AdmitToken let through, so that generated calls (the
  // state machine, steps.h) are never refused for their ports or tokens.
  caps.port_window = sandbox_.window();
  caps.system_chosen_ports = caps.system_chosen_ports && sandbox_.allow_system_chosen();
  caps.made_up_token = Sandbox::kBogusToken;
  return caps;
}

absl::Status SandboxedBackend::Refuse(const std::string& why) {
  ++refused_;
  (void)journal_.Note(absl::StrCat("refused: ", why));
  return absl::FailedPreconditionError(absl::StrCat(kRefusedBySandbox, ": ", why));
}

bool SandboxedBackend::IsForeign(Protocol protocol, PortRange block) const {
  const ProtocolSnapshot& s = snapshot_.of(protocol);
  return std::any_of(s.excluded.begin(), s.excluded.end(),
                     [&](const ExcludedRange& r) { return r.range.overlaps(block); });
}

absl::Status SandboxedBackend::AdmitToken(absl::string_view what, Token token) const {
  if (token == kInvalidToken || token == Sandbox::kBogusToken || own_tokens_.contains(token)) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrFormat(
      "%s with token 0x%x, which this run did not obtain (it may be another program's)", what,
      token));
}

void SandboxedBackend::Learn(const Call& call, const Outcome& outcome) {
  if (!outcome.ok()) return;
  if (std::holds_alternative<call::StartProcess>(call) && outcome.process) {
    live_processes_.insert(outcome.process->value);
  }
  if (const auto* end = std::get_if<call::EndProcess>(&call))
    live_processes_.erase(end->process.value);
  // Tokens the run obtained for blocks inside the window are its own.
  if (!outcome.token) return;
  if (const auto* lookup = std::get_if<call::LookupPersistent>(&call)) {
    if (!sandbox_.window().contains(Reach(lookup->block))) return;
  }
  own_tokens_.insert(*outcome.token);
}

absl::StatusOr<Outcome> SandboxedBackend::RunJournaled(JournalOp op, Protocol protocol,
                                                       PortRange block, const Call& call) {
  absl::StatusOr<uint64_t> id = journal_.Begin(op, protocol, block);
  if (!id.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("not run: the journal could not record it: ", id.status().message()));
  }
  pending_.Begin(*id, op, protocol, block);
  absl::StatusOr<Outcome> outcome = inner_.Run(call);
  (void)journal_.End(*id, outcome);
  pending_.End(*id, outcome.ok() ? std::optional<Error>(outcome->error) : std::nullopt);
  return outcome;
}

absl::StatusOr<Outcome> SandboxedBackend::Run(const Call& call) {
  if (absl::Status admitted = sandbox_.Admit(call); !admitted.ok()) {
    return Refuse(std::string(admitted.message()));
  }
  absl::StatusOr<Outcome> outcome;
  if (const auto* create = std::get_if<call::CreatePersistent>(&call)) {
    outcome = RunJournaled(JournalOp::kCreate, create->protocol, create->block, call);
  } else if (const auto* del = std::get_if<call::DeletePersistent>(&call)) {
    if (IsForeign(del->protocol, Reach(del->block))) {
      return Refuse(absl::StrCat("delete ", del->block.start, "+", del->block.count,
                                 " names a reservation that was there before the run"));
    }
    if (!pending_.IsPending(del->protocol, del->block) && del->block.count != 0) {
      // Not ours: delete only if nothing is there (then Delete can only
      // answer, not remove). Lookup changes nothing.
      absl::StatusOr<Outcome> there = inner_.Run(
          call::LookupPersistent{del->process, del->protocol, del->block, /*null_token=*/false});
      if (!there.ok()) {
        return Refuse(absl::StrCat("delete ", del->block.start, "+", del->block.count,
                                   ": could not check that the block is not another program's: ",
                                   there.status().message()));
      }
      if (there->ok()) {
        return Refuse(absl::StrCat("delete ", del->block.start, "+", del->block.count,
                                   " names a reservation this run did not create"));
      }
    }
    outcome = RunJournaled(JournalOp::kDelete, del->protocol, del->block, call);
  } else if (const auto* release = std::get_if<call::Release>(&call)) {
    if (absl::Status ok = AdmitToken("release", release->token); !ok.ok()) {
      return Refuse(std::string(ok.message()));
    }
    outcome = inner_.Run(call);
  } else if (const auto* associate = std::get_if<call::Associate>(&call)) {
    if (absl::Status ok = AdmitToken("associate", associate->token); !ok.ok()) {
      return Refuse(std::string(ok.message()));
    }
    outcome = inner_.Run(call);
  } else {
    outcome = inner_.Run(call);
  }
  if (outcome.ok()) Learn(call, *outcome);
  return outcome;
}

absl::StatusOr<MachineSnapshot> SandboxedBackend::Listing() { return inner_.Listing(); }

std::vector<PendingReservation> SandboxedBackend::CleanUp(std::optional<ProcessId> process) {
  if (pending_.Pending().empty()) return {};
  std::optional<ProcessId> started;
  const bool can_end = inner_.capabilities().end_process;
  if (!process) {
    if (can_end) {
      for (uint32_t live : live_processes_) (void)inner_.Run(call::EndProcess{ProcessId{live}});
      live_processes_.clear();
    }
    absl::StatusOr<Outcome> start = inner_.Run(call::StartProcess{true});
    if (!start.ok() || !start->ok() || !start->process) {
      (void)journal_.Note(absl::StrCat(
          "cleanup: no elevated process to delete with: ",
          start.ok() ? DescribeOutcome(*start) : std::string(start.status().message())));
      return pending_.Pending();
    }
    process = started = *start->process;
  }
  std::vector<PendingReservation> left;
  for (const PendingReservation& r : pending_.Pending()) {
    const Call del = call::DeletePersistent{*process, r.protocol, r.block};
    absl::StatusOr<Outcome> outcome = RunJournaled(JournalOp::kDelete, r.protocol, r.block, del);
    if (!outcome.ok() ||
        (outcome->error != Error::kNoError && outcome->error != Error::kNotFound)) {
      left.push_back(r);
    }
  }
  if (started && can_end) (void)inner_.Run(call::EndProcess{*started});
  return left;
}

}  // namespace portpool::conformance
