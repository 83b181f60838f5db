// `portpool cleanup --journal FILE`: deletes the persistent reservations a
// differential run created and did not delete (it crashed, or was killed),
// as its journal lists them. Nothing else is ever deleted.
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "command.h"
#include "options.h"
#include "portpool/conformance/windows/journal.h"
#include "portpool/conformance/windows/windows_backend.h"

namespace portpool::cli {
namespace {

class CleanupCommand : public Command {
 public:
  absl::string_view name() const override { return "cleanup"; }

  void Declare(CLI::App& app) override {
    Describe(app,
             "delete the reservations a crashed Windows run left (its journal)\n\n"
             "Reads the journal FILE that a differential run (windows_real_tests) or\n"
             "'portpool record' wrote, and deletes every persistent reservation it\n"
             "lists as created and not deleted: exactly those blocks, nothing else.\n"
             "Each delete is journaled in FILE too, so a second cleanup finds nothing\n"
             "left. Needs an elevated administrator on Windows. A missing FILE, or one\n"
             "with nothing left, is nothing to clean.\n\n"
             "On other systems there is no API to call: it says 'nothing to clean: not\n"
             "Windows' and exits 0 when FILE is absent or lists nothing left, else 2.",
             "exit: 0 nothing left behind, 2 bad usage, an unreadable journal (or a\n"
             "folder), or reservations that could not be deleted");
    AddText(app, "--journal", journal_, "FILE", "the journal of the run")->required();
  }

  int Run(Context& context) override {
    auto pending = conformance::ReadPendingReservations(journal_);
    if (!pending.ok() && !absl::IsNotFound(pending.status())) {
      return context.Fail(pending.status().message());
    }
    const size_t left = pending.ok() ? pending->size() : 0;
#ifndef _WIN32
    if (left == 0) {
      context.out() << "nothing to clean: not Windows\n";
      return kExitOk;
    }
    context.Say(absl::StrCat(journal_, " lists ", left,
                             " reservation(s) left behind, but this is not Windows: run "
                             "'portpool cleanup' on the Windows machine that wrote it"));
    for (const conformance::PendingReservation& r : *pending) {
      context.err() << "  " << ProtocolName(r.protocol) << " " << FormatRange(r.block) << " ("
                    << r.why << ")\n";
    }
    return kExitBadInput;
#else
    if (left == 0) {
      context.out() << "nothing to clean: " << journal_
                    << (pending.ok() ? " lists no reservation left behind\n" : " does not exist\n");
      return kExitOk;
    }
    conformance::WindowsApi api;
    if (absl::Status available = api.Available(); !available.ok()) {
      return context.Fail(available.message());
    }
    auto journal = conformance::Journal::Open(journal_);
    if (!journal.ok()) return context.Fail(journal.status().message());
    (void)journal->Note(
        absl::StrCat("cleanup by 'portpool cleanup' on ",
                     conformance::DescribeWindowsSystem(conformance::QueryWindowsSystem())));
    const conformance::CleanupResult result = conformance::CleanUp(api, *journal, *pending);
    for (const std::string& line : result.lines) context.out() << line << "\n";
    context.out() << result.deleted << " deleted, " << result.already_gone << " already gone, "
                  << result.failed.size() << " not deleted\n";
    if (!result.ok()) {
      return context.Fail(
          absl::StrCat("some reservations could not be deleted (an elevated administrator shell is "
                       "needed); they stay in ",
                       journal_));
    }
    return kExitOk;
#endif
  }

 private:
  std::string journal_;
};

}  // namespace

std::unique_ptr<Command> MakeCleanupCommand() { return std::make_unique<CleanupCommand>(); }

}  // namespace portpool::cli
