// seed_corpus: writes the seed corpora of the byte-decoding fuzz targets
// (fuzz/corpus/{calls,win32,checker}/); scripts/fuzz_seeds.sh runs it.
//
//   seed_corpus TARGET OUTDIR [MAX_FILES]
//
// Random inputs (a fixed SplitMix64 stream, so the corpus is reproducible)
// are decoded as the target decodes them, and an input is kept only when it
// reaches something no kept input reached: a rule of the catalogue for
// `calls`, a (function, answer) pair or surface rule for `win32`, a (rule,
// verdict) pair for `checker`. So a small corpus starts the fuzzer with
// every rule the decoding can reach.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "portpool/fuzz/checker_session.h"
#include "portpool/fuzz/simulated_calls.h"
#include "portpool/fuzz/win32_session.h"
#include "portpool/random.h"

namespace portpool::fuzz {
namespace {

std::set<std::string> Reached(const std::string& target, const std::vector<uint8_t>& bytes) {
  std::set<std::string> reached;
  if (target == "calls") {
    SimulatedCalls run(bytes.data(), bytes.size());
    while (auto call = run.Next()) {
      RuleId rule;
      auto outcome = run.mutable_machine().Run(*call, &rule);
      if (outcome.ok()) reached.insert(std::string(rule));
      run.Record(*call, outcome);
    }
  } else if (target == "win32") {
    Win32Session session(bytes.data(), bytes.size());
    while (auto call = session.Next()) {
      const Win32Answer answer = session.Run(*call);
      reached.insert(call->model_call ? absl::StrCat(static_cast<int>(call->function), " ",
                                                     ErrorName(answer.outcome.error),
                                                     call->raw_port ? " raw" : "")
                                      : call->surface_rule);
    }
  } else {
    CheckerSession session(bytes.data(), bytes.size());
    while (auto result = session.Next()) {
      if (!result->checked.ok()) continue;
      reached.insert(
          absl::StrCat(result->checked->verdict.rule, " ", result->checked->verdict.conforms));
    }
  }
  return reached;
}

int Main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: seed_corpus calls|win32|checker OUTDIR [MAX_FILES]\n";
    return 2;
  }
  const std::string target = argv[1];
  const std::string dir = argv[2];
  const int max_files = argc == 4 ? std::stoi(argv[3]) : 60;
  if (target != "calls" && target != "win32" && target != "checker") {
    std::cerr << "seed_corpus: unknown target '" << target << "'\n";
    return 2;
  }
  SplitMix64 rng(0x5eed);
  std::set<std::string> covered;
  int kept = 0;
  for (int attempt = 0; attempt < 20000 && kept < max_files; ++attempt) {
    std::vector<uint8_t> bytes(32 + rng.Below(480));
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.Next());
    bool adds = false;
    for (const std::string& r : Reached(target, bytes)) adds |= covered.insert(r).second;
    if (!adds) continue;
    const std::string path = absl::StrFormat("%s/seed-%03d", dir, kept++);
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::cerr << "seed_corpus: cannot write " << path << "\n";
      return 2;
    }
  }
  std::cout << target << ": " << kept << " seeds, " << covered.size() << " behaviours\n";
  return 0;
}

}  // namespace
}  // namespace portpool::fuzz

int main(int argc, char** argv) { return portpool::fuzz::Main(argc, argv); }
