// Enumerations of the service-centre workflow (../shared/domain.md), besides the case statuses and actions
// of case_model.h. Every one travels and is stored by its name, never by number (national and vendor
// interfaces number them differently), so each has:
//   const char* XName(X)         the name; REQUIRES a value of the enumeration (aborts otherwise);
//   Result<X> ParseX(text)       the value of an exact name, or kInvalidArgument naming the text and every
//                                allowed name, in declaration order:
//                                  fee kind "tip" is not one of: charge, payment, refund
// An op written by a newer version may carry a name this one does not know: readers of ops (the
// projection, the report) keep such a value as text and do not interpret it; authoring refuses it.
// Pure functions, thread-safe.
#pragma once

#include <string_view>

#include "base/status.h"

namespace silian::sync {

// A fee record (FeeRecorded.kind): what the applicant owes, what the bank collected, what was given back.
enum class FeeKind { kCharge, kPayment, kRefund };
const char* FeeKindName(FeeKind kind);  // "charge", "payment", "refund"
Result<FeeKind> ParseFeeKind(std::string_view text);

// An evaluation's rating (EvaluationGiven.rating, 好差评), best first.
enum class Rating { kVerySatisfied, kSatisfied, kBasicallySatisfied, kDissatisfied, kVeryDissatisfied };
const char* RatingName(Rating rating);  // "very_satisfied", ..., "very_dissatisfied"
Result<Rating> ParseRating(std::string_view text);
// Dissatisfied and very dissatisfied: a negative evaluation, which opens a rectification. The other three
// count as satisfied.
bool IsNegativeRating(Rating rating);

// A step of the rectification a negative evaluation opened (RectificationStep.step): call back to verify,
// then one of fix now, fix by a deadline, explain, appeal as unfounded (the rectification's category),
// then close.
enum class RectificationStep { kCallBack, kFixNow, kFixByDeadline, kExplain, kAppeal, kClose };
const char* RectificationStepName(RectificationStep step);  // "call_back", "fix_now", "fix_by_deadline", ...
Result<RectificationStep> ParseRectificationStep(std::string_view text);

// The state of a rectification in the case view ("rectification": {"state": ...}).
enum class RectificationState { kOpen, kClosed };
const char* RectificationStateName(RectificationState state);  // "open", "closed"
Result<RectificationState> ParseRectificationState(std::string_view text);

// The kind of an applicant's ID number (the guarded field applicant_id_type).
enum class IdType {
  kResidentId,                // 居民身份证: 18 characters with a GB 11643 check character
  kPassport,                  // 护照
  kHkMacaoPermit,             // 港澳居民来往内地通行证
  kTaiwanPermit,              // 台湾居民来往大陆通行证
  kForeignPermanentResidence, // 外国人永久居留身份证
  kUnifiedSocialCreditCode,   // 统一社会信用代码: a business or organisation applying
  kOther,
};
// The ID type of a case that does not name one.
inline constexpr IdType kDefaultIdType = IdType::kResidentId;
const char* IdTypeName(IdType type);  // "resident_id", "passport", "hk_macao_permit", "taiwan_permit",
                                      // "foreign_permanent_residence", "unified_social_credit_code", "other"
Result<IdType> ParseIdType(std::string_view text);

// A department's decision on its part of a parallel item (DepartmentDecision.decision).
enum class Verdict { kApprove, kDeny };
const char* VerdictName(Verdict verdict);  // "approve", "deny"
Result<Verdict> ParseVerdict(std::string_view text);

// How a result is delivered (the "method" detail of the deliver action).
enum class DeliveryMethod { kWindow, kPost, kAgent };
const char* DeliveryMethodName(DeliveryMethod method);  // "window", "post", "agent"
Result<DeliveryMethod> ParseDeliveryMethod(std::string_view text);

// The special procedure a suspension is for (the "procedure" detail of the suspend action).
enum class SpecialProcedure { kSiteInspection, kExpertReview, kHearing, kPublicNotice, kTesting, kOther };
const char* SpecialProcedureName(SpecialProcedure procedure);  // "site_inspection", "expert_review", ...
Result<SpecialProcedure> ParseSpecialProcedure(std::string_view text);

}  // namespace silian::sync
