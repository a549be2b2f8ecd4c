#include "support/seeds.h"

#include <cstdlib>

#include <catch2/catch.hpp>

namespace silian::test {

std::optional<uint64_t> SeedFromEnv() {
  const char* text = std::getenv("SILIAN_SEED");
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (end == nullptr || *end != '\0') FAIL("SILIAN_SEED=\"" << text << "\" is not a decimal number");
  return static_cast<uint64_t>(v);
}

std::vector<uint64_t> Seeds(uint64_t first, size_t count) {
  if (auto env = SeedFromEnv()) return {*env};
  std::vector<uint64_t> out;
  for (size_t i = 0; i < count; ++i) out.push_back(first + i);
  return out;
}

std::string SeedNote(uint64_t seed) {
  return "seed " + std::to_string(seed) + " (replay with SILIAN_SEED=" + std::to_string(seed) + ")";
}

}  // namespace silian::test
