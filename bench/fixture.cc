#include "fixture.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "portpool/random.h"
#include "timing.h"

namespace portpool::bench {

void CheckOk(const absl::Status& status, absl::string_view what) {
  if (status.ok()) return;
  std::fprintf(stderr, "portpool_bench: %s: %s\n", std::string(what).c_str(),
               status.ToString().c_str());
  std::abort();
}

uint16_t SpreadPort(int i, int n) {
  // i < n, so the port is at most kMaxPort.
  return static_cast<uint16_t>(1 + int64_t{i} * kMaxPort / n);
}

Outcome Fixture::Feed(const Call& call) {
  absl::StatusOr<Outcome> outcome = simulator.Run(call);
  CheckOk(outcome.status(), absl::StrCat("simulator: ", DescribeCall(call)));
  if (!outcome->ok()) {
    CheckOk(absl::InternalError(absl::StrCat(DescribeCall(call), ": ", DescribeOutcome(*outcome))),
            "populate");
  }
  CheckOk(observer.Observe(call, *outcome), "observer");
  // The oracle learns without judging: its fresh-token check scans every
  // block, which would make populating quadratic.
  oracle.Apply(call, *outcome);
  return *outcome;
}

Fixture::Fixture(int n) : reservations(n) {
  admin = *Feed(call::StartProcess{true}).process;
  holder = *Feed(call::StartProcess{true}).process;
  admin_socket = *Feed(call::OpenSocket{admin, Protocol::kTcp, Family::kIpv4}).socket;
  holder_socket = *Feed(call::OpenSocket{holder, Protocol::kTcp, Family::kIpv4}).socket;
  for (int i = 0; i < n; ++i) {
    const PortRange block{SpreadPort(i, n), 1};
    if (i % 4 == 3) {
      Feed(call::Acquire{holder, holder_socket, block});
    } else {
      const Outcome o = Feed(call::CreatePersistent{admin, Protocol::kTcp, block});
      persistent.emplace_back(block.start, *o.token);
    }
  }
  const PortPool& pool = simulator.pool(Protocol::kTcp);
  for (uint32_t port = 1; port <= kMaxPort; ++port) {
    if (!pool.BlockAt(port)) free_ports.push_back(static_cast<uint16_t>(port));
  }
  // A fixed shuffle, so that consecutive benchmark calls touch distant ports.
  SplitMix64 rng(kSeed);
  for (size_t i = free_ports.size(); i > 1; --i)
    std::swap(free_ports[i - 1], free_ports[rng.Below(i)]);
}

const Fixture& GetFixture(int reservations) {
  static auto* fixtures = new std::map<int, std::unique_ptr<Fixture>>();
  std::unique_ptr<Fixture>& fixture = (*fixtures)[reservations];
  if (!fixture) fixture = std::make_unique<Fixture>(reservations);
  return *fixture;
}

absl::string_view EngineName(Engine engine) {
  switch (engine) {
    case Engine::kSimulator:
      return "simulator";
    case Engine::kChecker:
      return "checker";
    case Engine::kOracle:
      return "oracle";
  }
  return "?";
}

World::World(const Fixture& fixture, Engine engine)
    : engine_(engine), simulator_(fixture.simulator) {
  if (engine == Engine::kChecker) observer_.emplace(fixture.observer);
  if (engine == Engine::kOracle) oracle_.emplace(fixture.oracle);
}

absl::StatusOr<double> World::Timed(const std::vector<Call>& calls,
                                    std::vector<Outcome>& outcomes) {
  outcomes.resize(calls.size());
  BatchTimer timer;
  bool refused = false;
  if (engine_ == Engine::kSimulator) {
    timer.Start();
    for (size_t i = 0; i < calls.size(); ++i) {
      absl::StatusOr<Outcome> outcome = simulator_.Run(calls[i]);
      if (outcome.ok()) {
        outcomes[i] = *outcome;
      } else {
        refused = true;
      }
    }
    const double seconds = timer.Stop();
    if (refused) return absl::InternalError("the simulator refused a call");
    return seconds;
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    absl::StatusOr<Outcome> outcome = simulator_.Run(calls[i]);
    if (!outcome.ok()) return outcome.status();
    outcomes[i] = *outcome;
  }
  if (engine_ == Engine::kChecker) {
    Machine& model = *observer_;
    timer.Start();
    for (size_t i = 0; i < calls.size(); ++i) {
      absl::StatusOr<Expectation> expectation = model.Expect(calls[i]);
      if (!expectation.ok()) {
        refused = true;
        continue;
      }
      const Verdict verdict = model.Check(*expectation, outcomes[i]);
      if (!verdict.conforms || !model.Observe(calls[i], outcomes[i]).ok()) refused = true;
    }
    const double seconds = timer.Stop();
    if (refused) return absl::InternalError("the checker refused an answer of the simulator");
    return seconds;
  }
  testing::TableOracle& oracle = *oracle_;
  timer.Start();
  for (size_t i = 0; i < calls.size(); ++i) {
    const std::optional<testing::TableOracle::Allowed> allowed = oracle.Judge(calls[i]);
    if (!allowed || !oracle.WhyNot(calls[i], outcomes[i]).empty()) {
      refused = true;
      continue;
    }
    oracle.Apply(calls[i], outcomes[i]);
  }
  const double seconds = timer.Stop();
  if (refused) return absl::InternalError("the oracle refused an answer of the simulator");
  return seconds;
}

absl::Status World::Untimed(const std::vector<Call>& calls, std::vector<Outcome>& outcomes) {
  // Learn without judging (the oracle's judging is the slow part, and
  // Observe checks anyway).
  outcomes.resize(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    absl::StatusOr<Outcome> outcome = simulator_.Run(calls[i]);
    if (!outcome.ok()) return outcome.status();
    outcomes[i] = *outcome;
    if (observer_) {
      if (absl::Status s = observer_->Observe(calls[i], *outcome); !s.ok()) return s;
    }
    if (oracle_) oracle_->Apply(calls[i], *outcome);
  }
  return absl::OkStatus();
}

}  // namespace portpool::bench
