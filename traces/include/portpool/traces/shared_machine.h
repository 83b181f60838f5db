// A simulated machine that several OS processes, and several runs of a
// program, share: one Machine whose whole history is a trace file (the state
// file). Each process replays the file into its own simulator when it opens
// it, and appends every call it makes, under an exclusive lock. The compat
// library (compat/) keeps its machine here; so can a stand-in Windows DLL
// under Wine (the locking works on Windows too).
//
// Why a trace and not a snapshot of the Machine: the simulator is
// deterministic, so its state is fixed by the seed and the calls made so
// far. A trace is the one wire format the project already parses, prints,
// replays, shrinks and records on Windows; the state file *is* the trace of
// everything the programs did, ready for `portpool replay` and `portpool
// record`, and nothing else has to be kept in step with the Machine's
// internals.
//
//   SharedMachineOptions options;
//   options.seed = 7;
//   options.state_file = "/tmp/machine.trace";   // "" keeps it in memory
//   auto shared = SharedMachine::Open(options);
//   {
//     auto lock = (*shared)->Lock();      // waits, then applies what others appended
//     auto p = (*shared)->Run(call::StartProcess{true});
//     (*shared)->Run(call::CreatePersistent{*p->process, Protocol::kTcp, {5000, 10}});
//   }                                     // others may go on
//
// The state file is a canonical trace (docs/trace-format.md) with names
// assigned by a TraceRecorder, except that a token argument no outcome ever
// returned (a made-up token) is written as its literal value, so that
// replaying the file passes the very same value again. The first provenance
// line holds the settings ("shared-machine seed=7", plus " answers=explore
// schedule=1.0" and " mutant=NAME" when set); a process that opens the file
// with other settings gets an error instead of a different machine. Comments
// the shared machine writes and reads back:
//   # started by OS process 4711 (NAME)   above each start-process
//   # answer 1 of 3 (RULE)                above a loose call (explore policy)
// Other comments (Note) are kept and ignored.
//
// Processes. A model process started through a SharedMachine belongs to the
// OS process that started it. When a SharedMachine finds a live model
// process whose OS process has gone without ending it (crashed or killed),
// it ends it (end-process, with a comment saying why), as Windows would.
// EndOwnProcesses ends a process's own model processes (at exit).
//
// Answers. With AnswerPolicy::kSimulator every call goes to Machine::Run:
// the seed picks among the allowed answers. With kExplore, loose calls (more
// than one allowed answer) take the answer the schedule names, in order of
// the loose calls in the whole history (answer 0 past the schedule's end);
// NextSchedule gives the schedule of the next run of a depth-first walk over
// every combination, so a driver that reruns the program from a fresh state
// file with each schedule in turn sees every allowed answer of every loose
// call. What an answer leaves open (a token's value, where a wildcard block
// lands, which port bind(0) gets) still comes from the seed.
//
// Not thread-safe: the caller serializes its threads. Between processes,
// every read and write of the file happens under the lock.
#ifndef PORTPOOL_TRACES_SHARED_MACHINE_H_
#define PORTPOOL_TRACES_SHARED_MACHINE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "portpool/call.h"
#include "portpool/ids.h"
#include "portpool/machine.h"
#include "portpool/mutant.h"
#include "portpool/outcome.h"
#include "portpool/traces/record.h"
#include "portpool/traces/trace.h"

namespace portpool::traces {

namespace internal {
class StateFile;
}  // namespace internal

enum class AnswerPolicy : uint8_t {
  kSimulator,  // the seed picks one allowed answer (Machine::Run)
  kExplore,    // the schedule picks (Machine::RunAnswer)
};

// "simulator", "explore"; nullopt for anything else.
std::optional<AnswerPolicy> AnswerPolicyFromName(absl::string_view name);
absl::string_view AnswerPolicyName(AnswerPolicy policy);

// One loose call of a run under the explore policy: it took answer number
// `answer` of `of` allowed ones.
struct Choice {
  size_t answer = 0;
  size_t of = 0;
  friend bool operator==(const Choice&, const Choice&) = default;
};

// The schedule of the next run of the depth-first walk over every
// combination of answers, given the choices of this run: the last choice
// that has an answer left moves on to it, later ones start again from 0.
// nullopt when every combination has been run.
std::optional<std::vector<size_t>> NextSchedule(absl::Span<const Choice> choices);
// "1.0.2" <-> {1, 0, 2}; "" is the empty schedule.
std::string FormatSchedule(absl::Span<const size_t> schedule);
absl::StatusOr<std::vector<size_t>> ParseSchedule(absl::string_view text);

struct SharedMachineOptions {
  uint64_t seed = 1;
  Mutant mutant = Mutant::kNone;  // for negative tests only (mutant.h)
  AnswerPolicy answers = AnswerPolicy::kSimulator;
  std::vector<size_t> schedule;  // kExplore only
  // The state file; "" keeps the machine in this process's memory.
  std::string state_file;
  // Names this OS process in the comment above its start-process steps
  // (e.g. the program's name).
  std::string program;
};

class SharedMachine {
 public:
  // Opens the machine: creates the state file (header and settings) or
  // replays the one there. Errors: the file cannot be opened or read, does
  // not parse (FILE:LINE:COLUMN), was written with other settings, or
  // replays to other answers than it records (then it was written by a
  // different model version, or edited).
  static absl::StatusOr<std::unique_ptr<SharedMachine>> Open(SharedMachineOptions options);
  ~SharedMachine();
  SharedMachine(const SharedMachine&) = delete;
  SharedMachine& operator=(const SharedMachine&) = delete;

  // Holds the state file's lock while it lives. Movable, not copyable.
  class [[nodiscard]] Lock {
   public:
    Lock(Lock&& other) noexcept;
    Lock& operator=(Lock&& other) noexcept;
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    ~Lock();

   private:
    friend class SharedMachine;
    explicit Lock(SharedMachine* owner) : owner_(owner) {}
    SharedMachine* owner_;
  };
  // Waits for the lock, applies every step other processes appended since
  // this one last held it, and ends model processes whose OS process has
  // gone. Run, Note and EndOwnProcesses need it when there is a state file
  // (without one, locking does nothing but is still allowed).
  absl::StatusOr<Lock> AcquireLock();

  // Runs `call` under the answer policy and appends it to the history (and
  // the state file). A StartProcess call makes the new process this OS
  // process's own. Errors: the call is malformed for the machine (a process
  // that has ended), the schedule names an answer the call does not have
  // (the program did not repeat the run the schedule came from), no lock,
  // or the file cannot be written.
  absl::StatusOr<Outcome> Run(const Call& call);
  // Adds a comment line to the history, above the next step.
  absl::Status Note(absl::string_view text);
  // Ends every live model process this OS process started.
  absl::Status EndOwnProcesses();

  // The machine as of the last step this process knows of (current while
  // the lock is held). Never replaced: references stay valid.
  const Machine& machine() const { return machine_; }
  Machine& mutable_machine() { return machine_; }
  // The whole history as trace text: exactly the state file's content (as
  // of the last lock), or what it would be for a machine in memory.
  const std::string& text() const { return text_; }
  // The loose calls of the whole history, in order (explore policy only;
  // empty under kSimulator).
  const std::vector<Choice>& choices() const { return choices_; }
  // The trace's name of a machine process ("p3"), or "" if it has none.
  std::string ProcessName(ProcessId process) const { return recorder_.ProcessName(process); }
  const SharedMachineOptions& options() const { return options_; }

 private:
  explicit SharedMachine(SharedMachineOptions options);

  // The first provenance line: the settings the file must have been made with.
  std::string SettingsLine() const;
  absl::Status Create();
  // Applies what other processes appended to the state file since.
  absl::Status CatchUp();
  // One line of the file, at line `line_no`: a comment or a step.
  absl::Status ApplyLine(absl::string_view line, int line_no);
  // Runs a step read from the file and checks that it gives the same answer.
  absl::Status ApplyStep(const Step& step);
  // The step's call in machine terms (the trace's names translated back).
  absl::StatusOr<Call> Translate(const Step& step) const;
  absl::Status EndAbandonedProcesses();

  struct Recorded {
    Outcome outcome;
    Step step;                          // named as in the state file
    std::vector<std::string> comments;  // the answer comment, if any
  };
  // Runs `call` on the machine under the answer policy (explore: answer
  // `forced`, or the schedule's) and names it; updates the names and choices.
  absl::StatusOr<Recorded> Execute(const Call& call, std::optional<size_t> forced);
  // Appends lines to text_ and, with a state file, to the file.
  absl::Status Write(const std::string& lines);
  // OK without a state file or with the lock held; else an error saying
  // what (e.g. "runs calls") needs the lock.
  absl::Status RequireLock(absl::string_view what) const;

  SharedMachineOptions options_;
  Machine machine_;
  TraceRecorder recorder_;
  std::unique_ptr<internal::StateFile> file_;
  bool locked_ = false;
  uint64_t file_offset_ = 0;  // bytes of the file applied so far
  int file_lines_ = 0;        // lines of the file applied so far
  std::string text_;
  std::vector<Choice> choices_;
  // Comments read since the last step (they belong to the next one).
  std::vector<std::string> pending_comments_;
  // Translation of the trace's names back to machine values.
  absl::flat_hash_map<uint32_t, ProcessId> processes_;
  absl::flat_hash_map<uint32_t, SocketId> sockets_;
  absl::flat_hash_map<std::string, Token> tokens_;
  absl::flat_hash_set<Token> returned_tokens_;
  // The OS process that started each live model process, and ours.
  absl::flat_hash_map<ProcessId, uint32_t> owners_;
  uint32_t pid_ = 0;
};

}  // namespace portpool::traces

#endif  // PORTPOOL_TRACES_SHARED_MACHINE_H_
