// The case model: statuses, actions and the state machine of shared/domain.md, and the case's fields.
// Statuses and actions are stored by name: XName gives it (REQUIRES a value of the enumeration), ParseX
// takes it back or returns kInvalidArgument naming the text and every allowed name
// (`action "teleport" is not one of: receive, forward, ...`). The workflow's other enumerations (fee
// kinds, ratings, ID types, ...) are in enums.h. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace silian::sync {

enum class CaseStatus {
  kDraft,
  kReceived,
  kForwarded,
  kAccepted,
  kCorrectionPending,
  kNotAccepted,
  kInReview,
  kSuspended,
  kDecidedApproved,
  kDecidedApprovedTolerance,
  kDecidedDenied,
  kCompleted,
  kCertificateIssued,
  kDelivered,
  kWithdrawn,
  kRevoked,
  kTerminated,
};
inline constexpr int kCaseStatusCount = 17;
const char* CaseStatusName(CaseStatus status);  // "correction_pending", ...
Result<CaseStatus> ParseCaseStatus(std::string_view text);

enum class Action {
  kReceive,
  kForward,
  kAccept,
  kRequestCorrection,
  kSupplyCorrection,
  kNotAccept,
  kStartReview,
  kSuspend,
  kResume,
  kApprove,
  kApproveTolerant,
  kDeny,
  kComplete,
  kIssueCertificate,
  kDeliver,
  kWithdraw,
  kRevoke,
  kTerminate,
  kExtend,  // extends the limit by `days` working days; the status does not change
};
inline constexpr int kActionCount = 19;
const char* ActionName(Action action);  // "request-correction", ...
Result<Action> ParseAction(std::string_view text);

// The status an action leads to, whatever the status it starts from (extend: in_review).
CaseStatus TargetStatus(Action action);
// The status after `action` in `from`, or nullopt when the action is not allowed there.
std::optional<CaseStatus> NextStatus(CaseStatus from, Action action);
// Actions allowed in `status`, in declaration order.
std::vector<Action> AllowedActions(CaseStatus status);
// Actions that must carry a reason (not-accept, suspend, deny, withdraw, revoke, terminate, ...).
bool ReasonRequired(Action action);
// OK when `action` may be taken in `from` with this reason; otherwise kFailedPrecondition naming the
// status and the allowed actions, or kInvalidArgument when a required reason is missing.
Status CheckTransition(CaseStatus from, Action action, std::string_view reason);

// Checks an action's details (FieldValue names and values, see pb::Transition): which names the action
// takes and their values (dates YYYY-MM-DD, delivery method window|post|agent, extension days 1..30,
// special procedure). Required: days for extend, a tracking number for delivery by post, owed_due with owed,
// a certificate name with a certificate number. kInvalidArgument naming the detail and the value.
Status CheckDetails(Action action, const std::vector<std::pair<std::string, std::string>>& details);

// Fields. Guarded fields raise a conflict when written concurrently; plain fields are last-writer-wins.
bool IsGuardedField(std::string_view field);
bool IsPlainField(std::string_view field);
// Every settable field name, guarded first.
const std::vector<std::string>& AllFieldNames();
// Whether `value` is acceptable for `field` once normalised: NormalizeField (domain/validation.h, the one
// definition of the content rules) with no bound on birth dates but the calendar's. OK, or kInvalidArgument
// naming the field and the value.
Status ValidateField(std::string_view field, std::string_view value, std::string_view id_type);

}  // namespace silian::sync
