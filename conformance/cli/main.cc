// portpool: the command-line front of the model, the traces and the
// conformance suite. `portpool --help` lists the subcommands (commands.h);
// this file parses the command line for all of them the same way.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "build_commit.h"
#include "command.h"
#include "commands.h"
#include "options.h"
#include "portpool/traces/provenance.h"

namespace portpool::cli {
namespace {

const char kExitCodes[] =
    "exit codes (every command): 0 success, 1 an answer the model does not allow,\n"
    "2 bad usage or a bad or unreadable file, 130 interrupted; record and campaign:\n"
    "3 nothing could be checked here (a call the backend cannot make, a backend\n"
    "that is not available)";

traces::ToolIdentity ThisProgram() {
  traces::ToolIdentity tool = traces::ToolIdentity::OfThisLibrary();
  tool.commit = kBuildCommit;
  return tool;
}

std::string VersionText(const traces::ToolIdentity& tool) {
  return absl::StrCat(traces::DescribeTool(tool), "\n");
}

std::vector<std::unique_ptr<Command>> AllCommands() {
  std::vector<std::unique_ptr<Command>> commands;
#define PORTPOOL_CLI_ADD(factory) commands.push_back(factory());
  PORTPOOL_CLI_COMMANDS(PORTPOOL_CLI_ADD)
#undef PORTPOOL_CLI_ADD
  return commands;
}

// What is left over after parsing: an option the subcommand does not have, or
// an argument too many.
std::string Leftover(const std::string& argument) {
  if (argument.size() > 1 && argument[0] == '-') {
    return absl::StrCat("unknown option '", argument, "'");
  }
  return absl::StrCat("unexpected argument '", argument, "'");
}

int Main(int argc, char** argv) {
  const traces::ToolIdentity tool = ThisProgram();
  const std::string version = VersionText(tool);
  std::vector<std::unique_ptr<Command>> commands = AllCommands();

  CLI::App app("portpool: the reference model of Windows' TCP/UDP port reservations", "portpool");
  app.formatter(MakeHelpFormatter());
  app.set_help_flag("-h,--help", "print this help and exit");
  app.set_version_flag("--version", version, "print the version, commit and rule catalogue");
  app.require_subcommand(0, 1);
  // A Windows build of CLI11 would read "/path" as a "/option" switch: an
  // absolute POSIX path (Wine, MSYS) or a "/" argument would then be refused.
  app.allow_windows_style_options(false);
  app.footer(absl::StrCat(kExitCodes, "\n'portpool COMMAND --help' describes a command."));
  std::vector<std::string> names;
  std::vector<CLI::App*> subcommands;
  for (const auto& command : commands) {
    CLI::App* sub = app.add_subcommand(std::string(command->name()));
    sub->group("Commands");
    sub->set_help_flag("-h,--help", "print this help and exit");
    sub->set_version_flag("--version", version, "print the version, commit and rule catalogue");
    // Left-overs are reported by Leftover(), the same way for every command.
    sub->allow_extras();
    sub->allow_windows_style_options(false);
    command->Declare(*sub);
    names.emplace_back(command->name());
    subcommands.push_back(sub);
  }

  // `portpool help [COMMAND]` is `portpool [COMMAND] --help`; an unknown
  // command is named as such, not as a stray argument.
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "help") {
    args.erase(args.begin());
    if (args.size() > 1) args.resize(1);
    args.push_back("--help");
  }
  if (!args.empty() && !absl::StartsWith(args[0], "-") &&
      std::find(names.begin(), names.end(), args[0]) == names.end()) {
    std::cerr << "portpool: unknown command '" << args[0]
              << "'; the commands are: " << absl::StrJoin(names, ", ")
              << "\n(see 'portpool --help')\n";
    return kExitBadInput;
  }
  if (args.empty()) {
    std::cerr << app.help();
    return kExitBadInput;
  }
  // CLI11 parses a reversed vector of arguments.
  std::vector<std::string> reversed(args.rbegin(), args.rend());

  auto selected = [&]() -> std::pair<Command*, CLI::App*> {
    for (size_t i = 0; i < subcommands.size(); ++i) {
      if (subcommands[i]->parsed()) return {commands[i].get(), subcommands[i]};
    }
    return {nullptr, nullptr};
  };
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    const auto [command, sub] = selected();
    std::cout << (sub != nullptr ? sub->help() : app.help());
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& version_call) {
    std::cout << version_call.what();
    return kExitOk;
  } catch (const CLI::ParseError& error) {
    const auto [command, sub] = selected();
    const std::string who =
        command != nullptr ? absl::StrCat("portpool ", command->name()) : "portpool";
    // An unknown option explains a missing argument better than the other
    // way round ("replay --bogus" is not "FILE is required").
    const std::vector<std::string> rest =
        sub != nullptr ? sub->remaining() : std::vector<std::string>{};
    std::cerr << who << ": " << (rest.empty() ? std::string(error.what()) : Leftover(rest.front()))
              << "\n(see '" << who << " --help')\n";
    return kExitBadInput;
  }
  const auto [command, sub] = selected();
  if (command == nullptr) {
    std::cerr << app.help();
    return kExitBadInput;
  }
  const std::string who = absl::StrCat("portpool ", command->name());
  if (const std::vector<std::string> rest = sub->remaining(); !rest.empty()) {
    std::cerr << who << ": " << Leftover(rest.front()) << "\n(see '" << who << " --help')\n";
    return kExitBadInput;
  }
  Context context(std::string(command->name()), std::cout, std::cerr, tool);
  return command->Run(context);
}

}  // namespace

}  // namespace portpool::cli

int main(int argc, char** argv) { return portpool::cli::Main(argc, argv); }
