// Every message key the core puts on a Status (base/status.h, Status::With), with the names of its
// parameters in the order With takes their values. The one table: the catalogue test enumerates it
// (kAllMessageKeys) and checks that ui/assets/messages.json has each key in zh, mn and en with exactly these
// placeholders ({name}). A parameter is a value (an id, a field name, a date, a number), never a sentence.
//
// To add a key: one X(...) line here, its entry in the "err." block at the start of messages.json, and
// `.With(msg::kName, values...)` where the Status is built.
#pragma once

#include <array>
#include <string_view>
#include <vector>

#include "base/status.h"

// X(constant, "key", "param", ...)
#define SILIAN_MESSAGE_KEYS(X)                                                                           \
  /* field validation (domain/validation.cc) */                                                         \
  X(kTextNotUtf8, "err.text.not_utf8", "field", "value")                                                 \
  X(kTextControl, "err.text.control", "field", "value", "char")                                          \
  X(kTextTooLong, "err.text.too_long", "field", "value", "chars", "max")                                 \
  X(kTextEmpty, "err.text.empty", "field", "value")                                                      \
  X(kNotNormal, "err.text.not_normal", "field", "value", "normal")                                       \
  X(kTokenForm, "err.token.form", "field", "value", "max")                                               \
  X(kResidentIdLength, "err.resident_id.length", "value")                                                \
  X(kResidentIdDigits, "err.resident_id.digits", "value")                                                \
  X(kResidentIdProvince, "err.resident_id.province", "value", "province")                                \
  X(kResidentIdBirthDate, "err.resident_id.birth_date", "value", "date")                                 \
  X(kResidentIdBirthRange, "err.resident_id.birth_range", "value", "date", "latest")                     \
  X(kResidentIdCheck, "err.resident_id.check", "value", "found", "expected")                             \
  X(kCreditCodeForm, "err.credit_code.form", "value")                                                    \
  X(kCreditCodeCheck, "err.credit_code.check", "value", "found", "expected")                             \
  X(kDocumentNumberForm, "err.document_number.form", "id_type", "value")                                 \
  X(kIdTypeUnknown, "err.id_type.unknown", "id_type")                                                    \
  X(kIdNumberEmpty, "err.id_number.empty")                                                               \
  X(kPhoneChars, "err.phone.chars", "value")                                                             \
  X(kPhoneMainland, "err.phone.mainland", "value")                                                       \
  X(kPhoneForm, "err.phone.form", "value")                                                               \
  X(kItemCodeForm, "err.item_code.form", "value")                                                        \
  X(kFieldUnknown, "err.field.unknown", "field")                                                         \
  X(kDateForm, "err.date.form", "value")                                                                 \
  X(kDateNotReal, "err.date.not_real", "value")                                                          \
  X(kCopiesRange, "err.material.copies", "copies", "max")                                                \
  X(kAmountRange, "err.amount.range", "amount", "max")                                                   \
  /* catalogue and cases (domain/store.cc, case_tables.cc, reference_index.cc) */                       \
  X(kItemNotFound, "err.item.not_found", "item")                                                         \
  X(kItemNotInCatalogue, "err.item.not_in_catalogue", "item")                                            \
  X(kItemWithdrawn, "err.item.withdrawn", "item", "name")                                                \
  X(kCaseNotFound, "err.case.not_found", "case")                                                         \
  X(kCaseNotReceived, "err.case.not_received", "case")                                                   \
  /* the workflow (domain/case_model.cc, catalog.cc, authoring.cc) */                                   \
  X(kStatusForbids, "err.action.status_forbids", "action", "status")                            \
  X(kReasonRequired, "err.action.reason_required", "action")                                             \
  X(kReasonTooLong, "err.action.reason_too_long", "max")                                                 \
  X(kDetailNotTaken, "err.detail.not_taken", "action", "detail")                                         \
  X(kDetailTwice, "err.detail.twice", "detail")                                                          \
  X(kDetailTooLong, "err.detail.too_long", "detail")                                                     \
  X(kDetailMissing, "err.detail.missing", "action", "detail")                                            \
  X(kDetailDate, "err.detail.date", "detail", "value")                                                   \
  X(kNoAuthority, "err.authority.level", "action", "item", "level", "node_level")                        \
  X(kNoItemTerms, "err.authority.no_terms", "case", "action", "item")                                    \
  X(kNotRegistered, "err.authority.not_registered", "case", "node")                                      \
  X(kCorrectionDuePast, "err.correction.due_past", "case", "due", "today")                               \
  X(kCorrectionNotLapsed, "err.correction.not_lapsed", "case", "due", "today")                           \
  X(kExtensionDays, "err.extension.days", "value")                                                       \
  X(kExtensionTooLate, "err.extension.too_late", "case", "due")                                          \
  X(kFieldsNone, "err.fields.none")                                                                      \
  X(kFieldTwice, "err.field.twice", "field")                                                             \
  X(kParallelItem, "err.act.parallel_item", "case", "item")                                              \
  X(kDenialOpinion, "err.decide.denial_opinion")                                                         \
  X(kNotParallel, "err.decide.not_parallel", "case")                                                     \
  X(kDepartmentUnknown, "err.decide.department", "department", "item", "departments")                    \
  X(kDecideStatus, "err.decide.status", "case", "status")                                                \
  X(kAmountYuan, "err.amount.yuan", "amount", "max")                                                     \
  X(kPaymentReceipt, "err.fee.payment_receipt")                                                          \
  X(kRefundReason, "err.fee.refund_reason")                                                              \
  X(kRefundExceeds, "err.fee.refund_exceeds", "case", "amount", "refundable")                            \
  X(kChannelAssisted, "err.evaluate.assisted", "channel")                                                \
  X(kEvaluatedTwice, "err.evaluate.twice", "case", "stage", "op")                                        \
  X(kLapseNeedsDue, "err.lapse.needs_due")                                                               \
  X(kLapseWithdrawDue, "err.lapse.withdraw_due")                                                         \
  X(kResolveOne, "err.resolve.one")                                                                      \
  X(kResolveTransition, "err.resolve.transition")                                                        \
  X(kResolveNotCompeting, "err.resolve.not_competing", "op", "conflict")                                 \
  X(kRectifyStep, "err.rectify.step", "step")                                                            \
  X(kReviewNoSteps, "err.review.no_steps")                                                               \
  X(kReviewStatus, "err.review.status", "status")                                                        \
  X(kReviewAllPassed, "err.review.all_passed", "step")                                                   \
  X(kReviewNotPending, "err.review.not_pending", "step", "pending")                                      \
  X(kSubsidyStatus, "err.subsidy.status", "status")                                                      \
  X(kLapseStatus, "err.lapse.status", "status")                                                          \
  X(kLapseNewDue, "err.lapse.new_due", "day", "value")                                                   \
  X(kSelfEvaluation, "err.evaluate.self", "staff")                                                       \
  X(kSelfEvaluationNode, "err.evaluate.self_node", "staff", "node")                                      \
  X(kRectifyNeedsDue, "err.rectify.needs_due")                                                           \
  X(kRectifyNoEvaluation, "err.rectify.no_evaluation", "case", "evaluation")                             \
  X(kRectifyClosed, "err.rectify.closed", "evaluation")                                                  \
  X(kRectifyCloseEarly, "err.rectify.close_early")                                                       \
  /* staff, logins and sessions (domain/staff_store.cc) */                                               \
  X(kStaffUnknown, "err.login.unknown_staff", "staff")                                                   \
  X(kWrongPassphrase, "err.login.wrong_passphrase", "staff")                                             \
  X(kStaffDisabled, "err.login.disabled", "staff")                                                       \
  X(kStaffElsewhere, "err.login.elsewhere", "staff", "node")                                             \
  X(kNoSession, "err.session.none")                                                                      \
  X(kSessionExpired, "err.session.expired", "staff", "expired")                                          \
  X(kSessionRefused, "err.session.refused", "staff")                                                     \
  X(kRoleRefused, "err.role.refused", "staff", "action")                                                 \
  /* bundles and sync (sync/ledger/stick_seal.cc, sync/http/curl_transport.cc) */                       \
  X(kBundleForOtherNode, "err.bundle.other_node", "recipient", "node")                                   \
  X(kBundleChanged, "err.bundle.changed")                                                                \
  X(kBundleMissing, "err.bundle.missing", "file")                                                        \
  X(kBundleUnreadable, "err.bundle.unreadable", "file")                                                  \
  X(kBundleDamaged, "err.bundle.damaged", "file")                                                        \
  X(kBundleRefused, "err.bundle.refused", "file")                                                        \
  X(kHubUnreachable, "err.sync.unreachable", "url")                                                      \
  X(kSyncNotRegistered, "err.sync.not_registered")                                                       \
  X(kSyncRevoked, "err.sync.revoked")                                                                    \
  X(kSyncUpgrade, "err.sync.upgrade")                                                                    \
  X(kSyncRefused, "err.sync.refused", "code")

namespace silian::msg {

template <typename... P>
constexpr MessageKey<sizeof...(P)> MakeKey(std::string_view id, P... params) {
  return MessageKey<sizeof...(P)>{id, {std::string_view(params)...}};
}

#define SILIAN_DEFINE_MESSAGE_KEY(name, ...) inline constexpr auto name = MakeKey(__VA_ARGS__);
SILIAN_MESSAGE_KEYS(SILIAN_DEFINE_MESSAGE_KEY)
#undef SILIAN_DEFINE_MESSAGE_KEY

// A key of the table with its parameter names, for the catalogue test and the catalogue's checks.
struct KeySpec {
  std::string_view id;
  std::vector<std::string_view> params;
};

template <size_t N>
KeySpec SpecOf(const MessageKey<N>& key) {
  return KeySpec{key.id, std::vector<std::string_view>(key.params.begin(), key.params.end())};
}

// Every key of SILIAN_MESSAGE_KEYS, in its order.
inline std::vector<KeySpec> AllMessageKeys() {
#define SILIAN_SPEC_OF_MESSAGE_KEY(name, ...) SpecOf(name),
  return {SILIAN_MESSAGE_KEYS(SILIAN_SPEC_OF_MESSAGE_KEY)};
#undef SILIAN_SPEC_OF_MESSAGE_KEY
}

}  // namespace silian::msg
