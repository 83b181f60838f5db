// One subcommand of the `portpool` program. A subcommand declares its
// options on a CLI11 App (options.h has the shared kinds: numbers with their
// limits, seeds, choices, input and output files), and runs once they are
// parsed. main.cc does the rest the same way for every subcommand: --help and
// --version, parse errors, exit codes.
//
// Adding a subcommand: a file NAME_command.cc defining a Command subclass and
// its factory `std::unique_ptr<Command> MakeNameCommand()`, plus one line in
// PORTPOOL_CLI_COMMANDS (commands.h).
#ifndef PORTPOOL_CONFORMANCE_CLI_COMMAND_H_
#define PORTPOOL_CONFORMANCE_CLI_COMMAND_H_

#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "portpool/traces/provenance.h"

namespace CLI {
class App;
}  // namespace CLI

namespace portpool::cli {

// The exit codes every subcommand uses.
inline constexpr int kExitOk = 0;             // success; everything conforms
inline constexpr int kExitDivergence = 1;     // an answer the model does not allow
inline constexpr int kExitBadInput = 2;       // bad usage, a bad or unreadable file
inline constexpr int kExitInterrupted = 130;  // 128 + SIGINT

// What a running subcommand writes to, and how it says what went wrong: every
// message starts with "portpool NAME: ".
class Context {
 public:
  Context(std::string command, std::ostream& out, std::ostream& err, traces::ToolIdentity tool);

  const std::string& command() const { return command_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  // The program's version, commit and rule catalogue (for provenance lines
  // and reports).
  const traces::ToolIdentity& tool() const { return tool_; }

  // "portpool NAME: MESSAGE" on standard error.
  void Say(absl::string_view message);
  // Say(message), and the exit code of bad input.
  int Fail(absl::string_view message);

 private:
  std::string command_;
  std::ostream& out_;
  std::ostream& err_;
  traces::ToolIdentity tool_;
};

class Command {
 public:
  virtual ~Command() = default;

  // `portpool NAME`.
  virtual absl::string_view name() const = 0;
  // Declares the options on `app` (the subcommand's own App), binding them to
  // members, and its help text with Describe() (options.h): the description,
  // whose first line `portpool --help` lists, and the exit codes.
  virtual void Declare(CLI::App& app) = 0;
  // Runs with the parsed options; returns the exit code.
  virtual int Run(Context& context) = 0;
};

}  // namespace portpool::cli

#endif  // PORTPOOL_CONFORMANCE_CLI_COMMAND_H_
