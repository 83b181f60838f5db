#include "files.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"

namespace portpool::cli {
namespace {

namespace fs = std::filesystem;

// Reads `in` to its end, at most `max_bytes` (plus one, to tell "too large").
// istream::read turns a failing read (a folder, on libstdc++) into badbit
// instead of an exception.
absl::StatusOr<std::string> ReadAll(std::istream& in, const std::string& name, uint64_t max_bytes) {
  std::string data;
  std::vector<char> chunk(64 * 1024);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const std::streamsize n = in.gcount();
    if (n > 0) data.append(chunk.data(), static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": larger than ", max_bytes, " bytes, the most this reads"));
    }
  }
  if (in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": read error: ", SystemMessage(errno)));
  }
  return data;
}

}  // namespace

std::string SystemMessage(int error) { return std::generic_category().message(error); }

std::string InputName(const std::string& path) { return path == "-" ? kStdinName : path; }

absl::StatusOr<std::string> ReadInput(const std::string& path, uint64_t max_bytes) {
  if (path == "-") return ReadAll(std::cin, kStdinName, max_bytes);
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (status.type() == fs::file_type::not_found) {
    return absl::NotFoundError(absl::StrCat(
        path, ": ", std::make_error_code(std::errc::no_such_file_or_directory).message()));
  }
  if (error) return absl::InvalidArgumentError(absl::StrCat(path, ": ", error.message()));
  if (status.type() == fs::file_type::directory) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a file"));
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open: ", SystemMessage(errno != 0 ? errno : EIO)));
  }
  return ReadAll(in, path, max_bytes);
}

absl::Status CheckWritable(const std::string& path) {
  if (path == "-") return absl::OkStatus();
  if (path.empty()) return absl::InvalidArgumentError("an empty file name");
  std::error_code error;
  if (fs::is_directory(path, error)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a file"));
  }
  fs::path folder = fs::path(path).parent_path();
  if (folder.empty()) folder = ".";
  const fs::file_status status = fs::status(folder, error);
  if (status.type() == fs::file_type::not_found) {
    return absl::NotFoundError(
        absl::StrCat("cannot write ", path, ": ", folder.string(), ": ",
                     std::make_error_code(std::errc::no_such_file_or_directory).message()));
  }
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write ", path, ": ", folder.string(), ": ", error.message()));
  }
  if (status.type() != fs::file_type::directory) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write ", path, ": ", folder.string(), ": ",
                     std::make_error_code(std::errc::not_a_directory).message()));
  }
  return absl::OkStatus();
}

absl::Status WriteOutput(const std::string& path, const std::string& text,
                         std::ostream& standard_output) {
  if (path == "-") {
    standard_output << text;
    standard_output.flush();
    if (!standard_output) return absl::DataLossError("cannot write to standard output");
    return absl::OkStatus();
  }
  if (absl::Status writable = CheckWritable(path); !writable.ok()) return writable;
  errno = 0;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot write ", path, ": ", SystemMessage(errno != 0 ? errno : EIO)));
  }
  file << text;
  file.close();
  if (!file) {
    return absl::DataLossError(
        absl::StrCat("error writing ", path, ": ", SystemMessage(errno != 0 ? errno : EIO)));
  }
  return absl::OkStatus();
}

}  // namespace portpool::cli
