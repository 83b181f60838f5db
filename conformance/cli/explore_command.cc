// `portpool explore`: the bounded-exhaustive explorer (conformance/explore.h)
// over a universe given by options; with --mutant, each mutant's kill depth;
// with --probes, the shortest situations of every unknown as probe traces.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "command.h"
#include "files.h"
#include "options.h"
#include "portpool/conformance/explore.h"
#include "portpool/traces/print.h"
#include "portpool/traces/provenance.h"

#ifdef PORTPOOL_HAVE_ORACLE_JUDGE
#include "testing/oracle_judge.h"
#endif

namespace portpool::cli {
namespace {

// The process's peak resident memory in bytes (Linux: VmHWM), or 0.
uint64_t PeakMemoryBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    uint64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return 0;
}

class ExploreCommand : public Command {
  using ExploreOptions = conformance::ExploreOptions;
  using ExploreProgress = conformance::ExploreProgress;

 public:
  absl::string_view name() const override { return "explore"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "visit every reachable state of a small universe (bounded-exhaustive check)\n\n"
             "Explores the model breadth first from a fresh machine: from each state every\n"
             "call the universe allows, and for each call every answer the model allows,\n"
             "to the fixpoint (no new state) or --depth. States equal up to the names of\n"
             "processes, sockets and tokens are one (docs/exhaustive.md). Checks at every\n"
             "state and transition: non-empty answer sets, the model's invariants and the\n"
             "table oracle's agreement on every answer (when built with tests). A failure\n"
             "prints the shortest path as a trace that 'portpool replay' reproduces.\n"
             "--mutant NAME|all checks a built-in mutant against the model and prints its\n"
             "kill depth; --probes DIR writes the shortest situations of each unknown\n"
             "(docs/semantics.md section 4) as probe traces for 'portpool record'.",
             "exit: 0 no failure (every mutant killed, with --mutant), 1 a failure (a "
             "mutant survived), 2 bad usage");
    AddText(app, "--protocols", protocols_, "tcp|udp|tcp+udp", "the protocols (default tcp)");
    AddText(app, "--families", families_, "ipv4|ipv6|ipv4+ipv6",
            "the address families of the sockets (default ipv4)");
    AddNumber(app, "--elevated", elevated_, 0, 4, "elevated processes live at once");
    AddNumber(app, "--normal", normal_, 0, 4, "processes without elevation live at once");
    AddNumber(app, "--sockets", sockets_, 0, 4, "open sockets per process");
    AddNumber(app, "--window-start", window_start_, 1025, 65000, "the window's first port", "PORT");
    AddNumber(app, "--ports", ports_, 1, 16, "ports in the window");
    AddNumber(app, "--dynamic-ports", dynamic_ports_, 0, 16,
              "the window's last ports that are in the dynamic range");
    AddFlag(app, "--no-reboots", no_reboots_, "no reboot calls");
    AddFlag(app, "--environment", environment_,
            "environment blocks appear and go away inside the window");
    AddFlag(app, "--no-buffer-classes", no_buffer_classes_,
            "only right-sized ioctl buffers (no short input or output buffer)");
    AddNumber(app, "--depth", depth_, 0, 1000,
              "explore paths of at most N calls; 0: to the fixpoint");
    AddNumber(app, "--max-states", max_states_, 0, uint64_t{1} << 32,
              "stop after expanding this many states; 0: no limit");
    AddText(app, "--mutant", mutant_, "NAME|all", "check a built-in mutant (or each) instead");
    AddText(app, "--probes", probes_, "DIR",
            "write probe traces of every unknown into DIR (created if missing)");
    AddNumber(app, "--probes-per-unknown", probes_per_unknown_, 1, 1000,
              "at most this many probes per unknown");
    AddText(app, "--report", report_, "FILE", "write a Markdown report to FILE");
    AddText(app, "--failure", failure_, "FILE", "write the failing trace to FILE");
    AddFlag(app, "--quiet", quiet_, "no progress lines");
    AddSeed(app, seed_, "the machines' seed (it decides the tokens a reboot settles)");
  }

  int Run(Context& context) override {
    ExploreOptions options;
    if (std::string bad = ParseUniverse(options.universe); !bad.empty()) {
      return context.Fail(bad);
    }
    if (absl::Status valid = options.universe.Validate(); !valid.ok()) {
      return context.Fail(valid.message());
    }
    if (depth_ > 0) options.max_depth = depth_;
    options.max_states = max_states_;
    options.seed = seed_;
    if (!probes_.empty()) options.probes_per_unknown = probes_per_unknown_;
    for (const std::string* path : {&report_, &failure_}) {
      if (path->empty()) continue;
      if (absl::Status writable = CheckWritable(*path); !writable.ok()) {
        return context.Fail(writable.message());
      }
    }
    if (!quiet_) {
      options.progress = [&context](const ExploreProgress& p) {
        context.err() << absl::StrFormat(
            "explore: %d states, %d transitions, depth %d, %d to expand, %.1f s, %.0f states/s, "
            "peak %.1f MiB%s\n",
            p.states, p.transitions, p.depth, p.frontier, p.seconds,
            p.seconds > 0 ? static_cast<double>(p.states) / p.seconds : 0.0,
            static_cast<double>(PeakMemoryBytes()) / (1024.0 * 1024.0), p.done ? " (done)" : "");
      };
    }
    if (!mutant_.empty()) return RunMutants(context, options);
#ifdef PORTPOOL_HAVE_ORACLE_JUDGE
    conformance::testing::UseOracleAndInvariants(options);
#else
    context.Say("built without tests: no table oracle and no invariant checks");
#endif
    context.out() << "universe: " << options.universe.Describe() << "\n";
    const conformance::ExploreResult result = conformance::Explore(options);
    const uint64_t peak = PeakMemoryBytes();
    context.out() << absl::StrFormat(
        "%d states, %d transitions, %d calls and %d answers judged, depth %d, %s, %.2f s, "
        "%.0f states/s, peak memory %.1f MiB\n",
        result.states, result.transitions, result.calls, result.answers_judged, result.depth,
        result.fixpoint ? "fixpoint reached" : "no fixpoint (bound or failure)", result.seconds,
        result.seconds > 0 ? static_cast<double>(result.states) / result.seconds : 0.0,
        static_cast<double>(peak) / (1024.0 * 1024.0));
    if (!report_.empty()) {
      if (absl::Status written = WriteOutput(
              report_, conformance::ExploreReportMarkdown(options, result, peak), context.out());
          !written.ok()) {
        return context.Fail(written.message());
      }
    }
    if (!probes_.empty()) {
      if (int code = WriteProbes(context, result); code != kExitOk) return code;
    }
    if (result.failure) return ReportFailure(context, *result.failure);
    return kExitOk;
  }

 private:
  std::string ParseUniverse(conformance::Universe& u) const {
    u.protocols.clear();
    for (absl::string_view word : absl::StrSplit(protocols_, '+')) {
      const std::optional<Protocol> p = ProtocolFromName(word);
      if (!p) return absl::StrCat("--protocols: '", word, "' is not tcp or udp");
      u.protocols.push_back(*p);
    }
    u.families.clear();
    for (absl::string_view word : absl::StrSplit(families_, '+')) {
      const std::optional<Family> f = FamilyFromName(word);
      if (!f) return absl::StrCat("--families: '", word, "' is not ipv4 or ipv6");
      u.families.push_back(*f);
    }
    u.elevated_processes = static_cast<uint32_t>(elevated_);
    u.normal_processes = static_cast<uint32_t>(normal_);
    u.sockets_per_process = static_cast<uint32_t>(sockets_);
    u.window_start = static_cast<uint16_t>(window_start_);
    u.window_ports = static_cast<uint16_t>(ports_);
    u.dynamic_ports = static_cast<uint16_t>(dynamic_ports_);
    u.reboots = !no_reboots_;
    u.environment = environment_;
    u.buffer_classes = !no_buffer_classes_;
    return "";
  }

  int ReportFailure(Context& context, const conformance::ExploreFailure& failure) {
    context.out() << "FAILURE at depth " << failure.depth << ": " << failure.what << "\n";
    traces::Trace trace = failure.trace;
    traces::StampProvenance(trace, context.tool());
    const std::string text = traces::Print(trace);
    if (failure_.empty()) {
      context.out() << "The shortest path, as a trace:\n" << text;
    } else if (absl::Status written = WriteOutput(failure_, text, context.out()); !written.ok()) {
      return context.Fail(written.message());
    } else {
      context.out() << "wrote the shortest path to " << failure_ << "\n";
    }
    return kExitDivergence;
  }

  int WriteProbes(Context& context, const conformance::ExploreResult& result) {
    std::error_code error;
    std::filesystem::create_directories(probes_, error);
    if (error) return context.Fail(absl::StrCat(probes_, ": ", error.message()));
    for (const conformance::ProbeTrace& probe : result.probes) {
      traces::Trace trace = probe.trace;
      traces::StampProvenance(trace, context.tool());
      const std::string path = (std::filesystem::path(probes_) / probe.name).string();
      if (absl::Status written = WriteOutput(path, traces::Print(trace), context.out());
          !written.ok()) {
        return context.Fail(written.message());
      }
    }
    context.out() << "wrote " << result.probes.size() << " probe traces to " << probes_ << "\n";
    return kExitOk;
  }

  int RunMutants(Context& context, ExploreOptions options) {
    std::vector<Mutant> mutants;
    if (mutant_ == "all") {
      mutants.assign(AllMutants().begin(), AllMutants().end());
    } else if (const std::optional<Mutant> m = MutantFromName(mutant_); m && *m != Mutant::kNone) {
      mutants.push_back(*m);
    } else {
      return context.Fail(absl::StrCat("--mutant: no mutant named '", mutant_, "'"));
    }
    options.progress = nullptr;
    context.out() << "universe: " << options.universe.Describe() << "\n";
    bool all_killed = true;
    std::string table =
        "| mutant | kill depth | states | what caught it |\n| --- | --- | --- | --- |\n";
    for (Mutant m : mutants) {
      options.system = m;
      const conformance::ExploreResult result = conformance::Explore(options);
      if (result.failure) {
        context.out() << MutantName(m) << ": killed at depth " << result.failure->depth << " ("
                      << result.states << " states): " << result.failure->what << "\n";
        absl::StrAppend(&table, "| ", MutantName(m), " | ", result.failure->depth, " | ",
                        result.states, " | ", result.failure->what, " |\n");
      } else {
        all_killed = false;
        context.out() << MutantName(m) << ": SURVIVED (" << result.states << " states, "
                      << (result.fixpoint ? "fixpoint" : "bound") << ")\n";
        absl::StrAppend(&table, "| ", MutantName(m), " | survived | ", result.states, " | |\n");
      }
    }
    if (!report_.empty()) {
      const std::string md = absl::StrCat("# Mutants against the exhaustive explorer\n\nUniverse: ",
                                          options.universe.Describe(), ".\n\n", table);
      if (absl::Status written = WriteOutput(report_, md, context.out()); !written.ok()) {
        return context.Fail(written.message());
      }
    }
    return all_killed ? kExitOk : kExitDivergence;
  }

  std::string protocols_ = "tcp";
  std::string families_ = "ipv4";
  uint64_t elevated_ = 1;
  uint64_t normal_ = 0;
  uint64_t sockets_ = 1;
  uint64_t window_start_ = 50000;
  uint64_t ports_ = 2;
  uint64_t dynamic_ports_ = 1;
  bool no_reboots_ = false;
  bool environment_ = false;
  bool no_buffer_classes_ = false;
  uint64_t depth_ = 0;
  uint64_t max_states_ = 0;
  std::string mutant_;
  std::string probes_;
  uint64_t probes_per_unknown_ = 8;
  std::string report_;
  std::string failure_;
  bool quiet_ = false;
  uint64_t seed_ = 1;
};

}  // namespace

std::unique_ptr<Command> MakeExploreCommand() { return std::make_unique<ExploreCommand>(); }

}  // namespace portpool::cli
