// Command-line arguments of one `portpool` subcommand: options (`--name
// value`, `--name=value`, boolean `--flag`, short `-o value`) and positional
// arguments, checked against the subcommand's list of known options.
//
// Abseil's flags are process-global and know nothing of subcommands, whose
// option sets differ; this small parser keeps each subcommand's options its
// own and reports every mistake by name.
#ifndef PORTPOOL_CONFORMANCE_CLI_ARGS_H_
#define PORTPOOL_CONFORMANCE_CLI_ARGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace portpool::cli {

struct OptionSpec {
  std::string name;         // "seed" for --seed
  std::string short_name;   // "o" for -o, or empty
  bool takes_value = true;  // false: a boolean flag
};

class Args {
 public:
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& args,
                                    const std::vector<OptionSpec>& specs);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> Get(const std::string& name) const;
  // The option as an unsigned number in [min, max], or `fallback` if absent.
  absl::StatusOr<uint64_t> GetNumber(const std::string& name, uint64_t fallback, uint64_t min,
                                     uint64_t max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace portpool::cli

#endif  // PORTPOOL_CONFORMANCE_CLI_ARGS_H_
