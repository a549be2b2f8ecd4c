#include "node/holder_scope.h"

#include <set>

#include "base/text.h"

namespace silian::node {
namespace {

constexpr uint64_t kMaxSeq = (uint64_t{1} << 63) - 1;
constexpr size_t kVillageDigits = 12;

// Rule 1: the holder's node id, scope and entries are well formed.
Status CheckShape(const pb::Frontier& holder, const std::string& claim) {
  if (!sync::ParseNodeId(holder.node_id()).ok())
    return InvalidArgument(claim + ": its node id " + Quote(holder.node_id()) +
                           " must be 1..64 characters of [A-Za-z0-9._-]");
  if (holder.scope().empty() || !sync::ParseScopePrefix(holder.scope()).ok())
    return InvalidArgument(claim + ": a holder's scope must be a division prefix of 4, 6, 9 or 12 digits");
  std::set<std::string> origins;
  for (int i = 0; i < holder.entries_size(); ++i) {
    const pb::FrontierEntry& e = holder.entries(i);
    const std::string where = claim + ": entries[" + std::to_string(i) + "]";
    if (!sync::ParseNodeId(e.origin()).ok()) return InvalidArgument(where + " origin " + Quote(e.origin()) + " is not a node id");
    if (e.seq() > kMaxSeq)
      return InvalidArgument(where + " (" + Quote(e.origin()) + ") seq " + std::to_string(e.seq()) +
                             " is beyond the largest seq " + std::to_string(kMaxSeq));
    if (!origins.insert(e.origin()).second)
      return InvalidArgument(where + " repeats origin " + Quote(e.origin()));
  }
  return Status::Ok();
}

// Rule 3: the widest scope a holder of its kind may have.
Status CheckKind(const pb::Frontier& holder, const HolderFacts& facts, const std::string& claim) {
  const std::string& scope = holder.scope();
  if (facts.known) {
    const std::string widest = sync::ScopeOf(facts.known->level, facts.known->division);
    if (!sync::InScope(scope, widest))
      return InvalidArgument(claim + ": the " + facts.known->source + " has it as a " +
                             sync::LevelName(facts.known->level) + " node of " + facts.known->division.value +
                             ", which may hold at most scope " + Quote(widest));
  }
  if (facts.vouched_scope) {
    if (!sync::InScope(scope, *facts.vouched_scope))
      return InvalidArgument(claim + ": it is wider than --holder-scope " + Quote(*facts.vouched_scope));
    return Status::Ok();
  }
  if (!facts.known && scope.size() != kVillageDigits)
    return InvalidArgument(claim + ", which this node does not know: an unknown holder is taken as a village "
                           "laptop and receives one village (12 digits); if it serves a wider area, vouch for it "
                           "with --holder-scope " + scope);
  return Status::Ok();
}

}  // namespace

Result<std::string> CheckHolderScope(const pb::Frontier& holder, const HolderFacts& facts, const std::string& file) {
  const std::string claim = "frontier file " + Quote(file) + " claims holder scope " + Quote(holder.scope()) +
                            " for node " + Quote(holder.node_id());
  SILIAN_RETURN_IF_ERROR(CheckShape(holder, claim));
  if (facts.vouched_scope) {
    if (facts.vouched_scope->empty() || !sync::ParseScopePrefix(*facts.vouched_scope).ok())
      return InvalidArgument("--holder-scope " + Quote(*facts.vouched_scope) +
                             " must be a division prefix of 4, 6, 9 or 12 digits");
    if (!sync::InScope(*facts.vouched_scope, facts.exporter_scope))
      return InvalidArgument("--holder-scope " + Quote(*facts.vouched_scope) + " is not within this node's scope " +
                             Quote(facts.exporter_scope));
  }
  if (!sync::InScope(holder.scope(), facts.exporter_scope))
    return InvalidArgument(claim + ": it is not within this node's scope " + Quote(facts.exporter_scope) +
                           "; a frontier file can only narrow an export (for a holder of a wider area, run "
                           "`bundle export FILE` without --for)");
  SILIAN_RETURN_IF_ERROR(CheckKind(holder, facts, claim));
  return holder.scope();
}

}  // namespace silian::node
