#include "portpool/conformance/report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "portpool/traces/print.h"
#include "portpool/traces/provenance.h"
#include "report_text.h"

namespace portpool::conformance {

using report_text::Plural;
using report_text::ShellQuote;
using report_text::Thousands;

std::string VerdictWord(const CampaignResult& r) {
  if (r.unavailable) return "UNSUPPORTED";
  if (r.divergence_count > 0) return "DIVERGES";
  if (!r.errors.empty()) return "ERRORS";
  if (r.stop == CampaignResult::Stop::kInterrupted) return "INTERRUPTED";
  return "CONFORMS";
}

int RulesChecked(const CampaignResult& r) {
  return static_cast<int>(RuleCatalogue().size() - r.coverage.Unchecked().size());
}

bool AllRulesChecked(const CampaignResult& r) { return r.coverage.Unchecked().empty(); }

std::string VerdictLine(const CampaignResult& r) {
  const std::string word = VerdictWord(r);
  if (word != "CONFORMS" || AllRulesChecked(r)) return word;
  return absl::StrCat(word, " (partial: ", RulesChecked(r), " of ", RuleCatalogue().size(),
                      " rules checked)");
}

std::string WhatItShows(const CampaignResult& r) {
  const bool diverged = r.divergence_count > 0;
  const bool corpus_only =
      diverged && !r.divergences.empty() &&
      std::all_of(r.divergences.begin(), r.divergences.end(), [](const auto& d) {
        return d.origin == CampaignDivergence::Origin::kCorpusReplay;
      });
  if (r.unavailable) {
    return absl::StrCat("Nothing was checked: the ", r.backend_name,
                        " backend is not available here (", *r.unavailable,
                        "). The verdict says nothing about Windows or the model.");
  }
  std::string text;
  if (r.backend_name == "simulator") {
    if (corpus_only) {
      text =
          "A corpus trace records an answer the model does not allow: the trace or the model "
          "(docs/semantics.md) is wrong at the rules cited.";
    } else if (diverged) {
      text =
          "The simulator answers from the model itself, so a divergence here is a bug in "
          "portpool (the model, the simulator, the checker or the Win32-shaped ModelApi), not a "
          "finding about Windows.";
    } else {
      text = absl::StrCat(
          "The simulator answers from the model itself, so its agreement with the model is "
          "expected by construction: this run checks the model's own consistency (its "
          "expectations against its bookkeeping, the checker, the trace tools and the "
          "Win32-shaped ModelApi)",
          r.corpus_dir.empty()
              ? ""
              : ", and that the regression corpus's recorded answers are ones the model allows",
          ". It says nothing about Windows: for that, run the campaign with --backend windows "
          "on Windows, or record the probe traces there (docs/windows.md).");
    }
  } else if (r.backend_name == "windows") {
    text = diverged
               ? absl::StrCat("Windows (", r.backend_description,
                              ") gave answers the model does not allow: for these calls the model "
                              "(docs/semantics.md) is wrong, or the machine is set up differently; "
                              "each divergence names its rule and source.")
               : absl::StrCat("Every call ran on this Windows machine (", r.backend_description,
                              ") and every answer was one the model allows: for these "
                              "calls, Windows behaves as docs/semantics.md describes.");
  } else {
    text = absl::StrCat("The answers of the ", r.backend_name,
                        " backend were checked against "
                        "the model.");
  }
  if (!AllRulesChecked(r)) {
    const size_t unchecked = r.coverage.Unchecked().size();
    absl::StrAppend(&text, " ", Plural(static_cast<int64_t>(unchecked), "rule", "rules"), " of ",
                    RuleCatalogue().size(),
                    " were never checked, so the verdict says nothing about ",
                    unchecked == 1 ? "it." : "them.");
  }
  if (r.stop == CampaignResult::Stop::kInterrupted) {
    absl::StrAppend(&text, " The run was interrupted: it covers only what ran.");
  } else if (!r.errors.empty()) {
    absl::StrAppend(&text, " The harness failed in places (see Errors): the run is incomplete.");
  }
  return text;
}

std::string WallClockText(const CampaignResult& r) {
  return report_text::Seconds(r.timing.seconds);
}

std::string CallsPerSecondText(const CampaignResult& r) {
  return Thousands(std::llround(r.timing.calls_per_second));
}

std::string ReproduceCommand(const CampaignResult& r) {
  std::string command = absl::StrCat("portpool campaign --backend ", ShellQuote(r.backend_name),
                                     " --seed ", r.first_seed, " --seeds ",
                                     std::max<uint64_t>(r.sequences, 1), " --length ", r.length);
  if (r.corpus_dir.empty()) {
    absl::StrAppend(&command, " --no-corpus");
  } else if (!r.corpus_is_default) {
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::absolute(r.corpus_dir, error);
    absl::StrAppend(&command, " --corpus ",
                    ShellQuote(error ? r.corpus_dir : absolute.lexically_normal().string()));
  }
  return command;
}

std::string DivergenceFileName(size_t index) {
  return absl::StrCat("divergence-", index + 1, ".trace");
}

std::string FullDivergenceFileName(size_t index) {
  return absl::StrCat("divergence-", index + 1, "-full.trace");
}

absl::StatusOr<ReportFiles> WriteReport(const CampaignResult& r, const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(directory, error);
  if (error || !fs::is_directory(directory)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create the report folder ", directory,
                                                   error ? ": " + error.message() : ""));
  }
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "divergence-") && absl::EndsWith(name, ".trace")) {
      fs::remove(entry.path(), error);
    }
  }
  ReportFiles files;
  auto path_of = [&](const std::string& name) { return (fs::path(directory) / name).string(); };
  auto write = [&](const std::string& name, const std::string& text) -> absl::Status {
    const std::string path = path_of(name);
    errno = 0;
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot write ", path, ": ", std::generic_category().message(errno != 0 ? errno : EIO)));
    }
    return absl::OkStatus();
  };
  auto write_trace = [&](const std::string& name, traces::Trace trace) -> absl::Status {
    traces::StampProvenance(trace, r.tool);
    if (absl::Status s = write(name, traces::Print(trace)); !s.ok()) return s;
    files.traces.push_back(path_of(name));
    return absl::OkStatus();
  };
  if (r.sample_trace) {
    if (absl::Status s = write_trace("sample.trace", *r.sample_trace); !s.ok()) return s;
  }
  for (size_t i = 0; i < r.divergences.size(); ++i) {
    if (absl::Status s = write_trace(DivergenceFileName(i), r.divergences[i].minimal); !s.ok()) {
      return s;
    }
    if (absl::Status s = write_trace(FullDivergenceFileName(i), r.divergences[i].original);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = write("report.md", ReportMarkdown(r)); !s.ok()) return s;
  if (absl::Status s = write("report.html", ReportHtml(r)); !s.ok()) return s;
  if (absl::Status s = write("report.json", ReportJson(r)); !s.ok()) return s;
  files.markdown = path_of("report.md");
  files.html = path_of("report.html");
  files.json = path_of("report.json");
  return files;
}

}  // namespace portpool::conformance
