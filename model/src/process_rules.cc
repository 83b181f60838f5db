// The rules of processes, sockets, reboots and the dynamic port range
// (docs/semantics.md sections 3.2 and 3.3): PROCESS-*, SOCK-*, REBOOT-*,
// TOKEN-REBOOT's forgetting, DYN-RANGE-*, and seeding a model with what a
// machine had before it was watched.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "portpool/machine.h"

namespace portpool {
namespace {

namespace r = rules;
using E = Error;

// DYN-RANGE-SET / DYN-RANGE-INVALID: netsh's limits for a new range.
bool IsValidDynamicRange(PortRange range) {
  return range.start >= 1025 && range.count >= 255 && range.fits();
}

}  // namespace

// ---------------------------------------------------------------------------
// Expect

Expectation Machine::ExpectStartProcess() const {
  Expectation e;
  e.Allow(E::kNoError, Payload::kNewProcess, r::kProcessStart);
  return e;
}

Expectation Machine::ExpectEndProcess(const ProcessState& p) const {
  Expectation e;
  e.Allow(E::kNoError, Payload::kNothing, r::kProcessEnd);
  if (!p.sockets.empty()) e.also.push_back(r::kSocketClose);
  return e;
}

Expectation Machine::ExpectReboot() const {
  Expectation e;
  e.Allow(E::kNoError, Payload::kNothing, r::kRebootKeepsPersistent);
  e.also.push_back(r::kRebootEndsProcesses);
  e.also.push_back(r::kTokenReboot);
  e.also.push_back(r::kRebootDropsActive);
  // The environment's runtime blocks go too; new ones come as changes.
  for (const PortPool& pool : pools_) {
    bool environment = false;
    pool.ForEachBlock([&](PortRange, const Block& b) {
      environment = environment || (b.kind == BlockKind::kRuntime && b.environment);
    });
    if (environment) {
      e.also.push_back(r::kRebootEnvironmentReplaced);
      break;
    }
  }
  return e;
}

Expectation Machine::ExpectSetDynamicRange(const call::SetDynamicRange& c) const {
  Expectation e;
  if (IsValidDynamicRange(c.range)) {
    e.Allow(E::kNoError, Payload::kNothing, r::kDynamicRangeSet);
  } else {
    e.Allow(E::kInvalidParameter, Payload::kNothing, r::kDynamicRangeInvalid);
  }
  e.also.push_back(r::kDynamicRangeFamily);
  return e;
}

Expectation Machine::ExpectOpenSocket() const {
  Expectation e;
  e.Allow(E::kNoError, Payload::kNewSocket, r::kSocketOpen);
  return e;
}

Expectation Machine::ExpectCloseSocket() const {
  Expectation e;
  e.Allow(E::kNoError, Payload::kNothing, r::kSocketClose);
  return e;
}

Expectation Machine::ExpectNotSocket() const {
  Expectation e;
  e.Allow(E::kWsaEnotsock, Payload::kNothing, r::kSocketNotSocket);
  return e;
}

// ---------------------------------------------------------------------------
// Apply

void Machine::CloseSocketState(SocketId id) {
  auto it = sockets_.find(id);
  if (it == sockets_.end()) return;
  SocketState& s = it->second;
  PortPool& pool = mutable_pool(s.protocol);
  if (s.bound_port) pool.Unbind(*s.bound_port, s.family);
  // SOCK-CLOSE: every runtime block acquired on the socket goes.
  for (uint16_t start : s.acquired) {
    if (Mutated(Mutant::kCloseKeepsBlocks)) break;
    if (const Block* block = pool.FindAcquired(start, id)) {
      ForgetToken(block->token, s.protocol, start);
      RemoveBlock(s.protocol, start, *block);
    }
  }
  if (auto owner = processes_.find(s.owner); owner != processes_.end()) {
    std::erase(owner->second.sockets, id);
  }
  sockets_.erase(it);
}

void Machine::EndProcessState(ProcessId id) {
  auto it = processes_.find(id);
  if (it == processes_.end()) return;
  const std::vector<SocketId> sockets = it->second.sockets;
  for (SocketId s : sockets) CloseSocketState(s);
  processes_.erase(id);
}

void Machine::ApplyCall(const call::StartProcess& c, const Outcome& o) {
  processes_[*o.process] = ProcessState{c.elevated, {}};
  last_process_ = std::max(last_process_, o.process->value);
}

void Machine::ApplyCall(const call::EndProcess& c, const Outcome&) { EndProcessState(c.process); }

void Machine::ApplyCall(const call::Reboot&, const Outcome&) {
  // REBOOT-ENDS-PROCESSES: every process ends, every socket closes.
  std::vector<ProcessId> live;
  for (const auto& [id, state] : processes_) live.push_back(id);
  for (ProcessId id : live) EndProcessState(id);
  for (Protocol protocol : kAllProtocols) {
    PortPool& pool = mutable_pool(protocol);
    if (Mutated(Mutant::kTokensSurviveReboot)) {
      // Their tokens stay in the index, pointing where they were.
      pool.ForEachBlock([&](PortRange range, const Block& block) {
        if (block.kind == BlockKind::kRuntime || block.active_only) {
          tokens(protocol).KeepStale({protocol, range.start}, block);
        }
      });
    }
    // The runtime blocks no process of the run held (the environment's: the
    // components re-place them after boot, REBOOT-ENV-REPLACED) and the
    // store=active exclusions (REBOOT-DROPS-ACTIVE) go too.
    pool.RemoveRuntimeBlocks();
    pool.ClearBindings();
    if (Mutated(Mutant::kTokensSurviveReboot)) continue;
    // TOKEN-REBOOT: every persistent block forgets its token.
    for (auto& [start, block] : pool.mutable_blocks()) {
      block.token_known = false;
      block.token = kInvalidToken;
    }
  }
  if (!Mutated(Mutant::kTokensSurviveReboot)) {
    for (TokenIndex& index : tokens_) index.Clear();
  }
  unknown_tokens_ = 0;
  for (const PortPool& pool : pools_) {
    for (const auto& [start, block] : pool.blocks()) {
      if (block.kind == BlockKind::kPersistent && !block.token_known) ++unknown_tokens_;
    }
  }
  ++boot_;
}

void Machine::ApplyCall(const call::SetDynamicRange& c, const Outcome&) {
  mutable_pool(c.protocol).set_dynamic_range(c.family, c.range);
}

void Machine::ApplyCall(const call::OpenSocket& c, const Outcome& o) {
  SocketState socket;
  socket.owner = c.process;
  socket.protocol = c.protocol;
  socket.family = c.family;
  sockets_[*o.socket] = std::move(socket);
  processes_[c.process].sockets.push_back(*o.socket);
  last_socket_ = std::max(last_socket_, o.socket->value);
}

void Machine::ApplyCall(const call::CloseSocket& c, const Outcome&) { CloseSocketState(c.socket); }

// ---------------------------------------------------------------------------
// Seeding

absl::Status Machine::SeedExisting(Protocol protocol, PortRange range, BlockKind kind) {
  return SeedExisting(
      protocol, range,
      kind == BlockKind::kPersistent ? EnvironmentStore::kPersistent : EnvironmentStore::kRuntime);
}

absl::Status Machine::SeedExisting(Protocol protocol, PortRange range, EnvironmentStore store) {
  if (!range.fits()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot seed block ", FormatRange(range), ": empty or past port 65535"));
  }
  PortPool& pool = mutable_pool(protocol);
  if (pool.OverlapsAnyBlock(range)) {
    return absl::AlreadyExistsError(absl::StrCat("cannot seed ", ProtocolName(protocol), " block ",
                                                 FormatRange(range),
                                                 ": it overlaps a block already known"));
  }
  Block block;
  block.kind = store == EnvironmentStore::kRuntime ? BlockKind::kRuntime : BlockKind::kPersistent;
  block.active_only = store == EnvironmentStore::kActive;
  block.environment = true;
  block.token_known = false;
  block.token = kInvalidToken;
  if (block.kind == BlockKind::kPersistent) {
    ++unknown_tokens_;
  } else {
    // Owned by no process the model knows (ids start at 1), so it is another
    // process's block for everyone; its token is never needed.
    block.owner = ProcessId{0};
    block.socket = SocketId{0};
    block.family = Family::kIpv4;
  }
  AddBlock(protocol, range, block);
  return absl::OkStatus();
}

absl::Status Machine::SeedDynamicRange(Protocol protocol, Family family, PortRange range) {
  // DYN-RANGE-SEEDED: netsh's limits are for its set command only; a machine
  // may be in any range that fits.
  if (!range.fits()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot seed the ", FamilyName(family), " ", ProtocolName(protocol),
                     " dynamic range ", FormatRange(range), ": empty or past port 65535"));
  }
  mutable_pool(protocol).set_dynamic_range(family, range);
  return absl::OkStatus();
}

}  // namespace portpool
