// The per-case projection: a pure, deterministic fold of a case's ops.
//
// Order: ops are folded in a topological order of their `parents` edges, ties broken by (hlc, origin,
// seq). Any replica holding the same set of ops computes byte-identical state, whatever order they arrived
// in. Merge rules:
// - materials and notes are append-only and never conflict;
// - plain fields: the write with the greatest (hlc, origin, seq) wins;
// - guarded fields: a write is superseded only by a write that has seen it (a descendant through
//   `parents`). More than one unsuperseded write is an open conflict, id "<case>/field/<name>"; the
//   provisional value is the one with the greatest (hlc, origin, seq). A resolution op writes the chosen
//   value having seen all competitors, which closes the conflict;
// - transitions are checked against the state machine in fold order. An invalid one stays in the log and
//   is marked rejected with an open conflict "<case>/transition/<op id>", except a concurrent repeat of the
//   action that brought the case to its current status, which is marked duplicate. Resolving with --keep
//   of the rejected op forces its target status; keeping anything else dismisses it;
// - authority: a transition or department decision that needs the item's exercise level (catalog.h,
//   NeedsAuthority) from a node of a lower level is refused: kept in the log, shown under "refused" with the
//   rule, not applied. The item's terms are those the case was received under (CaseCreated.terms), or
//   the terms carried by the latest item_code change;
// - parallel items: each department's decision is a multi-value register of its own (concurrent different
//   decisions of one department are a conflict "<case>/department/<name>"); decisions of different
//   departments never conflict. When every department (lead and participants) has decided and the case is
//   accepted or in review, it becomes decided_denied if any denied, else decided_approved. approve/deny
//   transitions of a parallel item are refused;
// - fees, evaluations and rectification steps are append-only facts.
// No I/O; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "base/ids.h"

namespace silian::sync {

struct OpenConflict {
  std::string id;
  std::string kind;   // "field" or "transition"
  std::string field;  // the field name, or the rejected action
  nlohmann::json detail;  // canonical JSON of the conflict as shown to a person
};

// A transition that took effect, in fold order: what notices and reports are made of.
struct CaseEvent {
  std::string op;      // op id text
  std::string action;  // an action name, or "decided-by-departments"
  std::string to;      // the status it led to
  uint64_t hlc = 0;
};

// An op the projection did not apply because its author had no authority for it.
struct RefusedOp {
  std::string op;
  std::string rule;  // the message naming the rule broken
};

struct CaseProjection {
  CaseId case_id;
  bool created = false;  // the creation op is present
  std::string case_number;
  std::string division;
  std::string status;  // a CaseStatus name
  std::string applicant_name;
  std::string applicant_id;
  std::string item_code;
  uint64_t last_hlc = 0;
  std::vector<OpId> heads;  // ops no other op of the case names as parent; sorted
  std::vector<OpenConflict> conflicts;
  std::vector<CaseEvent> events;
  std::vector<RefusedOp> refused;
  std::string phone;
  std::optional<pb::ItemTerms> terms;  // the item terms in force (absent: item unlisted)
  // The whole case as shown by `case show --json`: sorted keys, no local or arrival-order data.
  nlohmann::json view;
};

enum class ProjectionDetail {
  kWithHistory,  // the view has "history": every op in fold order with its outcome (what `case show` prints)
  kSummary,      // what the store keeps per case: no "history", materials and notes as compact arrays
};

// Folds `ops` (all ops of case `case_id`, any order, no duplicates by op id).
CaseProjection ProjectCase(const CaseId& case_id, std::vector<pb::Op> ops,
                           ProjectionDetail detail = ProjectionDetail::kWithHistory);

// The kind of an op, the name of its body field: "case_created", "transition", ... ("unknown" when unset).
const char* OpKindName(const pb::Op& op);

// "2026-11-29T18:36:47.123Z" for the physical part of an HLC stamp.
std::string HlcToIso(uint64_t hlc);

}  // namespace silian::sync
