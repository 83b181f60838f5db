#include "testing/agreement.h"

#include <algorithm>
#include <set>
#include <string>
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
    for (const auto& [start, b] : m.pool(p).blocks()) {
      BlockView v;
      v.protocol = p;
      v.range = PortRange{start, b.count};
      v.persistent = b.kind == BlockKind::kPersistent;
      v.token = b.token;
      if (!v.persistent) {
        v.owner = b.owner.value;
        v.socket = b.socket.value;
        v.family = b.family;
      }
      views.push_back(v);
    }
  }
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
    if (!(m.pool(p).dynamic_range() == oracle.dynamic_range(p))) {
      return absl::StrCat(ProtocolName(p), " dynamic range differs: machine ",
                          FormatRange(m.pool(p).dynamic_range()), " oracle ",
                          FormatRange(oracle.dynamic_range(p)));
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

}  // namespace

std::string FindDisagreement(const std::vector<Step>& steps, uint64_t seed,
                             const StepOptions& options, const MachineOptions& machine_options) {
  Driver driver(seed, options, machine_options);
#define REQUIRE(condition, what)         \
  do {                                   \
    if (!(condition)) return fail(what); \
  } while (false)
  auto fail = [&](absl::string_view what) {
    return absl::StrCat(what, "\nThe calls, in order, with what each answered:\n",
                        driver.transcript().ToString());
  };
  TableOracle oracle;
  // Calls the driver ran before the steps (a crowded start).
  const Transcript setup = driver.transcript();
  for (size_t i = 0; i < setup.calls().size(); ++i) {
    if (setup.outcomes()[i].ok()) oracle.Apply(setup.calls()[i], *setup.outcomes()[i]);
  }
  for (const Step& step : steps) {
    const Call call = driver.Resolve(step);
    const absl::StatusOr<Expectation> expectation = driver.machine().Expect(call);
    const std::optional<TableOracle::Allowed> allowed = oracle.Judge(call);
    const std::string at = absl::StrCat("\nat call: ", DescribeCall(call));
    if (!expectation.ok() || !allowed) {
      driver.Record(call, expectation.ok() ? absl::StatusOr<Outcome>(absl::InternalError("?"))
                                           : absl::StatusOr<Outcome>(expectation.status()));
      REQUIRE(!expectation.ok() && !allowed,
              absl::StrCat("one finds the call malformed, the other does not", at));
      continue;
    }
    const std::set<Error> machine_errors = ErrorsOf(*expectation);
    REQUIRE(machine_errors == allowed->errors,
            absl::StrCat("allowed error codes differ: machine ", ShowErrors(machine_errors),
                         ", oracle ", ShowErrors(allowed->errors), at,
                         "\nmachine: ", DescribeExpectation(*expectation)));
    REQUIRE(AllowsSuccess(*expectation) == allowed->success,
            absl::StrCat("they disagree whether NO_ERROR is allowed", at, "\nmachine: ",
                         DescribeExpectation(*expectation), "\noracle: ", allowed->Describe()));
    std::set<Token> tokens_before;  // TOKEN-REBOOT: the simulator issues fresh ones
    if (std::holds_alternative<call::Reboot>(call)) {
      for (const BlockView& b : oracle.Blocks()) tokens_before.insert(b.token);
    }
    const absl::StatusOr<Outcome> outcome = driver.Run(call);
    REQUIRE(outcome.ok(), "the simulator refused a call it had judged");
    const std::string why_not = oracle.WhyNot(call, *outcome);
    REQUIRE(why_not.empty(), absl::StrCat("the oracle refuses the simulator's outcome: ", why_not));
    oracle.Apply(call, *outcome);
    TeachSettledTokens(driver.machine(), oracle);
    for (const BlockView& b : oracle.Blocks()) {
      REQUIRE(!tokens_before.contains(b.token),
              absl::StrFormat("the simulator kept token 0x%x across the reboot (TOKEN-REBOOT)",
                              b.token));
    }
    const std::string difference = CompareStates(driver.machine(), oracle);
    REQUIRE(difference.empty(), difference);
  }
  const std::string broken = oracle.SelfCheck();
  REQUIRE(broken.empty(), absl::StrCat("oracle self-check: ", broken));
  return "";
}

#undef REQUIRE

}  // namespace portpool::testing
