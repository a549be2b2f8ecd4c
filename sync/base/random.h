// Seeded random sources that give the same numbers on every build: splitmix64 (one mixing step, also used
// to seed) and xoshiro256** (the generator the simulator and the benchmark workloads draw from). <random>
// distributions are not used for seeded work: their output differs between standard libraries.
// Pure arithmetic; not thread-safe (one generator per thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace silian {

// Advances `state` by the golden-ratio increment and returns the mixed value (Steele, Lea, Flood).
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman and Vigna), its four words seeded from `seed` through SplitMix64.
class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    uint64_t x = seed;
    for (auto& word : s_) word = SplitMix64(x);
  }
  // 64 uniformly random bits.
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// A uniformly chosen element of `v`, drawn with `rng.Below(n)` (uniform in [0, n)). REQUIRES: !v.empty().
template <typename Rng, typename T>
const T& PickFrom(Rng& rng, const std::vector<T>& v) {
  return v[static_cast<size_t>(rng.Below(v.size()))];
}

// Fisher-Yates shuffle of `v` with `rng.Below(n)`.
template <typename Rng, typename T>
void ShuffleWith(Rng& rng, std::vector<T>& v) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<size_t>(rng.Below(i))]);
}

}  // namespace silian
