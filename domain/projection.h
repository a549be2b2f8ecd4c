// The per-case projection: a pure, deterministic fold of a case's ops.
//
// Order: ops are folded in a topological order of their `parents` edges, ties broken by (hlc, origin,
// seq) (merge.h, Graph::FoldOrder). Any replica holding the same set of ops computes byte-identical state,
// whatever order they arrived in. Merge rules:
// - materials and notes are append-only and never conflict;
// - plain fields: the write with the greatest (hlc, origin, seq) wins (merge::LastWriter);
// - guarded fields: a write is superseded only by a write that has seen it (a descendant through
//   `parents`; merge::MultiValue). More than one unsuperseded value is an open conflict, id
//   "<case>/field/<name>"; the provisional value is the one with the greatest (hlc, origin, seq). A
//   resolution op writes the chosen value having seen all competitors, which closes the conflict;
// - transitions are checked against the state machine in fold order. An invalid one stays in the log and
//   is marked rejected with an open conflict "<case>/transition/<op id>", except a concurrent repeat of the
//   action that brought the case to its current status, which is marked duplicate. Resolving with --keep
//   of the rejected op forces its target status; keeping anything else dismisses it;
// - authority: a transition or department decision that needs the item's exercise level (catalog.h,
//   NeedsAuthority) from a node of a lower level is refused: kept in the log, shown under "refused" with the
//   rule, not applied. The level is the origin's registered level (OriginLevels), never the op's claim; an
//   op whose origin's level is unknown, or on a case without item terms, is refused likewise. The item's terms are those the case was received under (CaseCreated.terms), or
//   the terms carried by the latest item_code change in fold order;
// - parallel items: each department's decision is a multi-value register of its own (concurrent different
//   decisions of one department are a conflict "<case>/department/<name>"); decisions of different
//   departments never conflict. When every department (lead and participants) has decided and the case is
//   accepted or in review, it becomes decided_denied if any denied, else decided_approved. approve/deny
//   transitions of a parallel item are refused;
// - fees, evaluations and rectification steps are append-only facts.
// Ops of a kind, action, field, fee kind or rectification target this version does not know are kept,
// shown in the history as "ignored" with the reason, and not interpreted.
//
// The fold is a generic merge core (merge.h) and one small reducer per kind of fact
// (domain/internal/*_reducer.h), each keeping typed facts; JSON is made only of the finished facts
// (domain/internal/case_view.h) and of the history entries. No I/O; thread-safe (no shared state).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "base/ids.h"
#include "base/status.h"

namespace silian::sync {

// A conflict a person must resolve (by a conflict_resolved op naming its id).
struct OpenConflict {
  std::string id;     // "<case id>/<kind>/<name>"
  std::string kind;   // "field", "transition" or "department"
  std::string field;  // the field name, the rejected action, or the department
  nlohmann::json detail;  // canonical JSON of the conflict as shown to a person
};

// The action of the event of a parallel item decided by its departments' decisions.
inline constexpr const char* kDecidedByDepartments = "decided-by-departments";

// The action of the event of a subsidy paid (op subsidy_paid applied).
inline constexpr const char* kSubsidyPaidEvent = "subsidy-paid";

// A transition or case fact that took effect (every applied transition in fold order, then subsidies paid
// in fold order): what notices and reports are made of. Besides action names: kDecidedByDepartments,
// kSubsidyPaidEvent, "correction-lapse-withdraw", "correction-lapse-continue".
struct CaseEvent {
  std::string op;      // op id text
  std::string action;  // an action name (ActionName), or kDecidedByDepartments
  std::string to;      // the status it led to
  uint64_t hlc = 0;
};

// An op the projection did not apply because its author had no authority for it.
struct RefusedOp {
  std::string op;
  std::string rule;  // the message naming the rule broken
  // The refusal as a keyed status (its message the rule) when the rule has a catalogue key, so that an
  // author refused by it reads it in their language (LedgerStore::CheckFoldAccepts); OK when it has none.
  Status keyed;
};

struct CaseProjection {
  CaseId case_id;
  bool created = false;  // the creation op is present
  std::string case_number;
  std::string division;
  std::string status;  // a CaseStatus name
  std::string applicant_name;
  std::optional<std::string> applicant_id_type;  // absent until the field is written
  std::string applicant_id;
  std::string item_code;
  uint64_t last_hlc = 0;
  std::vector<OpId> heads;  // ops no other op of the case names as parent; sorted
  std::vector<OpenConflict> conflicts;
  std::vector<CaseEvent> events;
  std::vector<RefusedOp> refused;
  std::string phone;  // "" until written
  std::string language = "zh";  // the applicant's language (CaseCreated.language; "" reads as "zh")
  std::optional<pb::ItemTerms> terms;  // the item terms in force (absent: item unlisted)
  // The whole case as shown by `case show --json`: sorted keys, no local or arrival-order data.
  nlohmann::json view;
};

enum class ProjectionDetail {
  kWithHistory,  // the view has "history": every op in fold order with its outcome (what `case show` prints)
  kSummary,      // what the store keeps per case: no "history", materials and notes as compact arrays
};

// The level authority is judged by for an op of `origin`: its registered level as the replica holds it
// (Registry::LevelOf in domain/registry.h), nullopt when the replica holds no registration of it. An op
// whose origin's level is unknown is refused for anything that needs authority (and the case is folded
// again when the registration arrives, so every replica converges).
using OriginLevels = std::function<std::optional<Level>(const std::string& origin)>;

// Whether the actor of an op may author it (StaffRegistry::Judge in domain/staff.h): "" when it may, else
// the rule it breaks. An op refused by it is kept in the log, shown under "refused", and not applied,
// like an op without authority. Empty (tools and pure tests): actors are not judged.
using ActorCheck = std::function<std::string(const pb::Op& op)>;

// Folds `ops` (all ops of case `case_id`, in any order) into the case. REQUIRES: no two ops with one op id
// (a ledger holds each op once). Without `levels` (tests and tools that fold ops outside a replica) the
// level an op claims (Transition.level, DepartmentDecision.level) stands in for its origin's registration
// and an op that claims none, or a case without terms, is not checked: the fold as it was before the
// registry. A replica (its stored state, `case show`, its authoring) always passes its registry.
CaseProjection ProjectCase(const CaseId& case_id, std::vector<pb::Op> ops,
                           ProjectionDetail detail = ProjectionDetail::kWithHistory, const OriginLevels& levels = {},
                           const ActorCheck& actors = {});

// The applicant ID type in force: the case's applicant_id_type field, or "resident_id" (kDefaultIdType)
// when the case has none yet. What ValidateField (case_model.h) takes as `id_type`.
std::string ApplicantIdTypeInForce(const CaseProjection& p);

// The kind of an op, the name of its body field: "case_created", "transition", ... ("unknown" when unset).
const char* OpKindName(const pb::Op& op);

// "2026-11-29T18:36:47.123Z" for the physical part of an HLC stamp.
std::string HlcToIso(uint64_t hlc);

}  // namespace silian::sync
