#include "domain/case_model.h"

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "support/test_util.h"

namespace silian::sync {
namespace {

// The state machine of shared/domain.md, written out by hand. Withdraw and terminate are open only before
// a decision; revoke from any open state after draft (the organ revokes, e.g. a tolerant approval whose
// owed materials never came).
const std::map<std::string, std::vector<std::string>>& ExpectedAllowed() {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"draft", {"receive", "withdraw", "terminate"}},
      {"received", {"forward", "accept", "request-correction", "not-accept", "withdraw", "revoke", "terminate"}},
      {"forwarded", {"accept", "request-correction", "not-accept", "withdraw", "revoke", "terminate"}},
      {"accepted",
       {"start-review", "approve", "approve-tolerant", "deny", "withdraw", "revoke", "terminate", "extend"}},
      {"correction_pending", {"supply-correction", "not-accept", "withdraw", "revoke", "terminate"}},
      {"not_accepted", {}},
      {"in_review",
       {"suspend", "approve", "approve-tolerant", "deny", "withdraw", "revoke", "terminate", "extend"}},
      {"suspended", {"resume", "withdraw", "revoke", "terminate", "extend"}},
      {"decided_approved", {"complete", "revoke"}},
      {"decided_approved_tolerance", {"complete", "revoke"}},
      {"decided_denied", {"complete", "revoke"}},
      {"completed", {"issue-certificate", "deliver", "revoke"}},
      {"certificate_issued", {"deliver", "revoke"}},
      {"delivered", {}},
      {"withdrawn", {}},
      {"revoked", {}},
      {"terminated", {}},
  };
  return table;
}

const std::map<std::string, std::string>& ExpectedTarget() {
  static const std::map<std::string, std::string> table = {
      {"receive", "received"},
      {"forward", "forwarded"},
      {"accept", "accepted"},
      {"request-correction", "correction_pending"},
      {"supply-correction", "received"},
      {"not-accept", "not_accepted"},
      {"start-review", "in_review"},
      {"suspend", "suspended"},
      {"resume", "in_review"},
      {"approve", "decided_approved"},
      {"approve-tolerant", "decided_approved_tolerance"},
      {"deny", "decided_denied"},
      {"complete", "completed"},
      {"issue-certificate", "certificate_issued"},
      {"deliver", "delivered"},
      {"withdraw", "withdrawn"},
      {"revoke", "revoked"},
      {"terminate", "terminated"},
      {"extend", "in_review"},  // only forced by a resolution; applied, extend keeps the status
  };
  return table;
}

std::vector<CaseStatus> AllStatuses() {
  std::vector<CaseStatus> v;
  for (int i = 0; i < kCaseStatusCount; ++i) v.push_back(static_cast<CaseStatus>(i));
  return v;
}

std::vector<Action> AllActions() {
  std::vector<Action> v;
  for (int i = 0; i < kActionCount; ++i) v.push_back(static_cast<Action>(i));
  return v;
}

// Each of `values` has a name that `expected` (keyed by name) holds and that parses back to the value.
template <typename T, typename Expected>
void CheckNamesRoundTrip(const std::vector<T>& values, const char* (*name_of)(T),
                         Result<T> (*parse)(std::string_view), const Expected& expected) {
  for (T v : values) {
    std::string name = name_of(v);
    CAPTURE(name);
    CHECK(expected.count(name) == 1);
    auto parsed = parse(name);
    REQUIRE(parsed.ok());
    CHECK(*parsed == v);
  }
}

TEST_CASE("Case model: status and action names round-trip and match the domain's spelling", "[case_model]") {
  REQUIRE(ExpectedAllowed().size() == static_cast<size_t>(kCaseStatusCount));
  REQUIRE(ExpectedTarget().size() == static_cast<size_t>(kActionCount));
  CheckNamesRoundTrip(AllStatuses(), CaseStatusName, ParseCaseStatus, ExpectedAllowed());
  CheckNamesRoundTrip(AllActions(), ActionName, ParseAction, ExpectedTarget());
}

TEST_CASE("Case model: unknown status and action names are refused with the list of valid ones",
          "[case_model]") {
  auto s = ParseCaseStatus("approved");
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.status().message(), Catch::Contains("\"approved\"") && Catch::Contains("decided_approved") &&
                                       Catch::Contains("correction_pending"));
  auto a = ParseAction("request_correction");
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(a.status().message(),
             Catch::Contains("\"request_correction\"") && Catch::Contains("request-correction"));
}

TEST_CASE("Case model: allowed actions per status follow the state machine table", "[case_model]") {
  for (CaseStatus s : AllStatuses()) {
    std::string status = CaseStatusName(s);
    CAPTURE(status);
    std::vector<std::string> got;
    for (Action a : AllowedActions(s)) got.push_back(ActionName(a));
    CHECK(got == ExpectedAllowed().at(status));
  }
}

TEST_CASE("Case model: every action leads to its one target status, from every status that allows it",
          "[case_model]") {
  for (Action a : AllActions()) {
    std::string action = ActionName(a);
    CAPTURE(action);
    CHECK(CaseStatusName(TargetStatus(a)) == ExpectedTarget().at(action));
    for (CaseStatus s : AllStatuses()) {
      std::string status = CaseStatusName(s);
      CAPTURE(status);
      const auto& allowed = ExpectedAllowed().at(status);
      bool expect_allowed = std::find(allowed.begin(), allowed.end(), action) != allowed.end();
      auto next = NextStatus(s, a);
      CHECK(next.has_value() == expect_allowed);
      if (next) CHECK(*next == (a == Action::kExtend ? s : TargetStatus(a)));
    }
  }
}

TEST_CASE("Case model: closed statuses allow nothing and every open one has a way forward", "[case_model]") {
  const std::set<std::string> closed = {"not_accepted", "delivered", "withdrawn", "revoked", "terminated"};
  for (CaseStatus s : AllStatuses()) {
    CAPTURE(CaseStatusName(s));
    CHECK(AllowedActions(s).empty() == (closed.count(CaseStatusName(s)) == 1));
  }
}

TEST_CASE("Case model: the normal path from draft to delivered is allowed step by step", "[case_model]") {
  const std::vector<std::string> path = {"receive", "forward",  "accept",   "start-review", "suspend", "resume",
                                         "approve", "complete", "issue-certificate", "deliver"};
  CaseStatus s = CaseStatus::kDraft;
  for (const auto& name : path) {
    CAPTURE(name, CaseStatusName(s));
    auto a = ParseAction(name);
    REQUIRE(a.ok());
    auto next = NextStatus(s, *a);
    REQUIRE(next.has_value());
    s = *next;
  }
  CHECK(s == CaseStatus::kDelivered);
}

TEST_CASE("Case model: correction and instant-decision paths are allowed", "[case_model]") {
  CHECK(NextStatus(CaseStatus::kReceived, Action::kRequestCorrection) == CaseStatus::kCorrectionPending);
  CHECK(NextStatus(CaseStatus::kCorrectionPending, Action::kSupplyCorrection) == CaseStatus::kReceived);
  CHECK(NextStatus(CaseStatus::kCorrectionPending, Action::kNotAccept) == CaseStatus::kNotAccepted);
  // An instant item is decided on the spot, straight from accepted.
  CHECK(NextStatus(CaseStatus::kAccepted, Action::kApprove) == CaseStatus::kDecidedApproved);
  // A denial is delivered as a decision letter without a certificate.
  CHECK(NextStatus(CaseStatus::kDecidedDenied, Action::kComplete) == CaseStatus::kCompleted);
  CHECK(NextStatus(CaseStatus::kCompleted, Action::kDeliver) == CaseStatus::kDelivered);
  // Tolerant acceptance whose owed materials never came is revoked.
  CHECK(NextStatus(CaseStatus::kDecidedApprovedTolerance, Action::kRevoke) == CaseStatus::kRevoked);
}

TEST_CASE("Case model: reasons are required for refusals, pauses, decisions against and endings",
          "[case_model]") {
  const std::set<std::string> need_reason = {"request-correction", "not-accept", "suspend", "deny",
                                             "withdraw",           "revoke",     "terminate", "extend"};
  for (Action a : AllActions()) {
    std::string action = ActionName(a);
    CAPTURE(action);
    CHECK(ReasonRequired(a) == (need_reason.count(action) == 1));
  }
}

TEST_CASE("Case model: a transition that needs a reason is refused without one", "[case_model]") {
  Status s = CheckTransition(CaseStatus::kInReview, Action::kDeny, "");
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("deny") && Catch::Contains("reason"));
  CHECK(CheckTransition(CaseStatus::kInReview, Action::kDeny, "materials forged").ok());
  CHECK(CheckTransition(CaseStatus::kInReview, Action::kApprove, "").ok());
}

TEST_CASE("Case model: CheckTransition names the status and the allowed actions", "[case_model]") {
  Status s = CheckTransition(CaseStatus::kReceived, Action::kApprove, "");
  REQUIRE(s.code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(s.message(), Catch::Contains("\"approve\"") && Catch::Contains("\"received\""));
  for (const auto& a : ExpectedAllowed().at("received")) CHECK_THAT(s.message(), Catch::Contains(a));
  CHECK_THAT(s.message(), !Catch::Contains("start-review"));
}

TEST_CASE("Case model: CheckTransition in a closed status says that nothing is allowed", "[case_model]") {
  Status s = CheckTransition(CaseStatus::kWithdrawn, Action::kAccept, "");
  REQUIRE(s.code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(s.message(), Catch::Contains("\"withdrawn\"") && Catch::Contains("closed"));
}

TEST_CASE("Case model: CheckTransition prefers the state error over a missing reason", "[case_model]") {
  // deny is not allowed in received: the person must learn that first, not be asked for a reason.
  Status s = CheckTransition(CaseStatus::kReceived, Action::kDeny, "");
  CHECK(s.code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("Case model: reasons must be valid UTF-8 of at most 2000 characters", "[case_model]") {
  CHECK(CheckTransition(CaseStatus::kInReview, Action::kSuspend, std::string(2000, 'a')).ok());
  // 2000 characters of three bytes each are still 2000 characters.
  std::string han;
  for (int i = 0; i < 2000; ++i) han += "\xe5\xae\xa1";  // 审
  CHECK(CheckTransition(CaseStatus::kInReview, Action::kSuspend, han).ok());
  CHECK(CheckTransition(CaseStatus::kInReview, Action::kSuspend, std::string(2001, 'a')).code() ==
        StatusCode::kInvalidArgument);
  CHECK(CheckTransition(CaseStatus::kInReview, Action::kSuspend, "bad \xff byte").code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("Case model: guarded and plain fields are the ones of the design", "[case_model]") {
  for (const char* f : {"applicant_name", "applicant_id", "applicant_id_type", "item_code"}) {
    CHECK(IsGuardedField(f));
    CHECK_FALSE(IsPlainField(f));
  }
  for (const char* f : {"phone", "address", "summary", "channel"}) {
    CHECK(IsPlainField(f));
    CHECK_FALSE(IsGuardedField(f));
  }
  CHECK_FALSE(IsGuardedField("status"));
  CHECK_FALSE(IsPlainField("status"));
  const auto& all = AllFieldNames();
  REQUIRE(all.size() == 8);
  // Guarded first.
  for (size_t i = 0; i < 4; ++i) CHECK(IsGuardedField(all[i]));
  for (size_t i = 4; i < 8; ++i) CHECK(IsPlainField(all[i]));
}

TEST_CASE("Case model: a resident ID number with a correct check character is accepted", "[case_model]") {
  // The GB 11643 worked example; its check character is X.
  CHECK(ValidateField("applicant_id", "11010519491231002X", "resident_id").ok());
  CHECK(ValidateField("applicant_id", "11010519491231002x", "resident_id").ok());
  for (uint32_t n = 0; n < 50; ++n) {
    CAPTURE(n);
    CHECK(ValidateField("applicant_id", test::ResidentId(n), "resident_id").ok());
  }
}

TEST_CASE("Case model: a resident ID number with a wrong check character names the expected one",
          "[case_model]") {
  Status s = ValidateField("applicant_id", "110105194912310021", "resident_id");
  REQUIRE(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("110105194912310021") && Catch::Contains("'1'") &&
                              Catch::Contains("expected 'X'"));
  // Every wrong check character is refused.
  std::string good = test::ResidentId(7);
  for (char c : std::string("0123456789X")) {
    if (c == good[17]) continue;
    std::string bad = good.substr(0, 17) + c;
    CAPTURE(bad);
    CHECK(ValidateField("applicant_id", bad, "resident_id").code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Case model: a resident ID number of the wrong length or with letters is refused", "[case_model]") {
  Status short_id = ValidateField("applicant_id", "11010519491231002", "resident_id");
  CHECK(short_id.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(short_id.message(), Catch::Contains("18"));
  Status letters = ValidateField("applicant_id", "1101051949123100AX", "resident_id");
  CHECK(letters.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(letters.message(), Catch::Contains("17 digits"));
}

TEST_CASE("Case model: other ID types are not checked as resident ID numbers", "[case_model]") {
  CHECK(ValidateField("applicant_id", "E12345678", "passport").ok());
  CHECK(ValidateField("applicant_id", "", "passport").code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Case model: an unknown field is refused with the list of field names", "[case_model]") {
  Status s = ValidateField("status", "approved", "resident_id");
  REQUIRE(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("\"status\""));
  for (const auto& f : AllFieldNames()) CHECK_THAT(s.message(), Catch::Contains(f));
}

TEST_CASE("Case model: field values are checked for length, control characters, and phone characters",
          "[case_model]") {
  CHECK(ValidateField("phone", "+86 0482-1234567", "").ok());
  Status phone = ValidateField("phone", "0482/123", "");
  CHECK(phone.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(phone.message(), Catch::Contains("0482/123"));

  CHECK(ValidateField("applicant_name", std::string(50, 'a'), "").ok());
  Status long_name = ValidateField("applicant_name", std::string(51, 'a'), "");
  CHECK(long_name.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(long_name.message(), Catch::Contains("51") && Catch::Contains("50"));
  CHECK(ValidateField("address", std::string(200, 'a'), "").ok());
  CHECK(ValidateField("address", std::string(201, 'a'), "").code() == StatusCode::kInvalidArgument);
  CHECK(ValidateField("summary", std::string(2000, 'a'), "").ok());
  CHECK(ValidateField("summary", std::string(2001, 'a'), "").code() == StatusCode::kInvalidArgument);

  CHECK(ValidateField("address", "line\nbreak", "").code() == StatusCode::kInvalidArgument);
  CHECK(ValidateField("summary", "bad \xc3", "").code() == StatusCode::kInvalidArgument);
  // Names in Mongolian or Chinese script count characters, not bytes.
  CHECK(ValidateField("applicant_name", "\xe5\xb7\xb4\xe9\x9b\x85\xe5\xb0\x94", "").ok());  // 巴雅尔
}

TEST_CASE("Case model: guarded fields may not be emptied, plain fields may", "[case_model]") {
  for (const char* f : {"applicant_name", "applicant_id", "applicant_id_type", "item_code"}) {
    CAPTURE(f);
    CHECK(ValidateField(f, "", "passport").code() == StatusCode::kInvalidArgument);
  }
  for (const char* f : {"phone", "address", "summary", "channel"}) {
    CAPTURE(f);
    CHECK(ValidateField(f, "", "resident_id").ok());
  }
}

}  // namespace
}  // namespace silian::sync
