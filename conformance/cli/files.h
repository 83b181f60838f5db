// Reading the files the subcommands are given and writing the files they
// make, in one place, so that every subcommand treats `-` (standard input or
// output), folders, missing files and write errors the same way, and names
// the file and the system's reason in its message.
#ifndef PORTPOOL_CONFORMANCE_CLI_FILES_H_
#define PORTPOOL_CONFORMANCE_CLI_FILES_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace portpool::cli {

// The name `-` stands for in messages.
inline constexpr char kStdinName[] = "<stdin>";
inline constexpr char kStdoutName[] = "<stdout>";

// How `path` is named in messages: itself, or <stdin> for `-`.
std::string InputName(const std::string& path);

// All bytes of the file `path` (`-`: standard input), at most `max_bytes`.
// Errors name the file: "PATH: No such file or directory", "PATH: is a
// directory", "PATH: larger than N bytes".
absl::StatusOr<std::string> ReadInput(const std::string& path, uint64_t max_bytes);

// Why `path` cannot be written, before any work is done: its folder is
// missing or not a folder, or `path` is a folder. OkStatus for `-`.
absl::Status CheckWritable(const std::string& path);

// Writes `text` to `path` (replacing it), or to `standard_output` for `-`.
// The error names the file and the system's reason.
absl::Status WriteOutput(const std::string& path, const std::string& text,
                         std::ostream& standard_output);

// The system's message for errno value `error` (portable, unlike strerror).
std::string SystemMessage(int error);

}  // namespace portpool::cli

#endif  // PORTPOOL_CONFORMANCE_CLI_FILES_H_
