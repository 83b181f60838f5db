// The kinds of option the `portpool` subcommands take, declared once: each
// helper adds an option to a subcommand's CLI11 App with its value name, its
// help line (with the real limits and the default, taken from the same
// numbers the check uses) and its check, so that every subcommand spells,
// documents and checks an option of a kind the same way. A failed check
// reads "portpool NAME: --option: what is wrong".
#ifndef PORTPOOL_CONFORMANCE_CLI_OPTIONS_H_
#define PORTPOOL_CONFORMANCE_CLI_OPTIONS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace portpool::cli {

// A whole number from `min` to `max` ("--calls K"). The help gets "(MIN to
// MAX, default V)" from `value`'s initial value.
CLI::Option* AddNumber(CLI::App& app, const std::string& names, uint64_t& value, uint64_t min,
                       uint64_t max, const std::string& help, const std::string& value_name = "N");

// --seed S: any 64-bit seed, 0 to 2^64-1.
CLI::Option* AddSeed(CLI::App& app, uint64_t& value, const std::string& help);

// A number of seconds above 0 and at most `max`.
CLI::Option* AddSeconds(CLI::App& app, const std::string& names, std::optional<double>& value,
                        double max, const std::string& help);

// One of `choices` ("--backend simulator|windows").
CLI::Option* AddChoice(CLI::App& app, const std::string& names, std::string& value,
                       const std::vector<std::string>& choices, const std::string& help);

// Free text, checked by the subcommand ("--sandbox START-END").
CLI::Option* AddText(CLI::App& app, const std::string& names, std::string& value,
                     const std::string& value_name, const std::string& help);

// A flag ("--quiet").
CLI::Option* AddFlag(CLI::App& app, const std::string& names, bool& value, const std::string& help);

// -o, --output FILE: where the subcommand writes its file; `-` (the default)
// is standard output. Its folder must exist, and it must not be a folder.
CLI::Option* AddOutputFile(CLI::App& app, std::string& path, const std::string& help);

// -o, --output DIR: a folder the subcommand creates if missing; it must not be
// a file.
CLI::Option* AddOutputFolder(CLI::App& app, std::string& path, const std::string& help);

// --NAME DIR: an existing folder.
CLI::Option* AddInputFolder(CLI::App& app, const std::string& names, std::string& path,
                            const std::string& help);

// A FILE file to read: `-` is standard input. One, or one or more. The files
// are read (and their errors reported) by the subcommand, through files.h.
CLI::Option* AddInputFile(CLI::App& app, std::string& path, const std::string& help,
                          const std::string& value_name = "FILE");
CLI::Option* AddInputFiles(CLI::App& app, std::vector<std::string>& paths, const std::string& help);

// The seeded random workload of `simulate` and `demo` (traces/workload.h):
// --seed S, --calls K, --persistent-only.
struct WorkloadFlags {
  uint64_t seed = 42;
  uint64_t calls = 40;
  bool persistent_only = false;
};
void AddWorkloadOptions(CLI::App& app, WorkloadFlags& flags);

// The subcommand's help text: `description` (its first line is the summary
// `portpool --help` lists) and `exit_codes` ("exit: 0 ..."), the footer.
void Describe(CLI::App& app, const std::string& description, const std::string& exit_codes);

// The help layout of every `portpool` help page: usage, description, options,
// exit codes.
std::shared_ptr<CLI::Formatter> MakeHelpFormatter();

// "1,000,000".
std::string Grouped(uint64_t n);

}  // namespace portpool::cli

#endif  // PORTPOOL_CONFORMANCE_CLI_OPTIONS_H_
