// The subcommands of the `portpool` program. Each takes its arguments (after
// the subcommand's name) and the output streams, and returns the exit code:
// 0 success (all conform), 1 a divergence was found, 2 bad input or usage.
#ifndef PORTPOOL_CONFORMANCE_CLI_COMMANDS_H_
#define PORTPOOL_CONFORMANCE_CLI_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

namespace portpool::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDivergence = 1;
inline constexpr int kExitBadInput = 2;

struct Command {
  const char* name;
  const char* summary;  // one line for `portpool --help`
  const char* usage;    // full help for `portpool NAME --help`
  int (*run)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
};

// campaign_command.cc
int RunCampaign(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char kCampaignUsage[];

// demo_command.cc
int RunDemo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char kDemoUsage[];

// replay_command.cc
int RunReplay(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char kReplayUsage[];

// shrink_command.cc
int RunShrink(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char kShrinkUsage[];

// simulate_command.cc
int RunSimulate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char kSimulateUsage[];

// show_command.cc
int RunShow(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char kShowUsage[];

// cleanup_command.cc
int RunCleanup(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char kCleanupUsage[];

// record_command.cc
int RunRecord(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char kRecordUsage[];

// worker_command.cc
int RunWorker(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char kWorkerUsage[];

// matrix_command.cc
int RunMatrix(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char kMatrixUsage[];

// from_fuzz_command.cc
int RunFromFuzz(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char kFromFuzzUsage[];

}  // namespace portpool::cli

#endif  // PORTPOOL_CONFORMANCE_CLI_COMMANDS_H_
