// The canonical form of a Machine's state, for the bounded-exhaustive
// explorer (conformance/explore.h): two states that differ only in the names
// of processes, sockets and tokens have the same form, and two states that
// some call could tell apart never do (docs/exhaustive.md says why).
//
//   CanonicalState form = Canonicalize(machine);
//   StateFingerprint fp = form.fingerprint();  // 128 bits, for a visited set
#ifndef PORTPOOL_CANONICAL_STATE_H_
#define PORTPOOL_CANONICAL_STATE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "portpool/machine.h"

namespace portpool {

// 128 bits of a canonical form. Two distinct forms share one with odds of
// about n^2 / 2^129 over n states (below 1e-26 for a billion states).
struct StateFingerprint {
  uint64_t high = 0;
  uint64_t low = 0;
  friend bool operator==(const StateFingerprint&, const StateFingerprint&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const StateFingerprint& f) {
    // Already well mixed: one word is enough for the table.
    return H::combine(std::move(h), f.low);
  }
};

struct CanonicalState {
  // The encoding: a sequence of words, one field each (see Canonicalize).
  std::vector<uint32_t> words;
  // Live process ids and open socket ids in canonical order: the renaming
  // that maps this machine onto the form (process i of the form is
  // processes[i]).
  std::vector<ProcessId> processes;
  std::vector<SocketId> sockets;

  StateFingerprint fingerprint() const;
  friend bool operator==(const CanonicalState& a, const CanonicalState& b) {
    return a.words == b.words;
  }
};

struct CanonicalOptions {
  // Treat a token no block holds as dead for good: an association made with
  // it keeps only its block, and equal dead associations of a socket are one
  // (in block order, after the live ones). Sound only for a caller whose
  // calls never see such a value again as a new reservation's token (the
  // explorer gives every new reservation a never-used value); the model
  // allows a reuse (a fresh token is any value no live reservation holds),
  // which would revive the association.
  bool dead_tokens_anonymous = false;
};

// The canonical form of `machine`'s state. Keeps everything a call can
// observe or that decides an answer: each pool's blocks (range, kind, family,
// owner and socket by canonical index, whether the token is known, store,
// environment origin), bindings, dynamic ranges; each live process's
// elevation and its sockets (protocol, family, bound port, associations with
// their blocks and candidates, maybe-unassociated, acquired starts); and the
// equality pattern of every token value the state holds. Drops what no call
// can observe: process, socket and token values, the seed, the id counters,
// the boot count.
CanonicalState Canonicalize(const Machine& machine, CanonicalOptions options = {});

}  // namespace portpool

#endif  // PORTPOOL_CANONICAL_STATE_H_
