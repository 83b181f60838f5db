// Per-call cost of each call kind against a pool already holding N
// reservations, on the simulator, the model's checker path and the table
// oracle (see fixture.h).
//
// Calls run in batches, each timed as a whole (timing.h's BatchTimer; a clock
// read costs ~50 ns here, too much to time single calls): a batch of kBatch
// calls of the kind measured, preceded and followed by untimed calls that
// set up and undo (e.g. Create is undone by Delete). So the pool holds
// between N and N + kBatch reservations while a batch runs, and returns to N
// after it. The figure, ns_per_op, is the median over batches (timing.h).
//
// PerCall/mixed/<engine>/<N> is the issue's "same workload on the table
// oracle": rounds of every call kind above, including the calls that undo
// (delete, release, close), all timed, over the same pool of N reservations.
// Its ns_per_op is per call, and calls_per_s its inverse. It is the fair
// comparison with the oracle: the per-op ratios of lookup and delete cannot
// reach 50x, because the oracle answers them by indexing a 65,536-entry
// table, which no structure beats by 50x (docs/performance.md).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks.h"
#include "fixture.h"
#include "timing.h"

namespace portpool::bench {
namespace {

constexpr int kBatch = 32;
// Lookups change nothing: larger batches, no undo.
constexpr int kLookupBatch = 256;
// Rounds of the mixed workload per batch, and the calls of a round.
constexpr int kMixedRounds = 16;
constexpr int kMixedCallsPerRound = 15;

enum class Op {
  kCreate,           // CreatePersistent of a free 1-port block
  kLookup,           // LookupPersistent of an existing persistent block
  kDelete,           // DeletePersistent of an existing persistent block
  kAcquireSpecific,  // SIO_ACQUIRE_PORT_RESERVATION of a free 1-port block
  kAcquireWildcard,  // SIO_ACQUIRE_PORT_RESERVATION of 1 port anywhere (start 0)
  kAssociateBind,    // SIO_ASSOCIATE_PORT_RESERVATION (persistent block), then bind(0)
  kBindClose,        // bind(0) (an ephemeral port), then closesocket
  kMixed,            // rounds of all of the above, undo calls included
};

struct OpInfo {
  Op op;
  const char* name;
  int calls_per_op;
};

constexpr OpInfo kOps[] = {
    {Op::kCreate, "create", 1},
    {Op::kLookup, "lookup", 1},
    {Op::kDelete, "delete", 1},
    {Op::kAcquireSpecific, "acquire_specific", 1},
    {Op::kAcquireWildcard, "acquire_wildcard", 1},
    {Op::kAssociateBind, "associate_bind0", 2},
    {Op::kBindClose, "bind0_close", 2},
    {Op::kMixed, "mixed", 1},
};

// One benchmark run: a private World, and where in the fixture's lists the
// next batch starts.
class Runner {
 public:
  Runner(const Fixture& fixture, Engine engine) : f_(fixture), world_(fixture, engine) {}

  // Runs one batch; returns the timed seconds and the operations timed.
  absl::StatusOr<std::pair<double, int>> Batch(Op op) {
    pre_.clear();
    timed_.clear();
    post_.clear();
    const ProcessId a = f_.admin;
    const Protocol tcp = Protocol::kTcp;
    switch (op) {
      case Op::kCreate: {
        for (size_t k = 0; k < kBatch; ++k) {
          timed_.push_back(call::CreatePersistent{a, tcp, PortRange{NextFree(), 1}});
        }
        auto seconds = world_.Timed(timed_, timed_out_);
        if (!seconds.ok()) return seconds.status();
        for (const Call& c : timed_) {
          post_.push_back(
              call::DeletePersistent{a, tcp, std::get<call::CreatePersistent>(c).block});
        }
        if (auto s = world_.Untimed(post_, post_out_); !s.ok()) return s;
        return std::make_pair(*seconds, kBatch);
      }
      case Op::kLookup: {
        for (int k = 0; k < kLookupBatch; ++k) {
          timed_.push_back(call::LookupPersistent{a, tcp, PortRange{NextPersistent(), 1}});
        }
        auto seconds = world_.Timed(timed_, timed_out_);
        if (!seconds.ok()) return seconds.status();
        return std::make_pair(*seconds, kLookupBatch);
      }
      case Op::kDelete: {
        for (size_t k = 0; k < kBatch; ++k) {
          const PortRange block{NextFree(), 1};
          pre_.push_back(call::CreatePersistent{a, tcp, block});
          timed_.push_back(call::DeletePersistent{a, tcp, block});
        }
        if (auto s = world_.Untimed(pre_, pre_out_); !s.ok()) return s;
        auto seconds = world_.Timed(timed_, timed_out_);
        if (!seconds.ok()) return seconds.status();
        return std::make_pair(*seconds, kBatch);
      }
      case Op::kAcquireSpecific:
      case Op::kAcquireWildcard: {
        for (size_t k = 0; k < kBatch; ++k) {
          const PortRange request{op == Op::kAcquireSpecific ? NextFree() : uint16_t{0}, 1};
          timed_.push_back(call::Acquire{a, f_.admin_socket, request});
        }
        auto seconds = world_.Timed(timed_, timed_out_);
        if (!seconds.ok()) return seconds.status();
        for (const Outcome& o : timed_out_) {
          if (!o.ok()) return absl::InternalError(absl::StrCat("acquire: ", DescribeOutcome(o)));
          post_.push_back(call::Release{a, f_.admin_socket, *o.token});
        }
        if (auto s = world_.Untimed(post_, post_out_); !s.ok()) return s;
        return std::make_pair(*seconds, kBatch);
      }
      case Op::kAssociateBind: {
        // Fresh persistent blocks (the pool may hold fewer than kBatch) and
        // fresh sockets: a socket binds once.
        for (size_t k = 0; k < kBatch; ++k) {
          pre_.push_back(call::CreatePersistent{a, tcp, PortRange{NextFree(), 1}});
          pre_.push_back(call::OpenSocket{a, tcp, Family::kIpv4});
        }
        if (auto s = world_.Untimed(pre_, pre_out_); !s.ok()) return s;
        for (size_t k = 0; k < kBatch; ++k) {
          const SocketId socket = *pre_out_[2 * k + 1].socket;
          timed_.push_back(call::Associate{a, socket, *pre_out_[2 * k].token});
          timed_.push_back(call::Bind{a, socket, 0});
        }
        auto seconds = world_.Timed(timed_, timed_out_);
        if (!seconds.ok()) return seconds.status();
        for (size_t k = 0; k < kBatch; ++k) {
          if (!timed_out_[2 * k + 1].ok()) {
            return absl::InternalError(
                absl::StrCat("bind: ", DescribeOutcome(timed_out_[2 * k + 1])));
          }
          post_.push_back(call::CloseSocket{a, *pre_out_[2 * k + 1].socket});
          post_.push_back(
              call::DeletePersistent{a, tcp, std::get<call::CreatePersistent>(pre_[2 * k]).block});
        }
        if (auto s = world_.Untimed(post_, post_out_); !s.ok()) return s;
        return std::make_pair(*seconds, kBatch);
      }
      case Op::kBindClose: {
        for (size_t k = 0; k < kBatch; ++k) pre_.push_back(call::OpenSocket{a, tcp, Family::kIpv4});
        if (auto s = world_.Untimed(pre_, pre_out_); !s.ok()) return s;
        for (size_t k = 0; k < kBatch; ++k) {
          const SocketId socket = *pre_out_[k].socket;
          timed_.push_back(call::Bind{a, socket, 0});
          timed_.push_back(call::CloseSocket{a, socket});
        }
        auto seconds = world_.Timed(timed_, timed_out_);
        if (!seconds.ok()) return seconds.status();
        if (!timed_out_[0].ok()) {
          return absl::InternalError(absl::StrCat("bind: ", DescribeOutcome(timed_out_[0])));
        }
        return std::make_pair(*seconds, kBatch);
      }
      case Op::kMixed:
        return Mixed();
    }
    return absl::InternalError("unknown op");
  }

 private:
  // kMixedRounds rounds, in two timed halves (the second needs the tokens
  // the first gave). A round: Create A, Lookup of an old persistent block,
  // specific Acquire S, two OpenSockets X and Y; then Lookup A, Associate X
  // with A, bind(X, 0), bind(Y, 0), close Y, close X, Release S, Release W,
  // Delete A; and a wildcard Acquire W, placed after every specific request
  // of the half so that it cannot take their ports. The pool ends as it
  // began.
  absl::StatusOr<std::pair<double, int>> Mixed() {
    const ProcessId a = f_.admin;
    const SocketId held = f_.admin_socket;
    const Protocol tcp = Protocol::kTcp;
    std::vector<PortRange> created;
    for (size_t k = 0; k < kMixedRounds; ++k) {
      const PortRange block{NextFree(), 1};
      created.push_back(block);
      timed_.push_back(call::CreatePersistent{a, tcp, block});
      timed_.push_back(call::LookupPersistent{a, tcp, PortRange{NextPersistent(), 1}});
      timed_.push_back(call::Acquire{a, held, PortRange{NextFree(), 1}});
      timed_.push_back(call::OpenSocket{a, tcp, Family::kIpv4});
      timed_.push_back(call::OpenSocket{a, tcp, Family::kIpv4});
    }
    for (size_t k = 0; k < kMixedRounds; ++k) {
      timed_.push_back(call::Acquire{a, held, PortRange{0, 1}});
    }
    auto first = world_.Timed(timed_, timed_out_);
    if (!first.ok()) return first.status();
    for (const Outcome& o : timed_out_) {
      if (!o.ok()) return absl::InternalError(absl::StrCat("mixed: ", DescribeOutcome(o)));
    }
    std::vector<Call> second;
    for (size_t k = 0; k < kMixedRounds; ++k) {
      const Outcome* round = &timed_out_[5 * k];
      const SocketId x = *round[3].socket, y = *round[4].socket;
      second.push_back(call::LookupPersistent{a, tcp, created[k]});
      second.push_back(call::Associate{a, x, *round[0].token});
      second.push_back(call::Bind{a, x, 0});
      second.push_back(call::Bind{a, y, 0});
      second.push_back(call::CloseSocket{a, y});
      second.push_back(call::CloseSocket{a, x});
      second.push_back(call::Release{a, held, *round[2].token});
      second.push_back(call::Release{a, held, *timed_out_[5 * kMixedRounds + k].token});
      second.push_back(call::DeletePersistent{a, tcp, created[k]});
    }
    auto then = world_.Timed(second, post_out_);
    if (!then.ok()) return then.status();
    for (const Outcome& o : post_out_) {
      if (!o.ok()) return absl::InternalError(absl::StrCat("mixed: ", DescribeOutcome(o)));
    }
    return std::make_pair(*first + *then, kMixedRounds * kMixedCallsPerRound);
  }

  uint16_t NextFree() {
    const uint16_t port = f_.free_ports[free_ % f_.free_ports.size()];
    ++free_;
    return port;
  }
  uint16_t NextPersistent() {
    // A stride through the list, so that consecutive lookups are far apart.
    const size_t n = f_.persistent.size();
    const uint16_t port = f_.persistent[(persistent_ * 7919) % n].first;
    ++persistent_;
    return port;
  }

  const Fixture& f_;
  World world_;
  size_t free_ = 0;
  size_t persistent_ = 0;
  std::vector<Call> pre_, timed_, post_;
  std::vector<Outcome> pre_out_, timed_out_, post_out_;
};

void PerCall(benchmark::State& state, Op op, Engine engine, int reservations) {
  Runner runner(GetFixture(reservations), engine);
  std::vector<double> per_op;  // ns per operation, of each batch
  for (auto _ : state) {
    absl::StatusOr<std::pair<double, int>> batch = runner.Batch(op);
    if (!batch.ok()) {
      state.SkipWithError(std::string(batch.status().message()).c_str());
      break;
    }
    state.SetIterationTime(batch->first);
    per_op.push_back(batch->first * 1e9 / batch->second);
  }
  // The median batch: robust to batches preempted by other jobs.
  if (!per_op.empty()) {
    state.counters["ns_per_op"] = Median(per_op);
    if (op == Op::kMixed) state.counters["calls_per_s"] = 1e9 / Median(per_op);
  }
}

}  // namespace

void RegisterPerCallBenchmarks() {
  for (const OpInfo& info : kOps) {
    for (Engine engine : {Engine::kSimulator, Engine::kChecker, Engine::kOracle}) {
      for (int n : kPoolSizes) {
        const std::string name =
            absl::StrCat("PerCall/", info.name, "/", EngineName(engine), "/", n);
        benchmark::RegisterBenchmark(
            name.c_str(),
            [op = info.op, engine, n](benchmark::State& s) { PerCall(s, op, engine, n); })
            ->UseManualTime()
            ->MinTime(0.02);
      }
    }
  }
}

}  // namespace portpool::bench
