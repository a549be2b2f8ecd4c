#include "domain/internal/fold.h"

#include <algorithm>
#include <map>

#include "base/status.h"

namespace silian::sync::fold {

// Sorts in place (ops_ is built before graph_) and returns the graph's nodes in the same order.
std::vector<merge::Node> CaseOps::Nodes(std::vector<pb::Op>& ops) {
  auto stamp = [](const pb::Op& op) { return merge::Stamp{op.hlc(), OpId{op.origin(), op.seq()}}; };
  std::sort(ops.begin(), ops.end(), [&](const pb::Op& a, const pb::Op& b) { return merge::StampLess(stamp(a), stamp(b)); });
  std::vector<merge::Node> nodes;
  nodes.reserve(ops.size());
  for (const pb::Op& op : ops) {
    merge::Node node{stamp(op), {}};
    for (const auto& p : op.parents()) node.parents.push_back(OpId{p.origin(), p.seq()});
    nodes.push_back(std::move(node));
  }
  return nodes;
}

namespace {

// The level an op claims of its author: what stands in for the registry when a fold has none.
const std::string& ClaimedLevel(const pb::Op& op) {
  static const std::string kNone;
  if (op.has_transition()) return op.transition().level();
  if (op.has_department_decision()) return op.department_decision().level();
  if (op.has_review_step()) return op.review_step().level();
  if (op.has_correction_lapse()) return op.correction_lapse().level();
  if (op.has_subsidy_paid()) return op.subsidy_paid().level();
  return kNone;
}

}  // namespace

CaseOps::CaseOps(CaseId case_id, std::vector<pb::Op> ops, const OriginLevels& levels)
    : case_id_(std::move(case_id)), ops_(std::move(ops)), graph_(Nodes(ops_)), from_registry_(static_cast<bool>(levels)) {
  id_text_.reserve(ops_.size());
  level_.reserve(ops_.size());
  std::map<std::string, std::string> known;  // by origin: a case has few authors
  for (size_t i = 0; i < ops_.size(); ++i) {
    id_text_.push_back(graph_.id(i).ToString());
    if (!levels) {
      level_.push_back(ClaimedLevel(ops_[i]));
      continue;
    }
    auto [it, added] = known.try_emplace(ops_[i].origin());
    if (added) {
      std::optional<Level> level = levels(ops_[i].origin());
      it->second = level ? LevelName(*level) : "";
    }
    level_.push_back(it->second);
  }
}

History::History(bool enabled, const CaseOps& ops, size_t i) : enabled_(enabled) {
  if (!enabled_) return;
  entry_ = {{"op", ops.id_text(i)}, {"time", ops.time_text(i)}, {"actor", ops.actor(i)},
            {"kind", OpKindName(ops.op(i))}, {"outcome", "applied"}};
}

void Refusals::Refuse(const CaseOps& ops, size_t i, History& h, const std::string& rule) {
  h.Set("outcome", "refused");
  h.Set("why", rule);
  list_.push_back({ops.id_text(i), rule, Status::Ok()});
}

void Refusals::Refuse(const CaseOps& ops, size_t i, History& h, Status keyed) {
  const std::string rule = keyed.message();
  h.Set("outcome", "refused");
  h.Set("why", rule);
  list_.push_back({ops.id_text(i), rule, std::move(keyed)});
}

const char* ConflictKindName(ConflictKind kind) {
  switch (kind) {
    case ConflictKind::kField: return "field";
    case ConflictKind::kTransition: return "transition";
    case ConflictKind::kDepartment: return "department";
  }
  SILIAN_CHECK(false && "not a ConflictKind");
  return "";
}

std::string ConflictId(const CaseId& case_id, ConflictKind kind, const std::string& name) {
  return case_id.value + "/" + ConflictKindName(kind) + "/" + name;
}

std::optional<ParsedConflictId> ParseConflictId(const CaseId& case_id, const std::string& id) {
  for (ConflictKind kind : {ConflictKind::kDepartment, ConflictKind::kField, ConflictKind::kTransition}) {
    const std::string prefix = ConflictId(case_id, kind, "");
    if (id.rfind(prefix, 0) == 0) return ParsedConflictId{kind, id.substr(prefix.size())};
  }
  return std::nullopt;
}

}  // namespace silian::sync::fold
