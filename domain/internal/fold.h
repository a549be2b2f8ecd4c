// What every reducer of the case projection reads and writes besides its own state: the case's ops in
// stamp order with their merge graph (CaseOps), the history entry of the op being folded (History), and
// the refusals (Refusals). Internal to domain/ (projection.cc and the reducers in domain/internal/).
//
// Op indexes. Reducers name ops by their index in CaseOps: stamp order, (hlc, origin, seq) ascending, the
// node numbering of merge::Graph. The fold visits them in Graph::FoldOrder().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "base/hlc.h"
#include "base/ids.h"
#include "domain/merge.h"
#include "domain/projection.h"

namespace silian::sync::fold {

class CaseOps {
 public:
  // Sorts `ops` into stamp order and builds their graph. REQUIRES: no two ops with one op id (ProjectCase's
  // precondition; merge::Graph tolerates a repeat).
  // `levels` gives each op's authority level (OriginLevels in projection.h); empty: the op's claimed level.
  CaseOps(CaseId case_id, std::vector<pb::Op> ops, const OriginLevels& levels);

  const CaseId& case_id() const { return case_id_; }
  size_t size() const { return ops_.size(); }
  const pb::Op& op(size_t i) const { return ops_[i]; }
  const OpId& id(size_t i) const { return graph_.id(i); }
  const std::string& id_text(size_t i) const { return id_text_[i]; }  // "origin:seq"
  const std::string& actor(size_t i) const { return ops_[i].actor(); }
  // The level name authority is judged by for op `i`; "" when its origin's level is unknown.
  const std::string& level(size_t i) const { return level_[i]; }
  // Whether levels come from a registry (a replica's fold). Otherwise they are the ops' claims, and authority
  // is checked only where an op claims a level and the case has terms (the fold of tools and pure tests).
  bool from_registry() const { return from_registry_; }
  uint64_t ms(size_t i) const { return Hlc{ops_[i].hlc()}.physical_ms(); }
  std::string time_text(size_t i) const { return HlcToIso(ops_[i].hlc()); }
  const merge::Graph& graph() const { return graph_; }
  // The index of the op `ref` names, or nullopt when it is not one of the case's ops.
  std::optional<size_t> IndexOf(const pb::OpRef& ref) const { return graph_.IndexOf(OpId{ref.origin(), ref.seq()}); }

 private:
  static std::vector<merge::Node> Nodes(std::vector<pb::Op>& ops);

  CaseId case_id_;
  std::vector<pb::Op> ops_;
  merge::Graph graph_;
  std::vector<std::string> id_text_;
  std::vector<std::string> level_;
  bool from_registry_ = false;
};

// The history entry of one op: what `case show` prints for it. Reducers record what they did with the op;
// when the view has no history (the stored summary, built for every touched case on import) nothing is
// built, which is most of the fold's cost saved.
class History {
 public:
  // Starts the entry of op `i`: op, time, actor, kind, outcome "applied".
  History(bool enabled, const CaseOps& ops, size_t i);

  bool enabled() const { return enabled_; }
  template <typename V>
  void Set(const char* key, V&& value) {
    if (enabled_) entry_[key] = std::forward<V>(value);
  }
  template <typename V>
  void Push(const char* key, V&& value) {
    if (enabled_) entry_[key].push_back(std::forward<V>(value));
  }
  // Outcome "ignored": the op is kept in the log and not interpreted, for the reason `why`.
  void Ignore(const char* why) {
    Set("outcome", "ignored");
    Set("why", why);
  }
  nlohmann::json Take() { return std::move(entry_); }

 private:
  bool enabled_;
  nlohmann::json entry_;
};

// The ops not applied because their author had no authority for them, in fold order.
class Refusals {
 public:
  // Records op `i` as refused for breaking `rule` (outcome "refused" in its history entry).
  void Refuse(const CaseOps& ops, size_t i, History& h, const std::string& rule);
  // The same for a keyed refusal (message_keys.h): its message is the rule.
  void Refuse(const CaseOps& ops, size_t i, History& h, Status keyed);
  const std::vector<RefusedOp>& list() const { return list_; }

 private:
  std::vector<RefusedOp> list_;
};

// Conflict ids: "<case id>/<kind>/<name>", name a guarded field, a rejected transition's op id or a
// department.
enum class ConflictKind { kField, kTransition, kDepartment };
const char* ConflictKindName(ConflictKind kind);  // "field", "transition", "department"
std::string ConflictId(const CaseId& case_id, ConflictKind kind, const std::string& name);
struct ParsedConflictId {
  ConflictKind kind;
  std::string name;
};
// The kind and name of a conflict id of case `case_id`, or nullopt when it is not one of this case's.
std::optional<ParsedConflictId> ParseConflictId(const CaseId& case_id, const std::string& id);

}  // namespace silian::sync::fold
