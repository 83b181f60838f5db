// The canonical form (canonical_state.h): states equal up to the names of
// processes, sockets and tokens share it; states a call could tell apart do
// not. The exhaustive explorer's soundness rests on both halves.
#include "portpool/canonical_state.h"

#include "gtest/gtest.h"
#include "portpool/machine.h"

namespace portpool {
namespace {

constexpr Protocol kTcp = Protocol::kTcp;
constexpr Protocol kUdp = Protocol::kUdp;
constexpr Family kIpv4 = Family::kIpv4;
constexpr Family kIpv6 = Family::kIpv6;

ProcessId Start(Machine& m, bool elevated) { return *m.Run(call::StartProcess{elevated})->process; }
SocketId Open(Machine& m, ProcessId p, Protocol protocol, Family family) {
  return *m.Run(call::OpenSocket{p, protocol, family})->socket;
}

// p (elevated) holds TCP 5000-5001 and a socket bound to `port` through an
// association; q (elevated or not) has a UDP IPv6 socket.
void Populate(Machine& m, bool q_first, bool q_elevated = false, uint16_t port = 5000) {
  ProcessId q;
  if (q_first) q = Start(m, q_elevated);
  const ProcessId p = Start(m, true);
  if (!q_first) q = Start(m, q_elevated);
  const Token token = *m.Run(call::CreatePersistent{p, kTcp, {5000, 2}})->token;
  const SocketId s = Open(m, p, kTcp, kIpv4);
  ASSERT_TRUE(m.Run(call::Associate{p, s, token}).ok());
  ASSERT_TRUE(m.Run(call::Bind{p, s, port}).ok());
  Open(m, q, kUdp, kIpv6);
}

TEST(CanonicalState, IgnoresNamesAndTokenValues) {
  // Other seeds give other token values; another order gives other ids.
  Machine a(1), b(2);
  Populate(a, false);
  Populate(b, true);
  EXPECT_EQ(Canonicalize(a), Canonicalize(b));
  EXPECT_EQ(Canonicalize(a).fingerprint(), Canonicalize(b).fingerprint());
  // The renaming it reports maps each form's process i to a live process.
  for (ProcessId p : Canonicalize(b).processes) EXPECT_TRUE(b.IsLive(p));
}

TEST(CanonicalState, IgnoresTheBootCountOnceRebooted) {
  Machine a(1), b(1);
  a.Reboot();
  b.Reboot();
  b.Reboot();
  EXPECT_EQ(Canonicalize(a), Canonicalize(b));
  // Before any reboot the rule an unknown token's Lookup cites differs
  // (TOKEN-REBOOT), so boot 0 is kept apart.
  EXPECT_FALSE(Canonicalize(Machine(1)) == Canonicalize(a));
}

TEST(CanonicalState, TellsApartWhatACallCouldTellApart) {
  Machine base(1);
  Populate(base, false);
  const CanonicalState form = Canonicalize(base);

  Machine elevated(1), normal(1);  // alone, elevated or not: Create tells them apart
  Start(elevated, true);
  Start(normal, false);
  EXPECT_FALSE(Canonicalize(elevated) == Canonicalize(normal));

  Machine elevation(1);  // both processes elevated: q's Create would succeed
  Populate(elevation, false, /*q_elevated=*/true);
  EXPECT_FALSE(Canonicalize(elevation) == form);

  Machine other_port(1);  // bound to 5001 instead
  Populate(other_port, true, /*q_elevated=*/false, 5001);
  EXPECT_FALSE(Canonicalize(other_port) == form);

  // Which socket holds a runtime block matters (only its owner releases it).
  Machine p_holds(1), q_holds(1);
  for (Machine* m : {&p_holds, &q_holds}) {
    const ProcessId p = Start(*m, true);
    const ProcessId q = Start(*m, true);
    const SocketId sp = Open(*m, p, kTcp, kIpv4);
    const SocketId sq = Open(*m, q, kTcp, kIpv4);
    ASSERT_TRUE(
        m->Run(call::Acquire{m == &p_holds ? p : q, m == &p_holds ? sp : sq, {6000, 1}}).ok());
    ASSERT_TRUE(m->Run(call::Bind{p, sp, 7000}).ok());  // p and q differ otherwise too
  }
  EXPECT_FALSE(Canonicalize(p_holds) == Canonicalize(q_holds));
}

TEST(CanonicalState, KeepsWhichTokensAreEqual) {
  // Two associations with one token vs with two: a Release of the first
  // token affects both sockets in the first machine only.
  Machine same(1), different(1);
  for (Machine* m : {&same, &different}) {
    const ProcessId p = Start(*m, true);
    const Token t1 = *m->Run(call::CreatePersistent{p, kTcp, {5000, 1}})->token;
    const Token t2 = *m->Run(call::CreatePersistent{p, kTcp, {5001, 1}})->token;
    const SocketId a = Open(*m, p, kTcp, kIpv4);
    const SocketId b = Open(*m, p, kTcp, kIpv4);
    ASSERT_TRUE(m->Run(call::Associate{p, a, t1}).ok());
    ASSERT_TRUE(m->Run(call::Associate{p, b, m == &same ? t1 : t2}).ok());
  }
  EXPECT_FALSE(Canonicalize(same) == Canonicalize(different));
}

TEST(CanonicalState, DeadTokensAreAnonymousOnlyWhenAsked) {
  // Two sockets associated with one reservation that was deleted, or each
  // with its own reservation of the same block, deleted in turn. The model
  // keeps the token values (a reuse of one would revive its association),
  // so by default the forms differ; a caller that never reuses a value
  // cannot tell them apart.
  Machine shared(1), separate(1);
  for (Machine* m : {&shared, &separate}) {
    const ProcessId p = Start(*m, true);
    const SocketId a = Open(*m, p, kTcp, kIpv4);
    const SocketId b = Open(*m, p, kTcp, kIpv4);
    Token t = *m->Run(call::CreatePersistent{p, kTcp, {5000, 1}})->token;
    ASSERT_TRUE(m->Run(call::Associate{p, a, t}).ok());
    if (m == &separate) {
      ASSERT_TRUE(m->Run(call::DeletePersistent{p, kTcp, {5000, 1}}).ok());
      t = *m->Run(call::CreatePersistent{p, kTcp, {5000, 1}})->token;
    }
    ASSERT_TRUE(m->Run(call::Associate{p, b, t}).ok());
    ASSERT_TRUE(m->Run(call::DeletePersistent{p, kTcp, {5000, 1}}).ok());
  }
  EXPECT_FALSE(Canonicalize(shared) == Canonicalize(separate));
  const CanonicalOptions dead{.dead_tokens_anonymous = true};
  EXPECT_EQ(Canonicalize(shared, dead), Canonicalize(separate, dead));
}

}  // namespace
}  // namespace portpool
