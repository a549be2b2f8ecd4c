#include "ui/item_search.h"

#include <algorithm>

#include "domain/validation.h"

namespace silian::ui {
namespace {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string WithoutSpaces(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ') out += c;
  return out;
}

bool Contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }
bool StartsWith(std::string_view hay, std::string_view needle) { return hay.substr(0, needle.size()) == needle; }

// The score of `e` for the lower-cased query `q` (`compact`: without spaces); 0 when it does not match.
ItemHit Score(const SearchableItem& e, const std::string& q, const std::string& compact) {
  ItemHit hit{&e, 0, ""};
  auto take = [&](int score, const char* by) {
    if (score > hit.score) {
      hit.score = score;
      hit.matched_by = by;
    }
  };
  const std::string code = AsciiLower(e.item.code());
  if (code == q) take(100, "code");
  else if (StartsWith(code, q) && q.size() >= 4) take(90, "code");
  const std::string name = AsciiLower(e.item.name());
  if (StartsWith(name, q)) take(85, "name");
  else if (Contains(name, q)) take(80, "name");
  if (!compact.empty()) {
    if (StartsWith(e.name_pinyin.initials, compact)) take(70, "initials");
    else if (Contains(e.name_pinyin.initials, compact) && compact.size() >= 2) take(60, "initials");
    if (compact.size() >= 2) {
      if (StartsWith(e.name_pinyin.joined, compact)) take(55, "pinyin");
      else if (Contains(e.name_pinyin.joined, compact) && compact.size() >= 3) take(50, "pinyin");
    }
  }
  if (hit.score == 0) {
    bool keyword = Contains(AsciiLower(e.item.lead_department()), q);
    for (const auto& d : e.item.departments()) keyword = keyword || Contains(AsciiLower(d), q);
    for (const auto& m : e.item.materials()) keyword = keyword || Contains(AsciiLower(m.name()), q);
    if (keyword) take(30, "keyword");
  }
  return hit;
}

}  // namespace

std::vector<ItemHit> SearchItems(const std::vector<SearchableItem>& items, std::string_view query, size_t limit) {
  const std::string q = AsciiLower(sync::TrimText(query));
  const std::string compact = WithoutSpaces(q);
  std::vector<ItemHit> hits;
  for (const auto& e : items) {
    if (e.item.withdrawn()) continue;
    if (q.empty()) {
      hits.push_back({&e, 1, "all"});
      continue;
    }
    ItemHit hit = Score(e, q, compact);
    if (hit.score > 0) hits.push_back(std::move(hit));
  }
  std::stable_sort(hits.begin(), hits.end(), [](const ItemHit& a, const ItemHit& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.entry->item.name() < b.entry->item.name();
  });
  if (hits.size() > limit) hits.resize(limit);
  return hits;
}

}  // namespace silian::ui
