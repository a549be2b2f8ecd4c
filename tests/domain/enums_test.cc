// The workflow's enumerations: every name parses back to its value, and a bad name is refused with the
// text and the allowed names.
#include "domain/enums.h"

#include <string>

#include <catch2/catch.hpp>

#include "domain/case_model.h"

namespace silian::sync {
namespace {

template <typename E, typename NameFn, typename ParseFn>
void CheckRoundTrip(int count, NameFn name, ParseFn parse) {
  for (int i = 0; i < count; ++i) {
    const E value = static_cast<E>(i);
    auto parsed = parse(name(value));
    INFO(name(value));
    REQUIRE(parsed.ok());
    CHECK(*parsed == value);
  }
}

TEST_CASE("Enums: every name parses back to its value", "[enums]") {
  CheckRoundTrip<FeeKind>(3, FeeKindName, ParseFeeKind);
  CheckRoundTrip<Rating>(5, RatingName, ParseRating);
  CheckRoundTrip<RectificationStep>(6, RectificationStepName, ParseRectificationStep);
  CheckRoundTrip<RectificationState>(2, RectificationStateName, ParseRectificationState);
  CheckRoundTrip<IdType>(7, IdTypeName, ParseIdType);
  CheckRoundTrip<Verdict>(2, VerdictName, ParseVerdict);
  CheckRoundTrip<DeliveryMethod>(3, DeliveryMethodName, ParseDeliveryMethod);
  CheckRoundTrip<SpecialProcedure>(6, SpecialProcedureName, ParseSpecialProcedure);
  CheckRoundTrip<CaseStatus>(kCaseStatusCount, CaseStatusName, ParseCaseStatus);
  CheckRoundTrip<Action>(kActionCount, ActionName, ParseAction);
}

TEST_CASE("Enums: a bad name is refused naming it and every allowed name", "[enums]") {
  auto fee = ParseFeeKind("tip");
  REQUIRE(fee.status().code() == StatusCode::kInvalidArgument);
  CHECK(fee.status().message() == "fee kind \"tip\" is not one of: charge, payment, refund");
  CHECK(ParseRating("Satisfied").status().message() ==
        "rating \"Satisfied\" is not one of: very_satisfied, satisfied, basically_satisfied, dissatisfied, "
        "very_dissatisfied");
  CHECK(ParseRectificationStep("").status().message() ==
        "rectification step \"\" is not one of: call_back, fix_now, fix_by_deadline, explain, appeal, close");
  CHECK(ParseIdType("driving_licence").status().message() ==
        "applicant ID type \"driving_licence\" is not one of: resident_id, passport, hk_macao_permit, "
        "taiwan_permit, foreign_permanent_residence, unified_social_credit_code, other");
  CHECK(ParseVerdict("maybe").status().message() == "decision \"maybe\" is not one of: approve, deny");
}

TEST_CASE("Enums: dissatisfied and very dissatisfied are the negative ratings", "[enums]") {
  CHECK_FALSE(IsNegativeRating(Rating::kVerySatisfied));
  CHECK_FALSE(IsNegativeRating(Rating::kSatisfied));
  CHECK_FALSE(IsNegativeRating(Rating::kBasicallySatisfied));
  CHECK(IsNegativeRating(Rating::kDissatisfied));
  CHECK(IsNegativeRating(Rating::kVeryDissatisfied));
}

TEST_CASE("Enums: an applicant ID type must be a known one, and only a resident ID is checked for its form",
          "[enums]") {
  CHECK(ValidateField("applicant_id_type", "passport", "").ok());
  auto bad = ValidateField("applicant_id_type", "library_card", "");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.message().find("\"library_card\"") != std::string::npos);
  CHECK(ValidateField("applicant_id", "E12345678", "passport").ok());
  CHECK_FALSE(ValidateField("applicant_id", "E12345678", "resident_id").ok());
}

}  // namespace
}  // namespace silian::sync
