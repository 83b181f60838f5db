#include "campaign_progress.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "options.h"

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

namespace portpool::cli {
namespace {

using Phase = conformance::CampaignProgress::Phase;

// The value of an environment variable, if set (getenv is deprecated by
// MSVC; _dupenv_s is its replacement there, which mingw's msvcrt lacks).
std::optional<std::string> Environment(const char* name) {
#ifdef _MSC_VER
  char* value = nullptr;
  size_t size = 0;
  if (_dupenv_s(&value, &size, name) != 0 || value == nullptr) return std::nullopt;
  std::string result(value);
  std::free(value);
  return result;
#else
  const char* value = std::getenv(name);  // C4996-safe: MSVC takes _dupenv_s above
  if (value == nullptr) return std::nullopt;
  return std::string(value);
#endif
}

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kCorpusReplay:
      return "replaying the corpus";
    case Phase::kDocumentedCases:
      return "documented cases";
    case Phase::kSurfaceCases:
      return "surface cases";
    case Phase::kSequences:
      return "sequences";
    case Phase::kDone:
      return "done";
  }
  return "";
}

}  // namespace

bool StderrIsSmartTerminal() {
#ifdef _WIN32
  const bool tty = _isatty(2) != 0;
#else
  const bool tty = isatty(2) != 0;  // C4996-safe: not compiled on Windows
#endif
  return tty && Environment("TERM").value_or("") != "dumb";
}

std::string ProgressText(const conformance::CampaignProgress& p) {
  std::string line = absl::StrCat("[", PhaseName(p.phase), "] ");
  if (p.phase == Phase::kCorpusReplay) {
    absl::StrAppend(&line, p.corpus_traces_done,
                    p.corpus_traces_done == 1 ? " trace replayed" : " traces replayed");
  } else if (p.phase == Phase::kDocumentedCases) {
    absl::StrAppend(&line, p.documented_cases_done,
                    p.documented_cases_done == 1 ? " case run" : " cases run");
  } else if (p.phase == Phase::kSurfaceCases) {
    absl::StrAppend(&line, "W32-* rules checked");
  } else {
    absl::StrAppend(&line, Grouped(p.sequences_done));
    if (p.sequences_total) absl::StrAppend(&line, "/", Grouped(*p.sequences_total));
    absl::StrAppend(&line, " sequences");
  }
  const double rate =
      p.elapsed_seconds > 0 ? static_cast<double>(p.calls_checked) / p.elapsed_seconds : 0;
  absl::StrAppend(&line, ", ", Grouped(static_cast<uint64_t>(p.calls_checked)), " calls checked (",
                  Grouped(static_cast<uint64_t>(std::llround(rate))), "/s), ", p.divergences,
                  p.divergences == 1 ? " divergence, " : " divergences, ",
                  absl::StrFormat("%.1f s", p.elapsed_seconds));
  return line;
}

void ProgressPrinter::Update(const conformance::CampaignProgress& p) {
  const auto now = std::chrono::steady_clock::now();
  if (in_place_) {
    const bool phase_changed = !pending_ || pending_->phase != p.phase;
    pending_ = p;
    if (p.phase != Phase::kDone && !phase_changed &&
        now - last_time_ < std::chrono::milliseconds(250)) {
      return;
    }
    last_time_ = now;
    Line(p, p.phase == Phase::kDone);
    return;
  }
  // Line mode: a phase's line when it ends (with its totals), and during the
  // sequences one every five seconds.
  // (The sequences' last line is the done line: it is not printed twice.)
  if (pending_ && pending_->phase != p.phase &&
      !(pending_->phase == Phase::kSequences && p.phase == Phase::kDone)) {
    Line(*pending_, false);
  }
  const bool started = !pending_ || pending_->phase != p.phase;
  pending_ = p;
  if (started) last_time_ = now;
  if (p.phase == Phase::kDone) {
    Line(p, true);
    pending_.reset();
  } else if (now - last_time_ >= std::chrono::seconds(5)) {
    last_time_ = now;
    Line(p, false);
  }
}

void ProgressPrinter::Interrupted() {
  if (told_stop_) return;
  told_stop_ = true;
  if (pending_) Line(*pending_, true);
  if (in_place_ && !pending_) err_ << "\n";
  err_ << "portpool campaign: interrupted; finishing the current sequence and writing a "
          "partial report (press Ctrl-C again to quit at once)\n";
  err_.flush();
}

void ProgressPrinter::Line(const conformance::CampaignProgress& p, bool final_line) {
  if (in_place_) {
    err_ << "\r\033[K" << ProgressText(p) << (final_line ? "\n" : "");
  } else {
    err_ << ProgressText(p) << "\n";
  }
  err_.flush();
}

}  // namespace portpool::cli
