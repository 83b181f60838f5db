#include "testing/agreement.h"

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "testing/rule_test_util.h"

namespace portpool::testing {
namespace {

using BlockView = TableOracle::BlockView;
using BindingView = TableOracle::BindingView;

std::string Show(const std::vector<BlockView>& blocks) {
  return absl::StrJoin(blocks, " ", [](std::string* out, const BlockView& b) {
    absl::StrAppend(out, ProtocolName(b.protocol), ":", FormatRange(b.range),
                    b.persistent ? "P" : "R", absl::StrFormat("(0x%x", b.token),
                    b.persistent ? "" : absl::StrCat(" p", b.owner, " s", b.socket), ")");
  });
}

std::string Show(const std::vector<BindingView>& bindings) {
  return absl::StrJoin(bindings, " ", [](std::string* out, const BindingView& b) {
    absl::StrAppend(out, ProtocolName(b.protocol), ":", b.port, "/", FamilyName(b.family), "=s",
                    b.socket);
  });
}

std::string ShowErrors(const std::set<Error>& errors) {
  return absl::StrCat("{", absl::StrJoin(errors, ", ", absl::StreamFormatter()), "}");
}

// What the oracle would list for the machine's state.
std::vector<BlockView> MachineBlocks(const Machine& m) {
  std::vector<BlockView> views;
  for (Protocol p : kAllProtocols) {
    m.pool(p).ForEachBlock([&](PortRange range, const Block& b) {
      BlockView v;
      v.protocol = p;
      v.range = range;
      v.persistent = b.kind == BlockKind::kPersistent;
      v.token = b.token;
      v.active_only = b.active_only;
      if (!v.persistent) {
        v.owner = b.owner.value;
        v.socket = b.socket.value;
        v.family = b.family;
      }
      views.push_back(v);
    });
  }
  // In the oracle's order: blocks of both families may share a start.
  std::stable_sort(views.begin(), views.end(), [](const BlockView& x, const BlockView& y) {
    return std::tuple(static_cast<int>(x.protocol), x.range.start, static_cast<int>(x.family)) <
           std::tuple(static_cast<int>(y.protocol), y.range.start, static_cast<int>(y.family));
  });
  return views;
}

std::vector<BindingView> MachineBindings(const Machine& m) {
  std::vector<BindingView> views;
  for (Protocol p : kAllProtocols) {
    for (const auto& [port, binding] : m.pool(p).bindings()) {
      if (binding.ipv4) views.push_back(BindingView{p, port, Family::kIpv4, binding.ipv4->value});
      if (binding.ipv6) views.push_back(BindingView{p, port, Family::kIpv6, binding.ipv6->value});
    }
  }
  return views;
}

}  // namespace

std::string CompareStates(const Machine& m, const TableOracle& oracle) {
  const std::vector<BlockView> blocks = MachineBlocks(m);
  if (blocks != oracle.Blocks()) {
    return absl::StrCat("blocks differ:\n  machine: ", Show(blocks),
                        "\n  oracle:  ", Show(oracle.Blocks()));
  }
  const std::vector<BindingView> bindings = MachineBindings(m);
  if (bindings != oracle.Bindings()) {
    return absl::StrCat("bindings differ:\n  machine: ", Show(bindings),
                        "\n  oracle:  ", Show(oracle.Bindings()));
  }
  std::vector<uint32_t> processes;
  for (const auto& [id, p] : m.processes()) processes.push_back(id.value);
  std::sort(processes.begin(), processes.end());
  if (processes != oracle.Processes()) {
    return absl::StrCat("live processes differ: machine ", absl::StrJoin(processes, ","),
                        " oracle ", absl::StrJoin(oracle.Processes(), ","));
  }
  std::vector<uint32_t> sockets;
  for (const auto& [id, s] : m.sockets()) sockets.push_back(id.value);
  std::sort(sockets.begin(), sockets.end());
  if (sockets != oracle.Sockets()) {
    return absl::StrCat("open sockets differ: machine ", absl::StrJoin(sockets, ","), " oracle ",
                        absl::StrJoin(oracle.Sockets(), ","));
  }
  for (Protocol p : kAllProtocols) {
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      if (!(m.pool(p).dynamic_range(f) == oracle.dynamic_range(p, f))) {
        return absl::StrCat(FamilyName(f), " ", ProtocolName(p), " dynamic range differs: machine ",
                            FormatRange(m.pool(p).dynamic_range(f)), " oracle ",
                            FormatRange(oracle.dynamic_range(p, f)));
      }
    }
  }
  return "";
}

std::string CompareMachines(const Machine& a, const Machine& b) {
  if (MachineBlocks(a) != MachineBlocks(b)) {
    return absl::StrCat("blocks differ:\n  ", Show(MachineBlocks(a)), "\n  ",
                        Show(MachineBlocks(b)));
  }
  if (MachineBindings(a) != MachineBindings(b)) {
    return absl::StrCat("bindings differ:\n  ", Show(MachineBindings(a)), "\n  ",
                        Show(MachineBindings(b)));
  }
  auto ids = [](const auto& map) {
    std::vector<uint32_t> v;
    for (const auto& [id, state] : map) v.push_back(id.value);
    std::sort(v.begin(), v.end());
    return v;
  };
  if (ids(a.processes()) != ids(b.processes())) return "live processes differ";
  if (ids(a.sockets()) != ids(b.sockets())) return "open sockets differ";
  for (Protocol p : kAllProtocols) {
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      if (!(a.pool(p).dynamic_range(f) == b.pool(p).dynamic_range(f))) {
        return absl::StrCat(FamilyName(f), " ", ProtocolName(p), " dynamic ranges differ");
      }
    }
  }
  return "";
}

namespace {

// The simulator settles some tokens without reporting them (a reboot's new
// tokens, a Create with a null Token pointer): the oracle learns them from
// the machine, as it would learn them from an observed outcome.
void TeachSettledTokens(const Machine& m, TableOracle& oracle) {
  for (const auto& [protocol, range] : oracle.BlocksWithUnknownToken()) {
    const Block* block = m.pool(protocol).FindExact(range);
    if (block != nullptr && block->token_known) oracle.LearnToken(protocol, range, block->token);
  }
}

// Success answers at the places a bug in either judge would get wrong,
// taken from the expectation and the oracle's state (not from a chosen
// answer, so they are judged before the call runs, with no copy of the
// model): ports at and next to the edges of the window and of the candidate
// blocks, and the edges of runtime blocks; token 0, a few held tokens and a
// new one; a block at each end of the window and one past it.
std::vector<Outcome> Probes(const Expectation& e, const TableOracle& oracle) {
  bool port = false, token = false, block = false;
  for (const Answer& answer : e.answers) {
    switch (answer.payload) {
      case Payload::kEphemeralPort:
      case Payload::kPortFromBlocks:
      case Payload::kExactPort:
        port = true;
        break;
      case Payload::kFreshToken:
      case Payload::kUnlearnedToken:
      case Payload::kExactToken:
        token = true;
        break;
      case Payload::kSpecificBlock:
      case Payload::kWildcardBlock:
        block = true;
        break;
      default:
        break;
    }
  }
  std::vector<Outcome> probes;
  std::set<uint32_t> ports;
  const auto around = [&ports](uint32_t p) {
    for (uint32_t q : {p - 1, p, p + 1}) {
      if (q != 0 && q <= kMaxPort) ports.insert(q);
    }
  };
  if (port) {
    if (e.window.count != 0) {
      around(e.window.start);
      around(e.window.last());
    }
    if (e.port != 0) around(e.port);
    for (const PortRange& r : e.candidates) {
      around(r.start);
      around(r.last());
    }
    for (const TableOracle::BlockView& b : oracle.Blocks()) {
      if (b.persistent) continue;  // runtime blocks: whose family may bind (U12)
      ports.insert(b.range.start);
      ports.insert(b.range.last());
    }
    for (uint32_t p : ports) {
      Outcome o;
      o.port = static_cast<uint16_t>(p);
      probes.push_back(o);
    }
  }
  constexpr Token kNewToken = 0x5eed5eed5eed5eedULL;
  if (token) {
    std::set<Token> tokens = {kInvalidToken, kNewToken, e.token};
    for (const TableOracle::BlockView& b : oracle.Blocks()) {
      if (tokens.size() >= 6) break;  // a few held tokens are enough
      tokens.insert(b.token);
    }
    for (Token t : tokens) {
      Outcome o;
      o.token = t;
      probes.push_back(o);
    }
  }
  if (block && e.block.count != 0) {
    std::set<uint32_t> starts = {e.block.start};
    if (e.window.count >= e.block.count) {
      for (uint32_t start :
           {uint32_t{e.window.start} - 1, uint32_t{e.window.start},
            e.window.last() + 1 - e.block.count, e.window.last() + 2 - e.block.count}) {
        starts.insert(start);
      }
    }
    for (uint32_t start : starts) {
      const PortRange range{static_cast<uint16_t>(start), e.block.count};
      if (start == 0 || start > kMaxPort || !range.fits()) continue;
      Outcome o;
      o.block = range;
      o.token = kNewToken;
      probes.push_back(o);
    }
  }
  return probes;
}

// Both ways: each probe is allowed by both judges or refused by both (a
// simulator only shows what the model allows; a model that allows too much
// is seen only here). "" if they agree. Both judge in the state before the
// call.
std::string BothWays(const Machine& model, const Expectation& expectation, const Call& call,
                     const TableOracle& oracle, absl::string_view at) {
  for (const Outcome& probe : Probes(expectation, oracle)) {
    const bool model_allows = model.Check(expectation, probe).conforms;
    const std::string oracle_refuses = oracle.WhyNot(call, probe);
    if (model_allows != oracle_refuses.empty()) {
      return absl::StrCat("the judges disagree on ", DescribeOutcome(probe), ": the model ",
                          model_allows ? "allows" : "refuses", " it, the oracle ",
                          model_allows ? absl::StrCat("refuses it (", oracle_refuses, ")")
                                       : std::string("allows it"),
                          at, "\nmachine: ", DescribeExpectation(expectation));
    }
  }
  return "";
}

}  // namespace

std::string CallAgreement::Step(const Call& call, absl::StatusOr<Outcome>& outcome) {
#define REQUIRE(condition, what)   \
  do {                             \
    if (!(condition)) return what; \
  } while (false)
  const absl::StatusOr<Expectation> expectation = machine_.Expect(call);
  const std::optional<TableOracle::Allowed> allowed = oracle_.Judge(call);
  const std::string at = absl::StrCat("\nat call: ", DescribeCall(call));
  if (!expectation.ok() || !allowed) {
    outcome = expectation.ok() ? absl::StatusOr<Outcome>(absl::InternalError("?"))
                               : absl::StatusOr<Outcome>(expectation.status());
    REQUIRE(!expectation.ok() && !allowed,
            absl::StrCat("one finds the call malformed, the other does not", at));
    return "";
  }
  // The model's first promise: every call it judges has an answer.
  REQUIRE(!expectation->answers.empty(), absl::StrCat("the model allows no answer at all", at));
  const std::set<Error> machine_errors = ErrorsOf(*expectation);
  outcome = absl::InternalError("not run: the machine and the oracle disagree");
  REQUIRE(machine_errors == allowed->errors,
          absl::StrCat("allowed error codes differ: machine ", ShowErrors(machine_errors),
                       ", oracle ", ShowErrors(allowed->errors), at,
                       "\nmachine: ", DescribeExpectation(*expectation)));
  REQUIRE(AllowsSuccess(*expectation) == allowed->success,
          absl::StrCat("they disagree whether NO_ERROR is allowed", at, "\nmachine: ",
                       DescribeExpectation(*expectation), "\noracle: ", allowed->Describe()));
  std::set<Token> tokens_before;  // TOKEN-REBOOT: the simulator issues fresh ones
  if (std::holds_alternative<call::Reboot>(call)) {
    for (const BlockView& b : oracle_.Blocks()) tokens_before.insert(b.token);
  }
  // The probes cost more than the rest of the step: every third step gets
  // them (the runs are long enough that each kind of state recurs).
  if (++steps_ % 3 == 1) {
    const std::string both_ways = BothWays(machine_, *expectation, call, oracle_, at);
    REQUIRE(both_ways.empty(), both_ways);
  }
  outcome = machine_.Run(call);
  REQUIRE(outcome.ok(), absl::StrCat("the simulator refused a call it had judged", at));
  const std::string why_not = oracle_.WhyNot(call, *outcome);
  REQUIRE(why_not.empty(),
          absl::StrCat("the oracle refuses the simulator's outcome: ", why_not, at));
  oracle_.Apply(call, *outcome);
  TeachSettledTokens(machine_, oracle_);
  for (const BlockView& b : oracle_.Blocks()) {
    REQUIRE(
        !tokens_before.contains(b.token),
        absl::StrFormat("the simulator kept token 0x%x across the reboot (TOKEN-REBOOT)", b.token));
  }
  const std::string difference = CompareStates(machine_, oracle_);
  REQUIRE(difference.empty(), absl::StrCat(difference, at));
  return "";
#undef REQUIRE
}

std::string CallAgreement::Finish() const {
  const std::string broken = oracle_.SelfCheck();
  return broken.empty() ? "" : absl::StrCat("oracle self-check: ", broken);
}

std::string SecondJudge::Before(const Machine& model, const Call& call) {
  for (Protocol p : kAllProtocols) {
    model.pool(p).ForEachBlock([&](PortRange, const Block& b) {
      aside_ = aside_ || (b.kind == BlockKind::kPersistent && !b.token_known);
    });
  }
  if (aside_) {
    ++stood_aside_;
    return "";
  }
  ++judged_;
  const absl::StatusOr<Expectation> expectation = model.Expect(call);
  const std::optional<TableOracle::Allowed> allowed = oracle_.Judge(call);
  const std::string at = absl::StrCat("\nat call: ", DescribeCall(call));
  if (!expectation.ok() || !allowed) {
    return absl::StrCat("only one judge finds the call malformed", at);
  }
  if (ErrorsOf(*expectation) != allowed->errors ||
      AllowsSuccess(*expectation) != allowed->success) {
    return absl::StrCat("the allowed answers differ: model ", DescribeExpectation(*expectation),
                        ", oracle ", allowed->Describe(), at);
  }
  return BothWays(model, *expectation, call, oracle_, at);
}

std::string SecondJudge::After(const Call& call, const Outcome& outcome) {
  if (aside_) return "";
  const std::string why_not = oracle_.WhyNot(call, outcome);
  if (!why_not.empty()) {
    return absl::StrCat("the oracle refuses the answer: ", why_not,
                        "\nat call: ", DescribeCall(call));
  }
  oracle_.Apply(call, outcome);
  return "";
}

std::string FindDisagreement(const std::vector<Step>& steps, uint64_t seed,
                             const StepOptions& options, const MachineOptions& machine_options) {
  Driver driver(seed, options, machine_options);
  auto fail = [&](absl::string_view what) {
    return absl::StrCat(what, "\nThe calls, in order, with what each answered:\n",
                        driver.transcript().ToString());
  };
  CallAgreement agreement(driver.machine());
  // Calls the driver ran before the steps (a crowded start).
  const Transcript setup = driver.transcript();
  for (size_t i = 0; i < setup.calls().size(); ++i) {
    if (setup.outcomes()[i].ok()) agreement.Learn(setup.calls()[i], *setup.outcomes()[i]);
  }
  for (const Step& step : steps) {
    const Call call = driver.Resolve(step);
    absl::StatusOr<Outcome> outcome;
    const std::string failure = agreement.Step(call, outcome);
    driver.Record(call, outcome);
    if (!failure.empty()) return fail(failure);
  }
  const std::string broken = agreement.Finish();
  if (!broken.empty()) return fail(broken);
  return "";
}

}  // namespace portpool::testing
