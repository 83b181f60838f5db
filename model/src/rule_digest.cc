#include "portpool/rule_digest.h"

#include "absl/strings/str_format.h"

namespace portpool {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

void Mix(uint64_t& hash, absl::string_view text) {
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnvPrime;
  }
  // A separator no field holds, so that ("ab", "c") and ("a", "bc") differ.
  hash ^= 0x1fU;
  hash *= kFnvPrime;
}

}  // namespace

uint64_t RuleCatalogueHash(std::span<const Rule> rules) {
  uint64_t hash = kFnvOffset;
  for (const Rule& rule : rules) {
    Mix(hash, rule.id);
    Mix(hash, EvidenceName(rule.evidence));
    Mix(hash, rule.summary);
    Mix(hash, rule.source);
  }
  return hash;
}

std::string RuleCatalogueDigest(std::span<const Rule> rules) {
  return absl::StrFormat("fnv1a64:%016x", RuleCatalogueHash(rules));
}

std::string RuleCatalogueDigest() { return RuleCatalogueDigest(RuleCatalogue()); }

}  // namespace portpool
