// The rules of persistent reservations (docs/semantics.md section 3.1):
// {Create,Lookup,Delete}Persistent{Tcp,Udp}PortReservation, rules P-*.
#include "answer_builder.h"
#include "portpool/machine.h"

namespace portpool {

namespace r = rules;
using E = Error;
using rule_support::AnswerBuilder;

namespace {

// Every persistent call relies on POOL-PER-PROTOCOL.
Expectation Finished(AnswerBuilder& answers, Expectation& e) {
  answers.Finish();
  e.also.push_back(r::kPoolPerProtocol);
  return e;
}

}  // namespace

Expectation Machine::ExpectCreate(const call::CreatePersistent& c, const ProcessState& p) const {
  Expectation e;
  e.protocol = c.protocol;
  AnswerBuilder answers(e);
  const PortPool& pool = this->pool(c.protocol);
  const bool zero = c.block.start == 0 || c.block.count == 0;
  if (!p.elevated) answers.Fail(E::kAccessDenied, r::kCreateElevation);
  if (zero) answers.Fail(E::kInvalidParameter, r::kCreateZero);
  if (!zero && !c.block.fits()) answers.Fail(E::kInvalidParameter, r::kCreatePastMax);
  if (!zero && c.block.fits()) {
    bool persistent = false, runtime = false;
    pool.ForEachOverlapping(c.block, [&](PortRange range, const Block& block) {
      if (Mutated(Mutant::kOverlapMissesLowEnd) && range.last() == c.block.start) return;
      if (Mutated(Mutant::kOverlapMissesHighEnd) && range.start == c.block.last()) return;
      (block.kind == BlockKind::kPersistent ? persistent : runtime) = true;
    });
    if (persistent) answers.Fail(E::kSharingViolation, r::kCreateOverlap);
    if (runtime) answers.Fail(E::kSharingViolation, r::kCreateRuntime);
    if (pool.AnyBindingIn(c.block) && !Mutated(Mutant::kCreateIgnoresBoundPorts)) {
      answers.Fail(E::kSharingViolation, r::kCreateInUse);
    }
  }
  if (c.null_token) {
    answers.MayFail({E::kInvalidParameter, E::kNoAccess}, r::kCreateNullToken);
    answers.Succeed(Payload::kNothing, r::kCreateNullToken);
  } else {
    answers.Succeed(Payload::kFreshToken, r::kCreateOk);
  }
  answers.Finish();
  e.also.push_back(r::kPoolPerProtocol);
  return e;
}

Expectation Machine::ExpectLookup(const call::LookupPersistent& c, const ProcessState& p) const {
  Expectation e;
  e.protocol = c.protocol;
  AnswerBuilder answers(e);
  const bool zero = c.block.start == 0 || c.block.count == 0;
  // P-LOOKUP-ELEVATION: Lookup needs no administrator; the caller's
  // elevation changes nothing.
  if (!p.elevated) e.also.push_back(r::kLookupElevation);
  if (zero) answers.Fail(E::kInvalidParameter, r::kLookupZero);
  if (!zero && !c.block.fits()) {
    answers.Fail({E::kInvalidParameter, E::kNotFound}, r::kLookupPastMax);
  }
  if (c.null_token) answers.MayFail({E::kInvalidParameter, E::kNoAccess}, r::kLookupNullToken);
  if (answers.success_possible()) {
    const Block* block = pool(c.protocol).FindExact(c.block);
    if (Mutated(Mutant::kLookupFindsSubRange)) {
      auto held = pool(c.protocol).BlockAt(c.block.start);
      if (held && held->first.contains(c.block)) block = held->second;
    }
    if (block == nullptr || block->kind != BlockKind::kPersistent) {
      answers.Fail(E::kNotFound, r::kLookupExact);
      return Finished(answers, e);
    }
    // P-ACTIVE-STORE: whether the API sees a store=active exclusion is unknown.
    if (block->active_only) answers.MayFail({E::kNotFound}, r::kActiveStore);
    if (c.null_token) {
      answers.Succeed(Payload::kNothing, r::kLookupNullToken);
    } else if (block->token_known) {
      e.token = block->token;
      answers.Succeed(Payload::kExactToken, r::kLookupToken);
    } else {
      // Unknown: made outside the run, after a reboot, or after a Create
      // whose Token was null.
      e.block = c.block;
      answers.Succeed(Payload::kUnlearnedToken,
                      block->environment && block->active_only ? r::kEnvironmentActive
                      : block->environment && boot_ == 0       ? r::kEnvironmentPersistent
                      : boot_ > 0                              ? r::kTokenReboot
                                                               : r::kCreateNullToken);
    }
  }
  return Finished(answers, e);
}

Expectation Machine::ExpectDelete(const call::DeletePersistent& c, const ProcessState& p) const {
  Expectation e;
  e.protocol = c.protocol;
  AnswerBuilder answers(e);
  const PortPool& pool = this->pool(c.protocol);
  const bool zero = c.block.start == 0 || c.block.count == 0;
  if (!p.elevated) answers.Fail(E::kAccessDenied, r::kDeleteElevation);
  if (zero) answers.Fail(E::kInvalidParameter, r::kDeleteZero);
  if (!zero && !c.block.fits()) {
    answers.Fail({E::kInvalidParameter, E::kNotFound}, r::kDeletePastMax);
  }
  if (!zero && c.block.fits()) {
    const Block* block = pool.FindExact(c.block);
    if (Mutated(Mutant::kDeleteFindsSubRange)) {
      auto held = pool.BlockAt(c.block.start);
      if (held && held->first.contains(c.block)) block = held->second;
    }
    if (block == nullptr) {
      answers.Fail(E::kNotFound, r::kDeleteExact);
    } else if (block->kind == BlockKind::kRuntime) {
      answers.Fail({E::kNotFound, E::kAccessDenied}, r::kDeleteRuntime);
    } else {
      // P-ACTIVE-STORE: whether the API deletes a store=active exclusion is
      // unknown.
      if (block->active_only) answers.MayFail({E::kNotFound}, r::kActiveStore);
      if (pool.AnyBindingIn(c.block)) {
        answers.MayFail({E::kSharingViolation}, r::kDeleteInUse);
        answers.Succeed(Payload::kNothing, r::kDeleteInUse);
      }
    }
  }
  answers.Succeed(Payload::kNothing, r::kDeleteOk);
  answers.Finish();
  e.also.push_back(r::kPoolPerProtocol);
  return e;
}

// ---------------------------------------------------------------------------
// Apply

void Machine::ApplyCall(const call::CreatePersistent& c, const Outcome& o) {
  Block block;
  block.kind = BlockKind::kPersistent;
  block.token_known = o.token.has_value();
  block.token = o.token.value_or(kInvalidToken);
  if (!block.token_known) ++unknown_tokens_;
  AddBlock(c.protocol, c.block, block);
  if (o.token) RegisterToken(*o.token, c.protocol, c.block.start);
}

void Machine::ApplyCall(const call::LookupPersistent& c, const Outcome& o) {
  // TOKEN-REBOOT: a Lookup teaches the token of a block whose token is unknown.
  Block* block = mutable_pool(c.protocol).FindExact(c.block);
  if (block != nullptr && !block->token_known && o.token) {
    block->token_known = true;
    block->token = *o.token;
    --unknown_tokens_;
    RegisterToken(*o.token, c.protocol, c.block.start);
    PinAssociations(*o.token, c.protocol, c.block);
  }
}

void Machine::ApplyCall(const call::DeletePersistent& c, const Outcome&) {
  PortPool& pool = mutable_pool(c.protocol);
  PortRange doomed = c.block;
  if (Mutated(Mutant::kDeleteFindsSubRange)) {
    if (auto held = pool.BlockAt(c.block.start)) doomed = held->first;
  }
  if (Block* block = pool.FindExact(doomed)) {
    if (block->token_known) {
      ForgetToken(block->token, c.protocol, doomed.start);
    } else if (block->kind == BlockKind::kPersistent) {
      --unknown_tokens_;
    }
    RemoveBlock(c.protocol, doomed.start, *block);
  }
}

}  // namespace portpool
