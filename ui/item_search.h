// Finding an item of the catalogue the way a village agent asks for it: by its code, by words of its name,
// by the pinyin initials of its name ("zjd"), by full pinyin ("zhaiji"), or by a keyword of its department
// or materials. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "silian.pb.h"
#include "ui/pinyin.h"

namespace silian::ui {

struct SearchableItem {
  pb::Item item;
  PinyinText name_pinyin;  // Pinyin::Of(item.name())
};

struct ItemHit {
  const SearchableItem* entry = nullptr;
  int score = 0;
  std::string matched_by;  // "code", "name", "initials", "pinyin" or "keyword"
};

// The items of `items` a new case may be registered under (not withdrawn) that match `query`, best first
// (code, then name, initials, pinyin, keyword; ties by name), at most `limit`. An empty query matches
// every such item, by name. ASCII letters match case-insensitively; spaces in a pinyin query are ignored.
std::vector<ItemHit> SearchItems(const std::vector<SearchableItem>& items, std::string_view query, size_t limit);

}  // namespace silian::ui
