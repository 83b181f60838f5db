// The C API of portpool_compat.h, on the engine.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "engine.h"
#include "portpool_compat.h"
#include "settings.h"

namespace {

// portpool_compat_error()'s text, per thread.
thread_local std::string error_text;

int Succeeded(int value = 0) {
  error_text.clear();
  return value;
}

int Failed(const absl::Status& status) {
  error_text = std::string(status.message());
  return -1;
}

// `status` as the C API's return value.
int Result(const absl::Status& status) { return status.ok() ? Succeeded() : Failed(status); }

}  // namespace

extern "C" {

void portpool_compat_default_options(portpool_compat_options* options) {
  if (options == nullptr) return;
  *options = portpool_compat_options{};
  options->seed = 1;
  options->answers = PORTPOOL_COMPAT_ANSWERS_SIMULATOR;
}

int portpool_compat_options_from_environment(portpool_compat_options* options) {
  if (options == nullptr) return Failed(absl::InvalidArgumentError("options is NULL"));
  auto read = portpool::compat::internal::OptionsFromEnvironment();
  if (!read.ok()) return Failed(read.status());
  *options = *read;
  return Succeeded();
}

int portpool_compat_export_environment(const portpool_compat_options* options) {
  if (options == nullptr) return Failed(absl::InvalidArgumentError("options is NULL"));
  // Check first, so that a bad option does not leave half the variables set.
  if (auto checked = portpool::compat::internal::SettingsFromOptions(*options); !checked.ok()) {
    return Failed(checked.status());
  }
  auto set = [](const char* name, const std::string& value) {
    if (value.empty()) return ::unsetenv(name);             // C4996-safe: compat/src is POSIX only
    return ::setenv(name, value.c_str(), /*overwrite=*/1);  // C4996-safe: compat/src is POSIX only
  };
  auto text = [](const char* value) { return value == nullptr ? std::string() : value; };
  const bool explore = options->answers == PORTPOOL_COMPAT_ANSWERS_EXPLORE;
  if (set("PORTPOOL_SEED", absl::StrCat(options->seed)) != 0 ||
      set("PORTPOOL_ELEVATED", options->elevated != 0 ? "1" : "") != 0 ||
      set("PORTPOOL_STATE", text(options->state_file)) != 0 ||
      set("PORTPOOL_REBOOT", options->reboot != 0 ? "1" : "") != 0 ||
      set("PORTPOOL_TRACE", text(options->trace_file)) != 0 ||
      set("PORTPOOL_ANSWERS", explore ? "explore" : "") != 0 ||
      set("PORTPOOL_SCHEDULE", text(options->schedule)) != 0 ||
      set("PORTPOOL_NEXT_SCHEDULE", text(options->next_schedule_file)) != 0 ||
      set("PORTPOOL_MUTANT", text(options->mutant)) != 0) {
    return Failed(absl::InternalError(
        absl::StrCat("cannot set the environment: ",
                     std::error_code(errno, std::generic_category()).message())));
  }
  return Succeeded();
}

int portpool_compat_open(const portpool_compat_options* options) {
  if (options == nullptr) return Failed(absl::InvalidArgumentError("options is NULL"));
  auto settings = portpool::compat::internal::SettingsFromOptions(*options);
  if (!settings.ok()) return Failed(settings.status());
  return Result(portpool::compat::internal::Open(*settings));
}

int portpool_compat_close(void) { return Result(portpool::compat::internal::Close()); }

const char* portpool_compat_error(void) { return error_text.c_str(); }

int portpool_compat_reboot(void) { return Result(portpool::compat::internal::Reboot()); }

int portpool_compat_start_process(int elevated) {
  auto number = portpool::compat::internal::StartProcess(elevated != 0);
  return number.ok() ? Succeeded(*number) : Failed(number.status());
}

int portpool_compat_use_process(int process) {
  return Result(portpool::compat::internal::UseProcess(process));
}

int portpool_compat_end_process(int process) {
  return Result(portpool::compat::internal::EndProcess(process));
}

int portpool_compat_current_process(void) {
  auto number = portpool::compat::internal::CurrentProcess();
  return number.ok() ? Succeeded(*number) : Failed(number.status());
}

int portpool_compat_set_dynamic_range(int protocol, unsigned start, unsigned count) {
  return Result(portpool::compat::internal::SetDynamicRange(protocol, start, count));
}

int portpool_compat_next_schedule(char* buffer, size_t size) {
  auto next = portpool::compat::internal::NextSchedule();
  if (!next.ok()) return Failed(next.status());
  if (!next->has_value()) return Succeeded(0);
  const std::string& schedule = **next;
  if (buffer == nullptr || size <= schedule.size()) {
    return Failed(absl::InvalidArgumentError(absl::StrCat(
        "the next schedule '", schedule, "' needs a buffer of ", schedule.size() + 1, " bytes")));
  }
  std::memcpy(buffer, schedule.c_str(), schedule.size() + 1);
  return Succeeded(1);
}

const char* portpool_compat_trace_text(void) {
  thread_local std::string text;
  auto history = portpool::compat::internal::TraceText();
  if (!history.ok()) {
    Failed(history.status());
    return "";
  }
  text = *std::move(history);
  Succeeded();
  return text.c_str();
}

}  // extern "C"
