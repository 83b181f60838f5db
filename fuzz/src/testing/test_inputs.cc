#include "testing/test_inputs.h"

#include "absl/strings/str_cat.h"
#include "portpool/random.h"

namespace portpool::fuzz::testing {

std::vector<uint8_t> RandomBytes(uint64_t seed, size_t size) {
  SplitMix64 rng(seed);
  std::vector<uint8_t> bytes(size);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.Next());
  return bytes;
}

std::string ReplayFailure(const traces::ReplayResult& result) {
  if (result.conforms) return "";
  if (result.error) return result.error->message;
  if (result.divergence) {
    return absl::StrCat(result.divergence->call, " -> ", result.divergence->recorded, "; allowed ",
                        result.divergence->allowed);
  }
  return "the replay did not conform, with neither an error nor a divergence";
}

}  // namespace portpool::fuzz::testing
