// The rules of reservations that no process of the run makes
// (docs/semantics.md section 3.7): blocks HNS, WinNAT, Docker or WSL take
// and drop while a run goes on, store=active exclusions, and administered
// blocks made outside the run. Rules ENV-*.
#include "absl/strings/str_cat.h"
#include "portpool/machine.h"

namespace portpool {

namespace r = rules;
using E = Error;

namespace {

RuleId RuleOf(EnvironmentStore store) {
  switch (store) {
    case EnvironmentStore::kRuntime:
      return r::kEnvironmentRuntime;
    case EnvironmentStore::kActive:
      return r::kEnvironmentActive;
    case EnvironmentStore::kPersistent:
      return r::kEnvironmentPersistent;
  }
  return r::kEnvironmentRuntime;
}

// Whether `block` is one an environment change of `store` may remove: the
// environment's own runtime blocks (never a process's), and administered
// blocks of that store, whoever made them.
bool RemovableAs(const Block& block, EnvironmentStore store) {
  switch (store) {
    case EnvironmentStore::kRuntime:
      return block.kind == BlockKind::kRuntime && block.environment;
    case EnvironmentStore::kActive:
      return block.kind == BlockKind::kPersistent && block.active_only;
    case EnvironmentStore::kPersistent:
      return block.kind == BlockKind::kPersistent && !block.active_only;
  }
  return false;
}

}  // namespace

absl::StatusOr<Expectation> Machine::ExpectEnvironment(const call::EnvironmentBlock& c) const {
  const PortPool& pool = this->pool(c.protocol);
  const std::string what = absl::StrCat(EnvironmentStoreName(c.store), " ",
                                        ProtocolName(c.protocol), " block ", FormatRange(c.block));
  // Port 0 is no port (bind's "any port"): no listing shows a block from it.
  if (c.block.start == 0 || !c.block.fits()) {
    return absl::InvalidArgumentError(
        absl::StrCat("environment ", what, ": from port 0, empty, or past port 65535"));
  }
  if (c.added && pool.OverlapsAnyBlock(c.block)) {
    // Windows keeps a protocol's reservations apart: a listing never shows
    // a new block over a held one.
    return absl::InvalidArgumentError(
        absl::StrCat("environment adds ", what, ": it overlaps a block the model holds"));
  }
  if (!c.added) {
    const Block* block = pool.FindExact(c.block);
    if (block == nullptr || !RemovableAs(*block, c.store)) {
      return absl::NotFoundError(
          absl::StrCat("environment drops ", what, ": the model holds no such block",
                       c.store == EnvironmentStore::kRuntime ? " of the environment" : ""));
    }
  }
  Expectation e;
  e.protocol = c.protocol;
  e.Allow(E::kNoError, Payload::kNothing, RuleOf(c.store));
  return e;
}

void Machine::ApplyCall(const call::EnvironmentBlock& c, const Outcome&) {
  PortPool& pool = mutable_pool(c.protocol);
  if (!c.added) {
    Block* block = pool.FindExact(c.block);
    if (block == nullptr) return;
    if (block->token_known) {
      ForgetToken(block->token, c.protocol, c.block.start);
    } else if (block->kind == BlockKind::kPersistent) {
      --unknown_tokens_;
    }
    RemoveBlock(c.protocol, c.block.start, *block);
    return;
  }
  Block block;
  block.environment = true;
  block.token_known = false;
  block.token = kInvalidToken;
  if (c.store == EnvironmentStore::kRuntime) {
    // Held by no process the model knows: every process is foreign to it.
    block.kind = BlockKind::kRuntime;
    block.owner = ProcessId{0};
    block.socket = SocketId{0};
    block.family = Family::kIpv4;
  } else {
    // Its token is the environment's: unknown until a Lookup tells it.
    block.kind = BlockKind::kPersistent;
    block.active_only = c.store == EnvironmentStore::kActive;
    ++unknown_tokens_;
  }
  AddBlock(c.protocol, c.block, block);
}

}  // namespace portpool
