// libFuzzer target: the catalogue file parser (domain/catalog.h ParseCatalogJson). What it accepts must
// pass ValidateItem, the check every op of the network gets, and survive a round trip through the file
// format (CatalogToJson).
#include <cstddef>
#include <cstdint>
#include <string>

#include "domain/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto items = silian::sync::ParseCatalogJson(text, "fuzz.json");
  if (!items.ok()) return 0;
  for (const silian::pb::Item& item : *items) {
    if (!silian::sync::ValidateItem(item).ok()) __builtin_trap();
  }
  const std::string again = silian::sync::CatalogToJson(*items).dump();
  if (!silian::sync::ParseCatalogJson(again, "again.json").ok()) __builtin_trap();
  return 0;
}
