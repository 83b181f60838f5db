// Turns fuzzer bytes into model calls, one at a time, against the live state
// of the machine the calls run on.
//
// Like the property tests' steps, the bytes do not name ids: they pick "a
// live process", "one of its sockets", "a token seen so far", "a block next
// to a live one", and the decoder resolves the pick in the current state.
// So a mutation of a few bytes keeps the rest of the sequence meaningful,
// and short inputs reach deep states. Ports come from a small window (1..40,
// 65500..65535, around 65281 and 49152) or are aimed at live blocks and bound
// ports, so that overlaps, adjacency and exhaustion happen; the dynamic range
// is sometimes made small; every call kind appears, reboots, process ends
// and environment changes included, and now and then a call from an ended
// process, a closed or
// foreign socket, a bogus token, a null token pointer or a short buffer.
//
// The decoding is a pure function of the bytes and of the machine states it
// is shown, so the same bytes run on the same seeded simulator always give
// the same calls: that is what makes a fuzzer's finding replayable.
#ifndef PORTPOOL_FUZZ_CALL_DECODER_H_
#define PORTPOOL_FUZZ_CALL_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "portpool/call.h"
#include "portpool/ids.h"
#include "portpool/machine.h"
#include "portpool/outcome.h"

class FuzzedDataProvider;  // <fuzzer/FuzzedDataProvider.h>, clang's

namespace portpool::fuzz {

// The most calls one input decodes to: enough for deep states, few enough
// that one input runs in well under a millisecond.
inline constexpr size_t kMaxCalls = 200;

class CallDecoder {
 public:
  // Reads from `bytes`, which must outlive the decoder.
  explicit CallDecoder(FuzzedDataProvider& bytes) : bytes_(bytes) {}

  // Whether the bytes are used up (or kMaxCalls calls were decoded).
  bool done() const;
  // The next call in `machine`'s current state, in its ids.
  Call Next(const Machine& machine);
  // Learns what `call` answered: the tokens, processes and sockets it
  // returned are what later picks choose from.
  void Observe(const Call& call, const absl::StatusOr<Outcome>& outcome);

 private:
  ProcessId PickProcess(const Machine& machine, bool* ended);
  SocketId PickSocket(const Machine& machine, ProcessId process);
  PortRange PickBlock(const Machine& machine, Protocol protocol);
  uint16_t PickPort(const Machine& machine, Protocol protocol, const SocketState* socket);
  uint16_t PickCount();
  Token PickToken(const Machine& machine, ProcessId process, Protocol protocol);
  call::EnvironmentBlock PickEnvironmentChange(const Machine& machine);

  FuzzedDataProvider& bytes_;
  size_t calls_ = 0;
  std::vector<Token> tokens_seen_;
  std::vector<ProcessId> processes_ever_;
  std::vector<SocketId> sockets_ever_;
};

}  // namespace portpool::fuzz

#endif  // PORTPOOL_FUZZ_CALL_DECODER_H_
