#include "base/ids.h"

#include <charconv>

#include "base/text.h"

namespace silian::sync {
namespace {

bool IsDigits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

Result<NodeId> ParseNodeId(std::string_view text) {
  if (text.empty() || text.size() > 64)
    return InvalidArgument("node id " + Quote(text) + " must have 1 to 64 characters");
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return InvalidArgument("node id " + Quote(text) + " may use only letters, digits, '.', '_' and '-'");
  }
  return NodeId{std::string(text)};
}

Result<DivisionCode> ParseDivisionCode(std::string_view text) {
  if (text.size() != 12 || !IsDigits(text))
    return InvalidArgument("division code " + Quote(text) + " must have 12 digits");
  return DivisionCode{std::string(text)};
}

Result<std::string> ParseScopePrefix(std::string_view text) {
  if (!IsDigits(text) || (text.size() != 0 && text.size() != 4 && text.size() != 6 && text.size() != 9 &&
                          text.size() != 12))
    return InvalidArgument("scope " + Quote(text) + " must be a division prefix of 4, 6, 9 or 12 digits");
  return std::string(text);
}

bool InScope(std::string_view division, std::string_view scope_prefix) {
  return division.substr(0, scope_prefix.size()) == scope_prefix;
}

bool OpInScope(std::string_view division, std::string_view scope_prefix) {
  return InScope(division, scope_prefix) || InScope(scope_prefix, division);
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kVillage: return "village";
    case Level::kTownship: return "township";
    case Level::kCounty: return "county";
    case Level::kCity: return "city";
  }
  return "unknown";
}

Result<Level> ParseLevel(std::string_view text) {
  if (text == "village") return Level::kVillage;
  if (text == "township") return Level::kTownship;
  if (text == "county") return Level::kCounty;
  if (text == "city") return Level::kCity;
  return InvalidArgument("level " + Quote(text) + " must be one of village, township, county, city");
}

int ScopeDigits(Level level) {
  switch (level) {
    case Level::kVillage: return 12;
    case Level::kTownship: return 9;
    case Level::kCounty: return 6;
    case Level::kCity: return 4;
  }
  return 12;
}

std::string ScopeOf(Level level, const DivisionCode& division) {
  return division.value.substr(0, static_cast<size_t>(ScopeDigits(level)));
}

std::string OpId::ToString() const { return origin + ":" + std::to_string(seq); }

Result<OpId> ParseOpId(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return InvalidArgument("op id " + Quote(text) + " must look like ORIGIN:SEQ");
  auto origin = ParseNodeId(text.substr(0, colon));
  if (!origin.ok()) return InvalidArgument("op id " + Quote(text) + ": " + origin.status().message());
  std::string_view digits = text.substr(colon + 1);
  uint64_t seq = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || seq == 0)
    return InvalidArgument("op id " + Quote(text) + " must end in a sequence number of 1 or more");
  return OpId{origin->value, seq};
}

}  // namespace silian::sync
