// The heart of portpool compat: the one simulated machine of this OS
// process (a traces::SharedMachine, in memory or in a state file), the
// model process the Windows calls come from, and a ModelApi per process.
// Every drop-in Windows function and every portpool_compat_* function ends
// here, one call at a time.
//
// This header sees neither the drop-in Windows headers nor the host's
// sockets: addresses are raw bytes in Windows' layout and address families
// are Windows' numbers (AF_INET6 is 23); engine.cc translates them for the
// model's ModelApi, which speaks the host's.
//
// A process-wide singleton, unlike the rest of the project: it stands in for
// the operating system, which a Windows program reaches through free
// functions. Errors that a Windows call cannot report (the state file
// cannot be written, the settings are bad, this program's process was ended
// by a reboot from elsewhere) end the program with a message and status 2:
// the test is wrong, not the program.
#ifndef PORTPOOL_COMPAT_SRC_ENGINE_H_
#define PORTPOOL_COMPAT_SRC_ENGINE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "settings.h"
#include "win32_calls.h"

namespace portpool::compat::internal {

// --- The control API (portpool_compat.h) -----------------------------------
// Each opens the machine from the PORTPOOL_* variables if none is open, and
// reports every failure as a status.
absl::Status Open(const Settings& settings);
absl::Status Close();
absl::Status Reboot();
absl::StatusOr<int> StartProcess(bool elevated);
absl::Status UseProcess(int number);
absl::Status EndProcess(int number);
absl::StatusOr<int> CurrentProcess();
absl::Status SetDynamicRange(int protocol, unsigned start, unsigned count);
// The next schedule, or nullopt when the walk is done.
absl::StatusOr<std::optional<std::string>> NextSchedule();
absl::StatusOr<std::string> TraceText();

}  // namespace portpool::compat::internal

#endif  // PORTPOOL_COMPAT_SRC_ENGINE_H_
