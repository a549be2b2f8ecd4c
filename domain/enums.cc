#include "domain/enums.h"

#include "domain/internal/name_table.h"

namespace silian::sync {
namespace {

using internal::NameTable;

constexpr NameTable<FeeKind, 3> kFeeKinds("fee kind", {"charge", "payment", "refund"});
constexpr NameTable<Rating, 5> kRatings("rating", {"very_satisfied", "satisfied", "basically_satisfied",
                                                   "dissatisfied", "very_dissatisfied"});
constexpr NameTable<RectificationStep, 6> kSteps("rectification step", {"call_back", "fix_now", "fix_by_deadline",
                                                                        "explain", "appeal", "close"});
constexpr NameTable<RectificationState, 2> kStates("rectification state", {"open", "closed"});
constexpr NameTable<IdType, 7> kIdTypes("applicant ID type",
                                        {"resident_id", "passport", "hk_macao_permit", "taiwan_permit",
                                         "foreign_permanent_residence", "unified_social_credit_code", "other"});
constexpr NameTable<Verdict, 2> kVerdicts("decision", {"approve", "deny"});
constexpr NameTable<DeliveryMethod, 3> kMethods("delivery method", {"window", "post", "agent"});
constexpr NameTable<SpecialProcedure, 6> kProcedures("special procedure",
                                                     {"site_inspection", "expert_review", "hearing",
                                                      "public_notice", "testing", "other"});

}  // namespace

const char* FeeKindName(FeeKind kind) { return kFeeKinds.Name(kind); }
Result<FeeKind> ParseFeeKind(std::string_view text) { return kFeeKinds.Parse(text); }

const char* RatingName(Rating rating) { return kRatings.Name(rating); }
Result<Rating> ParseRating(std::string_view text) { return kRatings.Parse(text); }
bool IsNegativeRating(Rating rating) { return rating == Rating::kDissatisfied || rating == Rating::kVeryDissatisfied; }

const char* RectificationStepName(RectificationStep step) { return kSteps.Name(step); }
Result<RectificationStep> ParseRectificationStep(std::string_view text) { return kSteps.Parse(text); }

const char* RectificationStateName(RectificationState state) { return kStates.Name(state); }
Result<RectificationState> ParseRectificationState(std::string_view text) { return kStates.Parse(text); }

const char* IdTypeName(IdType type) { return kIdTypes.Name(type); }
Result<IdType> ParseIdType(std::string_view text) { return kIdTypes.Parse(text); }

const char* VerdictName(Verdict verdict) { return kVerdicts.Name(verdict); }
Result<Verdict> ParseVerdict(std::string_view text) { return kVerdicts.Parse(text); }

const char* DeliveryMethodName(DeliveryMethod method) { return kMethods.Name(method); }
Result<DeliveryMethod> ParseDeliveryMethod(std::string_view text) { return kMethods.Parse(text); }

const char* SpecialProcedureName(SpecialProcedure procedure) { return kProcedures.Name(procedure); }
Result<SpecialProcedure> ParseSpecialProcedure(std::string_view text) { return kProcedures.Parse(text); }

}  // namespace silian::sync
