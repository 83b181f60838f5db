// Every subcommand of the `portpool` program, in the order `portpool --help`
// lists them. Each is made by a factory defined in its NAME_command.cc; a new
// subcommand is one more line here.
#ifndef PORTPOOL_CONFORMANCE_CLI_COMMANDS_H_
#define PORTPOOL_CONFORMANCE_CLI_COMMANDS_H_

#include <memory>

#include "command.h"

// X(factory) for each subcommand.
#define PORTPOOL_CLI_COMMANDS(X) \
  X(MakeCampaignCommand)         \
  X(MakeReplayCommand)           \
  X(MakeShrinkCommand)           \
  X(MakeShowCommand)             \
  X(MakeSimulateCommand)         \
  X(MakeExploreCommand)          \
  X(MakeRecordCommand)           \
  X(MakeMatrixCommand)           \
  X(MakeWorkerCommand)           \
  X(MakeCleanupCommand)          \
  X(MakeFromFuzzCommand)         \
  X(MakeDemoCommand)

namespace portpool::cli {

#define PORTPOOL_CLI_DECLARE_FACTORY(factory) std::unique_ptr<Command> factory();
PORTPOOL_CLI_COMMANDS(PORTPOOL_CLI_DECLARE_FACTORY)
#undef PORTPOOL_CLI_DECLARE_FACTORY

}  // namespace portpool::cli

#endif  // PORTPOOL_CONFORMANCE_CLI_COMMANDS_H_
