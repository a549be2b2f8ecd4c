// Pure tests of the per-case fold: hand-made ops, no store.
#include "domain/projection.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/test_util.h"

namespace silian::sync {
namespace {

using nlohmann::json;
using test::ActOp;
using test::CreatedOp;
using test::MaterialOp;
using test::NoteOp;
using test::ResolveKeepOp;
using test::ResolveValueOp;
using test::SetOp;

const CaseId kCase{"n1:1"};

// The stamp of second `s` after the test epoch.
uint64_t T(uint64_t s, uint64_t logical = 0) { return test::Stamp(test::kT0Ms + s * 1000, logical); }

CaseProjection Project(const std::vector<pb::Op>& ops) { return ProjectCase(kCase, ops); }

const json& HistoryOf(const CaseProjection& p, const std::string& op_id) {
  for (const auto& h : p.view.at("history"))
    if (h.at("op") == op_id) return h;
  FAIL("op " << op_id << " is not in the history: " << p.view.at("history").dump());
  static const json kNone;
  return kNone;
}

// The conflict of `p`, REQUIREd to be its only one, with its id, kind and field CHECKed.
const OpenConflict& OnlyConflict(const CaseProjection& p, const std::string& id, const std::string& kind,
                                 const std::string& field) {
  REQUIRE(p.conflicts.size() == 1);
  const OpenConflict& c = p.conflicts[0];
  CHECK(c.id == id);
  CHECK(c.kind == kind);
  CHECK(c.field == field);
  return c;
}

std::vector<std::string> ConflictIds(const CaseProjection& p) {
  std::vector<std::string> ids;
  for (const auto& c : p.conflicts) ids.push_back(c.id);
  return ids;
}

// Created, received, accepted and in review: the common start of the transition tests.
std::vector<pb::Op> InReview() {
  return {CreatedOp({"n1:1", T(1), {}}), ActOp({"n1:2", T(2), {"n1:1"}}, "receive"),
          ActOp({"n1:3", T(3), {"n1:2"}}, "accept"), ActOp({"n1:4", T(4), {"n1:3"}}, "start-review")};
}

std::vector<pb::Op> Plus(std::vector<pb::Op> ops, std::initializer_list<pb::Op> more) {
  ops.insert(ops.end(), more.begin(), more.end());
  return ops;
}

TEST_CASE("Projection: a created case shows its fields, starts in draft and has the creation op as head",
          "[projection]") {
  auto p = Project({CreatedOp({"n1:1", T(1), {}}, "Bayar", test::ResidentId(1), "ITEM-1")});
  CHECK(p.created);
  CHECK(p.status == "draft");
  CHECK(p.applicant_name == "Bayar");
  CHECK(p.applicant_id == test::ResidentId(1));
  CHECK(p.item_code == "ITEM-1");
  CHECK(p.division == test::kVillage);
  CHECK(p.case_number == std::string(test::kVillage) + "-01-20260101-0001");
  CHECK(p.last_hlc == T(1));
  REQUIRE(p.heads.size() == 1);
  CHECK(p.heads[0].ToString() == "n1:1");
  CHECK(p.conflicts.empty());
  CHECK(p.view.at("fields").at("phone").at("value") == "0482-1234567");
  CHECK(p.view.at("fields").at("applicant_name").at("op") == "n1:1");
  CHECK(p.view.at("op_count") == 1);
  CHECK(p.view.at("last_update") == "2026-01-01T00:00:01.000Z");
}

TEST_CASE("Projection: a case whose creation op has not arrived is shown as not created", "[projection]") {
  auto p = Project({NoteOp({"n2:1", T(2), {"n1:1"}}, "arrived before the case")});
  CHECK_FALSE(p.created);
  CHECK(p.view.at("notes").size() == 1);
  REQUIRE(p.heads.size() == 1);
  CHECK(p.heads[0].ToString() == "n2:1");
}

TEST_CASE("Projection: a creation op with another case's id is ignored", "[projection]") {
  auto p = Project({CreatedOp({"n1:1", T(1), {}}), CreatedOp({"n2:1", T(2), {"n1:1"}}, "Impostor")});
  CHECK(p.applicant_name == "Bayar");
  CHECK(HistoryOf(p, "n2:1").at("outcome") == "ignored");
}

// ---- Order independence.

// A case with concurrency of every kind: plain and guarded clashes, a decision clash, notes, materials, an
// unresolved and a resolved conflict.
std::vector<pb::Op> BusyCase() {
  return Plus(InReview(),
              {SetOp({"n2:1", T(5), {"n1:2"}}, {{"phone", "111"}, {"applicant_name", "Sarangerel"}}),
               SetOp({"n3:1", T(5), {"n1:3"}}, {{"phone", "222"}, {"applicant_name", "Oyunaa"}}),
               SetOp({"n1:5", T(6), {"n1:4"}}, {{"item_code", "ITEM-2"}}),
               SetOp({"n3:2", T(6, 1), {"n1:4", "n3:1"}}, {{"item_code", "ITEM-3"}, {"summary", "late"}}),
               NoteOp({"n2:2", T(7), {"n2:1"}}, "called the applicant"),
               MaterialOp({"n3:3", T(7), {"n3:2"}}, "ID card copy", 2),
               ActOp({"n1:6", T(8), {"n1:5"}}, "approve"),
               ActOp({"n2:3", T(8, 5), {"n2:2", "n1:4"}}, "deny", "not eligible"),
               ResolveKeepOp({"n3:4", T(9), {"n1:5", "n3:3"}}, "n1:1/field/item_code", "n1:5"),
               NoteOp({"n1:7", T(10), {"n1:6", "n2:3"}}, "both decisions seen"),
               MaterialOp({"n2:4", T(4, 9), {"n1:3"}}, "household register", 1)});
}

TEST_CASE("Projection: the fold does not depend on the order ops are given in", "[projection][random]") {
  const std::vector<pb::Op> ops = BusyCase();
  const std::string reference = Project(ops).view.dump();
  for (uint64_t seed : test::Seeds(1, 300)) {
    INFO(test::SeedNote(seed));
    test::Rng rng(seed);
    std::vector<pb::Op> shuffled = ops;
    rng.Shuffle(shuffled);
    auto p = Project(shuffled);
    REQUIRE(p.view.dump() == reference);
  }
}

TEST_CASE("Projection: the busy case folds to the expected state", "[projection]") {
  auto p = Project(BusyCase());
  // approve (T8) sorts before deny (T8+5): approve applies, deny is rejected.
  CHECK(p.status == "decided_approved");
  CHECK(ConflictIds(p) == std::vector<std::string>{"n1:1/field/applicant_name", "n1:1/transition/n2:3"});
  // item_code: n1:5 and n3:2 clashed; the resolution n3:4 saw both (n3:2 through n3:3) and kept n1:5.
  CHECK(p.item_code == "ITEM-2");
  CHECK(p.view.at("fields").at("phone").at("value") == "222");  // same hlc: greater origin wins
  CHECK(p.view.at("notes").size() == 2);
  CHECK(p.view.at("materials").size() == 2);
  CHECK(p.view.at("op_count") == 15);
  std::vector<std::string> heads;
  for (const auto& h : p.heads) heads.push_back(h.ToString());
  CHECK(heads == std::vector<std::string>{"n1:7", "n2:4", "n3:4"});
}

// ---- Plain fields.

TEST_CASE("Projection: plain fields are last-writer-wins by hlc", "[projection]") {
  auto base = std::vector<pb::Op>{CreatedOp({"n1:1", T(1), {}})};
  auto p = Project(Plus(base, {SetOp({"n2:1", T(3), {"n1:1"}}, {{"phone", "from n2"}}),
                               SetOp({"n1:2", T(2), {"n1:1"}}, {{"phone", "from n1"}})}));
  CHECK(p.view.at("fields").at("phone").at("value") == "from n2");
  CHECK(p.view.at("fields").at("phone").at("op") == "n2:1");
  CHECK(p.conflicts.empty());
}

TEST_CASE("Projection: plain writes with equal hlc are ordered by origin, then seq", "[projection]") {
  auto base = std::vector<pb::Op>{CreatedOp({"n1:1", T(1), {}})};
  auto by_origin = Project(Plus(base, {SetOp({"n2:1", T(3), {"n1:1"}}, {{"address", "n2"}}),
                                       SetOp({"n1:2", T(3), {"n1:1"}}, {{"address", "n1"}})}));
  CHECK(by_origin.view.at("fields").at("address").at("value") == "n2");
  auto by_seq = Project(Plus(base, {SetOp({"n1:3", T(3), {"n1:1"}}, {{"address", "seq 3"}}),
                                    SetOp({"n1:2", T(3), {"n1:1"}}, {{"address", "seq 2"}})}));
  CHECK(by_seq.view.at("fields").at("address").at("value") == "seq 3");
}

TEST_CASE("Projection: an unknown field in a fields op is ignored and shown in the history", "[projection]") {
  auto p = Project({CreatedOp({"n1:1", T(1), {}}),
                    SetOp({"n1:2", T(2), {"n1:1"}}, {{"favourite_colour", "blue"}, {"phone", "123"}})});
  CHECK(p.view.at("fields").at("phone").at("value") == "123");
  CHECK(p.view.at("fields").count("favourite_colour") == 0);
  CHECK(HistoryOf(p, "n1:2").at("ignored_fields") == json::array({"favourite_colour"}));
}

// ---- Guarded fields.

TEST_CASE("Projection: concurrent writes of a guarded field raise a conflict with candidates and a "
          "provisional value",
          "[projection]") {
  auto p = Project({CreatedOp({"n1:1", T(1), {}}),
                    SetOp({"n1:2", T(2), {"n1:1"}}, {{"applicant_name", "Bayar Temur"}}),
                    SetOp({"n2:1", T(3), {"n1:1"}}, {{"applicant_name", "Bayartemur"}})});
  const OpenConflict& c = OnlyConflict(p, "n1:1/field/applicant_name", "field", "applicant_name");
  // The provisional value is the write with the greatest (hlc, origin, seq).
  CHECK(c.detail.at("provisional") == "Bayartemur");
  CHECK(p.applicant_name == "Bayartemur");
  const json& candidates = c.detail.at("candidates");
  REQUIRE(candidates.size() == 2);
  CHECK(candidates[0].at("op") == "n1:2");
  CHECK(candidates[0].at("value") == "Bayar Temur");
  CHECK(candidates[1].at("op") == "n2:1");
  CHECK(candidates[1].at("value") == "Bayartemur");
  CHECK(candidates[1].at("actor") == "staff-1");
  const json& field = p.view.at("fields").at("applicant_name");
  CHECK(field.at("value") == "Bayartemur");
  CHECK(field.at("conflict") == "n1:1/field/applicant_name");
  REQUIRE(p.view.at("conflicts").size() == 1);
  CHECK(p.view.at("conflicts")[0] == c.detail);
}

TEST_CASE("Projection: each guarded field has its own conflict", "[projection]") {
  auto p = Project({CreatedOp({"n1:1", T(1), {}}),
                    SetOp({"n1:2", T(2), {"n1:1"}}, {{"applicant_id", test::ResidentId(2)}, {"item_code", "A"}}),
                    SetOp({"n2:1", T(3), {"n1:1"}}, {{"applicant_id", test::ResidentId(3)}, {"item_code", "B"}})});
  CHECK(ConflictIds(p) == std::vector<std::string>{"n1:1/field/applicant_id", "n1:1/field/item_code"});
}

TEST_CASE("Projection: a guarded write that saw the other does not conflict, whatever the clocks say",
          "[projection]") {
  // n2's clock is behind, but n2:1 names n1:2 as its parent: it is a correction of it.
  auto p = Project({CreatedOp({"n1:1", T(1), {}}),
                    SetOp({"n1:2", T(5), {"n1:1"}}, {{"applicant_name", "Bayar Temur"}}),
                    SetOp({"n2:1", T(3), {"n1:2"}}, {{"applicant_name", "Bayartemur"}})});
  CHECK(p.conflicts.empty());
  CHECK(p.applicant_name == "Bayartemur");
  CHECK(p.view.at("fields").at("applicant_name").count("conflict") == 0);
}

TEST_CASE("Projection: a guarded write that saw the other through a chain of ops does not conflict",
          "[projection]") {
  auto p = Project({CreatedOp({"n1:1", T(1), {}}), SetOp({"n1:2", T(2), {"n1:1"}}, {{"item_code", "A"}}),
                    NoteOp({"n2:1", T(3), {"n1:2"}}, "seen"), NoteOp({"n3:1", T(4), {"n2:1"}}, "seen too"),
                    SetOp({"n3:2", T(5), {"n3:1"}}, {{"item_code", "B"}})});
  CHECK(p.conflicts.empty());
  CHECK(p.item_code == "B");
}

TEST_CASE("Projection: concurrent writes of the same guarded value do not conflict", "[projection]") {
  auto p = Project({CreatedOp({"n1:1", T(1), {}}),
                    SetOp({"n1:2", T(2), {"n1:1"}}, {{"applicant_name", "Bayartemur"}}),
                    SetOp({"n2:1", T(3), {"n1:1"}}, {{"applicant_name", "Bayartemur"}})});
  CHECK(p.conflicts.empty());
  CHECK(p.applicant_name == "Bayartemur");
  CHECK(p.view.at("fields").at("applicant_name").at("op") == "n2:1");
}

std::vector<pb::Op> NameClash() {
  return {CreatedOp({"n1:1", T(1), {}}), SetOp({"n1:2", T(2), {"n1:1"}}, {{"applicant_name", "Bayar Temur"}}),
          SetOp({"n2:1", T(3), {"n1:1"}}, {{"applicant_name", "Bayartemur"}})};
}

TEST_CASE("Projection: resolving a field conflict by keeping one op closes it with that op's value",
          "[projection]") {
  auto p = Project(Plus(NameClash(), {ResolveKeepOp({"n3:1", T(4), {"n1:2", "n2:1"}},
                                                    "n1:1/field/applicant_name", "n1:2")}));
  CHECK(p.conflicts.empty());
  CHECK(p.applicant_name == "Bayar Temur");
  CHECK(p.view.at("fields").at("applicant_name").at("op") == "n3:1");
  const json& h = HistoryOf(p, "n3:1");
  CHECK(h.at("outcome") == "applied");
  CHECK(h.at("keep") == "n1:2");
  CHECK(h.at("value") == "Bayar Temur");
}

TEST_CASE("Projection: resolving a field conflict by keeping the provisional value also closes it",
          "[projection]") {
  auto p = Project(Plus(NameClash(), {ResolveKeepOp({"n1:3", T(4), {"n1:2", "n2:1"}},
                                                    "n1:1/field/applicant_name", "n2:1")}));
  CHECK(p.conflicts.empty());
  CHECK(p.applicant_name == "Bayartemur");
}

TEST_CASE("Projection: resolving a field conflict with a new value closes it with that value", "[projection]") {
  auto p = Project(Plus(NameClash(), {ResolveValueOp({"n1:3", T(4), {"n1:2", "n2:1"}},
                                                     "n1:1/field/applicant_name", "Bayar-Temur")}));
  CHECK(p.conflicts.empty());
  CHECK(p.applicant_name == "Bayar-Temur");
}

TEST_CASE("Projection: a resolution that did not see every competing write leaves the conflict open",
          "[projection]") {
  auto p = Project(Plus(NameClash(), {SetOp({"n3:1", T(3, 1), {"n1:1"}}, {{"applicant_name", "Bayar"}}),
                                      ResolveKeepOp({"n1:3", T(4), {"n1:2", "n2:1"}},
                                                    "n1:1/field/applicant_name", "n1:2")}));
  REQUIRE(p.conflicts.size() == 1);
  const json& candidates = p.conflicts[0].detail.at("candidates");
  REQUIRE(candidates.size() == 2);
  CHECK(candidates[0].at("op") == "n1:3");
  CHECK(candidates[0].at("value") == "Bayar Temur");
  CHECK(candidates[1].at("op") == "n3:1");
}

TEST_CASE("Projection: two concurrent resolutions choosing different values conflict again", "[projection]") {
  auto p = Project(Plus(NameClash(), {ResolveKeepOp({"n1:3", T(4), {"n1:2", "n2:1"}},
                                                    "n1:1/field/applicant_name", "n1:2"),
                                      ResolveKeepOp({"n2:2", T(5), {"n1:2", "n2:1"}},
                                                    "n1:1/field/applicant_name", "n2:1")}));
  REQUIRE(p.conflicts.size() == 1);
  CHECK(p.conflicts[0].detail.at("provisional") == "Bayartemur");
}

TEST_CASE("Projection: two concurrent resolutions choosing the same value close the conflict", "[projection]") {
  auto p = Project(Plus(NameClash(), {ResolveKeepOp({"n1:3", T(4), {"n1:2", "n2:1"}},
                                                    "n1:1/field/applicant_name", "n1:2"),
                                      ResolveValueOp({"n2:2", T(5), {"n1:2", "n2:1"}},
                                                     "n1:1/field/applicant_name", "Bayar Temur")}));
  CHECK(p.conflicts.empty());
  CHECK(p.applicant_name == "Bayar Temur");
}

TEST_CASE("Projection: a resolution keeping an op that did not write the field is ignored", "[projection]") {
  auto p = Project(Plus(NameClash(), {NoteOp({"n1:3", T(4), {"n1:2"}}, "x"),
                                      ResolveKeepOp({"n1:4", T(5), {"n1:3", "n2:1"}},
                                                    "n1:1/field/applicant_name", "n1:3")}));
  CHECK(HistoryOf(p, "n1:4").at("outcome") == "ignored");
  CHECK(p.conflicts.size() == 1);
}

TEST_CASE("Projection: a resolution naming a plain field or another case is ignored", "[projection]") {
  auto p = Project(Plus(NameClash(), {ResolveValueOp({"n1:3", T(4), {"n1:2", "n2:1"}}, "n1:1/field/phone", "1"),
                                      ResolveValueOp({"n1:4", T(5), {"n1:3"}}, "n9:9/field/applicant_name", "X")}));
  CHECK(HistoryOf(p, "n1:3").at("outcome") == "ignored");
  CHECK(HistoryOf(p, "n1:4").at("outcome") == "ignored");
  CHECK(p.view.at("fields").at("phone").at("value") == "0482-1234567");
  CHECK(p.conflicts.size() == 1);
}

// ---- Transitions.

TEST_CASE("Projection: transitions follow the state machine", "[projection]") {
  auto p = Project(Plus(InReview(), {ActOp({"n1:5", T(5), {"n1:4"}}, "suspend", "site inspection"),
                                     ActOp({"n1:6", T(6), {"n1:5"}}, "resume")}));
  CHECK(p.status == "in_review");
  const json& h = HistoryOf(p, "n1:5");
  CHECK(h.at("from") == "in_review");
  CHECK(h.at("to") == "suspended");
  CHECK(h.at("reason") == "site inspection");
  CHECK(h.at("outcome") == "applied");
}

TEST_CASE("Projection: approve and deny concurrently: one is applied, the other rejected with an open "
          "transition conflict",
          "[projection]") {
  auto p = Project(Plus(InReview(), {ActOp({"n1:5", T(5), {"n1:4"}}, "approve"),
                                     ActOp({"n2:1", T(6), {"n1:4"}}, "deny", "not eligible")}));
  CHECK(p.status == "decided_approved");
  CHECK(HistoryOf(p, "n1:5").at("outcome") == "applied");
  const json& rejected = HistoryOf(p, "n2:1");
  CHECK(rejected.at("outcome") == "rejected");
  CHECK(rejected.at("conflict") == "n1:1/transition/n2:1");
  const OpenConflict& c = OnlyConflict(p, "n1:1/transition/n2:1", "transition", "deny");
  CHECK(c.detail.at("status_then") == "decided_approved");
  const json& candidates = c.detail.at("candidates");
  REQUIRE(candidates.size() == 2);
  CHECK(candidates[0].at("op") == "n2:1");
  CHECK(candidates[0].at("action") == "deny");
  CHECK(candidates[0].at("outcome") == "rejected");
  CHECK(candidates[1].at("op") == "n1:5");
  CHECK(candidates[1].at("action") == "approve");
  CHECK(candidates[1].at("outcome") == "applied");
}

TEST_CASE("Projection: of two concurrent decisions the one with the smaller stamp is applied", "[projection]") {
  auto p = Project(Plus(InReview(), {ActOp({"n1:5", T(6), {"n1:4"}}, "approve"),
                                     ActOp({"n2:1", T(5), {"n1:4"}}, "deny", "not eligible")}));
  CHECK(p.status == "decided_denied");
  CHECK(ConflictIds(p) == std::vector<std::string>{"n1:1/transition/n1:5"});
}

TEST_CASE("Projection: concurrent identical actions are a duplicate, not a conflict", "[projection]") {
  auto p = Project(Plus(InReview(), {ActOp({"n1:5", T(5), {"n1:4"}}, "approve"),
                                     ActOp({"n2:1", T(6), {"n1:4"}}, "approve")}));
  CHECK(p.status == "decided_approved");
  CHECK(p.conflicts.empty());
  const json& h = HistoryOf(p, "n2:1");
  CHECK(h.at("outcome") == "duplicate");
  CHECK(h.at("duplicate_of") == "n1:5");
}

TEST_CASE("Projection: repeating an action its author had already seen is rejected, not a duplicate",
          "[projection]") {
  auto p = Project(Plus(InReview(), {ActOp({"n1:5", T(5), {"n1:4"}}, "approve"),
                                     ActOp({"n2:1", T(6), {"n1:5"}}, "approve")}));
  CHECK(HistoryOf(p, "n2:1").at("outcome") == "rejected");
  CHECK(ConflictIds(p) == std::vector<std::string>{"n1:1/transition/n2:1"});
}

TEST_CASE("Projection: a decision after a concurrent withdrawal is rejected", "[projection]") {
  auto p = Project(Plus(InReview(), {ActOp({"n2:1", T(5), {"n1:4"}}, "withdraw", "applicant moved away"),
                                     ActOp({"n1:5", T(6), {"n1:4"}}, "approve")}));
  CHECK(p.status == "withdrawn");
  REQUIRE(p.conflicts.size() == 1);
  CHECK(p.conflicts[0].detail.at("status_then") == "withdrawn");
  CHECK(p.conflicts[0].field == "approve");
}

TEST_CASE("Projection: resolving a transition conflict with --keep of the rejected op forces its status",
          "[projection]") {
  auto ops = Plus(InReview(), {ActOp({"n1:5", T(5), {"n1:4"}}, "approve"),
                               ActOp({"n2:1", T(6), {"n1:4"}}, "deny", "not eligible"),
                               ResolveKeepOp({"n1:6", T(7), {"n1:5", "n2:1"}}, "n1:1/transition/n2:1", "n2:1")});
  auto p = Project(ops);
  CHECK(p.status == "decided_denied");
  CHECK(p.conflicts.empty());
  CHECK(HistoryOf(p, "n1:6").at("forced") == "decided_denied");

  SECTION("and the case goes on from the forced status") {
    auto q = Project(Plus(ops, {ActOp({"n1:7", T(8), {"n1:6"}}, "complete")}));
    CHECK(q.status == "completed");
    CHECK(q.conflicts.empty());
  }
}

TEST_CASE("Projection: resolving a transition conflict by keeping the applied op dismisses the rejected one",
          "[projection]") {
  auto p = Project(Plus(InReview(), {ActOp({"n1:5", T(5), {"n1:4"}}, "approve"),
                                     ActOp({"n2:1", T(6), {"n1:4"}}, "deny", "not eligible"),
                                     ResolveKeepOp({"n2:2", T(7), {"n1:5", "n2:1"}}, "n1:1/transition/n2:1",
                                                   "n1:5")}));
  CHECK(p.status == "decided_approved");
  CHECK(p.conflicts.empty());
  CHECK(HistoryOf(p, "n2:2").at("dismissed") == true);
}

TEST_CASE("Projection: a second resolution of a closed transition conflict is ignored", "[projection]") {
  auto p = Project(Plus(InReview(), {ActOp({"n1:5", T(5), {"n1:4"}}, "approve"),
                                     ActOp({"n2:1", T(6), {"n1:4"}}, "deny", "not eligible"),
                                     ResolveKeepOp({"n1:6", T(7), {"n1:5", "n2:1"}}, "n1:1/transition/n2:1", "n1:5"),
                                     ResolveKeepOp({"n2:2", T(8), {"n1:5", "n2:1"}}, "n1:1/transition/n2:1",
                                                   "n2:1")}));
  CHECK(p.status == "decided_approved");
  CHECK(p.conflicts.empty());
  CHECK(HistoryOf(p, "n2:2").at("outcome") == "ignored");
}

TEST_CASE("Projection: a transition with an action unknown to this version is kept and ignored", "[projection]") {
  auto p = Project(Plus(InReview(), {ActOp({"n2:1", T(5), {"n1:4"}}, "escalate-to-province")}));
  CHECK(p.status == "in_review");
  CHECK(p.conflicts.empty());
  CHECK(HistoryOf(p, "n2:1").at("outcome") == "ignored");
}

// ---- Append-only facts.

TEST_CASE("Projection: materials and notes are append-only and never conflict", "[projection]") {
  auto p = Project({CreatedOp({"n1:1", T(1), {}}), NoteOp({"n1:2", T(2), {"n1:1"}}, "called"),
                    NoteOp({"n2:1", T(2), {"n1:1"}}, "called"), MaterialOp({"n2:2", T(3), {"n1:1"}}, "photo", 2),
                    MaterialOp({"n3:1", T(3), {"n1:1"}}, "photo", 1)});
  CHECK(p.conflicts.empty());
  const json& notes = p.view.at("notes");
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].at("op") == "n1:2");
  CHECK(notes[1].at("op") == "n2:1");
  CHECK(notes[1].at("text") == "called");
  const json& materials = p.view.at("materials");
  REQUIRE(materials.size() == 2);
  CHECK(materials[0].at("op") == "n2:2");
  CHECK(materials[0].at("copies") == 2);
  CHECK(materials[1].at("op") == "n3:1");
  CHECK(materials[1].at("name") == "photo");
}

// ---- Forward compatibility.

TEST_CASE("Projection: an op of a kind unknown to this version is kept and ignored", "[projection]") {
  // An op written by a newer version: body field 40 (reserved for fees), unknown here.
  pb::Op envelope = test::Envelope({"n2:1", T(3), {"n1:2"}});
  std::string bytes = envelope.SerializeAsString();
  bytes += std::string("\xc2\x02\x03", 3) + "fee";  // tag (40 << 3 | 2) as a varint, length 3
  pb::Op unknown;
  REQUIRE(unknown.ParseFromString(bytes));
  REQUIRE(unknown.body_case() == pb::Op::BODY_NOT_SET);

  auto base = std::vector<pb::Op>{CreatedOp({"n1:1", T(1), {}}), ActOp({"n1:2", T(2), {"n1:1"}}, "receive")};
  auto without = Project(base);
  auto with = Project(Plus(base, {unknown}));
  const json& h = HistoryOf(with, "n2:1");
  CHECK(h.at("outcome") == "ignored");
  CHECK(h.at("kind") == "unknown");
  CHECK(with.status == without.status);
  CHECK(with.view.at("fields") == without.view.at("fields"));
  CHECK(with.conflicts.empty());
  CHECK(with.view.at("op_count") == 3);
  REQUIRE(with.heads.size() == 1);
  CHECK(with.heads[0].ToString() == "n2:1");
}

TEST_CASE("Projection: parents outside the given ops are ignored", "[projection]") {
  auto p = Project({CreatedOp({"n1:1", T(1), {}}), NoteOp({"n2:5", T(2), {"n1:1", "n2:4", "n7:1"}}, "late")});
  CHECK(p.view.at("notes").size() == 1);
  REQUIRE(p.heads.size() == 1);
  CHECK(p.heads[0].ToString() == "n2:5");
}

TEST_CASE("Projection: HlcToIso prints the physical part as UTC with milliseconds", "[projection]") {
  CHECK(HlcToIso(test::Stamp(test::kT0Ms + 123, 77)) == "2026-01-01T00:00:00.123Z");
  CHECK(HlcToIso(0) == "1970-01-01T00:00:00.000Z");
}

// ---- Random DAGs: order independence and determinism over many shapes.

// A random case of n ops by 3 origins, each op naming one or two earlier ops of the case as parents
// (as an author who had seen them would), with stamps that may disagree with causality (skewed clocks).
std::vector<pb::Op> RandomCase(test::Rng& rng, int n) {
  std::vector<pb::Op> ops = {CreatedOp({"n1:1", T(1), {}})};
  std::map<std::string, uint64_t> next_seq = {{"n1", 2}, {"n2", 1}, {"n3", 1}};
  const std::vector<std::string> origins = {"n1", "n2", "n3"};
  const std::vector<std::string> actions = {"receive", "forward", "accept", "start-review", "approve", "deny",
                                            "complete", "withdraw"};
  for (int i = 1; i < n; ++i) {
    std::string origin = rng.Pick(origins);
    std::string id = origin + ":" + std::to_string(next_seq[origin]++);
    std::vector<std::string> parents;
    const pb::Op& p1 = ops[static_cast<size_t>(rng.Below(ops.size()))];
    parents.push_back(p1.origin() + ":" + std::to_string(p1.seq()));
    if (rng.Percent(30)) {
      const pb::Op& p2 = ops[static_cast<size_t>(rng.Below(ops.size()))];
      std::string second = p2.origin() + ":" + std::to_string(p2.seq());
      if (second != parents[0]) parents.push_back(second);
    }
    test::Head h{id, T(rng.Between(1, 30), rng.Below(3)), parents};
    switch (rng.Below(6)) {
      case 0: ops.push_back(SetOp(h, {{"phone", std::to_string(rng.Below(3))}})); break;
      case 1: ops.push_back(SetOp(h, {{"applicant_name", test::NamePool()[rng.Below(2)]}})); break;
      case 2: ops.push_back(ActOp(h, rng.Pick(actions), "r")); break;
      case 3: ops.push_back(NoteOp(h, "n" + std::to_string(i))); break;
      case 4: {
        std::string target = ops[static_cast<size_t>(rng.Below(ops.size()))].origin();
        ops.push_back(ResolveValueOp(h, "n1:1/field/applicant_name", "Resolved " + target));
        break;
      }
      default: ops.push_back(ActOp(h, "approve")); break;
    }
  }
  return ops;
}

TEST_CASE("Projection: random cases fold to the same state in every order", "[projection][random]") {
  for (uint64_t seed : test::Seeds(1, 300)) {
    INFO(test::SeedNote(seed));
    test::Rng rng(seed);
    auto ops = RandomCase(rng, static_cast<int>(rng.Between(2, 25)));
    const std::string reference = Project(ops).view.dump();
    for (int round = 0; round < 5; ++round) {
      rng.Shuffle(ops);
      auto p = Project(ops);
      INFO("round " << round);
      REQUIRE(p.view.dump() == reference);
    }
  }
}

}  // namespace
}  // namespace silian::sync
