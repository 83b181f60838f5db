#include "portpool/traces/record.h"

#include <gtest/gtest.h>

#include "portpool/machine.h"
#include "portpool/traces/replay.h"

namespace portpool::traces {
namespace {

Outcome Err(Error e) {
  Outcome o;
  o.error = e;
  return o;
}

TEST(TokenNameTest, CountsInBijectiveBase26) {
  EXPECT_EQ(TokenName(0), "$a");
  EXPECT_EQ(TokenName(1), "$b");
  EXPECT_EQ(TokenName(25), "$z");
  EXPECT_EQ(TokenName(26), "$aa");
  EXPECT_EQ(TokenName(27), "$ab");
  EXPECT_EQ(TokenName(51), "$az");
  EXPECT_EQ(TokenName(52), "$ba");
  EXPECT_EQ(TokenName(701), "$zz");
  EXPECT_EQ(TokenName(702), "$aaa");
}

Outcome Ok() { return Outcome{}; }
Outcome WithProcess(uint32_t id) {
  Outcome o;
  o.process = ProcessId{id};
  return o;
}
Outcome WithSocket(uint32_t id) {
  Outcome o;
  o.socket = SocketId{id};
  return o;
}
Outcome WithToken(Token token) {
  Outcome o;
  o.token = token;
  return o;
}

TEST(TraceRecorderTest, NamesProcessesAndSocketsInOrderOfCreation) {
  TraceRecorder recorder;
  recorder.Record(call::StartProcess{true}, WithProcess(17));
  recorder.Record(call::StartProcess{false}, WithProcess(4));
  recorder.Record(call::OpenSocket{ProcessId{4}, Protocol::kTcp, Family::kIpv4}, WithSocket(900));
  recorder.Record(call::OpenSocket{ProcessId{17}, Protocol::kUdp, Family::kIpv6}, WithSocket(3));
  recorder.Record(call::Bind{ProcessId{17}, SocketId{3}, 0}, Ok());
  const Trace& trace = recorder.trace();
  ASSERT_EQ(trace.steps.size(), 5u);
  EXPECT_EQ(trace.steps[0].outcome.process, ProcessId{1});
  EXPECT_EQ(trace.steps[1].outcome.process, ProcessId{2});
  EXPECT_EQ(std::get<call::OpenSocket>(trace.steps[2].call).process, ProcessId{2});
  EXPECT_EQ(trace.steps[2].outcome.socket, SocketId{1});
  EXPECT_EQ(std::get<call::OpenSocket>(trace.steps[3].call).process, ProcessId{1});
  EXPECT_EQ(trace.steps[3].outcome.socket, SocketId{2});
  const auto& bind = std::get<call::Bind>(trace.steps[4].call);
  EXPECT_EQ(bind.process, ProcessId{1});
  EXPECT_EQ(bind.socket, SocketId{2});
  EXPECT_EQ(recorder.ProcessName(ProcessId{17}), "p1");
  EXPECT_EQ(recorder.SocketName(SocketId{900}), "s1");
  EXPECT_EQ(recorder.ProcessName(ProcessId{99}), "");
}

TEST(TraceRecorderTest, AReusedBackendIdGetsANewName) {
  TraceRecorder recorder;
  recorder.Record(call::StartProcess{true}, WithProcess(1));
  recorder.Record(call::OpenSocket{ProcessId{1}, Protocol::kTcp, Family::kIpv4}, WithSocket(8));
  recorder.Record(call::CloseSocket{ProcessId{1}, SocketId{8}}, Ok());
  recorder.Record(call::OpenSocket{ProcessId{1}, Protocol::kTcp, Family::kIpv4}, WithSocket(8));
  recorder.Record(call::Bind{ProcessId{1}, SocketId{8}, 0}, Ok());
  const Trace& trace = recorder.trace();
  EXPECT_EQ(std::get<call::CloseSocket>(trace.steps[2].call).socket, SocketId{1});
  EXPECT_EQ(trace.steps[3].outcome.socket, SocketId{2});
  EXPECT_EQ(std::get<call::Bind>(trace.steps[4].call).socket, SocketId{2});
}

TEST(TraceRecorderTest, NamesTokensInOrderOfFirstAppearance) {
  TraceRecorder recorder;
  const ProcessId p{5};
  const SocketId s{6};
  recorder.Record(call::StartProcess{true}, WithProcess(5));
  recorder.Record(call::CreatePersistent{p, Protocol::kTcp, {5000, 10}}, WithToken(0xabc));
  recorder.Record(call::OpenSocket{p, Protocol::kTcp, Family::kIpv4}, WithSocket(6));
  // A made-up token: named although no outcome ever returned it.
  recorder.Record(call::Associate{p, s, 0x5555}, Err(Error::kWsaEinval));
  recorder.Record(call::LookupPersistent{p, Protocol::kTcp, {5000, 10}}, WithToken(0xabc));
  recorder.Record(call::Release{p, s, 0}, Err(Error::kWsaEinval));
  recorder.Record(call::Associate{p, s, 0xabc}, Ok());
  Outcome acquired = WithToken(0x777);
  acquired.block = PortRange{49152, 4};
  recorder.Record(call::Acquire{p, s, {0, 4}}, acquired);
  const Trace trace = std::move(recorder).Finish();

  EXPECT_EQ(trace.steps[1].outcome_token_name, "$a");
  EXPECT_EQ(trace.steps[1].outcome.token, Token{0});  // symbolic: the value means nothing
  EXPECT_EQ(trace.steps[3].token_argument, "$b");
  EXPECT_EQ(std::get<call::Associate>(trace.steps[3].call).token, Token{0});
  EXPECT_EQ(trace.steps[4].outcome_token_name, "$a");
  // Token 0 stays the literal 0.
  EXPECT_EQ(trace.steps[5].token_argument, std::nullopt);
  EXPECT_EQ(std::get<call::Release>(trace.steps[5].call).token, Token{0});
  EXPECT_EQ(trace.steps[6].token_argument, "$a");
  EXPECT_EQ(trace.steps[7].outcome_token_name, "$c");
  EXPECT_EQ(trace.steps[7].outcome.block, (PortRange{49152, 4}));
}

TEST(TraceRecorderTest, AnOutcomeTokenOfZeroIsALiteral) {
  TraceRecorder recorder;
  recorder.Record(call::StartProcess{true}, WithProcess(1));
  recorder.Record(call::CreatePersistent{ProcessId{1}, Protocol::kTcp, {5000, 1}}, WithToken(0));
  EXPECT_EQ(recorder.trace().steps[1].outcome_token_name, std::nullopt);
  EXPECT_EQ(recorder.trace().steps[1].outcome.token, Token{0});
}

TEST(TraceRecorderTest, KeepsProvenanceAndComments) {
  TraceRecorder recorder;
  recorder.AddProvenance("windows build=22631");
  recorder.AddComment("first");
  recorder.Record(call::StartProcess{true}, WithProcess(1));
  recorder.AddComment("second");
  recorder.Record(call::Reboot{}, Ok());
  recorder.AddComment("the end");
  const Trace trace = std::move(recorder).Finish();
  EXPECT_EQ(trace.provenance, std::vector<std::string>{"windows build=22631"});
  EXPECT_EQ(trace.comments, std::vector<std::string>{"first"});
  EXPECT_TRUE(trace.steps[0].comments.empty());
  EXPECT_EQ(trace.steps[1].comments, std::vector<std::string>{"second"});
  EXPECT_EQ(trace.trailing_comments, std::vector<std::string>{"the end"});
}

TEST(TraceRecorderTest, ARecordedSimulatorRunReplays) {
  // Machine ids and the recorder's names differ once ids are not 1, 2, ...
  Machine machine(7);
  TraceRecorder recorder;
  auto run = [&](const Call& call) {
    auto outcome = machine.Run(call);
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    recorder.Record(call, *outcome);
    return *outcome;
  };
  const ProcessId admin = *run(call::StartProcess{true}).process;
  run(call::CreatePersistent{admin, Protocol::kTcp, {5000, 8}});
  const SocketId s = *run(call::OpenSocket{admin, Protocol::kTcp, Family::kIpv4}).socket;
  const Token block = *run(call::Acquire{admin, s, {0, 16}}).token;
  run(call::Reboot{});
  const ProcessId again = *run(call::StartProcess{true}).process;
  run(call::LookupPersistent{again, Protocol::kTcp, {5000, 8}});
  const SocketId t = *run(call::OpenSocket{again, Protocol::kTcp, Family::kIpv6}).socket;
  run(call::Release{again, t, block});  // a token of the last boot
  run(call::Bind{again, t, 0});
  const ReplayResult result = Replay(recorder.trace());
  EXPECT_TRUE(result.conforms);
  EXPECT_EQ(result.steps_checked, recorder.trace().steps.size());
}

}  // namespace
}  // namespace portpool::traces
