#include "portpool/conformance/trace_ports.h"

#include <algorithm>
#include <variant>

#include "absl/strings/str_cat.h"

namespace portpool::conformance {

namespace {

// Calls fn(port, step) for every specific port argument of `trace` (Create,
// Lookup and Delete starts, acquire starts, bind ports), skipping port 0
// (the system chooses) and raw ports (what Windows reads from a caller's
// mistake, which must not be "corrected"). Stops when fn returns false.
template <typename Trace, typename Fn>
void ForEachSpecificPort(Trace& trace, Fn fn) {
  for (auto& step : trace.steps) {
    bool go_on = true;
    const auto visit = [&](auto& port) {
      if (port != 0 && !step.raw_port) go_on = fn(port, step);
    };
    std::visit(
        [&](auto& c) {
          using C = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<C, call::CreatePersistent> ||
                        std::is_same_v<C, call::LookupPersistent> ||
                        std::is_same_v<C, call::DeletePersistent>) {
            visit(c.block.start);
          } else if constexpr (std::is_same_v<C, call::Acquire>) {
            visit(c.request.start);
          } else if constexpr (std::is_same_v<C, call::Bind>) {
            visit(c.port);
          }
        },
        step.call);
    if (!go_on) return;
  }
}

}  // namespace

std::optional<PortRange> SpecificPortSpan(const traces::Trace& trace) {
  uint32_t low = kMaxPort + 1, high = 0;
  ForEachSpecificPort(trace, [&](const uint16_t& port, const traces::Step&) {
    low = std::min<uint32_t>(low, port);
    high = std::max<uint32_t>(high, port);
    return true;
  });
  if (high == 0) return std::nullopt;
  return PortRange{static_cast<uint16_t>(low), static_cast<uint16_t>(high - low + 1)};
}

absl::StatusOr<traces::Trace> RelocatePorts(const traces::Trace& trace, PortRange from,
                                            uint16_t to_start, MoveAnswers answers) {
  traces::Trace moved = trace;
  absl::Status status;
  const auto move = [&](uint16_t& port, const traces::Step& step) {
    if (!from.contains(port)) return true;
    const uint32_t to = uint32_t{to_start} + (port - from.start);
    if (to > kMaxPort) {
      status = absl::InvalidArgumentError(
          absl::StrCat("line ", step.line, ": port ", port, " would move to ", to, ", past 65535"));
      return false;
    }
    port = static_cast<uint16_t>(to);
    return true;
  };
  ForEachSpecificPort(moved, move);
  if (answers == MoveAnswers::kYes) {
    for (traces::Step& step : moved.steps) {
      if (!status.ok()) break;
      if (step.outcome.block && step.outcome.block->count > 0)
        move(step.outcome.block->start, step);
      if (step.outcome.port && *step.outcome.port != 0) move(*step.outcome.port, step);
    }
  }
  if (!status.ok()) return status;
  return moved;
}

}  // namespace portpool::conformance
