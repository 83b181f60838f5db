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
  return e;
}

Expectation Machine::ExpectSetDynamicRange(const call::SetDynamicRange& c) const {
  Expectation e;
  if (IsValidDynamicRange(c.range)) {
    e.Allow(E::kNoError, Payload::kNothing, r::kDynamicRangeSet);
  } else {
    e.Allow(E::kInvalidParameter, Payload::kNothing, r::kDynamicRangeInvalid);
  }
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
  for (uint16_t start : s.acquired) {
    if (Mutated(Mutant::kCloseKeepsBlocks)) break;
    auto block = pool.blocks().find(start);
    if (block != pool.blocks().end() && block->second.kind == BlockKind::kRuntime &&
        block->second.socket == id) {
      ForgetToken(block->second.token, s.protocol, start);
      RemoveBlock(s.protocol, start, block->second);
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
  std::vector<ProcessId> live;
  for (const auto& [id, state] : processes_) live.push_back(id);
  for (ProcessId id : live) EndProcessState(id);
  for (PortPool& pool : pools_) {
    if (Mutated(Mutant::kTokensSurviveReboot)) {
      // Their tokens stay in the index, pointing where they were.
      const auto protocol = static_cast<Protocol>(&pool - pools_.data());
      for (const auto& [start, block] : pool.blocks()) {
        if (block.kind == BlockKind::kRuntime) tokens_.KeepStale({protocol, start}, block);
      }
    }
    pool.RemoveRuntimeBlocks();
    pool.ClearBindings();
    if (Mutated(Mutant::kTokensSurviveReboot)) continue;
    // TOKEN-REBOOT: every persistent block forgets its token.
    for (auto& [start, block] : pool.mutable_blocks()) {
      if (block.token_known) ++unknown_tokens_;
      block.token_known = false;
      block.token = kInvalidToken;
    }
  }
  if (!Mutated(Mutant::kTokensSurviveReboot)) tokens_.Clear();
  ++boot_;
}

void Machine::ApplyCall(const call::SetDynamicRange& c, const Outcome&) {
  mutable_pool(c.protocol).set_dynamic_range(c.range);
}

void Machine::ApplyCall(const call::OpenSocket& c, const Outcome& o) {
  sockets_[*o.socket] = SocketState{c.process, c.protocol, c.family, {}, {}, {}};
  processes_[c.process].sockets.push_back(*o.socket);
  last_socket_ = std::max(last_socket_, o.socket->value);
}

void Machine::ApplyCall(const call::CloseSocket& c, const Outcome&) { CloseSocketState(c.socket); }

// ---------------------------------------------------------------------------
// Seeding

absl::Status Machine::SeedExisting(Protocol protocol, PortRange range, BlockKind kind) {
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
  block.kind = kind;
  block.token_known = false;
  block.token = kInvalidToken;
  if (kind == BlockKind::kPersistent) {
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

}  // namespace portpool
