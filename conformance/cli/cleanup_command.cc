// `portpool cleanup --journal FILE`: deletes the persistent reservations a
// differential run created and did not delete (it crashed, or was killed),
// as its journal lists them. Nothing else is ever deleted.
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "args.h"
#include "commands.h"
#include "portpool/conformance/windows/journal.h"
#include "portpool/conformance/windows/windows_backend.h"

namespace portpool::cli {

const char kCleanupUsage[] =
    "usage: portpool cleanup --journal FILE\n\n"
    "Reads the journal FILE that a differential run (windows_real_tests) wrote,\n"
    "and deletes every persistent reservation it lists as created and not\n"
    "deleted: exactly those blocks, nothing else. Each delete is journaled in\n"
    "FILE too, so a second cleanup finds nothing left. Needs an elevated\n"
    "administrator on Windows. A missing FILE, or one with nothing left, is\n"
    "nothing to clean.\n\n"
    "On other systems there is no API to call: it says 'nothing to clean: not\n"
    "Windows' and exits 0 when FILE is absent or lists nothing left, else 2.\n\n"
    "exit: 0 nothing left behind, 2 bad usage, an unreadable journal, or\n"
    "reservations that could not be deleted\n";

int RunCleanup(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = Args::Parse(raw, {{"journal", "", true}});
  if (!args.ok()) {
    err << "portpool cleanup: " << args.status().message() << "\n" << kCleanupUsage;
    return kExitBadInput;
  }
  const std::optional<std::string> path = args->Get("journal");
  if (!path || path->empty() || !args->positional().empty()) {
    err << "portpool cleanup: give the journal as --journal FILE\n" << kCleanupUsage;
    return kExitBadInput;
  }
  auto pending = conformance::ReadPendingReservations(*path);
  if (!pending.ok() && !absl::IsNotFound(pending.status())) {
    err << "portpool cleanup: " << pending.status().message() << "\n";
    return kExitBadInput;
  }
  const size_t left = pending.ok() ? pending->size() : 0;
#ifndef _WIN32
  if (left == 0) {
    out << "nothing to clean: not Windows\n";
    return kExitOk;
  }
  err << "portpool cleanup: " << *path << " lists " << left
      << " reservation(s) left behind, but this is not Windows: run 'portpool cleanup' on the "
         "Windows machine that wrote it\n";
  for (const conformance::PendingReservation& r : *pending) {
    err << "  " << ProtocolName(r.protocol) << " " << FormatRange(r.block) << " (" << r.why
        << ")\n";
  }
  return kExitBadInput;
#else
  if (left == 0) {
    out << "nothing to clean: " << *path
        << (pending.ok() ? " lists no reservation left behind\n" : " does not exist\n");
    return kExitOk;
  }
  conformance::WindowsApi api;
  if (absl::Status available = api.Available(); !available.ok()) {
    err << "portpool cleanup: " << available.message() << "\n";
    return kExitBadInput;
  }
  auto journal = conformance::Journal::Open(*path);
  if (!journal.ok()) {
    err << "portpool cleanup: " << journal.status().message() << "\n";
    return kExitBadInput;
  }
  (void)journal->Note(
      absl::StrCat("cleanup by 'portpool cleanup' on ",
                   conformance::DescribeWindowsSystem(conformance::QueryWindowsSystem())));
  const conformance::CleanupResult result = conformance::CleanUp(api, *journal, *pending);
  for (const std::string& line : result.lines) out << line << "\n";
  out << result.deleted << " deleted, " << result.already_gone << " already gone, "
      << result.failed.size() << " not deleted\n";
  if (!result.ok()) {
    err << "portpool cleanup: some reservations could not be deleted (an elevated "
           "administrator shell is needed); they stay in "
        << *path << "\n";
    return kExitBadInput;
  }
  return kExitOk;
#endif
}

}  // namespace portpool::cli
