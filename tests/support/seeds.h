// Seeds and the random source of the random tests.
//
// Every random test draws from Rng (splitmix64), never from <random> distributions, whose output differs
// between standard libraries: a seed printed by one build replays on any other. A random test runs a range
// of seeds, or only the one in the environment variable SILIAN_SEED, and names the seed in an INFO (see
// SeedNote) so that a failure prints how to replay it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/random.h"

namespace silian::test {

// The seed given in SILIAN_SEED, if any: random tests then run that seed only. FAILs the test when the
// variable is set but is not a decimal number.
std::optional<uint64_t> SeedFromEnv();

// `count` seeds starting at `first`, or only the one in SILIAN_SEED.
std::vector<uint64_t> Seeds(uint64_t first, size_t count);

// "seed N (replay with SILIAN_SEED=N)", for the INFO of a random test.
std::string SeedNote(uint64_t seed);

// splitmix64: small, fast, identical everywhere. Not thread-safe. Its stream is pinned by
// tests/domain/projection_golden_test.cc (a change regenerates different cases there).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {}
  uint64_t Next() { return SplitMix64(state_); }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  uint64_t Between(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }
  // True with probability percent/100.
  bool Percent(uint64_t percent) { return Below(100) < percent; }
  // REQUIRES: !v.empty().
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return PickFrom(*this, v);
  }
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    ShuffleWith(*this, v);
  }

 private:
  uint64_t state_;
};

}  // namespace silian::test
