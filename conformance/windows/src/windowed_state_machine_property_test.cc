// The state machine kept to a port window, as it runs on a real machine
// (conformance/windows/windows_real_test.cc): the simulator inside a
// SandboxedBackend, so the sandbox's own rules (sandbox.h) judge every
// generated call, and the checker judges every answer against the model.
// Here is where we learn that the real-API run neither strays outside its
// window nor wastes its calls on refusals.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "portpool/conformance/backend.h"
#include "portpool/conformance/checker.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/conformance/state_machine.h"
#include "portpool/conformance/steps.h"
#include "portpool/conformance/windows/journal.h"
#include "portpool/conformance/windows/sandbox.h"
#include "rapidcheck/gtest.h"

namespace portpool::conformance {
namespace {

// The simulator with the real Windows backend's capabilities (one elevated
// process that never ends), so that the generator's choices for Windows run
// here too.
class WindowsLikeSimulator final : public Backend {
 public:
  explicit WindowsLikeSimulator(uint64_t seed) : inner_(seed) {}
  std::string Describe() const override { return inner_.Describe() + " windows-like"; }
  Capabilities capabilities() const override {
    Capabilities caps = inner_.capabilities();
    caps.reboot = false;
    caps.end_process = false;
    caps.unelevated_process = false;
    caps.several_processes = false;
    caps.set_dynamic_range = false;
    return caps;
  }
  absl::StatusOr<Outcome> Run(const Call& call) override { return inner_.Run(call); }

 private:
  SimulatorBackend inner_;
};

// Windows where edges meet: the default sandbox, the bottom and top of the
// port space (P-CREATE-PAST-MAX, R-ACQUIRE-PAST-MAX must stay out of reach:
// counts are cut at the window's end), just below the dynamic range, and
// tiny windows where nearly every count is cut.
const std::vector<PortRange>& Windows() {
  static const auto* const windows =
      new std::vector<PortRange>{{20000, 256}, {1, 64},   {65280, 256}, {65533, 3},
                                 {49000, 152}, {5000, 5}, {30000, 1},   {40000, 3}};
  return *windows;
}

Journal& SharedJournal() {
  static Journal* const journal = [] {
    const std::string path =
        (std::filesystem::path(::testing::TempDir()) / "windowed_state_machine.journal").string();
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return new Journal(*Journal::Open(path));
  }();
  return *journal;
}

// The ports `call` names itself (a block, a bound port); what the system
// chooses (bind to 0, a wildcard acquire) is not named.
std::optional<PortRange> NamedPorts(const Call& call) {
  return std::visit(
      [](const auto& c) -> std::optional<PortRange> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, call::CreatePersistent> ||
                      std::is_same_v<T, call::LookupPersistent> ||
                      std::is_same_v<T, call::DeletePersistent>) {
          return c.block;
        } else if constexpr (std::is_same_v<T, call::Acquire>) {
          if (c.request.start == 0) return std::nullopt;
          return c.request;
        } else if constexpr (std::is_same_v<T, call::Bind>) {
          if (c.port == 0) return std::nullopt;
          return PortRange{c.port, 1};
        } else {
          return std::nullopt;
        }
      },
      call);
}

bool SystemChosen(const Call& call) {
  if (const auto* bind = std::get_if<call::Bind>(&call)) return bind->port == 0;
  if (const auto* acquire = std::get_if<call::Acquire>(&call)) return acquire->request.start == 0;
  return false;
}

// Every call of every sequence keeps to the window (checked on each call,
// before it runs, independently of the sandbox and by the sandbox's own
// Admit), none is refused, and every answer conforms to its rule.
RC_GTEST_PROP(WindowedStateMachine, CallsStayInsideTheWindowAndConform, ()) {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  const PortRange window = *rc::gen::elementOf(Windows());
  const bool windows_like = *rc::gen::arbitrary<bool>();
  const bool system_chosen = *rc::gen::arbitrary<bool>();
  SimulatorBackend simulator(seed);
  WindowsLikeSimulator like(seed);
  Backend& inner = windows_like ? static_cast<Backend&>(like) : simulator;
  const Sandbox sandbox(window, system_chosen);
  SandboxedBackend sandboxed(inner, sandbox, SharedJournal());
  Checker checker(sandboxed, {true});
  const Capabilities caps = sandboxed.capabilities();
  RC_ASSERT(caps.port_window.has_value());
  RC_ASSERT(caps.port_window->start == window.start && caps.port_window->count == window.count);
  RC_ASSERT(!caps.reboot && !caps.set_dynamic_range);

  StateMachineRun run(checker, caps,
                      absl::StrCat(sandboxed.Describe(), " seed=", seed, " state-machine"));
  run.on_call = [&](const Call& call) {
    RC_ASSERT(Supports(caps, call));
    if (const std::optional<PortRange> named = NamedPorts(call)) {
      const bool inside =
          named->count == 0 ? window.contains(named->start) : window.contains(*named);
      if (!inside) {
        RC_FAIL(absl::StrCat(DescribeCall(call), " names ports outside the window ",
                             FormatRange(window)));
      }
    }
    if (!system_chosen) RC_ASSERT(!SystemChosen(call));
    if (const absl::Status admitted = sandbox.Admit(call); !admitted.ok()) {
      RC_FAIL(absl::StrCat(DescribeCall(call), ": ", admitted.message()));
    }
  };
  CheckStateMachine(run);
  if (!run.refused.empty()) {
    RC_FAIL(absl::StrCat("refused by the sandbox:\n  ", absl::StrJoin(run.refused, "\n  ")));
  }
  RC_ASSERT(!run.unsupported);
  RC_ASSERT(sandboxed.refused() == 0);
}

// The generator reaches the window's edges and its shared start, cuts huge
// counts at the window's end (a block that ends exactly at the last port),
// and never names a port outside it.
TEST(WindowedStateMachine, StepsReachTheWindowEdgesAndStayInside) {
  const PortRange window{20000, 256};
  Capabilities caps;
  caps.port_window = window;
  std::set<uint16_t> ports;
  bool block_to_the_end = false;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const std::vector<StepSpec> steps =
        rc::gen::container<std::vector<StepSpec>>(50, GenStep(caps))(rc::Random(seed), 50).value();
    for (const StepSpec& spec : steps) {
      ASSERT_TRUE(window.contains(spec.port)) << spec;
      ASSERT_LE(uint32_t{spec.port} + spec.count, window.last() + 1) << spec;
      ports.insert(spec.port);
      if (spec.count > 1 && uint32_t{spec.port} + spec.count == window.last() + 1) {
        block_to_the_end = true;
      }
    }
  }
  EXPECT_TRUE(ports.contains(window.start));
  EXPECT_TRUE(ports.contains(static_cast<uint16_t>(window.last())));
  for (uint16_t p = window.start; p < window.start + 5; ++p) EXPECT_TRUE(ports.contains(p)) << p;
  EXPECT_TRUE(block_to_the_end);
}

}  // namespace
}  // namespace portpool::conformance
