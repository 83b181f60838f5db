// Pre-populated pools for the per-call benchmarks, and the three engines
// that take calls:
//   simulator  Machine::Run: Expect, pick an answer, apply it;
//   checker    the model as a checker: Expect, Check and Observe on an
//              observer Machine, of the answer the simulator gave;
//   oracle     the table oracle (model/src/testing/table_oracle.h) as a
//              checker: Judge, WhyNot and Apply, of the same answer.
// Only the engine under test is timed.
#ifndef PORTPOOL_BENCH_FIXTURE_H_
#define PORTPOOL_BENCH_FIXTURE_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portpool/call.h"
#include "portpool/machine.h"
#include "portpool/outcome.h"
#include "testing/table_oracle.h"

namespace portpool::bench {

inline constexpr uint64_t kSeed = 42;

// The port of reservation `i` of `n`: spread evenly over 1..65535.
uint16_t SpreadPort(int i, int n);

// `reservations` one-port reservations spread evenly over the TCP pool's
// ports 1..65535: three in four persistent (Creates by an elevated process),
// one in four runtime (specific acquires on a socket of another process).
// The simulator made every answer; the observer and the oracle learnt them.
struct Fixture {
  explicit Fixture(int reservations);

  int reservations = 0;
  Machine simulator{kSeed};
  Machine observer{0};
  testing::TableOracle oracle;
  ProcessId admin;        // elevated; makes the benchmarked calls
  SocketId admin_socket;  // TCP/IPv4, of admin, unbound: for acquires
  ProcessId holder;       // elevated; owns the runtime blocks
  SocketId holder_socket;
  // The persistent blocks (one port each): start and token.
  std::vector<std::pair<uint16_t, Token>> persistent;
  // Ports of the TCP pool held by no block, in a fixed random order.
  std::vector<uint16_t> free_ports;

 private:
  // Runs `call` on the simulator and teaches its answer to the observer and
  // the oracle; aborts if any of them refuses (a bench bug).
  Outcome Feed(const Call& call);
};

// The fixture with `reservations` reservations, built on first use.
const Fixture& GetFixture(int reservations);

enum class Engine { kSimulator, kChecker, kOracle };
absl::string_view EngineName(Engine engine);

// One engine's private copy of a fixture's state (and of the simulator, which
// answers the calls for the checker and the oracle).
class World {
 public:
  World(const Fixture& fixture, Engine engine);

  // Runs `calls` in order and returns the seconds the engine under test
  // spent on them. For the checker and the oracle, the simulator first
  // answers the whole batch (untimed); then the engine judges and learns
  // each answer (timed). `outcomes` receives the simulator's answers. An
  // error means some engine refused a call or an answer: a bench bug.
  absl::StatusOr<double> Timed(const std::vector<Call>& calls, std::vector<Outcome>& outcomes);
  // The same, untimed, and the engine under test learns the answers without
  // judging them (for set-up and undo calls).
  absl::Status Untimed(const std::vector<Call>& calls, std::vector<Outcome>& outcomes);

 private:
  Engine engine_;
  Machine simulator_;
  std::optional<Machine> observer_;
  std::optional<testing::TableOracle> oracle_;
};

// Aborts with `what` and the status if it is not OK: for setup code that
// cannot fail unless the bench itself is wrong.
void CheckOk(const absl::Status& status, absl::string_view what);

}  // namespace portpool::bench

#endif  // PORTPOOL_BENCH_FIXTURE_H_
