#include "portpool/conformance/explore.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "portpool/canonical_state.h"
#include "portpool/rules.h"
#include "portpool/traces/record.h"

namespace portpool::conformance {
namespace {

constexpr uint32_t kNoParent = std::numeric_limits<uint32_t>::max();
// The explorer never hands out a token value twice (Counters::next_token).
constexpr CanonicalOptions kCanonical{.dead_tokens_anonymous = true};

// Names the explorer hands out along a path: they only need to be new there.
struct Counters {
  uint32_t next_process = 1;
  uint32_t next_socket = 1;
  // A token no outcome of the path has returned: the "unknown" token of the
  // calls, and the fresh token of a success.
  Token next_token = 1;
};

// One explored state: how it was first reached (the shortest way, since the
// search is breadth first). The machines themselves are rebuilt on demand.
struct Node {
  uint32_t parent = kNoParent;
  uint32_t depth = 0;
  Call call;
  Outcome outcome;
};

// A state with everything that follows the path: the model, the system
// (a mutant, or none), the second judge, the counters.
struct Live {
  Machine model;
  std::optional<Machine> system;
  std::unique_ptr<SecondJudge> judge;
  Counters counters;

  Live(const Live& other)
      : model(other.model),
        system(other.system),
        judge(other.judge ? other.judge->Clone() : nullptr),
        counters(other.counters) {}
  Live(Machine m, std::optional<Machine> s, std::unique_ptr<SecondJudge> j)
      : model(std::move(m)), system(std::move(s)), judge(std::move(j)) {}
  Live& operator=(const Live&) = delete;
  // Becomes a copy of `other`, reusing this one's memory (the table oracle
  // holds two 65,536-entry tables).
  void Assign(const Live& other) {
    model = other.model;
    system = other.system;
    if (judge && other.judge) {
      judge->Assign(*other.judge);
    } else {
      judge = other.judge ? other.judge->Clone() : nullptr;
    }
    counters = other.counters;
  }
};

void Note(Counters& counters, const Call& call, const Outcome& outcome) {
  if (outcome.process) {
    counters.next_process = std::max(counters.next_process, outcome.process->value + 1);
  }
  if (outcome.socket) {
    counters.next_socket = std::max(counters.next_socket, outcome.socket->value + 1);
  }
  // The unknown token stops being unknown once a call or outcome has used it.
  Token used = kInvalidToken;
  if (const auto* r = std::get_if<call::Release>(&call)) used = r->token;
  if (const auto* a = std::get_if<call::Associate>(&call)) used = a->token;
  if (used == counters.next_token || outcome.token == counters.next_token) ++counters.next_token;
}

// Applies one step to everything that follows the path. A reboot is run, not
// observed: the model settles every persistent token from its seed at once
// (as the simulator does), which the table oracle then learns.
// Whether the explorer runs `call` rather than observing it: a reboot, and
// an environment change (whose only answer is NO_ERROR). Run settles every
// token the model does not know from the seed, as the simulator does, so
// that no persistent block's token is ever unknown to the explorer (the
// table oracle has no model of unknown tokens: it is taught them).
bool Settles(const Call& call) {
  const auto* create = std::get_if<call::CreatePersistent>(&call);
  return std::holds_alternative<call::Reboot>(call) ||
         std::holds_alternative<call::EnvironmentBlock>(call) ||
         (create != nullptr && create->null_token);  // the new block's token is not returned
}

// Runs `call` on `m` with the answer `outcome` matches, which carries no
// payload (the calls Settles names).
std::string RunAs(Machine& m, const Call& call, const Outcome& outcome) {
  auto e = m.Expect(call);
  if (!e.ok()) return std::string(e.status().message());
  for (size_t i = 0; i < e->answers.size(); ++i) {
    if (e->answers[i].error != outcome.error || e->answers[i].payload != Payload::kNothing) {
      continue;
    }
    auto run = m.RunAnswer(call, i);
    if (!run.ok()) return std::string(run.status().message());
    return "";
  }
  return absl::StrCat(DescribeCall(call), ": no answer ", DescribeOutcome(outcome));
}

// Applies one step to the model and the system only.
std::string AdvanceMachines(Machine& model, std::optional<Machine>& system, const Call& call,
                            const Outcome& outcome) {
  if (Settles(call)) {
    if (std::string broken = RunAs(model, call, outcome); !broken.empty()) return broken;
    if (system) (void)RunAs(*system, call, outcome);
    return "";
  }
  if (absl::Status s = model.Observe(call, outcome); !s.ok()) {
    return absl::StrCat("the model does not observe an answer it allowed: ", s.message());
  }
  if (system) (void)system->Observe(call, outcome);
  return "";
}

std::string Advance(Live& live, const Call& call, const Outcome& outcome) {
  if (std::string broken = AdvanceMachines(live.model, live.system, call, outcome);
      !broken.empty()) {
    return broken;
  }
  if (live.judge) live.judge->Apply(call, outcome, live.model);
  Note(live.counters, call, outcome);
  return "";
}

// The unknowns each rule's sources name: the notes' U1..U15 and C1..C3, the
// model's own M1..M7 (docs/semantics.md section 4).
const std::vector<std::string>& UnknownsOf(RuleId rule) {
  static const auto* const kByRule = [] {
    auto* map = new absl::flat_hash_map<std::string, std::vector<std::string>>();
    for (const Rule& r : RuleCatalogue()) {
      std::vector<std::string>& unknowns = (*map)[std::string(r.id)];
      const absl::string_view source = r.source;
      for (size_t i = 0; i + 1 < source.size(); ++i) {
        const bool starts =
            (source[i] == 'U' || source[i] == 'C' || source[i] == 'M') &&
            (i == 0 || !absl::ascii_isalnum(static_cast<unsigned char>(source[i - 1])));
        if (!starts || !absl::ascii_isdigit(static_cast<unsigned char>(source[i + 1]))) continue;
        size_t end = i + 1;
        while (end < source.size() &&
               absl::ascii_isdigit(static_cast<unsigned char>(source[end]))) {
          ++end;
        }
        std::string id(source.substr(i, end - i));
        if (std::find(unknowns.begin(), unknowns.end(), id) == unknowns.end()) {
          unknowns.push_back(std::move(id));
        }
      }
    }
    return map;
  }();
  static const std::vector<std::string> kNone;
  auto it = kByRule->find(std::string(rule));
  return it == kByRule->end() ? kNone : it->second;
}

absl::string_view CallKind(const Call& call) {
  static constexpr absl::string_view kKinds[] = {
      "start-process", "end-process", "reboot", "set-dynamic", "create",
      "lookup",        "delete",      "socket", "close",       "acquire",
      "release",       "associate",   "bind",   "getsockname", "env"};
  return kKinds[call.index()];
}

class Explorer {
 public:
  explicit Explorer(const ExploreOptions& options) : options_(options), u_(options.universe) {}

  ExploreResult Run();

 private:
  // --- The universe's calls and answers.
  std::vector<Call> Calls(const Live& live) const;
  // Every token a live block inside the window holds, sorted. A token no
  // block holds any more is not among them: the explorer never offers it
  // again (as a call's argument it is no different from the unknown token,
  // and as a new reservation's token it would be a reuse the explorer does
  // not explore: see docs/exhaustive.md).
  std::vector<Token> Tokens(const Machine& m) const;
  // The concrete answers worth judging for `call`: each error some judge
  // allows, and each success value inside the universe.
  std::vector<Outcome> Candidates(const Call& call, const Live& live, const std::set<Error>& errors,
                                  bool success) const;
  std::vector<PortRange> WindowRuns(uint16_t count) const;

  // --- The search.
  // The state after the universe's set-up; `broken` says what went wrong.
  Live Initial(std::string& broken) const;
  // The Live of node `index`, via the cached parent (valid until the next
  // Build).
  Live& Build(uint32_t index);
  // Replays the path to node `index` from the initial state into `live`.
  void Rebuild(uint32_t index, Live& live) const;
  // Checks the state; expands it unless it lies at the depth bound.
  void Expand(uint32_t index, Live& live);
  void ExpandCall(uint32_t index, const Live& live, const Call& call);
  void Fail(uint32_t index, const Call* call, const Outcome* outcome, std::string what);
  void NoteProbes(uint32_t index, const Call& call, const Expectation& e, const Outcome& answer);
  traces::Trace TraceTo(uint32_t index, const Call* call, const Outcome* outcome,
                        std::vector<std::string> provenance) const;
  void Report(bool done, size_t expanded);

  const ExploreOptions& options_;
  const Universe& u_;
  std::vector<Node> nodes_;
  absl::flat_hash_set<StateFingerprint> visited_;
  std::optional<Live> root_;
  std::optional<Live> cached_;  // the Live of node cached_index_
  std::optional<Live> work_;    // the Live of the node being expanded
  uint32_t cached_index_ = kNoParent;
  ExploreResult result_;
  std::chrono::steady_clock::time_point start_;
  bool bounded_ = false;  // some state at the depth bound went unexpanded
  struct ProbeRef {
    std::string unknown;
    uint32_t node;
    Call call;
    Outcome outcome;
    std::string rules;
  };
  std::vector<ProbeRef> probe_refs_;
  absl::flat_hash_set<std::string> probe_signatures_;
  absl::flat_hash_map<std::string, size_t> probes_per_unknown_;
};

std::vector<Token> Explorer::Tokens(const Machine& m) const {
  std::vector<Token> tokens;
  for (Protocol p : kAllProtocols) {
    m.pool(p).ForEachBlock([&](PortRange range, const Block& b) {
      // Not the filler's past the window: it is the universe's set-up.
      if (b.token_known && u_.window().contains(range)) tokens.push_back(b.token);
    });
  }
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  tokens.erase(std::remove(tokens.begin(), tokens.end(), kInvalidToken), tokens.end());
  return tokens;
}

std::vector<PortRange> Explorer::WindowRuns(uint16_t count) const {
  std::vector<PortRange> runs;
  for (uint32_t start = u_.window_start; count > 0 && start + count <= u_.window().last() + 1;
       ++start) {
    runs.push_back(PortRange{static_cast<uint16_t>(start), count});
  }
  return runs;
}

std::vector<Call> Explorer::Calls(const Live& live) const {
  const Machine& m = live.model;
  std::vector<Call> calls;
  std::vector<ProcessId> processes;
  uint32_t elevated = 0;
  for (const auto& [id, p] : m.processes()) {
    processes.push_back(id);
    if (p.elevated) ++elevated;
  }
  std::sort(processes.begin(), processes.end());
  const uint32_t normal = static_cast<uint32_t>(processes.size()) - elevated;
  if (elevated < u_.elevated_processes) calls.push_back(call::StartProcess{true});
  if (normal < u_.normal_processes) calls.push_back(call::StartProcess{false});
  if (u_.reboots) calls.push_back(call::Reboot{});

  std::vector<PortRange> blocks;  // every block inside the window
  for (uint16_t count = 1; count <= u_.window_ports; ++count) {
    for (const PortRange& r : WindowRuns(count)) blocks.push_back(r);
  }
  if (u_.environment) {
    for (Protocol proto : u_.protocols) {
      for (const PortRange& b : blocks) {
        for (EnvironmentStore store : {EnvironmentStore::kRuntime, EnvironmentStore::kActive,
                                       EnvironmentStore::kPersistent}) {
          calls.push_back(call::EnvironmentBlock{true, store, proto, b});
        }
      }
      m.pool(proto).ForEachBlock([&](PortRange range, const Block& b) {
        if (!b.environment || !u_.window().contains(range)) return;
        const EnvironmentStore store = b.kind == BlockKind::kRuntime ? EnvironmentStore::kRuntime
                                       : b.active_only               ? EnvironmentStore::kActive
                                                       : EnvironmentStore::kPersistent;
        calls.push_back(call::EnvironmentBlock{false, store, proto, range});
      });
    }
  }

  std::vector<Token> tokens = Tokens(m);
  tokens.push_back(live.counters.next_token);  // one the state does not know
  tokens.push_back(kInvalidToken);             // INVALID_PORT_RESERVATION_TOKEN
  for (ProcessId pid : processes) {
    const ProcessState& p = *m.process(pid);
    calls.push_back(call::EndProcess{pid});
    for (Protocol proto : u_.protocols) {
      for (const PortRange& b : blocks) {
        calls.push_back(call::CreatePersistent{pid, proto, b, false});
        calls.push_back(call::LookupPersistent{pid, proto, b, false});
        calls.push_back(call::DeletePersistent{pid, proto, b});
        if (u_.buffer_classes) {
          // A null Token pointer (M1).
          calls.push_back(call::CreatePersistent{pid, proto, b, true});
          calls.push_back(call::LookupPersistent{pid, proto, b, true});
        }
      }
      if (p.sockets.size() < u_.sockets_per_process) {
        for (Family f : u_.families) calls.push_back(call::OpenSocket{pid, proto, f});
      }
    }
    for (SocketId sid : p.sockets) {
      calls.push_back(call::CloseSocket{pid, sid});
      calls.push_back(call::GetSockName{pid, sid});
      calls.push_back(call::Bind{pid, sid, 0});
      for (uint32_t port = u_.window_start; port <= u_.window().last(); ++port) {
        calls.push_back(call::Bind{pid, sid, static_cast<uint16_t>(port)});
      }
      for (const PortRange& b : blocks) calls.push_back(call::Acquire{pid, sid, b});
      for (uint16_t count = 1; count <= u_.window_ports; ++count) {
        calls.push_back(call::Acquire{pid, sid, PortRange{0, count}});
      }
      for (Token t : tokens) {
        calls.push_back(call::Release{pid, sid, t});
        calls.push_back(call::Associate{pid, sid, t});
      }
      // No port at all (U3), as a specific and as a wildcard request.
      calls.push_back(call::Acquire{pid, sid, PortRange{u_.window_start, 0}});
      calls.push_back(call::Acquire{pid, sid, PortRange{0, 0}});
      if (u_.buffer_classes) {
        // A short input and a short output buffer (R-IOCTL-INBUF, M3), an
        // output buffer where none belongs (R-IOCTL-OUTBUF, M7): one of each.
        call::Acquire short_in{pid, sid, PortRange{0, 1}};
        short_in.in_size = 0;
        call::Acquire short_out{pid, sid, PortRange{0, 1}};
        short_out.out_size = 0;
        call::Release release_short{pid, sid, tokens.front()};
        release_short.in_size = 0;
        call::Associate associate_short{pid, sid, tokens.front()};
        associate_short.in_size = 0;
        call::Release release_out{pid, sid, tokens.front()};
        release_out.out_size = call::kTokenSize;
        call::Associate associate_out{pid, sid, tokens.front()};
        associate_out.out_size = call::kTokenSize;
        calls.insert(calls.end(), {short_in, short_out, release_short, associate_short, release_out,
                                   associate_out});
      }
    }
  }
  return calls;
}

std::vector<Outcome> Explorer::Candidates(const Call& call, const Live& live,
                                          const std::set<Error>& errors, bool success) const {
  std::vector<Outcome> out;
  for (Error e : errors) {
    Outcome o;
    o.error = e;
    out.push_back(o);
  }
  if (!success) return out;
  const Counters& c = live.counters;
  auto with_token = [](Token t) {
    Outcome o;
    o.token = t;
    return o;
  };
  std::vector<Token> held = Tokens(live.model);
  if (live.system) {
    for (Token t : Tokens(*live.system)) held.push_back(t);
  }
  std::visit(
      [&](const auto& k) {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, call::StartProcess>) {
          Outcome o;
          o.process = ProcessId{c.next_process};
          out.push_back(o);
        } else if constexpr (std::is_same_v<K, call::OpenSocket>) {
          Outcome o;
          o.socket = SocketId{c.next_socket};
          out.push_back(o);
        } else if constexpr (std::is_same_v<K, call::CreatePersistent> ||
                             std::is_same_v<K, call::LookupPersistent>) {
          if (k.null_token) {
            out.push_back(Outcome{});
            return;
          }
          out.push_back(with_token(c.next_token));
          for (Token t : held) out.push_back(with_token(t));
        } else if constexpr (std::is_same_v<K, call::Acquire>) {
          std::vector<PortRange> runs = WindowRuns(k.request.count);
          if (k.request.start != 0 && !u_.window().contains(k.request) && k.request.count > 0) {
            runs.push_back(k.request);
          }
          for (const PortRange& r : runs) {
            Outcome o = with_token(c.next_token);
            o.block = r;
            out.push_back(o);
          }
          if (!runs.empty()) {
            for (Token t : held) {
              Outcome o = with_token(t);
              o.block = runs.front();
              out.push_back(o);
            }
          }
        } else if constexpr (std::is_same_v<K, call::Bind> ||
                             std::is_same_v<K, call::GetSockName>) {
          for (uint32_t port = u_.window_start; port <= u_.window().last(); ++port) {
            Outcome o;
            o.port = static_cast<uint16_t>(port);
            out.push_back(o);
          }
        } else {
          out.push_back(Outcome{});
        }
      },
      call);
  return out;
}

Live Explorer::Initial(std::string& broken) const {
  Live live(Machine(options_.seed), std::nullopt,
            options_.second_judge ? options_.second_judge() : nullptr);
  if (options_.system != Mutant::kNone) {
    live.system.emplace(options_.seed, MachineOptions{options_.system});
  }
  for (const Call& call : u_.Prelude()) {
    if (broken.empty()) broken = Advance(live, call, Outcome{});
  }
  return live;
}

void Explorer::Rebuild(uint32_t index, Live& live) const {
  std::vector<uint32_t> path;
  for (uint32_t i = index; i != 0; i = nodes_[i].parent) path.push_back(i);
  live.Assign(*root_);
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    (void)Advance(live, nodes_[*it].call, nodes_[*it].outcome);
  }
}

Live& Explorer::Build(uint32_t index) {
  if (!work_) {
    work_.emplace(*root_);
    cached_.emplace(*root_);
  }
  if (index == 0) {
    work_->Assign(*root_);
    return *work_;
  }
  const uint32_t parent = nodes_[index].parent;
  if (cached_index_ != parent) {
    Rebuild(parent, *cached_);
    cached_index_ = parent;
  }
  work_->Assign(*cached_);
  (void)Advance(*work_, nodes_[index].call, nodes_[index].outcome);
  return *work_;
}

traces::Trace Explorer::TraceTo(uint32_t index, const Call* call, const Outcome* outcome,
                                std::vector<std::string> provenance) const {
  traces::TraceRecorder recorder;
  recorder.AddProvenance(absl::StrCat("explore ", u_.Options()));
  for (std::string& line : provenance) recorder.AddProvenance(std::move(line));
  recorder.AddComment(absl::StrCat("The universe: ", u_.Describe(), "."));
  recorder.AddComment(
      "Set-up: the dynamic ranges, and the part of them past the window filled by an environment "
      "block.");
  for (const Call& c : u_.Prelude()) recorder.Record(c, Outcome{});
  std::vector<uint32_t> path;
  for (uint32_t i = index; i != 0; i = nodes_[i].parent) path.push_back(i);
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    recorder.Record(nodes_[*it].call, nodes_[*it].outcome);
  }
  if (call != nullptr && outcome != nullptr) recorder.Record(*call, *outcome);
  return std::move(recorder).Finish();
}

void Explorer::Fail(uint32_t index, const Call* call, const Outcome* outcome, std::string what) {
  if (result_.failure) return;
  ExploreFailure failure;
  failure.depth = nodes_[index].depth + (call != nullptr ? 1 : 0);
  failure.what = std::move(what);
  failure.trace =
      TraceTo(index, call, outcome, {absl::StrCat("explore failure at depth ", failure.depth)});
  result_.failure = std::move(failure);
}

void Explorer::NoteProbes(uint32_t index, const Call& call, const Expectation& e,
                          const Outcome& answer) {
  std::vector<RuleId> rules = e.Rules();
  rules.insert(rules.end(), e.also.begin(), e.also.end());
  std::sort(rules.begin(), rules.end());
  rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
  std::set<std::string> unknowns;
  for (RuleId r : rules) {
    for (const std::string& u : UnknownsOf(r)) unknowns.insert(u);
  }
  if (unknowns.empty()) return;
  const std::string joined = absl::StrJoin(rules, ",");
  for (const std::string& u : unknowns) {
    size_t& count = probes_per_unknown_[u];
    if (count >= options_.probes_per_unknown) continue;
    // One probe per situation: the kind of call and the rules it draws on.
    if (!probe_signatures_.insert(absl::StrCat(u, " ", CallKind(call), " ", joined)).second) {
      continue;
    }
    ++count;
    probe_refs_.push_back(ProbeRef{u, index, call, answer, joined});
  }
}

void Explorer::ExpandCall(uint32_t index, const Live& live, const Call& call) {
  const uint32_t depth = nodes_[index].depth;
  auto expectation = live.model.Expect(call);
  if (!expectation.ok() && std::holds_alternative<call::EnvironmentBlock>(call)) {
    // A block over a known one: not a change the environment can make.
    return;
  }
  if (!expectation.ok()) {
    Fail(index, &call, nullptr,
         absl::StrCat("Expect refuses a call the universe allows: ", DescribeCall(call), ": ",
                      expectation.status().message()));
    return;
  }
  ++result_.calls;
  const Expectation& e = *expectation;
  if (e.answers.empty()) {
    Fail(index, &call, nullptr, absl::StrCat("no answer is allowed for ", DescribeCall(call)));
    return;
  }
  std::set<Error> errors;
  bool success = false;
  for (const Answer& a : e.answers) {
    if (a.error == Error::kNoError) {
      success = true;
    } else {
      errors.insert(a.error);
    }
  }
  std::optional<SecondJudge::Allowed> judged;
  if (live.judge) judged = live.judge->Judge(call);
  if (judged) {
    errors.insert(judged->errors.begin(), judged->errors.end());
    success = success || judged->success;
  }
  std::optional<Expectation> system_e;
  if (live.system) {
    auto s = live.system->Expect(call);
    if (!s.ok()) {
      Fail(index, &call, nullptr,
           absl::StrCat("the mutant's Expect refuses ", DescribeCall(call), ": ",
                        s.status().message()));
      return;
    }
    system_e = *s;
    for (const Answer& a : s->answers) {
      if (a.error == Error::kNoError) {
        success = true;
      } else {
        errors.insert(a.error);
      }
    }
  }

  const std::vector<Outcome> candidates = Candidates(call, live, errors, success);
  std::vector<const Outcome*> accepted;
  for (const Outcome& o : candidates) {
    ++result_.answers_judged;
    const bool model_ok = live.model.Check(e, o).conforms;
    if (live.judge && judged) {
      const std::string why_not = live.judge->WhyNot(call, o);
      if (model_ok != why_not.empty()) {
        Fail(
            index, &call, &o,
            model_ok
                ? absl::StrCat("the model allows ", DescribeOutcome(o), " for ", DescribeCall(call),
                               " but the ", live.judge->name(), " does not: ", why_not)
                : absl::StrCat("the ", live.judge->name(), " allows ", DescribeOutcome(o), " for ",
                               DescribeCall(call), " but the model does not; it allows ",
                               DescribeExpectation(e)));
        return;
      }
    }
    if (system_e) {
      const bool system_ok = live.system->Check(*system_e, o).conforms;
      if (system_ok != model_ok) {
        Fail(index, &call, &o,
             absl::StrCat("the mutant ", system_ok ? "allows " : "refuses ", DescribeOutcome(o),
                          " for ", DescribeCall(call), "; the model allows ",
                          DescribeExpectation(e)));
        return;
      }
    }
    if (model_ok) accepted.push_back(&o);
  }
  if (accepted.empty()) {
    Fail(index, &call, nullptr,
         absl::StrCat("no answer inside the universe is allowed for ", DescribeCall(call),
                      " (the model allows ", DescribeExpectation(e), ")"));
    return;
  }
  if (system_e && !std::holds_alternative<call::Reboot>(call)) {
    // What the mutant's simulator answers, each allowed answer in turn.
    for (size_t i = 0; i < system_e->answers.size(); ++i) {
      Machine copy = *live.system;
      auto ran = copy.RunAnswer(call, i);
      if (!ran.ok()) continue;
      // Tokens are opaque: a non-zero token is judged as a value never seen
      // (the two machines share a seed, so the mutant's next token may be
      // one the model settled at a reboot, which says nothing of the mutant).
      bool allowed = live.model.Check(e, *ran).conforms;
      if (!allowed && ran->token && *ran->token != kInvalidToken) {
        Outcome opaque = *ran;
        opaque.token = live.counters.next_token;
        allowed = live.model.Check(e, opaque).conforms;
      }
      if (!allowed) {
        Fail(index, &call, &*ran,
             absl::StrCat("the mutant's simulator answers ", DescribeOutcome(*ran), " to ",
                          DescribeCall(call), "; the model allows ", DescribeExpectation(e)));
        return;
      }
    }
  }
  if (options_.probes_per_unknown > 0) NoteProbes(index, call, e, *accepted.front());

  for (const Outcome* o : accepted) {
    ++result_.transitions;
    // An error changes nothing (the model's rule for every call): the
    // successor is this state.
    if (!o->ok()) continue;
    // The successor's machines only: the second judge follows when the
    // state is expanded (Build).
    Machine next = live.model;
    std::optional<Machine> next_system = live.system;
    const std::string broken = AdvanceMachines(next, next_system, call, *o);
    if (!broken.empty()) {
      Fail(index, &call, o, broken);
      return;
    }
    const StateFingerprint fp = Canonicalize(next, kCanonical).fingerprint();
    StateFingerprint key = fp;
    if (next_system) {
      // A mutant may hold a different state than the model: the pair is the state.
      const StateFingerprint s = Canonicalize(*next_system, kCanonical).fingerprint();
      key = StateFingerprint{fp.high ^ (s.high * 0x9e3779b97f4a7c15u), fp.low ^ (s.low + 1)};
    }
    if (!visited_.insert(key).second) continue;
    nodes_.push_back(Node{index, depth + 1, call, *o});
    result_.depth = std::max<size_t>(result_.depth, depth + 1);
    if (result_.states_per_depth.size() <= depth + 1) result_.states_per_depth.resize(depth + 2);
    ++result_.states_per_depth[depth + 1];
  }
}

void Explorer::Expand(uint32_t index, Live& live) {
  if (options_.invariants) {
    if (std::string broken = options_.invariants(live.model); !broken.empty()) {
      Fail(index, nullptr, nullptr, absl::StrCat("an invariant does not hold: ", broken));
      return;
    }
  }
  if (live.judge) {
    if (std::string differ = live.judge->Compare(live.model); !differ.empty()) {
      Fail(index, nullptr, nullptr,
           absl::StrCat("the ", live.judge->name(), " holds another state: ", differ));
      return;
    }
  }
  if (options_.max_depth && nodes_[index].depth >= *options_.max_depth) {
    bounded_ = true;
    return;
  }
  for (const Call& call : Calls(live)) {
    ExpandCall(index, live, call);
    if (result_.failure) return;
  }
}

void Explorer::Report(bool done, size_t expanded) {
  if (!options_.progress) return;
  ExploreProgress p;
  p.states = nodes_.size();
  p.transitions = result_.transitions;
  p.depth = result_.depth;
  p.frontier = nodes_.size() - std::min(expanded, nodes_.size());
  p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  p.done = done;
  options_.progress(p);
}

ExploreResult Explorer::Run() {
  start_ = std::chrono::steady_clock::now();
  if (options_.second_judge) {
    if (auto judge = options_.second_judge()) result_.second_judge = judge->name();
  }
  std::string broken;
  root_.emplace(Initial(broken));
  nodes_.push_back(Node{});
  if (!broken.empty()) {
    Fail(0, nullptr, nullptr, absl::StrCat("the universe's set-up is refused: ", broken));
    result_.states = 1;
    return std::move(result_);
  }
  visited_.insert(Canonicalize(root_->model, kCanonical).fingerprint());
  result_.states_per_depth = {1};
  bool stopped = false;
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    if (options_.max_states > 0 && i >= options_.max_states) {
      stopped = true;
      break;
    }
    Expand(i, Build(i));
    if (result_.failure) break;
    if (options_.progress_every > 0 && (i + 1) % options_.progress_every == 0) {
      Report(false, i + 1);
    }
  }
  result_.states = nodes_.size();
  result_.fixpoint = !result_.failure && !stopped && !bounded_;
  result_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  Report(true, nodes_.size());
  for (const ProbeRef& ref : probe_refs_) {
    ProbeTrace probe;
    probe.unknown = ref.unknown;
    const size_t number = static_cast<size_t>(
        std::count_if(result_.probes.begin(), result_.probes.end(),
                      [&](const ProbeTrace& p) { return p.unknown == ref.unknown; }) +
        1);
    probe.name = absl::StrCat(ref.unknown, "-d", nodes_[ref.node].depth + 1, "-",
                              CallKind(ref.call), "-", number, ".trace");
    probe.trace = TraceTo(ref.node, &ref.call, &ref.outcome,
                          {absl::StrCat("probe ", ref.unknown,
                                        " (docs/semantics.md section 4): ", "rules ", ref.rules)});
    result_.probes.push_back(std::move(probe));
  }
  return std::move(result_);
}

}  // namespace

ExploreResult Explore(const ExploreOptions& options) { return Explorer(options).Run(); }

std::string ExploreReportMarkdown(const ExploreOptions& options, const ExploreResult& result,
                                  uint64_t peak_memory_bytes) {
  std::string md = "# Bounded-exhaustive exploration\n\n";
  absl::StrAppend(
      &md, "Universe: ", options.universe.Describe(), ".\n\n", "Command: `portpool explore ",
      options.universe.Options(),
      options.max_depth ? absl::StrCat(" --depth ", *options.max_depth) : "",
      options.system != Mutant::kNone ? absl::StrCat(" --mutant ", MutantName(options.system)) : "",
      "`\n\n");
  absl::StrAppend(&md, "| figure | value |\n| --- | --- |\n");
  absl::StrAppend(&md, "| states | ", result.states, " |\n");
  absl::StrAppend(&md, "| transitions | ", result.transitions, " |\n");
  absl::StrAppend(&md, "| calls judged | ", result.calls, " |\n");
  absl::StrAppend(&md, "| candidate answers judged | ", result.answers_judged, " |\n");
  absl::StrAppend(&md, "| depth reached | ", result.depth, " |\n");
  absl::StrAppend(&md, "| fixpoint | ",
                  result.fixpoint ? "yes: every reachable state was expanded" : "no", " |\n");
  absl::StrAppend(&md, "| time | ", absl::StrFormat("%.2f s", result.seconds), " |\n");
  absl::StrAppend(
      &md, "| states per second | ",
      absl::StrFormat(
          "%.0f", result.seconds > 0 ? static_cast<double>(result.states) / result.seconds : 0.0),
      " |\n");
  absl::StrAppend(
      &md, "| peak memory | ",
      peak_memory_bytes > 0
          ? absl::StrFormat("%.1f MiB", static_cast<double>(peak_memory_bytes) / (1024.0 * 1024.0))
          : std::string("not known on this system"),
      " |\n\n");
  absl::StrAppend(&md, "States by depth: ", absl::StrJoin(result.states_per_depth, ", "), ".\n\n");
  absl::StrAppend(
      &md,
      "Checked at every state and transition: a non-empty answer set for every "
      "call, answers inside the universe, Observe accepting every allowed "
      "answer",
      options.invariants ? ", the model's invariants" : "",
      result.second_judge.empty()
          ? ""
          : absl::StrCat(", agreement with the ", result.second_judge,
                         " on every candidate answer (both ways) and on the state"),
      options.system != Mutant::kNone
          ? absl::StrCat(", the mutant ", MutantName(options.system), " against the model")
          : "",
      ".\n\n");
  if (result.failure) {
    absl::StrAppend(&md, "## Failure at depth ", result.failure->depth, "\n\n",
                    result.failure->what, "\n\nThe shortest path (`portpool replay` it):\n\n```\n");
    for (const traces::Step& s : result.failure->trace.steps) {
      absl::StrAppend(&md, DescribeCall(s.call), " -> ", DescribeOutcome(s.outcome), "\n");
    }
    absl::StrAppend(&md, "```\n");
  } else {
    absl::StrAppend(&md, "No failure.\n");
  }
  if (!result.probes.empty()) {
    std::map<std::string, size_t> per_unknown;
    for (const ProbeTrace& p : result.probes) ++per_unknown[p.unknown];
    absl::StrAppend(&md, "\n## Probes\n\n| unknown | probes |\n| --- | --- |\n");
    for (const auto& [u, n] : per_unknown) absl::StrAppend(&md, "| ", u, " | ", n, " |\n");
  }
  return md;
}

}  // namespace portpool::conformance
