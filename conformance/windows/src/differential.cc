#include "portpool/conformance/windows/differential.h"

#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "portpool/conformance/windows/windows_backend.h"
#include "portpool/traces/print.h"

namespace portpool::conformance {
namespace {

constexpr Protocol kTcp = Protocol::kTcp;
constexpr Protocol kUdp = Protocol::kUdp;

Token TokenOf(const Outcome& o) { return o.token.value_or(kInvalidToken); }

}  // namespace

absl::string_view DifferentialResultKindName(DifferentialResult::Kind kind) {
  switch (kind) {
    case DifferentialResult::Kind::kConforms:
      return "CONFORMS";
    case DifferentialResult::Kind::kDiverged:
      return "DIVERGED";
    case DifferentialResult::Kind::kUnsupported:
      return "UNSUPPORTED";
    case DifferentialResult::Kind::kNotRunnable:
      return "NOT RUNNABLE HERE";
    case DifferentialResult::Kind::kError:
      return "HARNESS ERROR";
  }
  return "?";
}

// --- DifferentialSession -------------------------------------------------------------------

DifferentialSession::DifferentialSession(Backend& backend,
                                         const DifferentialEnvironment& environment,
                                         std::string case_name)
    : environment_(environment),
      name_(std::move(case_name)),
      sandboxed_(backend, environment.sandbox, *environment.journal, environment.snapshot),
      capabilities_(sandboxed_.capabilities()),
      checker_(sandboxed_) {
  for (const std::string& line : environment.provenance) recorder_.AddProvenance(line);
  recorder_.AddProvenance(absl::StrCat("sandbox=", FormatRange(environment.sandbox.window())));
  recorder_.AddProvenance(absl::StrCat("case=", name_));
  std::vector<std::string> warnings;
  if (absl::Status seeded = SeedModel(environment.snapshot, checker_.mutable_model(), &warnings);
      !seeded.ok()) {
    Stop(DifferentialResult::Kind::kError, std::string(seeded.message()));
    return;
  }
  for (const std::string& warning : warnings) Note(warning);
  const Outcome started = Do(call::StartProcess{capabilities_.elevated_process});
  if (last_ran_ && started.process) {
    process_ = *started.process;
    caller_ = process_;
    process_started_ = true;
  } else if (!stopped_) {
    Stop(DifferentialResult::Kind::kError, "the backend started no process");
  }
}

void DifferentialSession::Stop(DifferentialResult::Kind kind, std::string message) {
  if (stopped_) return;
  stopped_ = true;
  result_.kind = kind;
  result_.lines.push_back(absl::StrCat(DifferentialResultKindName(kind), ": ", message));
  result_.message = std::move(message);
}

void DifferentialSession::Note(const std::string& text) {
  result_.lines.push_back(absl::StrCat("# ", text));
  recorder_.AddComment(text);
}

void DifferentialSession::NotRunnable(const std::string& why) {
  Note(absl::StrCat("not runnable here: ", why));
  Stop(DifferentialResult::Kind::kNotRunnable, why);
}

Outcome DifferentialSession::Do(const Call& call) {
  last_ran_ = false;
  if (stopped_) return Outcome{};
  absl::StatusOr<CheckedCall> checked = checker_.Step(call);
  if (!checked.ok()) {
    // The backend's refusals and "unsupported" come through the checker
    // unchanged; anything else is the harness's fault.
    const std::string message(checked.status().message());
    if (absl::StartsWith(message, kRefusedBySandbox)) {
      ++result_.refused;
      Note(absl::StrCat("not run: ", DescribeCall(call), ": ", message));
    } else if (absl::StartsWith(message, kUnsupportedOnThisSystem)) {
      Stop(DifferentialResult::Kind::kUnsupported, message);
    } else {
      Stop(DifferentialResult::Kind::kError, absl::StrCat(DescribeCall(call), ": ", message));
    }
    return Outcome{};
  }
  last_ran_ = true;
  ++result_.steps;
  recorder_.Record(call, checked->outcome);
  const std::string line =
      absl::StrCat(DescribeCall(call), " -> ", DescribeOutcome(checked->outcome));
  if (!checked->verdict.conforms) {
    result_.lines.push_back(absl::StrCat(line, "  DIVERGES"));
    Stop(DifferentialResult::Kind::kDiverged,
         absl::StrCat(DescribeCall(call), ": ", checked->verdict.explanation));
  } else {
    result_.lines.push_back(absl::StrCat(line, "  [", checked->verdict.rule, "]"));
  }
  return checked->outcome;
}

ProcessId DifferentialSession::StartProcess(bool elevated) {
  return Do(call::StartProcess{elevated}).process.value_or(ProcessId{});
}

bool DifferentialSession::CanStart(bool elevated, const std::string& why) {
  const bool can = capabilities_.several_processes &&
                   (elevated ? capabilities_.elevated_process : capabilities_.unelevated_process);
  if (!can) {
    Note(absl::StrCat("not runnable here: ", why, " needs a second, ",
                      elevated ? "elevated" : "unelevated", " process"));
  }
  return can;
}

Outcome DifferentialSession::Create(Protocol protocol, uint16_t start, uint16_t count,
                                    bool null_token) {
  return Do(call::CreatePersistent{caller_, protocol, PortRange{start, count}, null_token});
}

Outcome DifferentialSession::Lookup(Protocol protocol, uint16_t start, uint16_t count,
                                    bool null_token) {
  return Do(call::LookupPersistent{caller_, protocol, PortRange{start, count}, null_token});
}

Outcome DifferentialSession::Delete(Protocol protocol, uint16_t start, uint16_t count) {
  return Do(call::DeletePersistent{caller_, protocol, PortRange{start, count}});
}

SocketId DifferentialSession::Socket(Protocol protocol, Family family) {
  const Outcome o = Do(call::OpenSocket{caller_, protocol, family});
  return o.socket.value_or(SocketId{0});
}

Outcome DifferentialSession::Close(SocketId socket) {
  return Do(call::CloseSocket{caller_, socket});
}

Outcome DifferentialSession::Acquire(SocketId socket, uint16_t start, uint16_t count,
                                     uint32_t in_size, uint32_t out_size) {
  return Do(call::Acquire{caller_, socket, PortRange{start, count}, in_size, out_size});
}

Outcome DifferentialSession::Release(SocketId socket, Token token, uint32_t in_size,
                                     uint32_t out_size) {
  return Do(call::Release{caller_, socket, token, in_size, out_size});
}

Outcome DifferentialSession::Associate(SocketId socket, Token token, uint32_t in_size,
                                       uint32_t out_size) {
  return Do(call::Associate{caller_, socket, token, in_size, out_size});
}

Outcome DifferentialSession::Bind(SocketId socket, uint16_t port) {
  return Do(call::Bind{caller_, socket, port});
}

Outcome DifferentialSession::GetSockName(SocketId socket) {
  return Do(call::GetSockName{caller_, socket});
}

DifferentialResult DifferentialSession::Finish() && {
  if (process_started_) {
    // With several processes, as a fresh elevated one after the case's have
    // ended (a second process of the case may hold a port of a block).
    const bool fresh = capabilities_.several_processes && capabilities_.elevated_process &&
                       capabilities_.end_process;
    for (const PendingReservation& left :
         fresh ? sandboxed_.CleanUp() : sandboxed_.CleanUp(process_)) {
      const std::string what =
          absl::StrCat("cleanup could not delete ", ProtocolName(left.protocol), " ",
                       FormatRange(left.block), " (it stays in the journal)");
      result_.lines.push_back(what);
      if (result_.kind == DifferentialResult::Kind::kConforms) {
        result_.kind = DifferentialResult::Kind::kError;
        result_.message = what;
      }
    }
  }
  result_.trace = std::move(recorder_).Finish();
  return std::move(result_);
}

// --- Running and reporting ------------------------------------------------------------

DifferentialResult RunDifferentialCase(const DifferentialCase& c, Backend& backend,
                                       const DifferentialEnvironment& environment) {
  DifferentialSession session(backend, environment, c.name);
  session.Note(c.question);
  if (!session.stopped()) c.body(session);
  return std::move(session).Finish();
}

absl::Status WriteCaseReport(const std::string& directory, const DifferentialCase& c,
                             const DifferentialResult& result) {
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(directory) / "traces", error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", directory, "/traces: ", error.message()));
  }
  const std::filesystem::path trace_path =
      std::filesystem::path(directory) / "traces" / (c.name + ".trace");
  {
    std::ofstream trace(trace_path, std::ios::binary | std::ios::trunc);
    trace << traces::Print(result.trace);
    if (!trace) return absl::DataLossError(absl::StrCat("cannot write ", trace_path.string()));
  }
  const std::filesystem::path report_path = std::filesystem::path(directory) / "report.md";
  const bool fresh = !std::filesystem::exists(report_path, error);
  std::ofstream report(report_path, std::ios::binary | std::ios::app);
  if (fresh) {
    report << "# portpool differential run\n\n"
              "One section per case: its verdict, then every call with the answer the backend "
              "gave and the model's rule for it. Traces: traces/*.trace "
              "(`portpool replay` checks them).\n";
  }
  report << "\n## " << c.name << ": " << DifferentialResultKindName(result.kind) << "\n\n";
  for (const std::string& line : result.trace.provenance)
    report << "provenance: " << line << "  \n";
  report << "\n" << c.question << "\n\n";
  if (!result.message.empty()) report << "**" << result.message << "**\n\n";
  report << "```\n";
  for (const std::string& line : result.lines) report << line << "\n";
  report << "```\n";
  if (!report) return absl::DataLossError(absl::StrCat("cannot write ", report_path.string()));
  return absl::OkStatus();
}

// --- The cases ----------------------------------------------------------------------

const std::vector<DifferentialCase>& DifferentialCases() {
  static const std::vector<DifferentialCase>* const cases = new std::vector<DifferentialCase>{
      // --- Documented behaviour --------------------------------------------------
      {"doc-create-lookup-delete",
       "P-CREATE-OK, P-LOOKUP-TOKEN, P-DELETE-OK, P-LOOKUP-EXACT: a block is created with a "
       "token, Lookup returns that token, Delete removes it, for TCP and UDP.",
       [](DifferentialSession& s) {
         for (Protocol p : {kTcp, kUdp}) {
           s.Create(p, s.Port(0), 4);
           s.Lookup(p, s.Port(0), 4);
           s.Delete(p, s.Port(0), 4);
           s.Lookup(p, s.Port(0), 4);
         }
       }},
      {"doc-zero-count",
       "P-CREATE-ZERO, P-LOOKUP-ZERO, P-DELETE-ZERO: NumberOfPorts 0 is "
       "ERROR_INVALID_PARAMETER. (StartPort 0 lies outside any sandbox window.)",
       [](DifferentialSession& s) {
         s.Create(kTcp, s.Port(0), 0);
         s.Lookup(kTcp, s.Port(0), 0);
         s.Delete(kTcp, s.Port(0), 0);
         s.Create(kUdp, s.Port(0), 0);
       }},
      {"doc-create-overlap",
       "P-CREATE-OVERLAP: a block that matches or overlaps a persistent block, at either end, "
       "is ERROR_SHARING_VIOLATION.",
       [](DifferentialSession& s) {
         s.Create(kTcp, s.Port(4), 4);
         s.Create(kTcp, s.Port(4), 4);
         s.Create(kTcp, s.Port(7), 2);
         s.Create(kTcp, s.Port(2), 3);
         s.Create(kTcp, s.Port(0), 4);
         s.Create(kTcp, s.Port(8), 4);
       }},
      {"doc-exact-match",
       "P-LOOKUP-EXACT, P-DELETE-EXACT: Lookup and Delete need exactly the created start and "
       "count; a sub-range or super-range is ERROR_NOT_FOUND.",
       [](DifferentialSession& s) {
         s.Create(kTcp, s.Port(0), 4);
         s.Lookup(kTcp, s.Port(0), 2);
         s.Lookup(kTcp, s.Port(1), 3);
         s.Lookup(kTcp, s.Port(0), 5);
         s.Delete(kTcp, s.Port(0), 2);
         s.Delete(kTcp, s.Port(1), 3);
         s.Delete(kTcp, s.Port(0), 4);
       }},
      {"doc-tcp-and-udp-pools",
       "POOL-PER-PROTOCOL: TCP and UDP keep separate pools; the same block may be reserved in "
       "both.",
       [](DifferentialSession& s) {
         s.Create(kTcp, s.Port(0), 4);
         s.Create(kUdp, s.Port(0), 4);
         s.Lookup(kTcp, s.Port(0), 4);
         s.Lookup(kUdp, s.Port(0), 4);
         s.Delete(kUdp, s.Port(0), 4);
         s.Lookup(kTcp, s.Port(0), 4);
       }},
      {"doc-create-over-bound-port",
       "P-CREATE-INUSE: a block holding a bound port of the same protocol is "
       "ERROR_SHARING_VIOLATION; once the socket is closed it may be created.",
       [](DifferentialSession& s) {
         for (Protocol p : {kTcp, kUdp}) {
           const SocketId sock = s.Socket(p);
           s.Bind(sock, s.Port(1));
           s.Create(p, s.Port(0), 4);
           s.Close(sock);
           s.Create(p, s.Port(0), 4);
           s.Delete(p, s.Port(0), 4);
         }
       }},
      {"doc-create-over-runtime-block",
       "P-CREATE-RUNTIME, SOCK-CLOSE: a persistent block over a runtime block is refused; "
       "closing the acquiring socket frees the runtime block.",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kTcp);
         s.Acquire(sock, s.Port(0), 4);
         s.Create(kTcp, s.Port(2), 4);
         s.Close(sock);
         s.Create(kTcp, s.Port(2), 4);
         s.Delete(kTcp, s.Port(2), 4);
       }},
      {"doc-acquire-release",
       "R-ACQUIRE-SPECIFIC, R-RELEASE-OK: a specific runtime block is acquired with a token "
       "and released with it; it can then be acquired again.",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kTcp);
         const Outcome a = s.Acquire(sock, s.Port(0), 4);
         s.Release(sock, TokenOf(a));
         s.Acquire(sock, s.Port(0), 4);
         s.Close(sock);
       }},
      {"doc-acquire-conflicts",
       "R-ACQUIRE-OVERLAP, R-ACQUIRE-INUSE: a specific acquire over a persistent block, over "
       "a runtime block of the same process, or over a bound port is WSAEADDRINUSE.",
       [](DifferentialSession& s) {
         s.Create(kTcp, s.Port(0), 4);
         const SocketId sock = s.Socket(kTcp);
         s.Acquire(sock, s.Port(2), 4);
         const SocketId bound = s.Socket(kTcp);
         s.Bind(bound, s.Port(10));
         s.Acquire(sock, s.Port(9), 4);
         s.Acquire(sock, s.Port(20), 2);
         s.Acquire(sock, s.Port(21), 2);
         s.Close(sock);
         s.Close(bound);
       }},
      {"doc-acquire-wildcard",
       "R-ACQUIRE-WILDCARD, DYN-RANGE-DEFAULT: StartPort 0 lets Windows choose a block inside "
       "the dynamic range, clear of every reservation (system-chosen: outside the window, "
       "freed when the socket closes).",
       [](DifferentialSession& s) {
         for (Protocol p : {kTcp, kUdp}) {
           const SocketId sock = s.Socket(p);
           s.Acquire(sock, 0, 8);
           s.Close(sock);
         }
       }},
      {"doc-associate-persistent",
       "R-ASSOC-PERSISTENT, B-BIND-ASSOC-ZERO, B-GETSOCKNAME: after associating a persistent "
       "token, bind to port 0 takes a port of the block.",
       [](DifferentialSession& s) {
         for (Protocol p : {kTcp, kUdp}) {
           const Outcome block = s.Create(p, s.Port(0), 4);
           const SocketId sock = s.Socket(p);
           s.Associate(sock, TokenOf(block));
           s.Bind(sock, 0);
           s.GetSockName(sock);
           s.Close(sock);
           s.Delete(p, s.Port(0), 4);
         }
       }},
      {"doc-associate-runtime",
       "R-ASSOC-RUNTIME, B-BIND-ASSOC-ZERO: sockets of the acquiring process associated with "
       "a runtime token take ports of the block.",
       [](DifferentialSession& s) {
         const SocketId owner = s.Socket(kTcp);
         const Outcome block = s.Acquire(owner, s.Port(0), 2);
         const SocketId first = s.Socket(kTcp);
         s.Associate(first, TokenOf(block));
         s.Bind(first, 0);
         const SocketId second = s.Socket(kTcp);
         s.Associate(second, TokenOf(block));
         s.Bind(second, 0);
         s.Close(first);
         s.Close(second);
         s.Close(owner);
       }},
      {"doc-bind",
       "B-BIND-SPECIFIC, B-BIND-TWICE, B-BIND-INUSE, B-GETSOCKNAME: specific binds, a second "
       "bind of a socket, a port already bound, getsockname of an unbound socket.",
       [](DifferentialSession& s) {
         const SocketId a = s.Socket(kTcp);
         s.GetSockName(a);
         s.Bind(a, s.Port(0));
         s.GetSockName(a);
         s.Bind(a, s.Port(1));
         const SocketId b = s.Socket(kTcp);
         s.Bind(b, s.Port(0));
         const SocketId v6 = s.Socket(kTcp, Family::kIpv6);
         s.Bind(v6, s.Port(0));
         const SocketId u = s.Socket(kUdp);
         s.Bind(u, s.Port(0));
         s.Close(a);
         s.Close(b);
         s.Close(v6);
         s.Close(u);
       }},
      {"doc-bind-ephemeral",
       "B-BIND-EPHEMERAL: bind to port 0 without association takes a free port of the dynamic "
       "range that no reservation holds.",
       [](DifferentialSession& s) {
         for (Protocol p : {kTcp, kUdp}) {
           const SocketId sock = s.Socket(p);
           s.Bind(sock, 0);
           s.GetSockName(sock);
           s.Close(sock);
         }
       }},
      {"doc-not-a-socket", "SOCK-NOTSOCK: calls on a closed socket are WSAENOTSOCK.",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kTcp);
         s.Close(sock);
         s.Bind(sock, s.Port(0));
         s.Acquire(sock, s.Port(0), 1);
         s.Close(sock);
       }},
      {"doc-ioctl-buffers",
       "R-IOCTL-INBUF, R-ACQUIRE-OUTBUF: short input buffers and a short output buffer fail.",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kTcp);
         s.Acquire(sock, s.Port(0), 2, /*in_size=*/2);
         s.Acquire(sock, s.Port(0), 2, call::kPortRangeSize, /*out_size=*/8);
         s.Release(sock, Sandbox::kBogusToken, /*in_size=*/4);
         s.Associate(sock, Sandbox::kBogusToken, /*in_size=*/4);
         s.Close(sock);
       }},
      {"doc-close-frees-blocks",
       "SOCK-CLOSE: closing a socket frees the runtime blocks acquired on it.",
       [](DifferentialSession& s) {
         const SocketId a = s.Socket(kUdp);
         s.Acquire(a, s.Port(0), 4);
         s.Close(a);
         const SocketId b = s.Socket(kUdp);
         s.Acquire(b, s.Port(0), 4);
         s.Close(b);
       }},

      // --- Probes of the unknowns (docs/semantics.md, section 4) ---------------------
      {"probe-M1-null-token",
       "M1: what do Create and Lookup do with a NULL Token pointer? Does Create then make the "
       "block? (Answers: ERROR_INVALID_PARAMETER, ERROR_NOACCESS, or success writing nothing; "
       "a fault is reported as a harness error.)",
       [](DifferentialSession& s) {
         for (Protocol p : {kTcp, kUdp}) {
           s.Create(p, s.Port(0), 1, /*null_token=*/true);
           s.Lookup(p, s.Port(0), 1);
           s.Lookup(p, s.Port(0), 1, /*null_token=*/true);
           s.Lookup(p, s.Port(5), 1, /*null_token=*/true);
           s.Delete(p, s.Port(0), 1);
         }
       }},
      {"probe-M2-error-order",
       "M2: which code wins when several errors apply (the elevated combinations: count 0 on "
       "a bound port; an acquire with both buffers short; an acquire over a persistent block "
       "and a bound port at once; a Delete of a missing block with count 0)?",
       [](DifferentialSession& s) {
         const SocketId bound = s.Socket(kTcp);
         s.Bind(bound, s.Port(0));
         s.Create(kTcp, s.Port(0), 0);
         const SocketId sock = s.Socket(kTcp);
         s.Acquire(sock, s.Port(8), 2, /*in_size=*/2, /*out_size=*/8);
         s.Create(kTcp, s.Port(16), 4);
         const SocketId inside = s.Socket(kTcp);
         s.Bind(inside, s.Port(20));
         s.Acquire(sock, s.Port(18), 4);
         s.Delete(kTcp, s.Port(40), 0);
         s.Close(bound);
         s.Close(sock);
         s.Close(inside);
         // The unelevated combinations: count 0, and a Delete of a block
         // that does not exist.
         if (s.CanStart(false, "the unelevated combinations")) {
           s.SetCaller(s.StartProcess(false));
           s.Create(kTcp, s.Port(48), 0);
           s.Create(kTcp, s.Port(48), 0);
           s.Delete(kTcp, s.Port(48), 0);
           s.Delete(kUdp, s.Port(48), 4);
         }
       }},
      {"probe-U10-lookup-elevation",
       "U10: does a non-elevated Lookup work (LK-4 says it needs no administrator)?",
       [](DifferentialSession& s) {
         if (!s.CanStart(false, "U10")) {
           s.NotRunnable("needs an unelevated process beside an elevated one");
           return;
         }
         s.Create(kTcp, s.Port(0), 4);
         s.Create(kUdp, s.Port(0), 4);
         const ProcessId admin = s.caller();
         s.SetCaller(s.StartProcess(false));
         s.Lookup(kTcp, s.Port(0), 4);
         s.Lookup(kUdp, s.Port(0), 4);
         s.Lookup(kTcp, s.Port(10), 4);
         s.SetCaller(admin);
         s.Delete(kTcp, s.Port(0), 4);
         s.Delete(kUdp, s.Port(0), 4);
       }},
      {"probe-U5-past-max",
       "U5: do Lookup and Delete of a block running past 65535 give ERROR_INVALID_PARAMETER or "
       "ERROR_NOT_FOUND? (Delete runs only when the sandbox window reaches 65535.)",
       [](DifferentialSession& s) {
         for (Protocol p : {kTcp, kUdp}) {
           s.Lookup(p, 65530, 10);
           s.Lookup(p, 65535, 2);
           s.Delete(p, 65530, 10);
         }
       }},
      {"probe-U7-delete-in-use",
       "U7 and U8: may a persistent block be deleted while a socket has a port bound from it, and "
       "what then? What does a bind through an association whose block was deleted do? What "
       "does Delete answer for the caller's own runtime block?",
       [](DifferentialSession& s) {
         const Outcome a = s.Create(kTcp, s.Port(0), 4);
         const SocketId used = s.Socket(kTcp);
         s.Associate(used, TokenOf(a));
         s.Bind(used, 0);
         s.Delete(kTcp, s.Port(0), 4);
         s.GetSockName(used);
         s.Create(kTcp, s.Port(0), 4);
         const Outcome b = s.Create(kTcp, s.Port(8), 4);
         const SocketId gone = s.Socket(kTcp);
         s.Associate(gone, TokenOf(b));
         s.Delete(kTcp, s.Port(8), 4);
         s.Bind(gone, 0);
         const SocketId owner = s.Socket(kTcp);
         s.Acquire(owner, s.Port(16), 4);
         s.Delete(kTcp, s.Port(16), 4);
         s.Close(used);
         s.Close(gone);
         // Delete of another process's runtime block.
         if (s.CanStart(true, "a Delete of another process's runtime block")) {
           const ProcessId owner_process = s.caller();
           s.SetCaller(s.StartProcess(true));
           s.Delete(kTcp, s.Port(16), 4);
           s.SetCaller(owner_process);
         }
         s.Close(owner);
       }},
      {"probe-U3-acquire-codes",
       "U3: which code does SIO_ACQUIRE_PORT_RESERVATION give for NumberOfPorts 0 (wildcard "
       "and specific) and for a specific block past 65535 (only when the window reaches it)?",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kTcp);
         s.Acquire(sock, 0, 0);
         s.Acquire(sock, s.Port(0), 0);
         s.Acquire(sock, 65530, 10);
         s.Note("Not here: exhaustion (it needs a small dynamic range, which is never changed).");
         s.Close(sock);
       }},
      {"probe-U4-bad-tokens",
       "U4: which codes do release and associate give for token 0, a made-up token, a "
       "persistent token (release), a token acquired on another socket of the process "
       "(release), a UDP token on a TCP socket (associate), and after bind (associate)?",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kTcp);
         s.Release(sock, kInvalidToken);
         s.Release(sock, Sandbox::kBogusToken);
         const Outcome persistent = s.Create(kTcp, s.Port(0), 2);
         s.Release(sock, TokenOf(persistent));
         const Outcome runtime = s.Acquire(sock, s.Port(4), 2);
         const SocketId other = s.Socket(kTcp);
         s.Release(other, TokenOf(runtime));
         s.Associate(other, Sandbox::kBogusToken);
         const SocketId udp = s.Socket(kUdp);
         const Outcome udp_block = s.Acquire(udp, s.Port(8), 2);
         const SocketId tcp = s.Socket(kTcp);
         s.Associate(tcp, TokenOf(udp_block));
         const SocketId bound = s.Socket(kTcp);
         s.Bind(bound, s.Port(12));
         s.Associate(bound, TokenOf(persistent));
         s.GetSockName(bound);
         // Tokens another process holds: its runtime block and its
         // persistent block, released and associated from here.
         if (s.CanStart(true, "tokens of another process")) {
           const ProcessId first = s.caller();
           s.SetCaller(s.StartProcess(true));
           const SocketId theirs = s.Socket(kTcp);
           const Outcome their_block = s.Acquire(theirs, s.Port(20), 2);
           s.SetCaller(first);
           s.Release(sock, TokenOf(their_block));
           s.Associate(other, TokenOf(their_block));
           s.SetCaller(s.process());
         }
         for (SocketId id : {sock, other, udp, tcp, bound}) s.Close(id);
       }},
      {"probe-U12-runtime-families",
       "U12: does a runtime block acquired on an AF_INET socket stop AF_INET6 binds of another "
       "process, and the other way round?",
       [](DifferentialSession& s) {
         if (!s.CanStart(true, "U12")) {
           s.NotRunnable("needs a second process");
           return;
         }
         const ProcessId first = s.caller();
         const ProcessId second = s.StartProcess(true);
         const SocketId v4 = s.Socket(kTcp, Family::kIpv4);
         s.Acquire(v4, s.Port(0), 4);
         s.SetCaller(second);
         const SocketId v6 = s.Socket(kTcp, Family::kIpv6);
         s.Bind(v6, s.Port(1));
         s.SetCaller(first);
         const SocketId v6_block = s.Socket(kTcp, Family::kIpv6);
         s.Acquire(v6_block, s.Port(8), 4);
         s.SetCaller(second);
         const SocketId v4_bind = s.Socket(kTcp, Family::kIpv4);
         s.Bind(v4_bind, s.Port(9));
         s.Close(v6);
         s.Close(v4_bind);
         s.SetCaller(first);
         s.Close(v4);
         s.Close(v6_block);
       }},
      {"probe-C1-bind-into-persistent",
       "C1: can an (elevated) process bind a specific port inside a persistent block without "
       "association, for TCP and UDP, IPv4 and IPv6?",
       [](DifferentialSession& s) {
         for (Protocol p : {kTcp, kUdp}) {
           s.Create(p, s.Port(0), 4);
           const SocketId v4 = s.Socket(p, Family::kIpv4);
           s.Bind(v4, s.Port(1));
           const SocketId v6 = s.Socket(p, Family::kIpv6);
           s.Bind(v6, s.Port(2));
           s.Close(v4);
           s.Close(v6);
           s.Delete(p, s.Port(0), 4);
         }
         // The unelevated binder.
         if (s.CanStart(false, "the unelevated binder")) {
           const ProcessId admin = s.caller();
           for (Protocol p : {kTcp, kUdp}) s.Create(p, s.Port(8), 4);
           s.SetCaller(s.StartProcess(false));
           for (Protocol p : {kTcp, kUdp}) {
             const SocketId sock = s.Socket(p);
             s.Bind(sock, s.Port(9));
             s.Close(sock);
           }
           s.SetCaller(admin);
           for (Protocol p : {kTcp, kUdp}) s.Delete(p, s.Port(8), 4);
         }
       }},
      {"probe-U1-associated-bind-failures",
       "U1, M5, U7: which code does bind give through an association when the block has no free "
       "port, when the port is outside the block, and when the block has gone?",
       [](DifferentialSession& s) {
         const Outcome one = s.Create(kTcp, s.Port(0), 1);
         const SocketId a = s.Socket(kTcp);
         const SocketId b = s.Socket(kTcp);
         s.Associate(a, TokenOf(one));
         s.Associate(b, TokenOf(one));
         s.Bind(a, 0);
         s.Bind(b, 0);
         const SocketId outside = s.Socket(kTcp);
         s.Associate(outside, TokenOf(one));
         s.Bind(outside, s.Port(5));
         const Outcome two = s.Create(kTcp, s.Port(8), 2);
         const SocketId gone = s.Socket(kTcp);
         s.Associate(gone, TokenOf(two));
         s.Delete(kTcp, s.Port(8), 2);
         s.Bind(gone, 0);
         const SocketId gone_specific = s.Socket(kTcp);
         const Outcome three = s.Create(kTcp, s.Port(12), 2);
         s.Associate(gone_specific, TokenOf(three));
         s.Delete(kTcp, s.Port(12), 2);
         s.Bind(gone_specific, s.Port(13));
         for (SocketId id : {a, b, outside, gone, gone_specific}) s.Close(id);
       }},
      {"probe-U2-acquire-exhausted",
       "U2: which code does a wildcard acquire give when no free block of its size is left?",
       [](DifferentialSession& s) {
         s.NotRunnable(
             "needs a small dynamic range or a full one, and a real machine's range is never "
             "changed");
       }},
      {"probe-U6-delete-exact",
       "U6: does Delete remove only the block it names exactly (netsh's reference says so, "
       "DL-4), answering ERROR_NOT_FOUND for a sub-range, a super-range and a shifted range?",
       [](DifferentialSession& s) {
         s.Create(kTcp, s.Port(0), 4);
         s.Delete(kTcp, s.Port(0), 2);
         s.Delete(kTcp, s.Port(0), 5);
         s.Delete(kTcp, s.Port(1), 4);
         s.Lookup(kTcp, s.Port(0), 4);
         s.Delete(kTcp, s.Port(0), 4);
       }},
      {"probe-U9-create-over-runtime",
       "U9: does a Create over a runtime block (here the caller's own) give "
       "ERROR_SHARING_VIOLATION (32), as for a persistent one?",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kUdp);
         s.Acquire(sock, s.Port(0), 4);
         s.Create(kUdp, s.Port(2), 4);
         s.Close(sock);
         s.Create(kUdp, s.Port(2), 4);
       }},
      {"probe-U11-token-namespaces",
       "U11: do a TCP and a UDP reservation ever get the same token, and does a token change "
       "across Create, Lookup and a runtime acquire of the same ports in the other protocol?",
       [](DifferentialSession& s) {
         const Outcome tcp = s.Create(kTcp, s.Port(0), 2);
         const Outcome udp = s.Create(kUdp, s.Port(0), 2);
         s.Lookup(kTcp, s.Port(0), 2);
         s.Lookup(kUdp, s.Port(0), 2);
         const SocketId sock = s.Socket(kTcp);
         s.Acquire(sock, s.Port(4), 2);
         s.Note("Compare the tokens of the trace: equal values would show one namespace each.");
         s.Close(sock);
         (void)tcp;
         (void)udp;
       }},
      {"probe-U13-wildcard-placement",
       "U13: where do wildcard blocks land in the dynamic range: lowest first, or scattered?",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kTcp);
         for (int i = 0; i < 4; ++i) s.Acquire(sock, 0, 8);
         s.Close(sock);
       }},
      {"probe-U14-active-store",
       "U14: does the API's Lookup (and Delete) see a store=active exclusion?",
       [](DifferentialSession& s) {
         s.NotRunnable(
             "needs `netsh ... add excludedportrange ... store=active` made first, which the "
             "run never does on a real machine");
       }},
      {"probe-U15-bytes-returned",
       "U15: how many bytes do a successful ASSOCIATE and RELEASE report (0 or 8)? The run "
       "stops with a harness error naming U15 for any other count.",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kTcp);
         const Outcome block = s.Acquire(sock, s.Port(0), 2);
         s.Associate(sock, TokenOf(block));
         s.Release(sock, TokenOf(block));
         s.Close(sock);
       }},
      {"probe-C2-bind-into-own-runtime",
       "C2: may a process bind a port of its own runtime block without associating?",
       [](DifferentialSession& s) {
         const SocketId holder = s.Socket(kTcp);
         s.Acquire(holder, s.Port(0), 4);
         const SocketId other = s.Socket(kTcp);
         s.Bind(other, s.Port(1));
         s.Bind(holder, s.Port(2));
         s.Close(other);
         s.Close(holder);
       }},
      {"probe-C3-cross-protocol",
       "C3: does a runtime block of one protocol stop a specific acquire of the other over it?",
       [](DifferentialSession& s) {
         const SocketId udp = s.Socket(kUdp);
         s.Acquire(udp, s.Port(0), 4);
         const SocketId tcp = s.Socket(kTcp);
         s.Acquire(tcp, s.Port(2), 4);
         s.Close(tcp);
         s.Close(udp);
       }},
      {"probe-M3-short-input",
       "M3: which code do the ioctls give for a short or missing input buffer: WSAEINVAL or "
       "WSAEFAULT?",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kTcp);
         s.Acquire(sock, s.Port(0), 1, /*in_size=*/2);
         s.Acquire(sock, s.Port(0), 1, /*in_size=*/0);
         s.Release(sock, Sandbox::kBogusToken, /*in_size=*/4);
         s.Associate(sock, Sandbox::kBogusToken, /*in_size=*/0);
         s.Close(sock);
       }},
      {"probe-M4-other-family-binding",
       "M4: may an IPv6 socket bind a port an IPv4 socket holds (no IPV6_V6ONLY tracked)?",
       [](DifferentialSession& s) {
         const SocketId v4 = s.Socket(kTcp, Family::kIpv4);
         s.Bind(v4, s.Port(0));
         const SocketId v6 = s.Socket(kTcp, Family::kIpv6);
         s.Bind(v6, s.Port(0));
         s.Close(v6);
         s.Close(v4);
       }},
      {"probe-M6-acquire-on-bound",
       "M6: does an acquire on a socket that is already bound go ahead?",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kTcp);
         s.Bind(sock, s.Port(0));
         s.Acquire(sock, s.Port(4), 2);
         s.Close(sock);
       }},
      {"probe-M7-output-buffer",
       "M7: what do ASSOCIATE and RELEASE answer when given an output buffer (documented: must "
       "be zero)?",
       [](DifferentialSession& s) {
         const SocketId sock = s.Socket(kTcp);
         const Outcome block = s.Acquire(sock, s.Port(0), 2);
         const SocketId other = s.Socket(kTcp);
         s.Associate(other, TokenOf(block), call::kTokenSize, /*out_size=*/8);
         s.Release(sock, TokenOf(block), call::kTokenSize, /*out_size=*/8);
         s.Close(other);
         s.Close(sock);
       }},
  };
  return *cases;
}

}  // namespace portpool::conformance
