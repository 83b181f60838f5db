// The behaviour table on recordings of two fake Windows builds
// (conformance/testdata/matrix/, see its README): where the builds agree on
// a step the model leaves open, where they differ, the ports of a run in
// another sandbox window moved back, and an answer the model does not allow.
#include "portpool/conformance/matrix.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/scratch_files.h"

namespace portpool::conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Data(const char* run) {
  return (std::filesystem::path(PORTPOOL_SOURCE_DIR) / "conformance/testdata/matrix" / run)
      .string();
}

Matrix ReadOrDie() {
  absl::StatusOr<Matrix> matrix = ReadMatrix({Data("build-11111"), Data("build-22222")});
  EXPECT_TRUE(matrix.ok()) << matrix.status();
  return matrix.ok() ? *std::move(matrix) : Matrix{};
}

const MatrixProbe& Probe(const Matrix& m, const std::string& name) {
  for (const MatrixProbe& probe : m.probes) {
    if (probe.name == name) return probe;
  }
  static const MatrixProbe none;
  ADD_FAILURE() << "no probe " << name;
  return none;
}

const MatrixRow& Row(const MatrixProbe& probe, const std::string& call) {
  for (const MatrixRow& row : probe.rows) {
    if (row.call == call) return row;
  }
  static const MatrixRow none;
  ADD_FAILURE() << probe.name << ": no row " << call;
  return none;
}

TEST(Matrix, RunsAreNamedByTheirBuild) {
  const Matrix m = ReadOrDie();
  ASSERT_EQ(m.runs.size(), 2u);
  EXPECT_EQ(m.runs[0].build, "build 11111");
  EXPECT_EQ(m.runs[1].build, "build 22222");
  EXPECT_EQ(m.runs[1].elevation, "elevated=yes");
  std::vector<std::string> names;
  for (const MatrixProbe& probe : m.probes) names.push_back(probe.unknown + " " + probe.name);
  // As docs/semantics.md lists the unknowns: U by number (U4 before U10), then C, then M.
  EXPECT_THAT(names, ElementsAre("U4 U4-bad-tokens", "U10 U10-lookup-existing-block",
                                 "C1 C1-bind-into-persistent", "M1 M1-null-token"));
  EXPECT_EQ(Probe(m, "U10-lookup-existing-block").question,
            "does Lookup of an existing block need elevation?");
}

TEST(Matrix, SaysWhichAllowedAnswerEveryBuildGives) {
  const Matrix m = ReadOrDie();
  // Build 22222 ran in 30000-30255: its calls line up once moved back.
  const MatrixRow& bind = Row(Probe(m, "C1-bind-into-persistent"), "p1 s1 bind 20001");
  EXPECT_TRUE(bind.open);
  EXPECT_EQ(bind.allowed,
            "WSAEACCES [B-BIND-PERSISTENT] | NO_ERROR with port 20001 [B-BIND-PERSISTENT]");
  ASSERT_TRUE(bind.agreed);
  EXPECT_EQ(*bind.agreed, "NO_ERROR [B-BIND-PERSISTENT]");
  EXPECT_EQ(bind.cells[1].answer, "NO_ERROR port=20001");
  // A step the model does not leave open is no finding: since the second
  // edition an unelevated Lookup is exact (LK-4).
  const MatrixRow& lookup = Row(Probe(m, "U10-lookup-existing-block"), "p2 lookup tcp 20000 4");
  EXPECT_FALSE(lookup.open);
}

TEST(Matrix, ShowsWhereBuildsDiffer) {
  const Matrix m = ReadOrDie();
  const MatrixRow& row = Row(Probe(m, "M1-null-token"), "p1 lookup tcp 20005 1 null-token");
  EXPECT_TRUE(row.open);
  EXPECT_FALSE(row.agreed);
  EXPECT_EQ(row.cells[0].key(), "ERROR_INVALID_PARAMETER [P-LOOKUP-NULL-TOKEN]");
  EXPECT_EQ(row.cells[1].key(), "ERROR_NOACCESS [P-LOOKUP-NULL-TOKEN]");
  EXPECT_EQ(m.agreed, 6);
  EXPECT_EQ(m.differing, 11);
}

TEST(Matrix, MarksAnAnswerTheModelDoesNotAllowAndWhatWasNotRecorded) {
  const Matrix m = ReadOrDie();
  const MatrixProbe& probe = Probe(m, "C1-bind-into-persistent");
  EXPECT_EQ(m.not_allowed, 1);
  EXPECT_THAT(probe.notes[1], StartsWith("recording stopped after 6 of 17 steps"));
  const MatrixRow& bad = Row(probe, "p1 s2 bind 20002");
  EXPECT_TRUE(bad.cells[1].judged);
  EXPECT_FALSE(bad.cells[1].allowed);
  EXPECT_FALSE(bad.agreed);
  ASSERT_EQ(probe.rows.size(), 17u);
  EXPECT_FALSE(probe.rows[16].cells[1].ran);
  EXPECT_TRUE(probe.rows[16].cells[0].allowed);
}

TEST(Matrix, MarkdownAndHtml) {
  const Matrix m = ReadOrDie();
  const std::string md = MatrixMarkdown(m);
  EXPECT_THAT(md, HasSubstr("| C1 | C1-bind-into-persistent | 4 | 1 | 3 | 1 |\n"));
  EXPECT_THAT(md, HasSubstr("| 4 | `p1 s1 bind 20001` | **open:** WSAEACCES [B-BIND-PERSISTENT] "
                            "\\| NO_ERROR with port 20001 [B-BIND-PERSISTENT] | NO_ERROR "
                            "port=20001 [B-BIND-PERSISTENT] | NO_ERROR port=20001 "
                            "[B-BIND-PERSISTENT] | every build: NO_ERROR [B-BIND-PERSISTENT] |\n"));
  EXPECT_THAT(md, HasSubstr("| ERROR_SHARING_VIOLATION NOT ALLOWED | an answer the model does "
                            "not allow |"));
  const std::string html = MatrixHtml(m);
  EXPECT_THAT(html, StartsWith("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<style>"));
  EXPECT_FALSE(absl::StrContains(html, "<link")) << "self-contained";
  EXPECT_THAT(html,
              HasSubstr("<td class=\"agree\">every build: NO_ERROR [B-BIND-PERSISTENT]</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"bad\">ERROR_SHARING_VIOLATION NOT ALLOWED</td>"));

  const auto dir = testing::ScratchDir("matrix");
  absl::StatusOr<MatrixFiles> files = WriteMatrix(m, dir.string());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(testing::ReadWholeFile(files->markdown), md);
  EXPECT_EQ(testing::ReadWholeFile(files->html), html);
}

TEST(Matrix, BadInputIsNamed) {
  EXPECT_FALSE(ReadMatrix({}).ok());
  const auto empty = testing::ScratchDir("matrix");
  EXPECT_THAT(std::string(ReadMatrix({empty.string()}).status().message()),
              HasSubstr("no *.trace files"));
  // One folder, two builds: a run is one machine.
  std::filesystem::copy_file(Data("build-11111") + "/M1-null-token.trace", empty / "a.trace");
  std::filesystem::copy_file(Data("build-22222") + "/U10-lookup-existing-block.trace",
                             empty / "b.trace");
  EXPECT_THAT(std::string(ReadMatrix({empty.string()}).status().message()),
              HasSubstr("recorded on build 22222, but"));
  std::filesystem::remove(empty / "b.trace");
  {
    std::ofstream broken(empty / "c.trace");
    broken << "portpool-trace 1\nnonsense\n";
  }
  EXPECT_THAT(std::string(ReadMatrix({empty.string()}).status().message()),
              HasSubstr("c.trace:2:1: unknown call 'nonsense'"));
}

}  // namespace
}  // namespace portpool::conformance
