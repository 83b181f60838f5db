#include "settings.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace portpool::compat::internal {
namespace {

// The one place the library reads the environment.
const char* Variable(const char* name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read before any thread
  const char* value = std::getenv(name);  // C4996-safe: compat/src is POSIX only
  return value != nullptr && *value != '\0' ? value : nullptr;
}

absl::Status BadVariable(absl::string_view name, absl::string_view value, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(name, "='", value, "': expected ", what));
}

absl::Status ReadFlag(const char* name, int& flag) {
  const char* value = Variable(name);
  if (value == nullptr) return absl::OkStatus();
  const absl::string_view text = value;
  if (text == "1" || text == "yes") {
    flag = 1;
  } else if (text == "0" || text == "no") {
    flag = 0;
  } else {
    return BadVariable(name, text, "1 or 0");
  }
  return absl::OkStatus();
}

std::string MutantNames() {
  std::vector<absl::string_view> names;
  for (Mutant mutant : AllMutants()) names.push_back(MutantName(mutant));
  return absl::StrJoin(names, ", ");
}

}  // namespace

absl::StatusOr<Settings> SettingsFromOptions(const portpool_compat_options& options) {
  Settings settings;
  settings.seed = options.seed;
  settings.elevated = options.elevated != 0;
  settings.reboot = options.reboot != 0;
  if (options.state_file != nullptr) settings.state_file = options.state_file;
  if (options.trace_file != nullptr) settings.trace_file = options.trace_file;
  if (options.next_schedule_file != nullptr) {
    settings.next_schedule_file = options.next_schedule_file;
  }
  if (options.answers == PORTPOOL_COMPAT_ANSWERS_EXPLORE) {
    settings.answers = traces::AnswerPolicy::kExplore;
  } else if (options.answers != PORTPOOL_COMPAT_ANSWERS_SIMULATOR) {
    return absl::InvalidArgumentError(
        absl::StrCat("answers = ", options.answers,
                     ": expected PORTPOOL_COMPAT_ANSWERS_SIMULATOR (0) or "
                     "PORTPOOL_COMPAT_ANSWERS_EXPLORE (1)"));
  }
  if (options.schedule != nullptr && *options.schedule != '\0') {
    if (settings.answers != traces::AnswerPolicy::kExplore) {
      return absl::InvalidArgumentError(
          absl::StrCat("schedule '", options.schedule,
                       "' is for the explore policy only (PORTPOOL_ANSWERS=explore, or "
                       "PORTPOOL_COMPAT_ANSWERS_EXPLORE)"));
    }
    auto schedule = traces::ParseSchedule(options.schedule);
    if (!schedule.ok()) return schedule.status();
    settings.schedule = *std::move(schedule);
  }
  if (options.mutant != nullptr && *options.mutant != '\0') {
    auto mutant = MutantFromName(options.mutant);
    if (!mutant) {
      return absl::InvalidArgumentError(
          absl::StrCat("mutant '", options.mutant, "': expected none or one of ", MutantNames()));
    }
    settings.mutant = *mutant;
  }
  return settings;
}

absl::StatusOr<portpool_compat_options> OptionsFromEnvironment() {
  portpool_compat_options options;
  portpool_compat_default_options(&options);
  if (const char* seed = Variable("PORTPOOL_SEED")) {
    if (!absl::SimpleAtoi(seed, &options.seed) || seed[0] == '-' || seed[0] == '+') {
      return BadVariable("PORTPOOL_SEED", seed, "a number from 0 to 18446744073709551615");
    }
  }
  if (absl::Status read = ReadFlag("PORTPOOL_ELEVATED", options.elevated); !read.ok()) return read;
  if (absl::Status read = ReadFlag("PORTPOOL_REBOOT", options.reboot); !read.ok()) return read;
  options.state_file = Variable("PORTPOOL_STATE");
  options.trace_file = Variable("PORTPOOL_TRACE");
  options.next_schedule_file = Variable("PORTPOOL_NEXT_SCHEDULE");
  options.schedule = Variable("PORTPOOL_SCHEDULE");
  options.mutant = Variable("PORTPOOL_MUTANT");
  if (const char* answers = Variable("PORTPOOL_ANSWERS")) {
    auto policy = traces::AnswerPolicyFromName(answers);
    if (!policy) return BadVariable("PORTPOOL_ANSWERS", answers, "simulator or explore");
    options.answers = *policy == traces::AnswerPolicy::kExplore ? PORTPOOL_COMPAT_ANSWERS_EXPLORE
                                                                : PORTPOOL_COMPAT_ANSWERS_SIMULATOR;
  }
  return options;
}

}  // namespace portpool::compat::internal
