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

// Answers next to `chosen` that a bug in either judge would get wrong: the
// same payload one port or block over, at the window's and the candidate
// blocks' edges, with token 0 or a token some block holds, and every error
// code either judge names, bare.
std::vector<Outcome> Probes(const Outcome& chosen, const Expectation& e, const TableOracle& oracle,
                            const std::set<Error>& errors) {
  std::vector<Outcome> probes;
  const auto with_port = [&](uint32_t port) {
    if (port == 0 || port > kMaxPort) return;
    Outcome o = chosen;
    o.port = static_cast<uint16_t>(port);
    probes.push_back(o);
  };
  if (chosen.port) {
    with_port(uint32_t{*chosen.port} - 1);
    with_port(uint32_t{*chosen.port} + 1);
    if (e.window.count != 0) {
      with_port(e.window.start);
      with_port(e.window.last());
      with_port(uint32_t{e.window.start} - 1);
      with_port(e.window.last() + 1);
    }
    for (const PortRange& r : e.candidates) {
      with_port(r.start);
      with_port(r.last());
      with_port(r.last() + 1);
    }
    for (const TableOracle::BindingView& b : oracle.Bindings()) with_port(b.port);
    for (const TableOracle::BlockView& b : oracle.Blocks()) {
      with_port(b.range.start);
      with_port(b.range.last());
    }
  }
  if (chosen.token) {
    Outcome zero = chosen;
    zero.token = kInvalidToken;
    probes.push_back(zero);
    for (const TableOracle::BlockView& b : oracle.Blocks()) {
      Outcome held = chosen;
      held.token = b.token;
      probes.push_back(held);
    }
  }
  if (chosen.block) {
    const auto with_block = [&](uint32_t start) {
      const PortRange block{static_cast<uint16_t>(start), chosen.block->count};
      if (start == 0 || start > kMaxPort || !block.fits()) return;
      Outcome o = chosen;
      o.block = block;
      probes.push_back(o);
    };
    with_block(uint32_t{chosen.block->start} - 1);
    with_block(uint32_t{chosen.block->start} + 1);
    if (e.window.count >= chosen.block->count) {
      with_block(e.window.start);
      with_block(e.window.last() + 1 - chosen.block->count);
      with_block(e.window.last() + 2 - chosen.block->count);
    }
  }
  for (Error error : errors) {
    Outcome bare;
    bare.error = error;
    probes.push_back(bare);
  }
  probes.push_back(Outcome{});  // NO_ERROR with nothing
  return probes;
}

// Both ways: each answer near `chosen` is allowed by both judges or refused
// by both (a simulator only shows what the model allows; a model that allows
// too much is seen only here). "" if they agree.
std::string BothWays(const Machine& before, const Expectation& expectation,
                     const TableOracle::Allowed& allowed, const Call& call, const Outcome& chosen,
                     const TableOracle& oracle, absl::string_view at) {
  std::set<Error> errors = ErrorsOf(expectation);
  errors.insert(allowed.errors.begin(), allowed.errors.end());
  for (const Outcome& probe : Probes(chosen, expectation, oracle, errors)) {
    const bool model_allows = before.Check(expectation, probe).conforms;
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
  const Machine before = machine_;  // the state the expectation judges in
  outcome = machine_.Run(call);
  REQUIRE(outcome.ok(), absl::StrCat("the simulator refused a call it had judged", at));
  const std::string why_not = oracle_.WhyNot(call, *outcome);
  REQUIRE(why_not.empty(),
          absl::StrCat("the oracle refuses the simulator's outcome: ", why_not, at));
  const std::string both_ways =
      BothWays(before, *expectation, *allowed, call, *outcome, oracle_, at);
  REQUIRE(both_ways.empty(), both_ways);
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

std::string SecondJudge::Judge(const Machine& before, const Call& call, const Outcome& outcome) {
  for (Protocol p : kAllProtocols) {
    before.pool(p).ForEachBlock([&](PortRange, const Block& b) {
      aside_ = aside_ || (b.kind == BlockKind::kPersistent && !b.token_known);
    });
  }
  if (aside_) {
    ++stood_aside_;
    return "";
  }
  ++judged_;
  const absl::StatusOr<Expectation> expectation = before.Expect(call);
  const std::optional<TableOracle::Allowed> allowed = oracle_.Judge(call);
  const std::string at = absl::StrCat("\nat call: ", DescribeCall(call));
  if (!expectation.ok() || !allowed) {
    return absl::StrCat("only one judge finds the call malformed", at);
  }
  const std::set<Error> model_errors = ErrorsOf(*expectation);
  if (model_errors != allowed->errors || AllowsSuccess(*expectation) != allowed->success) {
    return absl::StrCat("the allowed answers differ: model ", DescribeExpectation(*expectation),
                        ", oracle ", allowed->Describe(), at);
  }
  const std::string why_not = oracle_.WhyNot(call, outcome);
  if (!why_not.empty()) return absl::StrCat("the oracle refuses the answer: ", why_not, at);
  const std::string both_ways =
      BothWays(before, *expectation, *allowed, call, outcome, oracle_, at);
  if (!both_ways.empty()) return both_ways;
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
