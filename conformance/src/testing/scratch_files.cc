#include "testing/scratch_files.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace portpool::conformance::testing {
namespace {

std::string TestName() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

std::filesystem::path SuiteDir(absl::string_view suite) {
  return std::filesystem::temp_directory_path() / absl::StrCat("portpool-", suite);
}

}  // namespace

std::filesystem::path ScratchFile(absl::string_view suite, absl::string_view name) {
  const std::filesystem::path dir = SuiteDir(suite);
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / absl::StrCat(TestName(), "-", name);
  std::filesystem::remove(path);
  return path;
}

std::filesystem::path ScratchDir(absl::string_view suite) {
  const std::filesystem::path dir = SuiteDir(suite) / TestName();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace portpool::conformance::testing
