// Properties of the Machine over random call sequences of every kind
// (testing/call_generators.h), run through the simulator. Each property is
// its own RC_GTEST_PROP; a failure prints every call with its outcome.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "portpool/machine.h"
#include "rapidcheck/gtest.h"
#include "testing/call_generators.h"

namespace portpool::testing {
namespace {

// Runs every step on `driver`, calling check(call, before, outcome) after
// each, with `before` the machine as it was before the call.
template <typename Check>
void ForEachCall(Driver& driver, const std::vector<Step>& steps, Check&& check) {
  for (const Step& step : steps) {
    const Call call = driver.Resolve(step);
    const Machine before = driver.machine();
    const absl::StatusOr<Outcome> outcome = driver.Run(call);
    check(call, before, outcome);
  }
}

struct Generated {
  std::vector<Step> steps;
  uint64_t seed = 0;
  StepOptions options;
};

Generated Generate() {
  Generated g;
  g.options.crowded = *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
  g.steps = *GenSteps(g.options);
  g.seed = *rc::gen::arbitrary<uint64_t>();
  return g;
}

using Key = std::tuple<int, uint16_t, uint16_t>;  // protocol, start, count

Key KeyOf(Protocol p, PortRange r) { return Key{static_cast<int>(p), r.start, r.count}; }

std::set<Key> PersistentBlocks(const Machine& m) {
  std::set<Key> blocks;
  for (Protocol p : kAllProtocols) {
    for (const auto& [start, b] : m.pool(p).blocks()) {
      if (b.kind == BlockKind::kPersistent) blocks.insert(KeyOf(p, PortRange{start, b.count}));
    }
  }
  return blocks;
}

std::set<Key> AllBlocks(const Machine& m) {
  std::set<Key> blocks;
  for (Protocol p : kAllProtocols) {
    for (const auto& [start, b] : m.pool(p).blocks()) {
      blocks.insert(KeyOf(p, PortRange{start, b.count}));
    }
  }
  return blocks;
}

// (protocol, port, family, socket) of every binding the pools hold.
using BindingKey = std::tuple<int, uint16_t, int, uint32_t>;
std::set<BindingKey> AllBindings(const Machine& m) {
  std::set<BindingKey> bindings;
  for (Protocol p : kAllProtocols) {
    for (const auto& [port, b] : m.pool(p).bindings()) {
      if (b.ipv4) bindings.insert({static_cast<int>(p), port, 0, b.ipv4->value});
      if (b.ipv6) bindings.insert({static_cast<int>(p), port, 1, b.ipv6->value});
    }
  }
  return bindings;
}

bool InsideSomeBlock(const Machine& m, Protocol p, uint32_t port) {
  for (const auto& [start, b] : m.pool(p).blocks()) {
    if (PortRange{start, b.count}.contains(port)) return true;
  }
  return false;
}

// TOKEN-UNIQUE, P-CREATE-OK, R-ACQUIRE-SPECIFIC: the pools never hold two
// blocks that share a port.
RC_GTEST_PROP(MachineProperties, NoTwoBlocksOfAProtocolEverOverlap, ()) {
  const Generated g = Generate();
  Driver driver(g.seed, g.options);
  ForEachCall(driver, g.steps, [&](const Call&, const Machine&, const absl::StatusOr<Outcome>&) {
    for (Protocol p : kAllProtocols) {
      uint32_t next_free = 0;  // first port after the previous block
      for (const auto& [start, b] : driver.machine().pool(p).blocks()) {
        const PortRange r{start, b.count};
        PORTPOOL_REQUIRE(driver, r.fits(), absl::StrCat("block ", FormatRange(r), " is invalid"));
        PORTPOOL_REQUIRE(driver, start >= next_free,
                         absl::StrCat(ProtocolName(p), " block ", FormatRange(r),
                                      " overlaps the block before it"));
        next_free = r.last() + 1;
      }
    }
  });
}

// B-BIND-INUSE: at most one socket per protocol, family and port; and the
// pools' bindings are exactly the sockets' bound ports.
RC_GTEST_PROP(MachineProperties, APortIsNeverBoundTwiceInAProtocolAndFamily, ()) {
  const Generated g = Generate();
  Driver driver(g.seed, g.options);
  ForEachCall(driver, g.steps, [&](const Call&, const Machine&, const absl::StatusOr<Outcome>&) {
    const Machine& m = driver.machine();
    std::map<std::tuple<int, uint16_t, int>, uint32_t> holder;
    std::set<BindingKey> from_sockets;
    for (const auto& [id, s] : m.sockets()) {
      if (!s.bound_port) continue;
      const auto key =
          std::tuple(static_cast<int>(s.protocol), *s.bound_port, static_cast<int>(s.family));
      PORTPOOL_REQUIRE(
          driver, !holder.contains(key),
          absl::StrCat(ProtocolName(s.protocol), " port ", *s.bound_port, " (",
                       FamilyName(s.family), ") is bound by s", holder[key], " and s", id.value));
      holder[key] = id.value;
      from_sockets.insert(
          {static_cast<int>(s.protocol), *s.bound_port, static_cast<int>(s.family), id.value});
    }
    PORTPOOL_REQUIRE(driver, from_sockets == AllBindings(m),
                     "the pools' bindings are not the sockets' bound ports");
  });
}

// P-LOOKUP-TOKEN: a Lookup right after a successful Create, and any later
// Lookup in the same boot, returns the token Create returned.
RC_GTEST_PROP(MachineProperties, CreateThenLookupInTheSameBootGivesTheSameToken, ()) {
  const Generated g = Generate();
  Driver driver(g.seed, g.options);
  std::map<Key, Token> created;  // this boot's Creates that returned a token
  for (const Step& step : g.steps) {
    const Call call = driver.Resolve(step);
    const absl::StatusOr<Outcome> outcome = driver.Run(call);
    if (!outcome.ok() || !outcome->ok()) continue;
    if (std::holds_alternative<call::Reboot>(call)) created.clear();
    if (const auto* d = std::get_if<call::DeletePersistent>(&call)) {
      created.erase(KeyOf(d->protocol, d->block));
    }
    if (const auto* l = std::get_if<call::LookupPersistent>(&call); l && outcome->token) {
      const auto it = created.find(KeyOf(l->protocol, l->block));
      if (it != created.end()) {
        PORTPOOL_REQUIRE(driver, *outcome->token == it->second,
                         "a Lookup returned another token than Create did");
      }
    }
    const auto* c = std::get_if<call::CreatePersistent>(&call);
    if (c == nullptr || !outcome->token) continue;
    created[KeyOf(c->protocol, c->block)] = *outcome->token;
    // The creator is elevated, so its Lookup is exactly answered.
    const call::LookupPersistent lookup{c->process, c->protocol, c->block, false};
    const absl::StatusOr<Outcome> found = driver.Run(lookup);
    PORTPOOL_REQUIRE(driver, found.ok() && found->ok() && found->token == outcome->token,
                     "Lookup right after Create did not return Create's token");
  }
}

// P-DELETE-OK, P-LOOKUP-EXACT: once deleted, a block is not found.
RC_GTEST_PROP(MachineProperties, DeleteThenLookupGivesNotFound, ()) {
  const Generated g = Generate();
  Driver driver(g.seed, g.options);
  for (const Step& step : g.steps) {
    const Call call = driver.Resolve(step);
    const absl::StatusOr<Outcome> outcome = driver.Run(call);
    const auto* d = std::get_if<call::DeletePersistent>(&call);
    if (d == nullptr || !outcome.ok() || !outcome->ok()) continue;
    const call::LookupPersistent lookup{d->process, d->protocol, d->block, false};
    const absl::StatusOr<Expectation> e = driver.machine().Expect(lookup);
    PORTPOOL_REQUIRE(driver,
                     e.ok() && e->answers.size() == 1 && e->answers[0].error == Error::kNotFound,
                     "Lookup after Delete is not exactly ERROR_NOT_FOUND");
    const absl::StatusOr<Outcome> found = driver.Run(lookup);
    PORTPOOL_REQUIRE(driver, found.ok() && found->error == Error::kNotFound,
                     "Lookup after Delete did not answer ERROR_NOT_FOUND");
  }
}

// TOKEN-UNIQUE: every token answered is non-zero, and the live
// reservations' tokens are all different.
RC_GTEST_PROP(MachineProperties, TokensAreNonZeroAndUniqueAmongLiveReservations, ()) {
  const Generated g = Generate();
  Driver driver(g.seed, g.options);
  ForEachCall(
      driver, g.steps, [&](const Call&, const Machine&, const absl::StatusOr<Outcome>& outcome) {
        if (outcome.ok() && outcome->token) {
          PORTPOOL_REQUIRE(driver, *outcome->token != kInvalidToken, "an outcome carries token 0");
        }
        std::map<Token, std::string> holders;
        for (Protocol p : kAllProtocols) {
          for (const auto& [start, b] : driver.machine().pool(p).blocks()) {
            const std::string name =
                absl::StrCat(ProtocolName(p), " ", FormatRange(PortRange{start, b.count}));
            PORTPOOL_REQUIRE(driver, b.token_known && b.token != kInvalidToken,
                             absl::StrCat("the simulator does not know a token for ", name));
            PORTPOOL_REQUIRE(driver, !holders.contains(b.token),
                             absl::StrFormat("token 0x%x is held by %s and %s", b.token,
                                             holders[b.token], name));
            holders[b.token] = name;
          }
        }
      });
}

// REBOOT-KEEPS-PERSISTENT, REBOOT-ENDS-PROCESSES, TOKEN-REBOOT: a reboot
// keeps exactly the persistent blocks, with fresh tokens, and nothing else.
RC_GTEST_PROP(MachineProperties, ARebootKeepsExactlyThePersistentBlocksAndNothingElse, ()) {
  const Generated g = Generate();
  Driver driver(g.seed, g.options);
  ForEachCall(
      driver, g.steps,
      [&](const Call& call, const Machine& before, const absl::StatusOr<Outcome>&) {
        if (!std::holds_alternative<call::Reboot>(call)) return;
        const Machine& after = driver.machine();
        PORTPOOL_REQUIRE(driver, AllBlocks(after) == PersistentBlocks(before),
                         "the blocks after the reboot are not the persistent ones before");
        PORTPOOL_REQUIRE(driver, PersistentBlocks(after) == AllBlocks(after),
                         "a runtime block survived the reboot");
        PORTPOOL_REQUIRE(driver, AllBindings(after).empty(), "a binding survived the reboot");
        PORTPOOL_REQUIRE(driver, after.processes().empty() && after.sockets().empty(),
                         "a process or socket survived the reboot");
        for (Protocol p : kAllProtocols) {
          PORTPOOL_REQUIRE(driver, after.pool(p).dynamic_range() == before.pool(p).dynamic_range(),
                           "the dynamic range changed at the reboot");
          for (const auto& [start, b] : after.pool(p).blocks()) {
            PORTPOOL_REQUIRE(driver, !before.FindToken(b.token).has_value(),
                             "the simulator kept a token across the reboot");
          }
        }
      });
}

// B-BIND-EPHEMERAL: bind(0) without association gives a port of the dynamic
// range outside every block of the protocol.
RC_GTEST_PROP(MachineProperties, NoEphemeralPortLiesInsideABlockOfItsProtocol, ()) {
  const Generated g = Generate();
  Driver driver(g.seed, g.options);
  ForEachCall(driver, g.steps,
              [&](const Call& call, const Machine& before, const absl::StatusOr<Outcome>& outcome) {
                const auto* b = std::get_if<call::Bind>(&call);
                if (b == nullptr || b->port != 0 || !outcome.ok() || !outcome->ok()) return;
                const SocketState* s = before.socket(b->socket);
                if (s == nullptr || s->association) return;
                const uint16_t port = *outcome->port;
                PORTPOOL_REQUIRE(driver, !InsideSomeBlock(before, s->protocol, port),
                                 absl::StrCat("ephemeral port ", port, " lies inside a block"));
                PORTPOOL_REQUIRE(
                    driver, before.pool(s->protocol).dynamic_range().contains(port),
                    absl::StrCat("ephemeral port ", port, " is outside the dynamic range"));
                PORTPOOL_REQUIRE(driver, before.pool(s->protocol).BindingAt(port) == nullptr,
                                 absl::StrCat("ephemeral port ", port, " was already bound"));
              });
}

// R-ACQUIRE-WILDCARD: a wildcard block lies inside the dynamic range and
// overlaps no block and no bound port.
RC_GTEST_PROP(MachineProperties, WildcardBlocksLieInsideTheDynamicRangeAndOverlapNothing, ()) {
  const Generated g = Generate();
  Driver driver(g.seed, g.options);
  ForEachCall(driver, g.steps,
              [&](const Call& call, const Machine& before, const absl::StatusOr<Outcome>& outcome) {
                const auto* a = std::get_if<call::Acquire>(&call);
                if (a == nullptr || a->request.start != 0 || !outcome.ok() || !outcome->ok())
                  return;
                const SocketState* s = before.socket(a->socket);
                const PortRange block = *outcome->block;
                const PortPool& pool = before.pool(s->protocol);
                PORTPOOL_REQUIRE(driver, block.count == a->request.count,
                                 "the wildcard block has another size than requested");
                PORTPOOL_REQUIRE(driver, pool.dynamic_range().contains(block),
                                 absl::StrCat("wildcard block ", FormatRange(block),
                                              " is not inside the dynamic range ",
                                              FormatRange(pool.dynamic_range())));
                for (uint32_t port = block.start; port <= block.last(); ++port) {
                  PORTPOOL_REQUIRE(driver, !InsideSomeBlock(before, s->protocol, port),
                                   absl::StrCat("wildcard block ", FormatRange(block),
                                                " overlaps a block at ", port));
                  PORTPOOL_REQUIRE(driver, pool.BindingAt(static_cast<uint16_t>(port)) == nullptr,
                                   absl::StrCat("wildcard block ", FormatRange(block),
                                                " holds bound port ", port));
                }
              });
}

// SOCK-CLOSE, PROCESS-END: closing a socket removes exactly the runtime
// blocks acquired on it and its binding; ending a process does that for
// each of its sockets.
RC_GTEST_PROP(MachineProperties, ClosingASocketFreesExactlyItsRuntimeBlocksAndItsPort, ()) {
  const Generated g = Generate();
  Driver driver(g.seed, g.options);
  ForEachCall(driver, g.steps,
              [&](const Call& call, const Machine& before, const absl::StatusOr<Outcome>& outcome) {
                if (!outcome.ok() || !outcome->ok()) return;
                std::set<uint32_t> closing;
                if (const auto* c = std::get_if<call::CloseSocket>(&call))
                  closing.insert(c->socket.value);
                if (const auto* e = std::get_if<call::EndProcess>(&call)) {
                  for (SocketId id : before.process(e->process)->sockets) closing.insert(id.value);
                }
                if (closing.empty()) return;
                std::set<Key> blocks;
                for (Protocol p : kAllProtocols) {
                  for (const auto& [start, b] : before.pool(p).blocks()) {
                    if (b.kind == BlockKind::kRuntime && closing.contains(b.socket.value)) continue;
                    blocks.insert(KeyOf(p, PortRange{start, b.count}));
                  }
                }
                std::set<BindingKey> bindings;
                for (const BindingKey& key : AllBindings(before)) {
                  if (!closing.contains(std::get<3>(key))) bindings.insert(key);
                }
                PORTPOOL_REQUIRE(driver, AllBlocks(driver.machine()) == blocks,
                                 "closing did not free exactly the socket's runtime blocks");
                PORTPOOL_REQUIRE(driver, AllBindings(driver.machine()) == bindings,
                                 "closing did not free exactly the socket's port");
                for (uint32_t id : closing) {
                  PORTPOOL_REQUIRE(driver, driver.machine().socket(SocketId{id}) == nullptr,
                                   "a closed socket is still open");
                }
              });
}

// The simulator is reproducible: one seed, the same answers call for call.
RC_GTEST_PROP(MachineProperties, TheSameSeedGivesTheSameAnswersCallForCall, ()) {
  const Generated g = Generate();
  Driver first(g.seed, g.options);
  Driver second(g.seed, g.options);
  for (const Step& step : g.steps) {
    const Call call = first.Resolve(step);
    PORTPOOL_REQUIRE(first, second.Resolve(step) == call, "the two runs resolved different calls");
    const absl::StatusOr<Outcome> a = first.Run(call);
    const absl::StatusOr<Outcome> b = second.Run(call);
    PORTPOOL_REQUIRE(first, a.ok() == b.ok() && (!a.ok() || *a == *b),
                     absl::StrCat("the second run answered ",
                                  b.ok() ? DescribeOutcome(*b) : b.status().ToString()));
  }
}

// The simulator never answers outside its own specification: every outcome
// passes Check against the expectation computed before the call.
RC_GTEST_PROP(MachineProperties, EverySimulatorOutcomePassesCheckOfItsExpectation, ()) {
  const Generated g = Generate();
  Driver driver(g.seed, g.options);
  for (const Step& step : g.steps) {
    const Call call = driver.Resolve(step);
    const Machine before = driver.machine();
    const absl::StatusOr<Expectation> e = before.Expect(call);
    const absl::StatusOr<Outcome> outcome = driver.Run(call);
    PORTPOOL_REQUIRE(driver, e.ok() == outcome.ok(), "Expect and Run disagree on the call");
    if (!e.ok()) continue;
    const Verdict verdict = before.Check(*e, *outcome);
    PORTPOOL_REQUIRE(driver, verdict.conforms, verdict.explanation);
  }
}

// An observer Machine (driven only by Expect/Check/Observe, never told the
// simulator's settled tokens) accepts every answer of the simulator: the
// observer is at least as loose as the simulator is free.
RC_GTEST_PROP(MachineProperties, AnObserverMachineAcceptsEverySimulatorOutcome, ()) {
  const Generated g = Generate();
  Driver driver(g.seed, g.options);
  Machine observer(/*seed=*/0);
  const Transcript setup = driver.transcript();  // a crowded start's calls
  for (size_t i = 0; i < setup.calls().size(); ++i) {
    PORTPOOL_REQUIRE(driver, observer.Observe(setup.calls()[i], *setup.outcomes()[i]).ok(),
                     "the observer refused the setup");
  }
  for (const Step& step : g.steps) {
    const Call call = driver.Resolve(step);
    const absl::StatusOr<Outcome> outcome = driver.Run(call);
    const absl::StatusOr<Expectation> e = observer.Expect(call);
    PORTPOOL_REQUIRE(driver, e.ok() == outcome.ok(),
                     "the observer and the simulator disagree whether the call is malformed");
    if (!outcome.ok()) continue;
    const absl::Status observed = observer.Observe(call, *outcome);
    PORTPOOL_REQUIRE(driver, observed.ok(),
                     absl::StrCat("the observer refused it: ", observed.message()));
  }
}

}  // namespace
}  // namespace portpool::testing
