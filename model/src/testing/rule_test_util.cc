#include "testing/rule_test_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace portpool::testing {

std::set<Error> ErrorsOf(const Expectation& expectation) {
  std::set<Error> errors;
  for (const Answer& answer : expectation.answers) {
    if (answer.error != Error::kNoError) errors.insert(answer.error);
  }
  return errors;
}

bool AllowsSuccess(const Expectation& expectation) {
  return expectation.AllowsError(Error::kNoError);
}

bool NamesRule(const Expectation& expectation, absl::string_view rule) {
  const std::vector<RuleId> rules = expectation.Rules();
  return std::find(rules.begin(), rules.end(), rule) != rules.end();
}

Outcome ErrorOutcome(Error error) {
  Outcome o;
  o.error = error;
  return o;
}

Outcome OkOutcome() { return Outcome{}; }

Outcome OkToken(Token token) {
  Outcome o;
  o.token = token;
  return o;
}

Outcome OkPort(uint16_t port) {
  Outcome o;
  o.port = port;
  return o;
}

Outcome OkBlock(PortRange block, Token token) {
  Outcome o;
  o.block = block;
  o.token = token;
  return o;
}

Bench::Bench(uint64_t seed) : machine_(seed) {
  admin_ = machine_.StartProcess(/*elevated=*/true);
  user_ = machine_.StartProcess(/*elevated=*/false);
}

Expectation Bench::Expect(const Call& call) const {
  auto expectation = machine_.Expect(call);
  if (!expectation.ok()) {
    ADD_FAILURE() << DescribeCall(call) << ": " << expectation.status();
    return Expectation{};
  }
  return *std::move(expectation);
}

Verdict Bench::Judge(const Call& call, const Outcome& outcome) const {
  return machine_.Check(Expect(call), outcome);
}

bool Bench::Accepts(const Call& call, const Outcome& outcome) const {
  return Judge(call, outcome).conforms;
}

Outcome Bench::Run(const Call& call) {
  auto outcome = machine_.Run(call);
  if (!outcome.ok()) {
    ADD_FAILURE() << DescribeCall(call) << ": " << outcome.status();
    return ErrorOutcome(Error::kInvalidHandle);
  }
  return *outcome;
}

void Bench::Observe(const Call& call, const Outcome& outcome) {
  const absl::Status status = machine_.Observe(call, outcome);
  EXPECT_TRUE(status.ok()) << "setup step refused: " << status;
}

ProcessId Bench::StartProcess(bool elevated) { return machine_.StartProcess(elevated); }

Token Bench::Create(Protocol protocol, PortRange block) { return Create(admin_, protocol, block); }

Token Bench::Create(ProcessId process, Protocol protocol, PortRange block) {
  const call::CreatePersistent call{process, protocol, block, false};
  const Outcome outcome = Run(call);
  EXPECT_EQ(outcome.error, Error::kNoError) << "setup: " << DescribeCall(call);
  EXPECT_TRUE(outcome.token.has_value()) << "setup: " << DescribeCall(call);
  return outcome.token.value_or(kInvalidToken);
}

SocketId Bench::Open(ProcessId process, Protocol protocol, Family family) {
  const Outcome outcome = Run(call::OpenSocket{process, protocol, family});
  EXPECT_TRUE(outcome.socket.has_value()) << "setup: socket() by p" << process.value;
  return outcome.socket.value_or(SocketId{0});
}

std::pair<PortRange, Token> Bench::Acquire(ProcessId process, SocketId socket, PortRange request) {
  const call::Acquire call{process, socket, request};
  const Outcome outcome = Run(call);
  EXPECT_EQ(outcome.error, Error::kNoError) << "setup: " << DescribeCall(call);
  EXPECT_TRUE(outcome.block.has_value() && outcome.token.has_value())
      << "setup: " << DescribeCall(call);
  return {outcome.block.value_or(PortRange{}), outcome.token.value_or(kInvalidToken)};
}

void Bench::BindAt(ProcessId process, SocketId socket, uint16_t port) {
  Observe(call::Bind{process, socket, port}, OkPort(port));
}

void Bench::Associate(ProcessId process, SocketId socket, Token token) {
  Observe(call::Associate{process, socket, token}, OkOutcome());
}

void Bench::SetDynamicRange(Protocol protocol, PortRange range) {
  for (Family family : {Family::kIpv4, Family::kIpv6}) SetDynamicRange(protocol, range, family);
}

void Bench::SetDynamicRange(Protocol protocol, PortRange range, Family family) {
  const absl::Status status = machine_.SetDynamicRange(protocol, range, family);
  EXPECT_TRUE(status.ok()) << "setting the " << FamilyName(family) << " " << ProtocolName(protocol)
                           << " dynamic range " << FormatRange(range) << ": " << status;
}

namespace {

std::string Names(const std::set<Error>& errors) {
  return absl::StrCat("{", absl::StrJoin(errors, ", ", absl::StreamFormatter()), "}");
}

}  // namespace

void ExpectAnswers(const Bench& bench, const Call& call, std::initializer_list<Error> errors,
                   bool success, absl::string_view rule) {
  const Expectation e = bench.Expect(call);
  const std::set<Error> want(errors);
  EXPECT_EQ(Names(ErrorsOf(e)), Names(want))
      << "rule " << rule << ": " << DescribeCall(call) << " allows " << DescribeExpectation(e);
  EXPECT_EQ(AllowsSuccess(e), success)
      << "rule " << rule << ": " << DescribeCall(call) << " allows " << DescribeExpectation(e);
  EXPECT_TRUE(NamesRule(e, rule)) << "rule " << rule << " not named by " << DescribeCall(call)
                                  << ": " << DescribeExpectation(e);
}

void ExpectLoose(const Bench& bench, const Call& call, std::initializer_list<Error> errors,
                 const std::optional<Outcome>& success, const std::vector<Outcome>& implausible,
                 absl::string_view rule) {
  const Expectation e = bench.Expect(call);
  const Machine& m = bench.machine();
  const std::set<Error> want(errors);
  EXPECT_EQ(Names(ErrorsOf(e)), Names(want))
      << "rule " << rule << ": " << DescribeCall(call) << " allows " << DescribeExpectation(e);
  for (Error error : want) {
    const Verdict v = m.Check(e, ErrorOutcome(error));
    EXPECT_TRUE(v.conforms) << "rule " << rule << ": " << DescribeCall(call) << " should accept "
                            << error << ": " << v.explanation;
  }
  if (success) {
    const Verdict v = m.Check(e, *success);
    EXPECT_TRUE(v.conforms) << "rule " << rule << ": " << DescribeCall(call) << " should accept "
                            << DescribeOutcome(*success) << ": " << v.explanation;
  } else {
    EXPECT_FALSE(AllowsSuccess(e)) << "rule " << rule << ": " << DescribeCall(call)
                                   << " must not allow NO_ERROR: " << DescribeExpectation(e);
    EXPECT_FALSE(m.Check(e, OkOutcome()).conforms) << "rule " << rule;
  }
  for (const Outcome& outcome : implausible) {
    EXPECT_FALSE(m.Check(e, outcome).conforms) << "rule " << rule << ": " << DescribeCall(call)
                                               << " must refuse " << DescribeOutcome(outcome);
  }
  EXPECT_TRUE(NamesRule(e, rule)) << "rule " << rule << " not named by " << DescribeCall(call)
                                  << ": " << DescribeExpectation(e);
}

std::vector<std::pair<PortRange, BlockKind>> BlocksOf(const Machine& machine, Protocol protocol) {
  std::vector<std::pair<PortRange, BlockKind>> blocks;
  machine.pool(protocol).ForEachBlock(
      [&](PortRange range, const Block& block) { blocks.emplace_back(range, block.kind); });
  return blocks;
}

}  // namespace portpool::testing
