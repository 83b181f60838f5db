// Tests of InputTrace, what `portpool from-fuzz` writes for each target.
#include "portpool/fuzz/input_trace.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "portpool/fuzz/simulated_calls.h"
#include "portpool/traces/print.h"

namespace portpool::fuzz {
namespace {

absl::Span<const uint8_t> Bytes(const std::string& s) {
  return absl::MakeSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(InputTrace, NamesTheFourTargets) {
  EXPECT_EQ(TargetNames(), (std::vector<std::string>{"calls", "parser", "win32", "checker"}));
}

TEST(InputTrace, AnUnknownTargetIsAnErrorNamingTheKnownOnes) {
  auto text = InputTrace("cals", Bytes("x"));
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(absl::StrContains(text.status().message(), "unknown fuzz target 'cals'"));
  EXPECT_TRUE(absl::StrContains(text.status().message(), "calls, parser, win32, checker"));
}

TEST(InputTrace, AParserInputIsItsOwnTraceOrAnErrorSayingWhere) {
  const std::string good = "portpool-trace 1\nstart-process elevated -> NO_ERROR process=p1\n";
  EXPECT_EQ(*InputTrace("parser", Bytes(good)), good);
  auto bad = InputTrace("parser", Bytes("portpool-trace 1\nbogus\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "<input>:2:")) << bad.status();
}

TEST(InputTrace, ACallsInputGivesItsSimulatedTrace) {
  const std::string input = "\x05 some bytes that decode to calls \x01\x02\x03\xff";
  const auto span = Bytes(input);
  auto text = InputTrace("calls", span);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, traces::Print(SimulatedCallsTrace(span.data(), span.size())));
  EXPECT_TRUE(absl::StrContains(*text, "provenance: fuzz target=calls simulator seed=5"));
}

TEST(InputTrace, Win32AndCheckerInputsGiveTraces) {
  for (const char* target : {"win32", "checker"}) {
    auto text = InputTrace(target, Bytes("\x01 abcdefghijklmnopqrstuvwxyz 0123456789"));
    ASSERT_TRUE(text.ok()) << target;
    EXPECT_TRUE(absl::StartsWith(*text, "portpool-trace 1\n")) << *text;
    EXPECT_TRUE(absl::StrContains(*text, absl::StrCat("fuzz target=", target))) << *text;
  }
}

}  // namespace
}  // namespace portpool::fuzz
