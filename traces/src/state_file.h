// The operating-system side of a shared machine (shared_machine.h): a file
// that several processes append to under an exclusive lock, and whether a
// process still runs. POSIX (flock, kill) and Windows (LockFileEx,
// OpenProcess) behind one interface, so the same shared machine serves the
// compat library on Linux and a stand-in DLL under Wine.
#ifndef PORTPOOL_TRACES_SRC_STATE_FILE_H_
#define PORTPOOL_TRACES_SRC_STATE_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace portpool::traces::internal {

// An open file, created if missing, that is only ever appended to.
// Not thread-safe: one thread of a process uses it at a time. The lock is
// between processes (and between StateFiles of one process).
class StateFile {
 public:
  // Opens (or creates) `path` for reading and appending. Errors name the path.
  static absl::StatusOr<std::unique_ptr<StateFile>> Open(const std::string& path);
  ~StateFile();
  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;

  // Blocks until this is the only StateFile holding the lock on the file.
  absl::Status Lock();
  void Unlock();

  // The file's size now.
  absl::StatusOr<uint64_t> Size() const;
  // The bytes from `offset` to the end.
  absl::StatusOr<std::string> ReadFrom(uint64_t offset) const;
  // Writes `text` at the end of the file, all of it.
  absl::Status Append(const std::string& text);

  const std::string& path() const { return path_; }

 private:
  struct Handle;
  StateFile(std::string path, std::unique_ptr<Handle> handle);

  std::string path_;
  std::unique_ptr<Handle> handle_;
};

// This process's id, as the operating system numbers it.
uint32_t CurrentProcessId();
// Whether a process with this id still runs. An id the system cannot check
// (no permission to look) counts as running: a shared machine never ends a
// process it is not sure has gone.
bool ProcessIsRunning(uint32_t pid);

}  // namespace portpool::traces::internal

#endif  // PORTPOOL_TRACES_SRC_STATE_FILE_H_
