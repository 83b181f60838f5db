// The settings of a compat machine (seed, elevation, files, answer policy,
// mutant), from the C API's options or from the PORTPOOL_* environment
// variables, checked: a bad value is an error naming it.
#ifndef PORTPOOL_COMPAT_SRC_SETTINGS_H_
#define PORTPOOL_COMPAT_SRC_SETTINGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "portpool/mutant.h"
#include "portpool/traces/shared_machine.h"
#include "portpool_compat.h"

namespace portpool::compat::internal {

struct Settings {
  uint64_t seed = 1;
  bool elevated = false;
  std::string state_file;
  bool reboot = false;
  std::string trace_file;
  traces::AnswerPolicy answers = traces::AnswerPolicy::kSimulator;
  std::vector<size_t> schedule;
  std::string next_schedule_file;
  Mutant mutant = Mutant::kNone;
};

absl::StatusOr<Settings> SettingsFromOptions(const portpool_compat_options& options);

// The options the PORTPOOL_* variables give, over the defaults. Strings
// point into the environment. Errors name the variable and its value.
absl::StatusOr<portpool_compat_options> OptionsFromEnvironment();

}  // namespace portpool::compat::internal

#endif  // PORTPOOL_COMPAT_SRC_SETTINGS_H_
