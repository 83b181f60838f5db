// Scratch files for the conformance tests that write journals and reports,
// named after the running gtest test so that tests run in parallel apart.
#ifndef PORTPOOL_CONFORMANCE_TESTING_SCRATCH_FILES_H_
#define PORTPOOL_CONFORMANCE_TESTING_SCRATCH_FILES_H_

#include <filesystem>
#include <string>

#include "absl/strings/string_view.h"

namespace portpool::conformance::testing {

// TMP/portpool-SUITE/TESTNAME-NAME, its folder made and no file there yet.
std::filesystem::path ScratchFile(absl::string_view suite, absl::string_view name);

// An empty folder TMP/portpool-SUITE/TESTNAME, emptied on each call.
std::filesystem::path ScratchDir(absl::string_view suite);

// The whole content of a file ("" if it cannot be read).
std::string ReadWholeFile(const std::filesystem::path& path);

}  // namespace portpool::conformance::testing

#endif  // PORTPOOL_CONFORMANCE_TESTING_SCRATCH_FILES_H_
