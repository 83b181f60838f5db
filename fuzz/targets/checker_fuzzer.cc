// libFuzzer target: the checker. Valid calls, arbitrary recorded answers
// (checker_session.h). For every call the checker must give a verdict or
// say why it cannot check it, never crash: a divergence explains itself, a
// conforming answer names its rule. Then the run, written as a trace, must
// parse and replay to the same judgement: conforming throughout, or
// diverging at the same step (the checker and the replayer are two judges of
// one model and must agree), up to a call on a socket no answer created,
// which only the checker can judge.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "portpool/fuzz/checker_session.h"
#include "portpool/traces/parse.h"
#include "portpool/traces/replay.h"
#include "testing/finding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using portpool::fuzz::testing::ReportFinding;
  portpool::fuzz::CheckerSession session(data, size);
  bool diverged = false;
  while (std::optional<portpool::fuzz::CheckerSession::Result> result = session.Next()) {
    if (!result->checked.ok()) {
      if (result->checked.status().message().empty()) {
        ReportFinding("checker", data, size, "the checker refused a call without saying why");
      }
      continue;
    }
    const portpool::Verdict& verdict = result->checked->verdict;
    if (verdict.conforms && verdict.rule.empty()) {
      ReportFinding(
          "checker", data, size,
          absl::StrCat("a conforming answer with no rule: ", portpool::DescribeCall(result->call)));
    }
    if (!verdict.conforms && verdict.explanation.empty()) {
      ReportFinding("checker", data, size,
                    absl::StrCat("a divergence without an explanation: ",
                                 portpool::DescribeCall(result->call)));
    }
    diverged = !verdict.conforms;
  }
  const size_t checked = session.checker().history().size();
  if (checked == 0) return 0;
  const std::string text = session.TraceText();
  auto trace = portpool::traces::Parse(text, "<checked>");
  if (!trace.ok()) {
    ReportFinding(
        "checker", data, size,
        absl::StrCat("the checked run's trace does not parse: ", trace.status().message()));
  }
  const portpool::traces::ReplayResult replay = portpool::traces::Replay(*trace);
  // A call on a socket id no answer created (after an answer whose socket id
  // was replaced) is judged by the checker (WSAENOTSOCK: the backend may hand
  // out any handle) but is bad input to the replay, which names only what
  // the trace's answers created (record.h). Both are documented; the
  // judgements before that step must still agree.
  if (replay.error && absl::StrContains(replay.error->message, "no earlier step")) return 0;
  if (replay.error) {
    ReportFinding("checker", data, size,
                  absl::StrCat("the checker judged every call, but the replay finds bad input at "
                               "step ",
                               replay.error->step + 1, ": ", replay.error->message));
  }
  if (diverged && (!replay.divergence || replay.divergence->step != checked - 1)) {
    ReportFinding("checker", data, size,
                  absl::StrCat("the checker diverges at step ", checked, " but the replay ",
                               replay.divergence
                                   ? absl::StrCat("diverges at step ", replay.divergence->step + 1)
                                   : std::string("conforms")));
  }
  if (!diverged && !replay.conforms) {
    ReportFinding("checker", data, size,
                  absl::StrCat("the checker finds every answer allowed, but the replay diverges "
                               "at step ",
                               replay.divergence->step + 1, ": ", replay.divergence->call));
  }
  return 0;
}
