// Identifiers: node ids, division codes, levels, op ids and case ids, each a distinct type.
// All parsing functions are pure and thread-safe; messages name the offending value.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace silian::sync {

// A node's id: 1..64 characters of [A-Za-z0-9._-]. Chosen at init, never reused.
struct NodeId {
  std::string value;
  auto operator<=>(const NodeId&) const = default;
};
Result<NodeId> ParseNodeId(std::string_view text);

// A 12-digit statistical division code (province 2, prefecture 2, county 2, township 3, village 3).
struct DivisionCode {
  std::string value;
  auto operator<=>(const DivisionCode&) const = default;
};
Result<DivisionCode> ParseDivisionCode(std::string_view text);
// A scope: a prefix of a division code of 4, 6, 9 or 12 digits ("" is everything).
Result<std::string> ParseScopePrefix(std::string_view text);
bool InScope(std::string_view division, std::string_view scope_prefix);
// Whether a replica holding `scope_prefix` holds an op of `division`: a case op (12 digits) when it is in
// the scope; a reference op (its area, 4 to 12 digits) also when its area contains the scope, so the
// city's catalogue reaches every village and a county overlay reaches the county's nodes.
bool OpInScope(std::string_view division, std::string_view scope_prefix);

enum class Level { kVillage, kTownship, kCounty, kCity };
const char* LevelName(Level level);  // "village", "township", "county", "city"
Result<Level> ParseLevel(std::string_view text);
// Digits of the division code that a node of this level has jurisdiction over: 12, 9, 6, 4.
int ScopeDigits(Level level);
// The jurisdiction prefix of a node of `level` whose own code is `division`.
std::string ScopeOf(Level level, const DivisionCode& division);

// The id of an op: (origin, seq). Text form "origin:seq".
struct OpId {
  std::string origin;
  uint64_t seq = 0;
  auto operator<=>(const OpId&) const = default;
  std::string ToString() const;
};
Result<OpId> ParseOpId(std::string_view text);

// A case's id is the text form of the op id of the op that created it.
struct CaseId {
  std::string value;
  auto operator<=>(const CaseId&) const = default;
};
inline CaseId CaseIdOf(const OpId& creation) { return CaseId{creation.ToString()}; }

}  // namespace silian::sync
