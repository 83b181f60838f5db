// A fingerprint of the rule catalogue (rules.h), so that a report or a trace
// written by one build can be tied to the rules it was judged by: two builds
// with the same digest judge every call the same way, by the same rule IDs.
//
//   std::string digest = portpool::RuleCatalogueDigest();
//   // "fnv1a64:3f2a9c0d11b7e845"
//
// The digest covers each rule's ID, evidence, summary and sources, in
// catalogue order. It is FNV-1a (64 bits): an identifier, not a security
// measure. The same catalogue gives the same digest on every platform.
#ifndef PORTPOOL_RULE_DIGEST_H_
#define PORTPOOL_RULE_DIGEST_H_

#include <cstdint>
#include <span>
#include <string>

#include "portpool/rules.h"

namespace portpool {

// The FNV-1a hash of `rules` (see above).
uint64_t RuleCatalogueHash(std::span<const Rule> rules);

// "fnv1a64:HHHHHHHHHHHHHHHH" for `rules` (16 lower-case hex digits).
std::string RuleCatalogueDigest(std::span<const Rule> rules);
// The digest of RuleCatalogue().
std::string RuleCatalogueDigest();

}  // namespace portpool

#endif  // PORTPOOL_RULE_DIGEST_H_
