// Properties of the text format: printing and parsing are inverse, and the
// parser survives whatever bytes it is given.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/print.h"
#include "testing/trace_generators.h"

namespace portpool::traces {
namespace {

namespace gen = rc::gen;

// Parses text the property requires to parse.
Trace MustParse(const std::string& text) {
  absl::StatusOr<Trace> trace = Parse(text, "prop");
  if (!trace.ok()) RC_FAIL(std::string(trace.status().message()) + "\n" + text);
  return *std::move(trace);
}

RC_GTEST_PROP(RoundTripTest, ParseOfPrintIsIdentity, ()) {
  const Trace trace = *testing::GenTrace();
  RC_ASSERT(ValidateTrace(trace).ok());
  const std::string text = Print(trace);
  const Trace parsed = MustParse(text);
  RC_ASSERT(parsed == trace);
  RC_ASSERT(Print(parsed) == text);
}

RC_GTEST_PROP(RoundTripTest, EachStepIsPrintedOnTheLineItWasReadFrom, ()) {
  const Trace trace = *testing::GenTrace();
  const std::string text = Print(trace);
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  const Trace parsed = MustParse(text);
  int previous = 1;  // the header
  for (const Step& step : parsed.steps) {
    RC_ASSERT(step.line > previous);
    RC_ASSERT(static_cast<size_t>(step.line) <= lines.size());
    RC_ASSERT(lines[static_cast<size_t>(step.line) - 1] == PrintStep(step));
    previous = step.line;
  }
}

RC_GTEST_PROP(RoundTripTest, ParseStepOfPrintStepIsIdentity, ()) {
  const Step step = *testing::GenStep();
  const std::string line = PrintStep(step);
  const absl::StatusOr<Step> parsed = ParseStep(line);
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == step);
  RC_ASSERT(parsed->line == 1);
}

RC_GTEST_PROP(RoundTripTest, CrLfAndExtraBlanksParseTheSame, ()) {
  const Trace trace = *testing::GenTrace(testing::TraceOptions{.max_steps = 10});
  std::string text;
  for (absl::string_view line : absl::StrSplit(Print(trace), '\n')) {
    if (line.empty()) continue;
    const bool comment = line[0] == '#';
    const bool provenance = line.substr(0, 11) == "provenance:";
    std::string spaced;
    // Blanks may be widened between words of a header or step line.
    for (char c : line) {
      if (c == ' ' && !comment && !provenance && *gen::arbitrary<bool>()) {
        spaced += *gen::element<std::string>("  ", "\t", " \t ");
      } else {
        spaced += c;
      }
    }
    text += *gen::element<std::string>("", "  ", "\t") + spaced;
    if (!comment && *gen::arbitrary<bool>()) text += " \t";
    text += *gen::element<std::string>("\n", "\r\n", "\n\n", "\n \t\n");
  }
  RC_ASSERT(MustParse(text) == trace);
}

// Bytes worth inserting: the format's own punctuation and the awkward ones.
rc::Gen<char> GenInterestingByte() {
  return gen::weightedOneOf<char>({
      {4, gen::arbitrary<char>()},
      {3, gen::element<char>('\n', '\r', '\0', ' ', '\t', '#', '-', '>', '=', '$', ':', '0', '9',
                             'p', 's', 'x', '+', '\x7f', '\xff', '\xc3', '\xa9', '\xed', '\xf4')},
  });
}

// The [start, end) of the line around `at` (without its '\n').
std::pair<size_t, size_t> LineAround(const std::string& text, size_t at) {
  const size_t start = at == 0 ? 0 : text.rfind('\n', at - 1);
  const size_t end = text.find('\n', at);
  return {start == std::string::npos ? 0 : (at == 0 ? 0 : start + 1),
          end == std::string::npos ? text.size() : end};
}

// `text` after a few random edits: byte flips, insertions, deletions,
// duplicated slices, digits swapped, and whole lines dropped, doubled or
// moved (edits that often leave a trace that still parses).
std::string Mutate(std::string text) {
  const int edits =
      *gen::weightedOneOf<int>({{6, gen::just(1)}, {3, gen::just(2)}, {2, gen::inRange(3, 9)}});
  for (int i = 0; i < edits; ++i) {
    const size_t size = text.size();
    if (size == 0) {
      text = *gen::container<std::string>(GenInterestingByte());
      continue;
    }
    const size_t at = *gen::inRange<size_t>(0, size);
    switch (*gen::inRange(0, 9)) {
      case 0:  // flip bits
        text[at] = static_cast<char>(text[at] ^ *gen::inRange(1, 256));
        break;
      case 1:  // insert a byte
        text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), *GenInterestingByte());
        break;
      case 2:  // insert a run of bytes
        text.insert(at, *gen::container<std::string>(GenInterestingByte()));
        break;
      case 3:  // delete a run
        text.erase(at, *gen::inRange<size_t>(1, 16));
        break;
      case 4: {  // duplicate a slice
        const std::string slice = text.substr(at, *gen::inRange<size_t>(1, 64));
        text.insert(*gen::inRange<size_t>(0, size + 1), slice);
        break;
      }
      case 5:  // a digit for a digit (numbers out of range, leading zeros)
        if (text[at] >= '0' && text[at] <= '9') text[at] = *gen::element<char>('0', '1', '9');
        break;
      case 6: {  // drop a line
        const auto [start, end] = LineAround(text, at);
        text.erase(start, end - start + (end < text.size() ? 1 : 0));
        break;
      }
      case 7: {  // double a line
        const auto [start, end] = LineAround(text, at);
        text.insert(start, text.substr(start, end - start) + "\n");
        break;
      }
      default: {  // move a line to the start of another
        const auto [start, end] = LineAround(text, at);
        const std::string line = text.substr(start, end - start) + "\n";
        text.erase(start, end - start + (end < text.size() ? 1 : 0));
        const size_t to =
            text.empty() ? 0 : LineAround(text, *gen::inRange<size_t>(0, text.size())).first;
        text.insert(to, line);
        break;
      }
    }
  }
  return text;
}

// Whatever parses is a valid trace, prints canonically and parses back to
// itself.
void CheckParsed(const absl::StatusOr<Trace>& parsed) {
  if (!parsed.ok()) {
    RC_ASSERT(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  RC_ASSERT(ValidateTrace(*parsed).ok());
  const std::string again = Print(*parsed);
  const Trace reparsed = MustParse(again);
  RC_ASSERT(reparsed == *parsed);
  RC_ASSERT(Print(reparsed) == again);
}

RC_GTEST_PROP(RoundTripTest, MutatedTraceTextNeverCrashesTheParser, ()) {
  const std::string original = Print(*testing::GenTrace(testing::TraceOptions{.max_steps = 8}));
  ParseOptions options;
  if (*gen::weightedElement<bool>({{7, false}, {1, true}})) {
    // Small limits, to reach them too.
    options.max_line_length = *gen::inRange<size_t>(0, 80);
    options.max_trace_size = *gen::inRange<uint64_t>(0, 2000);
    options.max_steps = *gen::inRange<size_t>(0, 5);
    options.max_comment_lines = *gen::inRange<size_t>(0, 5);
  }
  // Several mutants of one trace: cheap, and about one in eight parses.
  for (int i = 0; i < 10; ++i) {
    const absl::StatusOr<Trace> parsed = Parse(Mutate(original), "mutant", options);
    if (!parsed.ok()) {
      RC_ASSERT(absl::string_view(parsed.status().message()).substr(0, 7) == "mutant:");
    }
    CheckParsed(parsed);
  }
}

RC_GTEST_PROP(RoundTripTest, ArbitraryBytesNeverCrashTheParser, ()) {
  const std::string body = *gen::container<std::string>(GenInterestingByte());
  const bool with_header = *gen::arbitrary<bool>();
  CheckParsed(Parse((with_header ? "portpool-trace 1\n" : "") + body));
}

}  // namespace
}  // namespace portpool::traces
