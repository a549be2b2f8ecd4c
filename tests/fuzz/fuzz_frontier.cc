// libFuzzer target: a frontier file (sync/ledger/bundle.h DecodeFrontierFile) and what `bundle export --for`
// decides from it (node/holder_scope.h), as a township laptop with and without a registry entry.
#include <cstddef>
#include <cstdint>
#include <string>

#include "quiet_protobuf.h"

#include "ledger/bundle.h"
#include "node/holder_scope.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto frontier = silian::sync::DecodeFrontierFile(bytes, "fuzz.frontier");
  if (!frontier.ok()) return 0;
  silian::node::HolderFacts facts;
  facts.exporter_scope = "152222104";
  (void)silian::node::CheckHolderScope(*frontier, facts, "fuzz.frontier");
  facts.vouched_scope = frontier->scope();
  (void)silian::node::CheckHolderScope(*frontier, facts, "fuzz.frontier");
  facts.vouched_scope.reset();
  facts.known = silian::node::KnownHolder{silian::sync::Level::kVillage,
                                          silian::sync::DivisionCode{"152222104201"}, "peer registry"};
  auto scope = silian::node::CheckHolderScope(*frontier, facts, "fuzz.frontier");
  // The invariant the check exists for: what it lets through lies within the exporter's scope and the
  // holder's registered village.
  if (scope.ok() && scope->rfind("152222104201", 0) != 0) __builtin_trap();
  return 0;
}
