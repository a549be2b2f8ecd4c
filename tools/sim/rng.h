// The simulator's only source of randomness: xoshiro256** (base/random.h) with its own bounded
// integers. <random> distributions are not used anywhere in the simulator: their output differs between
// standard libraries, and a seed must replay the same run on any build.
// Not thread-safe (the simulator is single-threaded).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/random.h"

namespace silian::sim {

class Rng {
 public:
  explicit Rng(uint64_t seed) : core_(seed) {}

  // 64 uniformly random bits.
  uint64_t Next() { return core_.Next(); }

  // Uniform in [0, n), unbiased (rejection of the short last range). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    for (;;) {
      uint64_t r = Next();
      if (r >= threshold) return r % n;
    }
  }
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // True with probability per_million / 1,000,000.
  bool PerMillion(uint64_t per_million) { return Below(1000000) < per_million; }
  // True with probability percent / 100.
  bool Percent(uint64_t percent) { return Below(100) < percent; }

  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return PickFrom(*this, v);
  }
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    ShuffleWith(*this, v);
  }

 private:
  Xoshiro256 core_;
};

}  // namespace silian::sim
