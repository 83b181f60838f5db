// The journal of a differential run on a real machine: every persistent
// reservation the run creates or deletes, written to a file *before* the
// call and its answer after it, so that `portpool cleanup --journal FILE`
// can remove what a crashed run left behind.
//
// The file is plain text, appended to and flushed line by line; several
// runs may share one file (ids keep counting up):
//
//   portpool-journal 1
//   # windows build=22631 elevated=yes sandbox=20000-20255
//   begin 1 create tcp 20000 4
//   end 1 NO_ERROR
//   begin 2 delete tcp 20000 4
//   end 2 NO_ERROR
//   begin 3 create udp 20010 1
//   (no end: the run died inside the call)
//
// A reservation is *pending* (left behind, as far as the journal knows) when
// its last create succeeded or has no known answer, and no later delete of
// exactly that block succeeded or answered ERROR_NOT_FOUND.
#ifndef PORTPOOL_CONFORMANCE_JOURNAL_H_
#define PORTPOOL_CONFORMANCE_JOURNAL_H_

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "portpool/error.h"
#include "portpool/outcome.h"
#include "portpool/port_range.h"
#include "portpool/protocol.h"
#include "portpool/win32.h"

namespace portpool::conformance {

enum class JournalOp : uint8_t { kCreate, kDelete };

// A persistent block the journal says may still exist.
struct PendingReservation {
  Protocol protocol = Protocol::kTcp;
  PortRange block;
  // "created" (the create answered NO_ERROR) or "create not answered" (the
  // run died or the backend failed inside the call).
  std::string why;
  friend bool operator==(const PendingReservation&, const PendingReservation&) = default;
};

// The pending rule, fed with journal events in order. Shared by the file
// reader and the sandbox (which keeps its own run's set).
class PendingSet {
 public:
  void Begin(uint64_t id, JournalOp op, Protocol protocol, PortRange block);
  // `error` is the answer, or nullopt when the call gave no answer.
  void End(uint64_t id, std::optional<Error> error);
  // Pending blocks, sorted by protocol and start.
  std::vector<PendingReservation> Pending() const;
  bool IsPending(Protocol protocol, PortRange block) const;

 private:
  using Key = std::tuple<int, uint16_t, uint16_t>;  // protocol, start, count
  struct Open {
    JournalOp op;
    Key key;
    bool was_pending;
  };
  std::map<uint64_t, Open> open_;       // begun, not ended
  std::map<Key, std::string> pending_;  // key -> why
};

class Journal {
 public:
  // Opens the journal at `path` for appending, creating it (with its header)
  // if absent. An error if it cannot be written or is not a journal.
  static absl::StatusOr<Journal> Open(const std::string& path);

  Journal(Journal&&) = default;
  Journal& operator=(Journal&&) = default;

  // Writes "begin ID OP PROTOCOL START COUNT" and flushes; returns the id.
  absl::StatusOr<uint64_t> Begin(JournalOp op, Protocol protocol, PortRange block);
  // Writes "end ID ERROR_NAME" (or "end ID no-answer: MESSAGE" when the
  // backend could not run the call) and flushes.
  absl::Status End(uint64_t id, const absl::StatusOr<Outcome>& result);
  // Writes "# TEXT" (one line; line breaks become spaces).
  absl::Status Note(absl::string_view text);

  const std::string& path() const { return path_; }

 private:
  Journal(std::string path, std::ofstream out, uint64_t next_id)
      : path_(std::move(path)), out_(std::move(out)), next_id_(next_id) {}
  absl::Status WriteLine(const std::string& line);

  std::string path_;
  std::ofstream out_;
  uint64_t next_id_ = 1;
};

// The pending reservations of a journal's text. An error for a line that is
// not a journal line: "LINE:COLUMN: what is wrong".
absl::StatusOr<std::vector<PendingReservation>> PendingFromJournalText(absl::string_view text);

// The same for a file; NotFound if it does not exist.
absl::StatusOr<std::vector<PendingReservation>> ReadPendingReservations(const std::string& path);

struct CleanupResult {
  int deleted = 0;       // Delete answered NO_ERROR
  int already_gone = 0;  // Delete answered ERROR_NOT_FOUND
  // One line per reservation: "tcp 20000-20003: deleted" / "...: ERROR_ACCESS_DENIED".
  std::vector<std::string> lines;
  // Reservations Delete refused with another code (still there, or unknown).
  std::vector<PendingReservation> failed;
  bool ok() const { return failed.empty(); }
};

// Deletes each pending reservation through `api` (exactly the journaled
// block, nothing else), journaling each delete in `journal` so that a second
// cleanup finds nothing left.
CleanupResult CleanUp(win32::Api& api, Journal& journal,
                      const std::vector<PendingReservation>& pending);

}  // namespace portpool::conformance

#endif  // PORTPOOL_CONFORMANCE_JOURNAL_H_
