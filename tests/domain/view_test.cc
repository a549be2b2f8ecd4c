// Readers of the case view (domain/view.h): both shapes the projection writes read alike.
#include "domain/view.h"

#include <catch2/catch.hpp>

#include "domain/projection.h"
#include "support/test_util.h"

namespace silian::sync {
namespace {

using nlohmann::json;

TEST_CASE("View: materials read alike from a view with history and from the stored summary", "[view]") {
  json with_history = {{"materials", json::array({{{"name", "身份证复印件"}, {"copies", 2}, {"op", "n1:4"},
                                                   {"actor", "agent-1"}, {"time", "2026-03-02T01:00:00.000Z"}}})}};
  json summary = {{"materials", json::array({json::array({"n1:4", "身份证复印件", 2, "agent-1"})})}};
  for (const json* view : {&with_history, &summary}) {
    auto materials = ViewMaterials(*view);
    REQUIRE(materials.size() == 1);
    CHECK(materials[0].name == "身份证复印件");
    CHECK(materials[0].copies == 2);
    CHECK(materials[0].op == "n1:4");
    CHECK(materials[0].actor == "agent-1");
  }
  CHECK(ViewMaterials(with_history)[0].time == "2026-03-02T01:00:00.000Z");
  CHECK(ViewMaterials(summary)[0].time.empty());
}

TEST_CASE("View: materials as the projection writes them, in both shapes", "[view]") {
  uint64_t t0 = test::Stamp(test::kT0Ms);
  std::vector<pb::Op> ops = {test::CreatedOp({"n1:1", t0, {}}),
                             test::MaterialOp({"n1:2", t0 + 1, {"n1:1"}}, "household register", 3)};
  for (ProjectionDetail detail : {ProjectionDetail::kWithHistory, ProjectionDetail::kSummary}) {
    auto materials = ViewMaterials(ProjectCase(CaseId{"n1:1"}, ops, detail).view);
    REQUIRE(materials.size() == 1);
    CHECK(materials[0].name == "household register");
    CHECK(materials[0].copies == 3);
    CHECK(materials[0].op == "n1:2");
    CHECK(materials[0].actor == "staff-1");
  }
}

TEST_CASE("View: malformed materials are skipped, a view without them reads as none", "[view]") {
  CHECK(ViewMaterials(json::object()).empty());
  CHECK(ViewMaterials(json::array()).empty());
  CHECK(ViewMaterials({{"materials", "photo"}}).empty());
  json view = {{"materials", json::array({json::array({"n1:4", "photo"}), {{"name", "photo"}, {"copies", -1}},
                                          json::array({"n1:5", "photo", 1, "agent-1"})})}};
  auto materials = ViewMaterials(view);
  REQUIRE(materials.size() == 1);
  CHECK(materials[0].op == "n1:5");
}

TEST_CASE("View: field values, and the applicant ID type with its default", "[view]") {
  json view = {{"fields", {{"phone", {{"value", "13800000000"}, {"op", "n1:1"}}}, {"summary", {{"op", "n1:1"}}}}}};
  CHECK(ViewFieldValue(view, "phone") == std::optional<std::string>("13800000000"));
  CHECK(ViewFieldValue(view, "summary") == std::nullopt);
  CHECK(ViewFieldValue(view, "address") == std::nullopt);
  CHECK(ViewFieldValue(json::object(), "phone") == std::nullopt);
  CHECK(ViewApplicantIdType(view) == "resident_id");
  view["fields"]["applicant_id_type"] = {{"value", "passport"}, {"op", "n1:2"}};
  CHECK(ViewApplicantIdType(view) == "passport");
}

TEST_CASE("View: dissatisfied and very_dissatisfied are the negative ratings", "[view]") {
  CHECK(IsNegativeRating("dissatisfied"));
  CHECK(IsNegativeRating("very_dissatisfied"));
  CHECK_FALSE(IsNegativeRating("basically_satisfied"));
  CHECK_FALSE(IsNegativeRating("satisfied"));
  CHECK_FALSE(IsNegativeRating("very_satisfied"));
  CHECK_FALSE(IsNegativeRating(""));
}

}  // namespace
}  // namespace silian::sync
