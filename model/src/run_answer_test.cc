// Machine::RunAnswer (the simulator with the answer chosen by the caller) and
// ModelApi's CallRunner (every model call of the Win32 surface goes through
// it): what the compat library's explore policy and recording stand on.
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "portpool/call.h"
#include "portpool/machine.h"
#include "portpool/win32.h"

#ifndef _WIN32
#include <arpa/inet.h>
#endif

namespace portpool {
namespace {

constexpr PortRange kBlock{5000, 10};

// A machine where a Lookup of an existing block with a null token is loose:
// it may succeed or be refused two ways (rule P-LOOKUP-NULL-TOKEN).
struct LooseLookup {
  Machine machine{11};
  ProcessId user;
  Call lookup;
  LooseLookup() {
    const ProcessId admin = machine.StartProcess(/*elevated=*/true);
    user = machine.StartProcess(/*elevated=*/false);
    EXPECT_TRUE(machine.Run(call::CreatePersistent{admin, Protocol::kTcp, kBlock})->ok());
    lookup = call::LookupPersistent{user, Protocol::kTcp, kBlock, /*null_token=*/true};
  }
};

TEST(RunAnswer, GivesEachAllowedAnswerOfALooseCallInTurn) {
  LooseLookup setup;
  const auto expectation = setup.machine.Expect(setup.lookup);
  ASSERT_TRUE(expectation.ok());
  ASSERT_GT(expectation->answers.size(), 1u) << "P-LOOKUP-NULL-TOKEN: the Lookup should be loose";
  for (size_t k = 0; k < expectation->answers.size(); ++k) {
    Machine machine = setup.machine;
    RuleId rule;
    const auto outcome = machine.RunAnswer(setup.lookup, k, &rule);
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    EXPECT_EQ(outcome->error, expectation->answers[k].error) << "answer " << k;
    EXPECT_EQ(rule, expectation->answers[k].rule) << "answer " << k;
    EXPECT_TRUE(setup.machine.Check(*expectation, *outcome).conforms)
        << "answer " << k << ": " << *outcome;
  }
}

TEST(RunAnswer, RefusesAnAnswerNumberTheCallDoesNotHave) {
  LooseLookup setup;
  const size_t count = setup.machine.Expect(setup.lookup)->answers.size();
  const auto outcome = setup.machine.RunAnswer(setup.lookup, count);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(outcome.status().message().find("allows " + std::to_string(count)),
            absl::string_view::npos)
      << outcome.status();
}

TEST(RunAnswer, IsDeterministicForTheSameSeedAndAnswers) {
  // Token values still come from the seed, so two machines given the same
  // answers hand out the same tokens.
  auto run = [] {
    Machine machine(5);
    const ProcessId admin = *machine.RunAnswer(call::StartProcess{true}, 0)->process;
    return machine.RunAnswer(call::CreatePersistent{admin, Protocol::kUdp, kBlock}, 0)->token;
  };
  const auto first = run();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first, run());
}

// Records every call ModelApi makes, and runs it on the machine.
class Recorder final : public win32::CallRunner {
 public:
  explicit Recorder(Machine& machine) : machine_(machine) {}
  absl::StatusOr<Outcome> Run(const Call& call) override {
    calls.push_back(call);
    return machine_.Run(call);
  }
  std::vector<Call> calls;

 private:
  Machine& machine_;
};

TEST(CallRunner, SeesEveryModelCallOfTheSurfaceAndNoneItAnswersAlone) {
  Machine machine(3);
  const ProcessId admin = machine.StartProcess(/*elevated=*/true);
  Recorder recorder(machine);
  win32::ModelApi api(machine, admin, &recorder);
  win32::ULONG64 token = 0;
  EXPECT_EQ(api.CreatePersistentTcpPortReservation(htons(5000), 10, &token), 0u);
  const win32::SOCKET s = api.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  ASSERT_NE(s, INVALID_SOCKET);
  // Rule W32-NULL-POINTER: a null address is the surface's own WSAEFAULT.
  EXPECT_EQ(api.bind(s, nullptr, 0), SOCKET_ERROR);
  EXPECT_EQ(api.WSAGetLastError(), static_cast<int>(Error::kWsaEfault));
  ASSERT_EQ(recorder.calls.size(), 2u);
  EXPECT_EQ(recorder.calls[0],
            Call(call::CreatePersistent{admin, Protocol::kTcp, PortRange{5000, 10}}));
  EXPECT_TRUE(std::holds_alternative<call::OpenSocket>(recorder.calls[1]));
  EXPECT_EQ(machine.FindToken(token, Protocol::kTcp)->start, 5000)
      << "the runner ran the call on the machine";
}

}  // namespace
}  // namespace portpool
