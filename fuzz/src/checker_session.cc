#include "portpool/fuzz/checker_session.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "portpool/conformance/steps.h"

namespace portpool::fuzz {
namespace {

constexpr std::array<Error, 17> kErrors = {
    Error::kNoError,          Error::kAccessDenied,     Error::kInvalidHandle,
    Error::kSharingViolation, Error::kInvalidParameter, Error::kNoAccess,
    Error::kNotFound,         Error::kWsaEacces,        Error::kWsaEfault,
    Error::kWsaEinval,        Error::kWsaEnotsock,      Error::kWsaEprotonosupport,
    Error::kWsaEopnotsupp,    Error::kWsaEafnosupport,  Error::kWsaEaddrinuse,
    Error::kWsaEaddrnotavail, Error::kWsaEnobufs,
};

}  // namespace

std::string FuzzedBackend::Describe() const { return "fuzzed answers over the simulator"; }

absl::StatusOr<Outcome> FuzzedBackend::Run(const Call& call) {
  absl::StatusOr<Outcome> outcome = machine_.Run(call);
  if (!outcome.ok()) return outcome;
  if (outcome->process) last_id_ = std::max(last_id_, outcome->process->value);
  if (outcome->socket) last_id_ = std::max(last_id_, outcome->socket->value);
  if (outcome->token && tokens_.size() < 64) tokens_.push_back(*outcome->token);
  if (bytes_.ConsumeIntegral<uint8_t>() < 216) return outcome;
  ++replaced_;
  return Replace(*outcome);
}

Outcome FuzzedBackend::Replace(const Outcome& real) {
  Outcome o = real;
  const uint8_t what = bytes_.ConsumeIntegral<uint8_t>();
  auto some_token = [&]() -> Token {
    const uint8_t pick = bytes_.ConsumeIntegral<uint8_t>();
    if (pick < 32) return kInvalidToken;
    if (pick < 128 && !tokens_.empty()) return tokens_[pick % tokens_.size()];
    return bytes_.ConsumeIntegral<uint64_t>();
  };
  auto some_port = [&]() -> uint16_t {
    const uint8_t pick = bytes_.ConsumeIntegral<uint8_t>();
    if (pick < 64 && real.port) return static_cast<uint16_t>(*real.port + (pick % 2 ? 1 : -1));
    return bytes_.ConsumeIntegral<uint16_t>();
  };
  switch (what % 8) {
    case 0:  // another error code
      o.error = kErrors[bytes_.ConsumeIntegral<uint8_t>() % kErrors.size()];
      break;
    case 1:  // an error code without a name
      o.error = static_cast<Error>(bytes_.ConsumeIntegral<uint32_t>());
      break;
    case 2:  // another token, or none, or one where there is none
      if (bytes_.ConsumeBool()) {
        o.token.reset();
      } else {
        o.token = some_token();
      }
      break;
    case 3:
      if (bytes_.ConsumeBool()) {
        o.port.reset();
      } else {
        o.port = some_port();
      }
      break;
    case 4: {
      const PortRange b = real.block.value_or(PortRange{});
      const uint8_t pick = bytes_.ConsumeIntegral<uint8_t>();
      if (pick < 32) {
        o.block.reset();
      } else if (pick < 128) {
        o.block = PortRange{static_cast<uint16_t>(b.start + (pick % 2 ? 1 : -1)), b.count};
      } else if (pick < 192) {
        o.block = PortRange{b.start, static_cast<uint16_t>(b.count + (pick % 2 ? 1 : -1))};
      } else {
        o.block = PortRange{bytes_.ConsumeIntegral<uint16_t>(), bytes_.ConsumeIntegral<uint16_t>()};
      }
      break;
    }
    case 5: {  // an id reused, or one where none belongs
      const uint32_t id = bytes_.ConsumeIntegralInRange<uint32_t>(0, last_id_ + 1);
      if (bytes_.ConsumeBool()) {
        o.process = ProcessId{id};
      } else {
        o.socket = SocketId{id};
      }
      break;
    }
    case 6:  // success where the call failed, with what success carries
      o.error = Error::kNoError;
      if (bytes_.ConsumeBool()) o.token = some_token();
      if (bytes_.ConsumeBool()) o.port = some_port();
      break;
    default: {  // anything at all
      o = Outcome{};
      o.error = kErrors[bytes_.ConsumeIntegral<uint8_t>() % kErrors.size()];
      const uint8_t fields = bytes_.ConsumeIntegral<uint8_t>();
      if (fields & 1) o.token = some_token();
      if (fields & 2) o.port = some_port();
      if (fields & 4) {
        o.block = PortRange{bytes_.ConsumeIntegral<uint16_t>(), bytes_.ConsumeIntegral<uint16_t>()};
      }
      if (fields & 8)
        o.process = ProcessId{bytes_.ConsumeIntegralInRange<uint32_t>(0, last_id_ + 2)};
      if (fields & 16)
        o.socket = SocketId{bytes_.ConsumeIntegralInRange<uint32_t>(0, last_id_ + 2)};
      break;
    }
  }
  return o;
}

CheckerSession::CheckerSession(const uint8_t* data, size_t size)
    : bytes_(std::make_unique<FuzzedDataProvider>(size == 0 ? data : data + 1,
                                                  size == 0 ? 0 : size - 1)),
      seed_(size == 0 ? 0 : data[0]),
      backend_(std::make_unique<FuzzedBackend>(*bytes_, seed_)),
      checker_(std::make_unique<conformance::Checker>(*backend_)),
      decoder_(*bytes_) {}

CheckerSession::~CheckerSession() = default;

std::optional<CheckerSession::Result> CheckerSession::Next() {
  if (stopped_ || decoder_.done()) return std::nullopt;
  Result result{decoder_.Next(backend_->machine()), absl::UnknownError("not run")};
  result.checked = checker_->Step(result.call);
  // A status is a harness error (an answer that reuses an id, a call the
  // model cannot judge): as in a campaign (conformance::RunSteps), the run
  // ends there, since the backend may have done what the checker refused.
  if (!result.checked.ok()) stopped_ = true;
  if (result.checked.ok()) {
    decoder_.Observe(result.call, result.checked->outcome);
    // After a divergence the model no longer follows the backend.
    if (!result.checked->verdict.conforms) stopped_ = true;
  }
  return result;
}

std::string CheckerSession::TraceText() const {
  return conformance::HistoryAsTrace(*checker_,
                                     absl::StrCat("fuzz target=checker simulator seed=", seed_));
}

std::string CheckerSessionTrace(const uint8_t* data, size_t size) {
  CheckerSession session(data, size);
  while (session.Next()) {
  }
  return session.TraceText();
}

}  // namespace portpool::fuzz
