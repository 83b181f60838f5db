#include "portpool/traces/replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fstream>
#include <string>

#include "portpool/rules.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/simulate.h"

namespace portpool::traces {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Builds a trace in memory, numbering its steps as lines 2, 3, ... (line 1
// would be the header).
class Builder {
 public:
  Builder& Add(Call call, Outcome outcome) {
    Step step;
    step.call = std::move(call);
    step.outcome = std::move(outcome);
    step.line = static_cast<int>(trace_.steps.size()) + 2;
    trace_.steps.push_back(std::move(step));
    return *this;
  }
  // The last step's token argument / outcome token by name.
  Builder& Arg(std::string name) {
    trace_.steps.back().token_argument = std::move(name);
    return *this;
  }
  Builder& Returns(std::string name) {
    trace_.steps.back().outcome_token_name = std::move(name);
    trace_.steps.back().outcome.token = 0;
    return *this;
  }
  const Trace& trace() const { return trace_; }

 private:
  Trace trace_;
};

constexpr ProcessId P(uint32_t n) { return ProcessId{n}; }
constexpr SocketId S(uint32_t n) { return SocketId{n}; }
Outcome Ok() { return Outcome{}; }
Outcome Err(Error e) {
  Outcome o;
  o.error = e;
  return o;
}
Outcome NewProcess(uint32_t n) {
  Outcome o;
  o.process = P(n);
  return o;
}
Outcome NewSocket(uint32_t n) {
  Outcome o;
  o.socket = S(n);
  return o;
}
Outcome Token_() {
  Outcome o;
  o.token = 0;
  return o;
}
Outcome Port(uint16_t port) {
  Outcome o;
  o.port = port;
  return o;
}
constexpr Protocol kTcp = Protocol::kTcp;

std::vector<std::string> Ids(const Divergence& d) {
  std::vector<std::string> ids;
  for (const RuleCitation& c : d.rules) ids.push_back(c.id);
  return ids;
}

TEST(ReplayTest, AnEmptyTraceConforms) {
  const ReplayResult result = Replay(Trace{});
  EXPECT_TRUE(result.conforms);
  EXPECT_EQ(result.steps_checked, 0u);
}

TEST(ReplayTest, ConformingStepsRecordTheirRules) {
  Builder b;
  b.Add(call::StartProcess{true}, NewProcess(3))
      .Add(call::CreatePersistent{P(3), kTcp, {5000, 10}}, Token_())
      .Returns("$a")
      .Add(call::LookupPersistent{P(3), kTcp, {5000, 10}}, Token_())
      .Returns("$a")
      .Add(call::CreatePersistent{P(3), kTcp, {5005, 10}}, Err(Error::kSharingViolation));
  const ReplayResult result = Replay(b.trace());
  ASSERT_TRUE(result.conforms) << result.divergence->allowed;
  EXPECT_EQ(result.steps_checked, 4u);
  ASSERT_EQ(result.verdicts.size(), 4u);
  EXPECT_EQ(result.verdicts[1].rule, rules::kCreateOk);
  EXPECT_EQ(result.verdicts[2].rule, rules::kLookupToken);
  EXPECT_EQ(result.verdicts[3].rule, rules::kCreateOverlap);
  EXPECT_EQ(result.verdicts[3].line, 5);
  EXPECT_EQ(result.coverage.at(std::string(rules::kCreateOk)), 1);
  EXPECT_EQ(result.coverage.at(std::string(rules::kCreateOverlap)), 1);
  // Relied on besides the matched answer (Expectation::also).
  EXPECT_EQ(result.coverage.at(std::string(rules::kPoolPerProtocol)), 3);
  EXPECT_EQ(result.process_names.size(), 1u);
  EXPECT_EQ(result.machine.pool(kTcp).blocks().size(), 1u);
}

TEST(ReplayTest, CatchesAForbiddenAnswerWithItsRule) {
  Builder b;
  b.Add(call::StartProcess{true}, NewProcess(1))
      .Add(call::CreatePersistent{P(1), kTcp, {5000, 10}}, Token_())
      .Returns("$a")
      .Add(call::CreatePersistent{P(1), kTcp, {5005, 10}}, Token_())  // overlaps
      .Returns("$b")
      .Add(call::Reboot{}, Ok());
  const ReplayResult result = Replay(b.trace());
  EXPECT_FALSE(result.conforms);
  EXPECT_FALSE(result.bad_input());
  ASSERT_TRUE(result.diverges());
  const Divergence& d = *result.divergence;
  EXPECT_EQ(d.step, 2u);
  EXPECT_EQ(d.line, 4);
  EXPECT_EQ(result.steps_checked, 3u);
  EXPECT_THAT(d.call, HasSubstr("create tcp 5005 10"));
  EXPECT_THAT(d.recorded, HasSubstr("NO_ERROR"));
  EXPECT_THAT(d.recorded, HasSubstr("$b"));
  EXPECT_THAT(d.allowed, HasSubstr("ERROR_SHARING_VIOLATION [P-CREATE-OVERLAP]"));
  EXPECT_THAT(Ids(d), Contains(std::string(rules::kCreateOverlap)));
  EXPECT_THAT(Ids(d), Contains(std::string(rules::kPoolPerProtocol)));
  for (const RuleCitation& c : d.rules) {
    EXPECT_THAT(c.source, Not(IsEmpty())) << c.id;
    EXPECT_THAT(c.summary, Not(IsEmpty())) << c.id;
  }
  // The machine stops before the divergent step.
  EXPECT_EQ(result.machine.pool(kTcp).blocks().size(), 1u);
  EXPECT_EQ(result.machine.boot(), 0u);
}

TEST(ReplayTest, ADivergenceNamesTheExpectedTokenByName) {
  Builder b;
  b.Add(call::StartProcess{true}, NewProcess(1))
      .Add(call::CreatePersistent{P(1), kTcp, {5000, 10}}, Token_())
      .Returns("$a")
      .Add(call::LookupPersistent{P(1), kTcp, {5000, 10}}, Token_())
      .Returns("$b");
  const ReplayResult result = Replay(b.trace());
  ASSERT_TRUE(result.diverges());
  EXPECT_THAT(result.divergence->allowed, HasSubstr("NO_ERROR with token $a [P-LOOKUP-TOKEN]"));
  EXPECT_THAT(Ids(*result.divergence), Contains(std::string(rules::kLookupToken)));
}

TEST(ReplayTest, TokenNamesPersistAcrossAReboot) {
  // After a reboot the token may change (new name) or stay (old name); once
  // learned, it must not change again within the boot.
  Builder same;
  same.Add(call::StartProcess{true}, NewProcess(1))
      .Add(call::CreatePersistent{P(1), kTcp, {5000, 10}}, Token_())
      .Returns("$a")
      .Add(call::Reboot{}, Ok())
      .Add(call::StartProcess{true}, NewProcess(2))
      .Add(call::LookupPersistent{P(2), kTcp, {5000, 10}}, Token_())
      .Returns("$a")
      .Add(call::LookupPersistent{P(2), kTcp, {5000, 10}}, Token_())
      .Returns("$a");
  EXPECT_TRUE(Replay(same.trace()).conforms);

  Builder changed = same;
  changed.Add(call::LookupPersistent{P(2), kTcp, {5000, 10}}, Token_()).Returns("$b");
  const ReplayResult result = Replay(changed.trace());
  ASSERT_TRUE(result.diverges());
  EXPECT_EQ(result.divergence->step, 6u);
}

TEST(ReplayTest, ATokenNamedFirstAsAnArgumentIsBogus) {
  Builder b;
  b.Add(call::StartProcess{true}, NewProcess(1))
      .Add(call::CreatePersistent{P(1), kTcp, {5000, 10}}, Token_())
      .Returns("$a")
      .Add(call::OpenSocket{P(1), kTcp, Family::kIpv4}, NewSocket(1))
      .Add(call::Associate{P(1), S(1)}, Err(Error::kWsaEinval))
      .Arg("$zz");
  EXPECT_TRUE(Replay(b.trace()).conforms);

  // A bogus token's association may succeed without effect (R-ASSOC-INVALID,
  // U4), but never with WSAEFAULT: that is for bad pointers.
  Builder accepted = b;
  accepted.Add(call::Associate{P(1), S(1)}, Ok()).Arg("$zz");
  EXPECT_TRUE(Replay(accepted.trace()).conforms);
  Builder faulted = b;
  faulted.Add(call::Associate{P(1), S(1)}, Err(Error::kWsaEfault)).Arg("$zz");
  const ReplayResult result = Replay(faulted.trace());
  ASSERT_TRUE(result.diverges());
  EXPECT_THAT(Ids(*result.divergence), Contains(std::string(rules::kAssociateInvalid)));
}

TEST(ReplayTest, SyntheticTokensAvoidTheTracesLiterals) {
  // Whatever value $a gets, a literal token in the trace is another token.
  Builder b;
  b.Add(call::StartProcess{true}, NewProcess(1))
      .Add(call::OpenSocket{P(1), kTcp, Family::kIpv4}, NewSocket(1));
  Outcome acquired;
  acquired.block = PortRange{5000, 4};
  acquired.token = 0;
  b.Add(call::Acquire{P(1), S(1), {5000, 4}}, acquired).Returns("$a");
  // Whatever literal the test picks, the replay does not confuse it with $a.
  for (Token literal : {Token{1}, Token{0xffffffffffffffff}}) {
    Builder with_literal = b;
    with_literal.Add(call::Release{P(1), S(1), literal}, Err(Error::kWsaEinval));
    EXPECT_TRUE(Replay(with_literal.trace()).conforms) << literal;
  }
}

TEST(ReplayTest, BindsSocketsAndListsBoundPorts) {
  Builder b;
  b.Add(call::StartProcess{false}, NewProcess(4))
      .Add(call::OpenSocket{P(4), kTcp, Family::kIpv6}, NewSocket(9))
      .Add(call::Bind{P(4), S(9), 5003}, Port(5003))
      .Add(call::GetSockName{P(4), S(9)}, Port(5003));
  const ReplayResult result = Replay(b.trace());
  ASSERT_TRUE(result.conforms);
  EXPECT_EQ(FormatBoundPorts(result, kTcp), "      5003  ipv6    s9 (p4)\n");
  EXPECT_EQ(FormatBoundPorts(result, Protocol::kUdp), "");
}

// --- From text ---------------------------------------------------------------

ReplayResult ReplayText(absl::string_view text) {
  auto trace = Parse(text, "test.trace");
  EXPECT_TRUE(trace.ok()) << trace.status();
  return trace.ok() ? Replay(*trace) : ReplayResult{};
}

TEST(ReplayTextTest, TheFormatsExampleConforms) {
  const ReplayResult result = ReplayText(R"(portpool-trace 1
provenance: hand-written
start-process elevated -> NO_ERROR process=p1
p1 create tcp 5000 10 -> NO_ERROR token=$a
p1 lookup tcp 5000 10 -> NO_ERROR token=$a
p1 create tcp raw:5000 20 -> NO_ERROR token=$b
p1 socket tcp ipv4 -> NO_ERROR socket=s1
p1 s1 acquire any 64 -> NO_ERROR block=49152-49215 token=$c
p1 socket tcp ipv4 -> NO_ERROR socket=s2
p1 s2 associate $c -> NO_ERROR
p1 s2 bind 0 -> NO_ERROR port=49160
p1 s1 release 0x1234 -> WSAEINVAL
reboot -> NO_ERROR
)");
  EXPECT_TRUE(result.conforms) << (result.divergence ? result.divergence->allowed
                                   : result.error    ? result.error->message
                                                     : "");
  EXPECT_EQ(result.steps_checked, 11u);
}

TEST(ReplayTextTest, TheFormatDocsCompleteExampleConforms) {
  // docs/trace-format.md's "A complete example" is the first fenced block
  // after its heading.
  std::ifstream file(std::string(PORTPOOL_SOURCE_DIR) + "/docs/trace-format.md");
  ASSERT_TRUE(file) << "docs/trace-format.md";
  std::string line, text;
  enum { kBefore, kHeading, kInside, kDone } where = kBefore;
  while (where != kDone && std::getline(file, line)) {
    if (where == kBefore && line == "## A complete example")
      where = kHeading;
    else if (where == kHeading && line == "```")
      where = kInside;
    else if (where == kInside && line == "```")
      where = kDone;
    else if (where == kInside)
      text += line + "\n";
  }
  ASSERT_EQ(where, kDone);
  const ReplayResult result = ReplayText(text);
  EXPECT_TRUE(result.conforms) << (result.divergence ? result.divergence->allowed
                                   : result.error    ? result.error->message
                                                     : "");
  EXPECT_EQ(result.steps_checked, 20u);
}

TEST(ReplayTextTest, CatchesAHandWrittenDivergenceAtItsLine) {
  const ReplayResult result = ReplayText(R"(portpool-trace 1
provenance: hand-written
# The second block overlaps the first.
start-process elevated -> NO_ERROR process=p1
p1 create udp 6000 4 -> NO_ERROR token=$a
p1 create tcp 6000 4 -> NO_ERROR token=$b
p1 create udp 6003 1 -> NO_ERROR token=$c
)");
  ASSERT_TRUE(result.diverges());
  EXPECT_EQ(result.divergence->line, 7);
  EXPECT_EQ(result.divergence->call, "p1 create udp 6003 1");
  EXPECT_EQ(result.divergence->recorded, "NO_ERROR token=$c");
  EXPECT_THAT(Ids(*result.divergence), Contains(std::string(rules::kCreateOverlap)));
}

TEST(ReplayTextTest, BadInputNamesItsLine) {
  const ReplayResult result = ReplayText(R"(portpool-trace 1
start-process elevated -> NO_ERROR process=p1
p1 socket tcp ipv4 -> NO_ERROR socket=s1

p1 s2 bind 0 -> NO_ERROR port=49152
)");
  ASSERT_TRUE(result.bad_input());
  EXPECT_EQ(result.error->line, 5);
  EXPECT_THAT(result.error->message, HasSubstr("s2 is not a socket"));
}

// --- Bad input ---------------------------------------------------------------

void ExpectBadInput(const Trace& trace, int line, const std::string& message) {
  const ReplayResult result = Replay(trace);
  EXPECT_FALSE(result.conforms);
  EXPECT_FALSE(result.diverges());
  ASSERT_TRUE(result.bad_input());
  EXPECT_EQ(result.error->line, line);
  EXPECT_THAT(result.error->message, HasSubstr(message));
}

TEST(ReplayBadInputTest, AProcessNeverStarted) {
  Builder b;
  b.Add(call::StartProcess{true}, NewProcess(1))
      .Add(call::CreatePersistent{P(2), kTcp, {5000, 1}}, Token_())
      .Returns("$a");
  ExpectBadInput(b.trace(), 3, "p2 is not a process");
}

TEST(ReplayBadInputTest, ASocketNeverOpened) {
  Builder b;
  b.Add(call::StartProcess{true}, NewProcess(1)).Add(call::Bind{P(1), S(1), 0}, Port(50000));
  ExpectBadInput(b.trace(), 3, "s1 is not a socket");
}

TEST(ReplayBadInputTest, AProcessNameBoundTwice) {
  Builder b;
  b.Add(call::StartProcess{true}, NewProcess(1)).Add(call::StartProcess{false}, NewProcess(1));
  ExpectBadInput(b.trace(), 3, "p1 is started twice (first at line 2)");
}

TEST(ReplayBadInputTest, ASocketNameBoundTwice) {
  Builder b;
  b.Add(call::StartProcess{true}, NewProcess(1))
      .Add(call::OpenSocket{P(1), kTcp, Family::kIpv4}, NewSocket(1))
      .Add(call::CloseSocket{P(1), S(1)}, Ok())
      .Add(call::OpenSocket{P(1), kTcp, Family::kIpv4}, NewSocket(1));
  ExpectBadInput(b.trace(), 5, "s1 is opened twice");
}

TEST(ReplayBadInputTest, ACallFromAnEndedProcess) {
  Builder b;
  b.Add(call::StartProcess{true}, NewProcess(1))
      .Add(call::Reboot{}, Ok())
      .Add(call::CreatePersistent{P(1), kTcp, {5000, 1}}, Token_())
      .Returns("$a");
  ExpectBadInput(b.trace(), 4, "p1 has ended");

  Builder twice;
  twice.Add(call::StartProcess{true}, NewProcess(1))
      .Add(call::EndProcess{P(1)}, Ok())
      .Add(call::EndProcess{P(1)}, Ok());
  ExpectBadInput(twice.trace(), 4, "p1 has ended");
}

TEST(ReplayBadInputTest, ADivergentStartProcessIsADivergence) {
  // A start-process answered with an error binds no name: a divergence, and
  // the replay stops before any later step could be bad input.
  Builder b;
  b.Add(call::StartProcess{true}, Err(Error::kAccessDenied))
      .Add(call::CreatePersistent{P(1), kTcp, {5000, 1}}, Token_());
  const ReplayResult result = Replay(b.trace());
  EXPECT_TRUE(result.diverges());
  EXPECT_FALSE(result.bad_input());
}

// --- Simulated traces ----------------------------------------------------------

ReplayResult SimulateAndReplay(uint64_t seed, int calls, bool sockets) {
  SimulateOptions options;
  options.seed = seed;
  options.calls = calls;
  options.sockets = sockets;
  auto trace = Simulate(options);
  EXPECT_TRUE(trace.ok()) << trace.status();
  return Replay(*trace);
}

TEST(SimulateReplayTest, ASimulatedTraceConforms) {
  const ReplayResult result = SimulateAndReplay(42, 400, true);
  EXPECT_TRUE(result.conforms) << (result.divergence ? result.divergence->call : "");
  EXPECT_EQ(result.steps_checked, 400u);
  EXPECT_EQ(result.machine.boot(), 1u);
}

RC_GTEST_PROP(SimulateReplayProperty, EverySimulatedTraceConforms, (uint64_t seed, bool sockets)) {
  const int calls = *rc::gen::inRange(1, 400);
  const ReplayResult result = SimulateAndReplay(seed, calls, sockets);
  if (result.divergence) {
    RC_FAIL("step " + std::to_string(result.divergence->step + 1) + ": " + result.divergence->call +
            " -> " + result.divergence->recorded + "; allowed " + result.divergence->allowed);
  }
  RC_ASSERT(!result.error);
  RC_ASSERT(result.conforms);
  RC_ASSERT(result.steps_checked == static_cast<size_t>(calls));
}

RC_GTEST_PROP(SimulateReplayProperty, ASimulatedTraceSurvivesTheTextFormat,
              (uint64_t seed, bool sockets)) {
  SimulateOptions options;
  options.seed = seed;
  options.calls = *rc::gen::inRange(1, 200);
  options.sockets = sockets;
  auto trace = Simulate(options);
  RC_ASSERT(trace.ok());
  RC_ASSERT(ValidateTrace(*trace).ok());
  auto reread = Parse(Print(*trace), "simulated.trace");
  RC_ASSERT(reread.ok());
  const ReplayResult result = Replay(*reread);
  RC_ASSERT(result.conforms);
  // The parsed trace knows its lines: the header, one provenance line, steps.
  RC_ASSERT(result.verdicts.back().line == options.calls + 2);
}

TEST(SimulateReplayTest, AMutatedAnswerDivergesAtItsStep) {
  SimulateOptions options;
  options.seed = 9;
  options.calls = 200;
  auto trace = Simulate(options);
  ASSERT_TRUE(trace.ok());
  // ERROR_INVALID_HANDLE is an answer the model never allows.
  for (size_t at : {size_t{0}, size_t{57}, size_t{150}, size_t{199}}) {
    Trace mutated = *trace;
    mutated.steps[at].outcome = Err(Error::kInvalidHandle);
    mutated.steps[at].outcome_token_name.reset();
    const ReplayResult result = Replay(mutated);
    ASSERT_TRUE(result.diverges()) << at;
    EXPECT_EQ(result.divergence->step, at);
    EXPECT_EQ(result.steps_checked, at + 1);
  }
}

}  // namespace
}  // namespace portpool::traces

namespace portpool::traces {
namespace {

Trace ParsedOrDie(const std::string& text) {
  absl::StatusOr<Trace> trace = Parse(text, "<test>");
  EXPECT_TRUE(trace.ok()) << trace.status();
  return trace.ok() ? *trace : Trace{};
}

// Two answers the model forbids (P-CREATE-ELEVATION: an elevated Create over
// free ports succeeds; P-LOOKUP-TOKEN: the block exists), with conforming
// steps around them.
const char kTwoDivergences[] =
    "portpool-trace 1\n"
    "start-process elevated -> NO_ERROR process=p1\n"
    "p1 create tcp 5000 4 -> ERROR_ACCESS_DENIED\n"
    "p1 create tcp 6000 4 -> NO_ERROR token=$a\n"
    "p1 lookup tcp 6000 4 -> ERROR_NOT_FOUND\n"
    "p1 delete tcp 6000 4 -> NO_ERROR\n";

TEST(ReplayKeepGoingTest, WithoutKeepGoingTheReplayStopsAtTheFirstDivergence) {
  const Trace trace = ParsedOrDie(kTwoDivergences);
  const ReplayResult result = Replay(trace);
  ASSERT_TRUE(result.divergence);
  EXPECT_EQ(result.divergence->step, 1u);
  EXPECT_THAT(result.later_divergences, IsEmpty());
  EXPECT_EQ(result.steps_checked, 2u);
}

TEST(ReplayKeepGoingTest, KeepGoingReportsEveryDivergenceAndJudgesTheRest) {
  const Trace trace = ParsedOrDie(kTwoDivergences);
  const ReplayResult result = Replay(trace, {.keep_going = true});
  ASSERT_TRUE(result.divergence);
  EXPECT_EQ(result.divergence->step, 1u);
  ASSERT_EQ(result.later_divergences.size(), 1u);
  EXPECT_EQ(result.later_divergences[0].step, 3u);
  EXPECT_THAT(Ids(result.later_divergences[0]), Contains(std::string(rules::kLookupToken)));
  EXPECT_FALSE(result.lost);
  EXPECT_FALSE(result.conforms);
  EXPECT_EQ(result.steps_checked, 5u);
  // The Delete after the adopted Lookup conformed.
  EXPECT_TRUE(result.verdicts.back().conforms);
}

// An answer the model cannot hold (a block over a block: P-CREATE-OVERLAP)
// stops the replay with the reason.
TEST(ReplayKeepGoingTest, AnAnswerThatCannotBeAdoptedStopsTheReplay) {
  const Trace trace = ParsedOrDie(
      "portpool-trace 1\n"
      "start-process elevated -> NO_ERROR process=p1\n"
      "p1 create tcp 5000 4 -> NO_ERROR token=$a\n"
      "p1 create tcp 5002 4 -> NO_ERROR token=$b\n"
      "p1 delete tcp 5000 4 -> NO_ERROR\n");
  const ReplayResult result = Replay(trace, {.keep_going = true});
  ASSERT_TRUE(result.divergence);
  EXPECT_EQ(result.divergence->step, 2u);
  ASSERT_TRUE(result.lost);
  EXPECT_THAT(*result.lost, HasSubstr("overlaps a block the model holds"));
  EXPECT_EQ(result.steps_checked, 3u);
}

}  // namespace
}  // namespace portpool::traces
