#include "portpool/traces/shrink.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <span>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace portpool::traces {
namespace {

std::vector<std::string> RuleIds(const Divergence& d) {
  std::vector<std::string> ids;
  for (const RuleCitation& c : d.rules) ids.push_back(c.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// The process and socket names a step's call uses (0: none).
void CallNames(const Step& step, uint32_t& process, uint32_t& socket) {
  process = socket = 0;
  std::visit(
      [&](const auto& c) {
        if constexpr (requires { c.process; }) process = c.process.value;
        if constexpr (requires { c.socket; }) socket = c.socket.value;
      },
      step.call);
}

// The trace with only the steps at `kept` (indices into trace.steps).
Trace Subtrace(const Trace& trace, const std::vector<size_t>& kept) {
  Trace sub;
  sub.provenance = trace.provenance;
  sub.comments = trace.comments;
  sub.trailing_comments = trace.trailing_comments;
  sub.steps.reserve(kept.size());
  for (size_t i : kept) sub.steps.push_back(trace.steps[i]);
  // Comments above the first step belong to the trace (see ValidateTrace).
  if (!sub.steps.empty()) {
    std::vector<std::string>& first = sub.steps.front().comments;
    sub.comments.insert(sub.comments.end(), first.begin(), first.end());
    first.clear();
  }
  return sub;
}

// Pairs of steps are tried only in traces at most this long (the pass costs
// n^2/2 replays).
constexpr size_t kMaxPairTrace = 40;

class Shrinker {
 public:
  Shrinker(const Trace& trace, const Divergence& target, const ShrinkOptions& options)
      : trace_(trace),
        target_step_(target.step),
        rules_(RuleIds(target)),
        same_step_(options.same_divergence),
        same_rules_(options.same_divergence),
        max_replays_(options.max_replays) {
    for (size_t i = 0; i < trace.steps.size(); ++i) {
      uint32_t process = 0, socket = 0;
      CallNames(trace.steps[i], process, socket);
      if (process != 0) process_users_[process].push_back(i);
      if (socket != 0) socket_users_[socket].push_back(i);
    }
  }

  // Whether the steps at `kept` still diverge as wanted. On success, drops
  // from `kept` the steps after the divergence (the replay never got there).
  // `base`, if given, has been fed kept[0, from) already.
  bool Test(std::vector<size_t>& kept, const Replayer* base = nullptr, size_t from = 0) {
    const size_t key = absl::HashOf(kept);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    if (out_of_budget()) return false;
    ++replays_;
    Replayer replayer = base != nullptr ? *base : Replayer(trace_);
    if (base == nullptr) from = 0;
    for (size_t k = from; k < kept.size() && replayer.Feed(kept[k]); ++k) {
    }
    const ReplayResult result = std::move(replayer).Finish();
    const bool wanted = result.divergence &&
                        (!same_step_ || result.divergence->step == target_step_) &&
                        (!same_rules_ || RuleIds(*result.divergence) == rules_);
    cache_[key] = wanted;
    if (wanted) {
      kept.erase(std::upper_bound(kept.begin(), kept.end(), result.divergence->step), kept.end());
    }
    return wanted;
  }

  // `kept` minus `removed` (both ascending), except that a removed step
  // binding a process or socket name that a remaining step uses stays:
  // removing a start-process step while keeping the process's calls could
  // only give bad input, never a smaller divergent trace.
  std::vector<size_t> Without(const std::vector<size_t>& kept,
                              const std::vector<size_t>& removed) const {
    auto is_in = [](const std::vector<size_t>& sorted, size_t i) {
      return std::binary_search(sorted.begin(), sorted.end(), i);
    };
    std::vector<size_t> candidate;
    candidate.reserve(kept.size());
    for (size_t i : kept) {
      if (!is_in(removed, i)) candidate.push_back(i);
    }
    // Removed binders, latest first: a socket step restored for a later
    // call may in turn need its process's start-process step.
    std::vector<size_t> restored;
    for (auto it = removed.rbegin(); it != removed.rend(); ++it) {
      const Step& step = trace_.steps[*it];
      const std::vector<size_t>* users = nullptr;
      if (step.outcome.process && std::holds_alternative<call::StartProcess>(step.call)) {
        users = Users(process_users_, step.outcome.process->value);
      } else if (step.outcome.socket && std::holds_alternative<call::OpenSocket>(step.call)) {
        users = Users(socket_users_, step.outcome.socket->value);
      }
      if (users == nullptr) continue;
      const bool used = std::any_of(users->begin(), users->end(), [&](size_t user) {
        return user > *it && (is_in(candidate, user) || is_in(restored, user));
      });
      if (used) restored.insert(std::upper_bound(restored.begin(), restored.end(), *it), *it);
    }
    if (restored.empty()) return candidate;
    std::vector<size_t> merged;
    merged.reserve(candidate.size() + restored.size());
    std::merge(candidate.begin(), candidate.end(), restored.begin(), restored.end(),
               std::back_inserter(merged));
    return merged;
  }

  // Tests `kept` minus `removed` (ascending; see Without); on success
  // replaces `kept`. `base`, if given, has been fed kept[0, from), none of
  // which is removed.
  bool TryRemove(std::vector<size_t>& kept, const std::vector<size_t>& removed,
                 const Replayer* base = nullptr, size_t from = 0) {
    std::vector<size_t> candidate = Without(kept, removed);
    if (candidate.size() == kept.size() || candidate.empty()) return false;
    if (!Test(candidate, base, from)) return false;
    kept = std::move(candidate);
    return true;
  }

  // ddmin: returns a 1-minimal subset of `kept` that passes Test.
  std::vector<size_t> Minimize(std::vector<size_t> kept) {
    size_t n = 2;
    while (kept.size() >= 2) {
      n = std::min(n, kept.size());
      std::vector<std::vector<size_t>> chunks;
      std::vector<size_t> begins;
      for (size_t c = 0; c < n; ++c) {
        const size_t begin = kept.size() * c / n, end = kept.size() * (c + 1) / n;
        begins.push_back(begin);
        const std::span<const size_t> chunk =
            std::span<const size_t>(kept).subspan(begin, end - begin);
        chunks.emplace_back(chunk.begin(), chunk.end());
      }
      bool reduced = false;
      // Removing a chunk first, the earliest first: steps long before the
      // divergence are the likeliest not to matter. Every candidate shares
      // the steps before its chunk with `kept`: one replay of them (`base`)
      // serves all, so a candidate costs only the steps from its chunk on,
      // and a failing one usually stops soon after.
      Replayer base(trace_);
      size_t fed = 0;
      for (size_t c = 0; c < n && !reduced; ++c) {
        while (fed < begins[c]) base.Feed(kept[fed++]);
        if (TryRemove(kept, chunks[c], &base, fed)) {
          n = std::max<size_t>(n - 1, 2);
          reduced = true;
        }
      }
      // Then keeping a single chunk (with its binders).
      for (size_t c = 0; c < n && !reduced && n > 2; ++c) {
        std::vector<size_t> rest;
        for (size_t other = 0; other < n; ++other) {
          if (other != c) rest.insert(rest.end(), chunks[other].begin(), chunks[other].end());
        }
        if (TryRemove(kept, rest)) {
          n = 2;
          reduced = true;
        }
      }
      if (reduced) continue;
      if (n >= kept.size()) break;
      n = std::min(n * 2, kept.size());
    }
    return kept;
  }

  // Removals ddmin cannot find, being 1-minimal only: a process with every
  // step that names it or its sockets, a socket with every step that names
  // it, and (for short traces) any two steps, e.g. a create and its delete.
  // Returns true if one succeeded (then `kept` is smaller).
  bool RemoveGroups(std::vector<size_t>& kept) {
    std::vector<std::vector<size_t>> groups;
    std::map<uint32_t, std::vector<size_t>> by_process, by_socket;
    std::map<uint32_t, uint32_t> socket_owner;
    for (size_t i : kept) {
      const Step& step = trace_.steps[i];
      uint32_t process = 0, socket = 0;
      CallNames(step, process, socket);
      if (step.outcome.process) process = step.outcome.process->value;
      if (step.outcome.socket) {
        socket = step.outcome.socket->value;
        socket_owner[socket] = process;
      }
      if (process != 0) by_process[process].push_back(i);
      if (socket != 0) by_socket[socket].push_back(i);
    }
    for (const auto& [socket, steps] : by_socket) groups.push_back(steps);
    for (auto [process, steps] : by_process) {
      for (const auto& [socket, owner] : socket_owner) {
        if (owner == process) {
          steps.insert(steps.end(), by_socket[socket].begin(), by_socket[socket].end());
        }
      }
      groups.push_back(std::move(steps));
    }
    if (kept.size() <= kMaxPairTrace) {
      for (size_t a = 0; a < kept.size(); ++a) {
        for (size_t b = a + 1; b < kept.size(); ++b) groups.push_back({kept[a], kept[b]});
      }
    }
    for (std::vector<size_t>& group : groups) {
      std::sort(group.begin(), group.end());
      if (TryRemove(kept, group)) return true;
    }
    return false;
  }

  // The shortest suffix of `kept` (with its binders) that still diverges,
  // trying the last 1, 2, 4, ... steps: a divergence that depends only on
  // recent steps is found in a logarithmic number of replays.
  void KeepSuffix(std::vector<size_t>& kept) {
    for (size_t keep = 1; keep < kept.size(); keep *= 2) {
      const std::span<const size_t> head = std::span<const size_t>(kept).first(kept.size() - keep);
      const std::vector<size_t> removed(head.begin(), head.end());
      if (TryRemove(kept, removed)) return;
    }
  }

  int replays() const { return replays_; }
  bool out_of_budget() const { return max_replays_ > 0 && replays_ >= max_replays_; }

 private:
  const Trace& trace_;
  size_t target_step_;
  std::vector<std::string> rules_;
  bool same_step_;
  bool same_rules_;
  int max_replays_;
  static const std::vector<size_t>* Users(
      const absl::flat_hash_map<uint32_t, std::vector<size_t>>& users, uint32_t name) {
    auto it = users.find(name);
    return it == users.end() ? nullptr : &it->second;
  }

  // Name number -> the steps whose calls name it, ascending.
  absl::flat_hash_map<uint32_t, std::vector<size_t>> process_users_;
  absl::flat_hash_map<uint32_t, std::vector<size_t>> socket_users_;
  // Candidates tried, by a hash of their steps, and whether they passed.
  absl::flat_hash_map<size_t, bool> cache_;
  int replays_ = 0;
};

}  // namespace

absl::StatusOr<ShrinkResult> Shrink(const Trace& trace, const ShrinkOptions& options) {
  const ReplayResult original = Replay(trace);
  if (original.error) {
    return absl::InvalidArgumentError(
        absl::StrCat("the trace does not replay: ",
                     original.error->line > 0 ? absl::StrCat("line ", original.error->line)
                                              : absl::StrCat("step ", original.error->step + 1),
                     ": ", original.error->message));
  }
  if (!original.divergence) {
    return absl::FailedPreconditionError(
        absl::StrCat("the trace conforms (", original.steps_checked, " steps): nothing to shrink"));
  }

  Shrinker shrinker(trace, *original.divergence, options);
  // Only the steps up to the divergence matter.
  std::vector<size_t> kept(original.divergence->step + 1);
  for (size_t i = 0; i < kept.size(); ++i) kept[i] = i;
  shrinker.KeepSuffix(kept);
  kept = shrinker.Minimize(std::move(kept));
  while (shrinker.RemoveGroups(kept)) kept = shrinker.Minimize(std::move(kept));

  ShrinkResult result;
  result.original_steps = trace.steps.size();
  result.trace = Subtrace(trace, kept);
  result.shrunk_steps = result.trace.steps.size();
  result.trace.provenance.push_back(
      absl::StrCat("shrunk from ", options.source_name.empty() ? "a trace" : options.source_name,
                   " (", result.original_steps, " steps)"));
  const ReplayResult shrunk = Replay(result.trace);
  // Minimize only keeps subsets that diverge; check anyway.
  if (!shrunk.divergence) {
    return absl::InternalError("the shrunk trace no longer diverges");
  }
  result.divergence = *shrunk.divergence;
  result.replays = shrinker.replays() + 2;
  result.minimal = !shrinker.out_of_budget();
  return result;
}

}  // namespace portpool::traces
