// The case's life cycle: transitions checked against the state machine (case_model.h) in fold order,
// transition conflicts and their resolution, the decision by departments of a parallel item, and the
// facts applied transitions leave (timeline, who handled the case, suspensions, extensions, owed
// materials, certificate, delivery, events). Internal to the projection.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "silian.pb.h"
#include "domain/case_model.h"
#include "domain/internal/fold.h"

namespace silian::sync::fold {

// The moments on a case's timeline (view "timeline", keyed by MilestoneName).
enum class Milestone {
  kReceived,
  kForwarded,
  kAccepted,
  kFirstResponse,
  kCorrectionSupplied,
  kReviewStarted,
  kDecided,
  kCompleted,
  kCertificateIssued,
  kDelivered,
  kClosed,
};
const char* MilestoneName(Milestone m);  // "received", "first_response", "certificate_issued", ...

// Who took a case through a milestone (view "handled_by").
struct Handler {
  std::string actor;
  std::string node;
  std::string level;  // "" when no transition that set it carried a level
};

struct Suspension {
  uint64_t start_ms;
  std::string op;
  std::string procedure;  // the "procedure" detail, "" when absent
  std::string reason;
  std::optional<uint64_t> end_ms;  // absent while suspended
};

struct Extension {
  int days;  // the "days" detail as a number (0 when it is not one)
  std::string op;
  std::string reason;
  uint64_t ms;  // when it was decided: lawful only before the legal deadline (workflow.h)
};

// The correction the organ asked for (request-correction) and what became of it after its deadline.
struct Correction {
  std::string op;          // the request-correction op
  uint64_t requested_ms;
  std::string due;         // YYYY-MM-DD: Transition.due_date, or a later CorrectionLapse "continue"; "" = default
  struct Lapse {
    std::string op, decision, reason, new_due, actor;
    uint64_t ms;
  };
  std::vector<Lapse> lapses;  // applied, fold order
};

// Materials owed under a tolerant acceptance.
struct Owed {
  std::string materials;
  std::string due;  // "" when not given
  std::string op;
};

// A detail that may be absent or given empty.
using Detail = std::optional<std::string>;

struct Certificate {
  std::string op, actor;
  Detail name, number, valid_until;
};

struct Delivery {
  std::string op, actor;
  uint64_t ms;
  Detail method, tracking_number;
};

// An invalid transition that arrived by merge, kept in the log: conflict "<case>/transition/<op id>".
struct TransitionConflict {
  size_t rejected;
  std::optional<size_t> applied;  // the op that brought the case to status_then
  std::string status_then;
  bool resolved = false;
};

struct LifecycleFacts {
  CaseStatus status = CaseStatus::kDraft;
  bool denied = false;  // the last decision denied (a completed case that was decided_denied)
  std::map<Milestone, uint64_t> timeline;  // Unix ms
  std::map<Milestone, Handler> handled_by;  // received, accepted, decided, completed
  std::vector<Suspension> suspensions;
  std::vector<Extension> extensions;  // at most one is ever applied (ExtensionRefusal)
  std::optional<Correction> correction;  // the latest correction requested
  std::optional<Owed> owed;
  std::optional<Certificate> certificate;
  std::optional<Delivery> delivery;
  std::vector<CaseEvent> events;
  std::map<std::string, TransitionConflict> conflicts;  // by conflict id, open and resolved
};

// Without a due day, a lapse is not accepted by the fold until this many natural days after the request.
inline constexpr int kDefaultCorrectionBoundDays = 7;

// The rule an extension op `i` breaks, given the facts so far and the item terms in force, or nullopt:
// a case is extended once (a second extension is refused naming the first), by at most ExtensionLimitWd
// (catalog.h; kDefaultExtensionWd without terms), with a reason. Whether it came before the legal deadline
// needs the calendar: the clocks judge that (workflow.h, ComputeCaseClocks) and count it only then.
std::optional<std::string> ExtensionRefusal(const LifecycleFacts& facts, const std::optional<pb::ItemTerms>& terms,
                                            const pb::Transition& t);

class LifecycleReducer {
 public:
  enum class Outcome { kApplied, kNotApplied };

  // A transition op `i`. Ignored when its action is unknown; refused (in `refusals`) when its author lacks
  // authority or the item is parallel (authority.h); applied when the state machine allows it in the
  // current status; else a duplicate of a concurrent identical action, or rejected with a conflict.
  Outcome ApplyTransition(const CaseOps& ops, size_t i, const std::optional<pb::ItemTerms>& terms,
                          Refusals& refusals, History& h);

  // A resolution `i` of transition conflict `conflict_id`: keeping the rejected op forces its target
  // status; keeping anything else dismisses the conflict. Ignored when no such conflict is open.
  void Resolve(const CaseOps& ops, size_t i, const std::string& conflict_id, std::optional<size_t> keep,
               History& h);

  // The departments of a parallel item have all decided (`any_deny`: one denied), at op `i`: an accepted or
  // in-review case is decided. Returns whether it was.
  bool DecideByDepartments(const CaseOps& ops, size_t i, bool any_deny, History& h);

  // A correction-lapse op `i`: refused without authority (authority.h, FactRefusal), when the case is not
  // correction_pending, or when the op is dated (China Standard Time) on or before the correction's due day
  // (kDefaultCorrectionBoundDays natural days after the request when no due day was given: the fold has no
  // calendar, and 5 working days never end sooner). "withdraw" withdraws the case (closed), "continue" sets
  // new_due, which must be after the op's day. Ignored for a decision unknown to this version.
  void ApplyLapse(const CaseOps& ops, size_t i, const std::optional<pb::ItemTerms>& terms, Refusals& refusals,
                  History& h);

  CaseStatus status() const { return facts_.status; }
  const LifecycleFacts& facts() const { return facts_; }
  // Moves the facts out; the reducer is spent.
  LifecycleFacts TakeFacts() { return std::move(facts_); }

 private:
  void SetStatus(CaseStatus s, size_t by);
  bool IsDuplicate(const CaseOps& ops, size_t i, Action action) const;
  void RecordApplied(const CaseOps& ops, size_t i, Action action);
  void RecordMilestones(const CaseOps& ops, size_t i, Action action);
  void RecordDetails(const CaseOps& ops, size_t i, Action action);
  void HandledBy(const CaseOps& ops, size_t i, Milestone m);

  LifecycleFacts facts_;
  std::optional<size_t> last_transition_;  // the op that set the current status
};

}  // namespace silian::sync::fold
