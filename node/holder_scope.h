// What `bundle export --for FRONTIER` may give the holder of a frontier file. A frontier file is written by
// the other side, so everything it claims is input to judge, not a fact: its scope decides which cases'
// names, ID numbers and phones go onto the stick. The rule (docs/protocol.md, "Frontier file"):
//
//   1. the holder's node id is a valid node id; its scope is a valid, non-empty division prefix (4, 6, 9 or
//      12 digits); its entries name valid origins once each, with seq at most 2^63-1;
//   2. the holder's scope lies within the exporter's own scope (a frontier file can only narrow an export;
//      a wider holder takes a plain `bundle export` of everything in the exporter's scope);
//   3. the holder's scope is no wider than a holder of its kind may have:
//        - a holder the exporter knows (today its peer registry; later the replicated node registry): the
//          jurisdiction of its registered level and division;
//        - otherwise what the clerk vouches for with --holder-scope, when given;
//        - otherwise the holder is taken as a village laptop: one village, 12 digits.
//
// Pure: no I/O. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "silian.pb.h"
#include "base/ids.h"
#include "base/status.h"

namespace silian::node {

// A holder the exporter can vouch for, and where that knowledge comes from ("peer registry").
struct KnownHolder {
  sync::Level level = sync::Level::kVillage;
  sync::DivisionCode division;
  std::string source;
};

struct HolderFacts {
  std::string exporter_scope;                 // the exporting replica's own scope
  std::optional<KnownHolder> known;           // what a registry says of the holder's node id, if anything
  std::optional<std::string> vouched_scope;   // --holder-scope, as typed by the clerk
};

// The scope to export for `holder` (its claimed scope, checked), or kInvalidArgument naming the file
// (`file`), the rule and the value, e.g.
//   frontier file "v.frontier" claims holder scope "" for node "village-b": a holder's scope must be a
//   division prefix of 4, 6, 9 or 12 digits
//   frontier file "v.frontier" claims holder scope "152222104" for node "village-b", which this node does
//   not know: an unknown holder is taken as a village laptop and receives one village (12 digits); if it
//   serves a wider area, vouch for it with --holder-scope 152222104
Result<std::string> CheckHolderScope(const pb::Frontier& holder, const HolderFacts& facts, const std::string& file);

}  // namespace silian::node
