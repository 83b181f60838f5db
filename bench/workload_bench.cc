// Whole-run benchmarks: the mixed workload (traces/workload.h) on the
// simulator and through the checker, trace replay, reboots, and the memory
// a persistent reservation costs. Runs of milliseconds are timed in thread
// CPU time, reboots by the median of batches (see timing.h).
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks.h"
#include "fixture.h"
#include "heap_counter.h"
#include "portpool/conformance/checker.h"
#include "portpool/conformance/simulator_backend.h"
#include "portpool/machine.h"
#include "portpool/random.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "portpool/traces/replay.h"
#include "portpool/traces/simulate.h"
#include "portpool/traces/workload.h"
#include "testing/table_oracle.h"
#include "timing.h"

namespace portpool::bench {
namespace {

// --- Mixed workload ----------------------------------------------------------

// Sessions of the default Workload (a 48-port window, sockets, 2% churn),
// each from a fresh machine.
constexpr uint64_t kSessionSeeds[] = {1, 2, 3, 4};
constexpr int kSessionCalls = 10000;

struct Session {
  uint64_t seed = 0;
  std::vector<Call> calls;
  std::vector<Outcome> outcomes;  // the simulator's answers
};

traces::WorkloadOptions SessionOptions(uint64_t seed) {
  traces::WorkloadOptions options;
  options.seed = seed;
  return options;
}

const std::vector<Session>& Sessions() {
  static const auto* sessions = [] {
    auto* result = new std::vector<Session>();
    for (uint64_t seed : kSessionSeeds) {
      Session s;
      s.seed = seed;
      Machine machine(seed);
      traces::Workload workload(SessionOptions(seed));
      for (int i = 0; i < kSessionCalls; ++i) {
        const Call call = workload.Next(machine);
        absl::StatusOr<Outcome> outcome = machine.Run(call);
        CheckOk(outcome.status(), "session");
        workload.Observe(call, *outcome);
        s.calls.push_back(call);
        s.outcomes.push_back(*outcome);
      }
      result->push_back(std::move(s));
    }
    return result;
  }();
  return *sessions;
}

int64_t SessionCalls() { return static_cast<int64_t>(std::size(kSessionSeeds)) * kSessionCalls; }

// Runs `round` once per benchmark iteration, timed on this thread's CPU clock
// (a round takes milliseconds, often preempted on a shared machine), and
// reports `items` per round per second as the counter `counter`. `round`
// returns "" or why the round failed, which skips the benchmark with it.
template <typename Round>
void TimeRounds(benchmark::State& state, const char* counter, int64_t items, Round round) {
  double seconds = 0;
  int64_t done = 0;
  for (auto _ : state) {
    const double start = ThreadCpuSeconds();
    const std::string failure = round();
    const double elapsed = ThreadCpuSeconds() - start;
    if (!failure.empty()) {
      state.SkipWithError(failure.c_str());
      return;
    }
    state.SetIterationTime(elapsed);
    seconds += elapsed;
    done += items;
  }
  state.counters[counter] = static_cast<double>(done) / seconds;
}

// The simulator alone: the recorded calls, replayed on a fresh Machine with
// the session's seed (which answers them exactly as recorded).
void MixedSimulator(benchmark::State& state) {
  const std::vector<Session>& sessions = Sessions();
  TimeRounds(state, "calls_per_s", SessionCalls(), [&] {
    for (const Session& s : sessions) {
      Machine machine(s.seed);
      for (const Call& call : s.calls) benchmark::DoNotOptimize(machine.Run(call));
    }
    return std::string();
  });
}

// The Workload choosing each call against the live simulator, as `portpool
// demo` and `portpool simulate` run it.
void MixedWorkloadAndSimulator(benchmark::State& state) {
  TimeRounds(state, "calls_per_s", SessionCalls(), [] {
    for (uint64_t seed : kSessionSeeds) {
      Machine machine(seed);
      traces::Workload workload(SessionOptions(seed));
      for (int i = 0; i < kSessionCalls; ++i) {
        const Call call = workload.Next(machine);
        absl::StatusOr<Outcome> outcome = machine.Run(call);
        workload.Observe(call, *outcome);
      }
    }
    return std::string();
  });
}

// The model as a checker alone: an observer Machine judging and learning the
// recorded answers (Expect, Check, Observe), as the checker and the
// replayer use it. With `reuse`, Observe is given the expectation already
// computed (Machine::Observe's three-argument form) instead of judging again.
void MixedModelChecker(benchmark::State& state, bool reuse) {
  const std::vector<Session>& sessions = Sessions();
  TimeRounds(state, "calls_per_s", SessionCalls(), [&] {
    for (const Session& s : sessions) {
      Machine model(0);
      for (size_t i = 0; i < s.calls.size(); ++i) {
        absl::StatusOr<Expectation> expectation = model.Expect(s.calls[i]);
        if (!expectation.ok() || !model.Check(*expectation, s.outcomes[i]).conforms ||
            !(reuse ? model.Observe(s.calls[i], s.outcomes[i], *expectation)
                    : model.Observe(s.calls[i], s.outcomes[i]))
                 .ok()) {
          return std::string("the model refused an answer of the simulator");
        }
      }
    }
    return std::string();
  });
}

// The conformance checker over the simulator backend (the Win32-shaped
// surface included), the Workload choosing calls against the backend.
void MixedChecker(benchmark::State& state) {
  TimeRounds(state, "calls_per_s", SessionCalls(), [] {
    for (uint64_t seed : kSessionSeeds) {
      conformance::SimulatorBackend backend(seed);
      conformance::Checker checker(backend, {/*simulator_contract=*/true});
      traces::Workload workload(SessionOptions(seed));
      for (int i = 0; i < kSessionCalls; ++i) {
        const Call call = workload.Next(backend.machine());
        absl::StatusOr<conformance::CheckedCall> checked = checker.Step(call);
        if (!checked.ok() || !checked->verdict.conforms) {
          return std::string("the checker reported a divergence of the simulator");
        }
        workload.Observe(call, checked->outcome);
      }
    }
    return std::string();
  });
}

// --- Trace replay ------------------------------------------------------------

constexpr int kTraceCalls = 100000;

struct TraceText {
  std::string text;
  int64_t lines = 0;
};

const TraceText& SimulatedTrace() {
  static const auto* trace = [] {
    traces::SimulateOptions options;
    options.seed = kSeed;
    options.calls = kTraceCalls;
    absl::StatusOr<traces::Trace> simulated = traces::Simulate(options);
    CheckOk(simulated.status(), "simulate");
    auto* result = new TraceText();
    result->text = traces::Print(*simulated);
    for (char c : result->text) result->lines += c == '\n';
    return result;
  }();
  return *trace;
}

void ReplayParse(benchmark::State& state) {
  const TraceText& trace = SimulatedTrace();
  TimeRounds(state, "lines_per_s", trace.lines, [&] {
    absl::StatusOr<traces::Trace> parsed = traces::Parse(trace.text, "bench.trace");
    return parsed.ok() ? std::string() : std::string(parsed.status().message());
  });
}

void ReplayParseAndCheck(benchmark::State& state) {
  const TraceText& trace = SimulatedTrace();
  TimeRounds(state, "lines_per_s", trace.lines, [&] {
    absl::StatusOr<traces::Trace> parsed = traces::Parse(trace.text, "bench.trace");
    const bool conforms = parsed.ok() && traces::Replay(*parsed).conforms;
    return conforms ? std::string() : std::string("the simulated trace did not replay");
  });
}

// --- Reboot and memory -------------------------------------------------------

// A simulator whose TCP pool holds `n` persistent one-port blocks, spread.
Machine PersistentMachine(int n) {
  Machine machine(kSeed);
  const ProcessId admin = machine.StartProcess(/*elevated=*/true);
  for (int i = 0; i < n; ++i) {
    const Call create =
        call::CreatePersistent{admin, Protocol::kTcp, PortRange{SpreadPort(i, n), 1}};
    absl::StatusOr<Outcome> outcome = machine.Run(create);
    CheckOk(outcome.status(), "populate");
    if (!outcome->ok()) CheckOk(absl::InternalError(DescribeOutcome(*outcome)), "populate");
  }
  return machine;
}

void Reboot(benchmark::State& state, int n) {
  Machine machine = PersistentMachine(n);
  // Small pools reboot in microseconds: time several per batch.
  const int per_batch = n <= 100 ? 64 : 1;
  std::vector<double> per_reboot;  // ns, of each batch
  BatchTimer timer;
  for (auto _ : state) {
    timer.Start();
    for (int i = 0; i < per_batch; ++i) benchmark::DoNotOptimize(machine.Run(call::Reboot{}));
    const double elapsed = timer.Stop();
    state.SetIterationTime(elapsed);
    per_reboot.push_back(elapsed * 1e9 / per_batch);
  }
  const double median = Median(per_reboot);
  state.counters["ns_per_reboot"] = median;
  state.counters["ns_per_reservation"] = median / n;
}

enum class Holder { kSimulator, kSimulatorRandomOrder, kObserver, kOracle };

// Live heap bytes per persistent reservation: the heap of a simulator, an
// observer Machine or the table oracle after n Creates of one-port blocks,
// less its heap before them (with one process started), over n.
void Memory(benchmark::State& state, Holder holder, int n) {
  // The calls and the simulator's answers, recorded outside the window.
  std::vector<Call> calls = {call::StartProcess{true}};
  for (int i = 0; i < n; ++i) {
    calls.push_back(
        call::CreatePersistent{ProcessId{1}, Protocol::kTcp, PortRange{SpreadPort(i, n), 1}});
  }
  if (holder == Holder::kSimulatorRandomOrder) {  // the same blocks, created in random order
    SplitMix64 rng(kSeed);
    for (size_t i = calls.size() - 1; i > 1; --i) std::swap(calls[i], calls[1 + rng.Below(i)]);
  }
  std::vector<Outcome> outcomes;
  {
    Machine simulator(kSeed);
    for (const Call& call : calls) {
      absl::StatusOr<Outcome> outcome = simulator.Run(call);
      CheckOk(outcome.status(), "populate");
      outcomes.push_back(*outcome);
    }
  }
  double per_reservation = 0;
  for (auto _ : state) {
    HeapCounter counter;
    int64_t before = 0;
    if (holder == Holder::kOracle) {
      testing::TableOracle oracle;
      for (size_t i = 0; i < calls.size(); ++i) {
        if (i == 1) before = counter.LiveBytes();
        oracle.Apply(calls[i], outcomes[i]);
      }
      per_reservation = static_cast<double>(counter.LiveBytes() - before) / n;
    } else {
      const bool simulator = holder != Holder::kObserver;
      Machine machine(simulator ? kSeed : 0);
      for (size_t i = 0; i < calls.size(); ++i) {
        if (i == 1) before = counter.LiveBytes();
        if (simulator) {
          CheckOk(machine.Run(calls[i]).status(), "simulator");
        } else {
          CheckOk(machine.Observe(calls[i], outcomes[i]), "observer");
        }
      }
      per_reservation = static_cast<double>(counter.LiveBytes() - before) / n;
    }
  }
  state.counters["bytes_per_reservation"] = per_reservation;
}

}  // namespace

void RegisterWorkloadBenchmarks() {
  benchmark::RegisterBenchmark("Mixed/simulator", MixedSimulator)->UseManualTime()->MinTime(0.1);
  benchmark::RegisterBenchmark("Mixed/workload+simulator", MixedWorkloadAndSimulator)
      ->UseManualTime()
      ->MinTime(0.1);
  benchmark::RegisterBenchmark("Mixed/model_checker",
                               [](benchmark::State& s) { MixedModelChecker(s, false); })
      ->UseManualTime()
      ->MinTime(0.1);
  benchmark::RegisterBenchmark("Mixed/model_checker_reuse",
                               [](benchmark::State& s) { MixedModelChecker(s, true); })
      ->UseManualTime()
      ->MinTime(0.1);
  benchmark::RegisterBenchmark("Mixed/checker", MixedChecker)->UseManualTime()->MinTime(0.1);
  benchmark::RegisterBenchmark("Replay/parse", ReplayParse)->UseManualTime()->MinTime(0.1);
  benchmark::RegisterBenchmark("Replay/parse+check", ReplayParseAndCheck)
      ->UseManualTime()
      ->MinTime(0.1);
  for (int n : kPoolSizes) {
    benchmark::RegisterBenchmark(absl::StrCat("Reboot/", n).c_str(),
                                 [n](benchmark::State& s) { Reboot(s, n); })
        ->UseManualTime()
        ->MinTime(0.05);
  }
  for (int n : {10000, 60000}) {
    for (const auto& entry :
         {std::pair{Holder::kSimulator, "simulator"},
          std::pair{Holder::kSimulatorRandomOrder, "simulator_random_order"},
          std::pair{Holder::kObserver, "observer"}, std::pair{Holder::kOracle, "oracle"}}) {
      // A plain variable, not a structured binding: C++20 clang cannot capture those.
      const Holder holder = entry.first;
      benchmark::RegisterBenchmark(absl::StrCat("Memory/", entry.second, "/", n).c_str(),
                                   [holder, n](benchmark::State& s) { Memory(s, holder, n); })
          ->Iterations(1)
          ->Repetitions(1);  // deterministic: one run is enough
    }
  }
}

}  // namespace portpool::bench
