#include "portpool/conformance/windows/journal.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace portpool::conformance {
namespace {

constexpr absl::string_view kHeader = "portpool-journal 1";

absl::string_view OpName(JournalOp op) { return op == JournalOp::kCreate ? "create" : "delete"; }

std::string Describe(Protocol protocol, PortRange block) {
  return absl::StrCat(ProtocolName(protocol), " ", FormatRange(block));
}

// Reads the whole file; NotFound if it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(absl::StrCat("no journal at ", path));
  }
  // A folder opens, then reads as nothing: it would pass for an empty journal.
  if (std::filesystem::is_directory(path, error)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a journal"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::PermissionDeniedError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replays a journal's text into `set`; returns the highest id seen.
absl::StatusOr<uint64_t> Replay(absl::string_view text, PendingSet& set) {
  uint64_t max_id = 0;
  int line_number = 0;
  bool header = false;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    const absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      if (line != kHeader) {
        return absl::InvalidArgumentError(
            absl::StrCat(line_number, ":1: not a portpool journal (expected '", kHeader,
                         "', found '", line.substr(0, 80), "')"));
      }
      header = true;
      continue;
    }
    const std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat(line_number, ":1: ", why, ": '", line.substr(0, 120), "'"));
    };
    uint64_t id = 0;
    if (words.size() < 3 || !absl::SimpleAtoi(words[1], &id) || id == 0) {
      return bad("not a journal line");
    }
    max_id = std::max(max_id, id);
    if (words[0] == "begin") {
      uint32_t start = 0;
      uint32_t count = 0;
      const std::optional<Protocol> protocol =
          words.size() == 6 ? ProtocolFromName(words[3]) : std::nullopt;
      if (words.size() != 6 || (words[2] != "create" && words[2] != "delete") || !protocol ||
          !absl::SimpleAtoi(words[4], &start) || !absl::SimpleAtoi(words[5], &count) ||
          start > kMaxPort || count > kMaxPort) {
        return bad("not a 'begin ID create|delete tcp|udp START COUNT' line");
      }
      set.Begin(id, words[2] == "create" ? JournalOp::kCreate : JournalOp::kDelete, *protocol,
                PortRange{static_cast<uint16_t>(start), static_cast<uint16_t>(count)});
    } else if (words[0] == "end") {
      set.End(id, ErrorFromName(words[2]));
    } else {
      return bad("neither 'begin' nor 'end'");
    }
  }
  return max_id;
}

}  // namespace

// --- PendingSet --------------------------------------------------------------

void PendingSet::Begin(uint64_t id, JournalOp op, Protocol protocol, PortRange block) {
  const Key key{static_cast<int>(protocol), block.start, block.count};
  const bool was_pending = pending_.contains(key);
  open_[id] = Open{op, key, was_pending};
  // Until the answer is known, a create may have made the block.
  if (op == JournalOp::kCreate && !was_pending) pending_[key] = "create not answered";
}

void PendingSet::End(uint64_t id, std::optional<Error> error) {
  auto it = open_.find(id);
  if (it == open_.end()) return;  // an end without a begin changes nothing
  const Open begun = it->second;
  open_.erase(it);
  if (!error) return;  // no answer: leave it as Begin left it
  if (begun.op == JournalOp::kCreate) {
    if (*error == Error::kNoError) {
      pending_[begun.key] = "created";
    } else if (!begun.was_pending) {
      pending_.erase(begun.key);
    }
  } else if (*error == Error::kNoError || *error == Error::kNotFound) {
    pending_.erase(begun.key);
  }
}

std::vector<PendingReservation> PendingSet::Pending() const {
  std::vector<PendingReservation> pending;
  for (const auto& [key, why] : pending_) {
    const auto& [protocol, start, count] = key;
    pending.push_back(
        PendingReservation{static_cast<Protocol>(protocol), PortRange{start, count}, why});
  }
  return pending;
}

bool PendingSet::IsPending(Protocol protocol, PortRange block) const {
  return pending_.contains(Key{static_cast<int>(protocol), block.start, block.count});
}

// --- Journal -------------------------------------------------------------------

absl::StatusOr<Journal> Journal::Open(const std::string& path) {
  uint64_t next_id = 1;
  bool fresh = true;
  absl::StatusOr<std::string> existing = ReadFile(path);
  if (existing.ok()) {
    PendingSet ignored;
    absl::StatusOr<uint64_t> max_id = Replay(*existing, ignored);
    if (!max_id.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("journal ", path, ": ", max_id.status().message()));
    }
    next_id = *max_id + 1;
    fresh = absl::StripAsciiWhitespace(*existing).empty();
  } else if (!absl::IsNotFound(existing.status())) {
    return existing.status();
  }
  std::ofstream out(path, std::ios::binary | std::ios::app);
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write the journal ", path));
  Journal journal(path, std::move(out), next_id);
  if (fresh) {
    if (absl::Status header = journal.WriteLine(std::string(kHeader)); !header.ok()) return header;
  }
  return journal;
}

absl::Status Journal::WriteLine(const std::string& line) {
  out_ << line << '\n';
  out_.flush();
  if (!out_) return absl::DataLossError(absl::StrCat("cannot write the journal ", path_));
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Journal::Begin(JournalOp op, Protocol protocol, PortRange block) {
  const uint64_t id = next_id_++;
  absl::Status written =
      WriteLine(absl::StrCat("begin ", id, " ", OpName(op), " ", ProtocolName(protocol), " ",
                             block.start, " ", block.count));
  if (!written.ok()) return written;
  return id;
}

absl::Status Journal::End(uint64_t id, const absl::StatusOr<Outcome>& result) {
  if (result.ok()) return WriteLine(absl::StrCat("end ", id, " ", ErrorName(result->error)));
  std::string message(result.status().message());
  absl::StrReplaceAll({{"\n", " "}, {"\r", " "}}, &message);
  return WriteLine(absl::StrCat("end ", id, " no-answer: ", message));
}

absl::Status Journal::Note(absl::string_view text) {
  std::string line(text);
  absl::StrReplaceAll({{"\n", " "}, {"\r", " "}}, &line);
  return WriteLine(absl::StrCat("# ", line));
}

// --- Reading and cleaning up -------------------------------------------------------

absl::StatusOr<std::vector<PendingReservation>> PendingFromJournalText(absl::string_view text) {
  PendingSet set;
  absl::StatusOr<uint64_t> replayed = Replay(text, set);
  if (!replayed.ok()) return replayed.status();
  return set.Pending();
}

absl::StatusOr<std::vector<PendingReservation>> ReadPendingReservations(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<PendingReservation>> pending = PendingFromJournalText(*text);
  if (!pending.ok()) {
    // "PATH:LINE:COLUMN: what is wrong", as every file error of the CLI.
    return absl::InvalidArgumentError(absl::StrCat(path, ":", pending.status().message()));
  }
  return pending;
}

CleanupResult CleanUp(win32::Api& api, Journal& journal,
                      const std::vector<PendingReservation>& pending) {
  CleanupResult result;
  for (const PendingReservation& r : pending) {
    const std::string name = Describe(r.protocol, r.block);
    absl::StatusOr<uint64_t> id = journal.Begin(JournalOp::kDelete, r.protocol, r.block);
    if (!id.ok()) {
      // Not journaled, not deleted: deleting without a record could leave a
      // later cleanup believing the block is still ours.
      result.lines.push_back(absl::StrCat(name, ": not deleted: ", id.status().message()));
      result.failed.push_back(r);
      continue;
    }
    const win32::USHORT start = win32::HostToNetwork(r.block.start);
    const win32::ULONG rc = r.protocol == Protocol::kTcp
                                ? api.DeletePersistentTcpPortReservation(start, r.block.count)
                                : api.DeletePersistentUdpPortReservation(start, r.block.count);
    Outcome outcome;
    outcome.error = static_cast<Error>(rc);
    (void)journal.End(*id, outcome);
    if (outcome.error == Error::kNoError) {
      ++result.deleted;
      result.lines.push_back(absl::StrCat(name, ": deleted"));
    } else if (outcome.error == Error::kNotFound) {
      ++result.already_gone;
      result.lines.push_back(absl::StrCat(name, ": already gone (ERROR_NOT_FOUND)"));
    } else {
      result.failed.push_back(r);
      result.lines.push_back(absl::StrCat(name, ": not deleted: ", ErrorName(outcome.error)));
    }
  }
  return result;
}

}  // namespace portpool::conformance
