// The progress line of `portpool campaign` on standard error. On a terminal
// it is one line, rewritten in place a few times a second. Elsewhere (a CI
// log, a file, TERM=dumb) it is plain lines: one when each phase ends, with
// that phase's totals, and one every few seconds during the sequences.
#ifndef PORTPOOL_CONFORMANCE_CLI_CAMPAIGN_PROGRESS_H_
#define PORTPOOL_CONFORMANCE_CLI_CAMPAIGN_PROGRESS_H_

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

#include "portpool/conformance/campaign.h"

namespace portpool::cli {

// Whether standard error is a terminal that understands "\r\033[K": a tty,
// and TERM is not "dumb".
bool StderrIsSmartTerminal();

class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& err, bool in_place) : err_(err), in_place_(in_place) {}

  void Update(const conformance::CampaignProgress& p);
  // Says that the campaign was asked to stop (once).
  void Interrupted();

 private:
  void Line(const conformance::CampaignProgress& p, bool final_line);

  std::ostream& err_;
  bool in_place_;
  bool told_stop_ = false;
  std::chrono::steady_clock::time_point last_time_{};
  // The last update not yet printed as a line (line mode).
  std::optional<conformance::CampaignProgress> pending_;
};

// "the last line", as the one-line form: "[sequences] 120/200 sequences,
// 9,600 calls checked (48,000/s), 0 divergences, 0.2 s".
std::string ProgressText(const conformance::CampaignProgress& p);

}  // namespace portpool::cli

#endif  // PORTPOOL_CONFORMANCE_CLI_CAMPAIGN_PROGRESS_H_
