// The projection's output pinned byte for byte: every replica of every version that shares this ledger
// format must compute the same bytes from the same ops, so a refactoring of the fold may not change them.
//
// A seeded generator (its own, independent of the code under test) writes 300 cases of every op kind the
// fold knows and some it does not: several origins with partial knowledge of each other, skewed clocks,
// concurrent guarded writes, transitions along and off the state machine, resolutions (good and bad),
// parallel items with department decisions, authority levels, fees, evaluations and rectification steps,
// forged parents (missing, repeated, cycles). Each case is folded from a shuffled copy of its ops, with
// and without history, and everything ProjectCase returns is written as one JSON line. The lines must
// equal tests/domain/golden/projection_views.jsonl, written by the code before the fold was split up.
//
// Rewrite the file (only when a change of the output is intended and the ledger format's version log
// says so): SILIAN_WRITE_GOLDEN=1 silian_sync_tests "Projection golden*"
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "domain/projection.h"
#include "support/files.h"
#include "support/seeds.h"

namespace silian::sync {
namespace {

using nlohmann::json;

constexpr int kCases = 300;
constexpr uint64_t kT0Ms = 1767225600000ull;  // 2026-01-01T00:00:00Z
const std::string kGoldenPath = test::SourceFile("tests/domain/golden/projection_views.jsonl");

// The shared test generator: its stream is pinned by this test's golden file.
using test::Rng;

const std::vector<std::string> kLevels = {"village", "township", "county", "city"};
const std::vector<std::string> kDepartments = {"Market Bureau", "Fire Brigade", "Environment Office",
                                               "Health Commission"};
const std::vector<std::string> kPath = {"receive",  "forward",  "accept",   "start-review",      "suspend",
                                        "resume",   "extend",   "approve",  "complete",          "issue-certificate",
                                        "deliver"};
const std::vector<std::string> kActions = {
    "receive", "forward", "accept",  "request-correction", "supply-correction", "not-accept",
    "start-review", "suspend", "resume", "approve", "approve-tolerant", "deny",
    "complete", "issue-certificate", "deliver", "withdraw", "revoke", "terminate", "extend", "teleport"};
const std::vector<std::string> kGuarded = {"applicant_name", "applicant_id_type", "applicant_id", "item_code"};
const std::vector<std::string> kPlain = {"phone", "address", "summary", "channel"};

std::string IdText(const pb::Op& op) { return op.origin() + ":" + std::to_string(op.seq()); }

pb::ItemTerms RandomTerms(Rng& rng) {
  pb::ItemTerms t;
  t.set_version(static_cast<uint32_t>(rng.Between(1, 4)));
  t.set_name(rng.Percent(50) ? "个体工商户设立登记" : "Pension certificate");
  t.set_exercise_level(rng.Percent(5) ? "galaxy" : rng.Pick(kLevels));
  t.set_instant(rng.Percent(20));
  t.mutable_legal_limit()->set_value(static_cast<uint32_t>(rng.Between(1, 30)));
  t.mutable_legal_limit()->set_unit("working_days");
  t.mutable_promised_limit()->set_value(static_cast<uint32_t>(rng.Between(1, 20)));
  t.mutable_promised_limit()->set_unit(rng.Percent(80) ? "working_days" : "hours");
  t.set_lead_department(kDepartments[0]);
  if (rng.Percent(45)) {
    uint64_t n = rng.Between(1, 3);
    for (uint64_t i = 1; i <= n; ++i) t.add_departments(kDepartments[i]);
  }
  return t;
}

// The ops of one case as several origins write them. Each origin knows a subset of the case's ops (its
// own and what it received); an op's parents are the heads of what its author knew.
class CaseWriter {
 public:
  CaseWriter(Rng& rng, uint64_t case_no) : rng_(rng) {
    size_t n_origins = static_cast<size_t>(rng_.Between(1, 4));
    for (size_t i = 0; i < n_origins; ++i) {
      origins_.push_back(std::string(1, static_cast<char>('a' + i)) + std::to_string(case_no % 3));
      skew_ms_.push_back(rng_.Percent(15) ? -static_cast<int64_t>(rng_.Between(1000, 90000)) : 0);
      now_ms_.push_back(kT0Ms + case_no * 86400000ull + rng_.Below(5000));
    }
    known_.resize(n_origins);
    case_id_ = origins_[0] + ":1";
  }

  std::vector<pb::Op> Write() {
    Created(0);
    const int steps = static_cast<int>(rng_.Between(1, 34));
    for (int s = 0; s < steps; ++s) Step();
    std::vector<pb::Op> ops = ops_;
    if (rng_.Percent(6)) ops.erase(ops.begin());  // the creation op has not arrived
    return ops;
  }

  const std::string& case_id() const { return case_id_; }

 private:
  void Step() {
    size_t o = static_cast<size_t>(rng_.Below(origins_.size()));
    if (origins_.size() > 1 && rng_.Percent(20)) {
      size_t from = static_cast<size_t>(rng_.Below(origins_.size()));
      for (size_t i : known_[from])
        if (rng_.Percent(80)) known_[o].insert(i);
    }
    uint64_t what = rng_.Below(100);
    if (what < 10) return Fields(o, false);
    if (what < 20) return Fields(o, true);
    if (what < 44) return Transition(o);
    if (what < 49) return Material(o);
    if (what < 53) return Note(o);
    if (what < 62) return Resolve(o);
    if (what < 70) return Department(o);
    if (what < 78) return Fee(o);
    if (what < 85) return Evaluation(o);
    if (what < 93) return Rectification(o);
    if (what < 95) return Created(o);
    if (what < 97) return Reference(o);
    return Unknown(o);
  }

  // A new op of origin `o`: the next seq, a stamp after what the origin knew (unless its clock is off),
  // and the heads of what it knew as parents, sometimes forged.
  pb::Op& Begin(size_t o) {
    pb::Op op;
    op.set_origin(origins_[o]);
    op.set_seq(++seq_[origins_[o]]);
    now_ms_[o] += rng_.Below(4000);
    uint64_t known_max = 0;
    for (size_t i : known_[o]) known_max = std::max(known_max, ops_[i].hlc());
    uint64_t ms = static_cast<uint64_t>(static_cast<int64_t>(now_ms_[o]) + skew_ms_[o]);
    uint64_t hlc = (ms << 16) | rng_.Below(3);
    if (skew_ms_[o] == 0 && hlc <= known_max) hlc = known_max + 1;
    if (rng_.Percent(5) && !ops_.empty()) hlc = ops_[rng_.Below(ops_.size())].hlc();  // a tie
    op.set_hlc(hlc);
    op.set_actor("staff-" + std::to_string(rng_.Below(3)));
    op.set_case_id(case_id_);
    op.set_division("152222104200");
    for (size_t head : Heads(o)) AddParent(op, ops_[head]);
    if (rng_.Percent(3) && !ops_.empty()) AddParent(op, ops_[rng_.Below(ops_.size())]);  // repeated or extra
    if (rng_.Percent(2)) {
      auto* ref = op.add_parents();  // an op the fold is not given
      ref->set_origin("zz");
      ref->set_seq(rng_.Between(1, 9));
    }
    if (rng_.Percent(1)) {
      auto* ref = op.add_parents();  // itself, or a later op of its origin: a forged cycle
      ref->set_origin(op.origin());
      ref->set_seq(op.seq() + rng_.Below(2));
    }
    known_[o].insert(ops_.size());
    ops_.push_back(std::move(op));
    return ops_.back();
  }

  static void AddParent(pb::Op& op, const pb::Op& parent) {
    auto* ref = op.add_parents();
    ref->set_origin(parent.origin());
    ref->set_seq(parent.seq());
  }

  std::vector<size_t> Heads(size_t o) const {
    std::set<std::string> named;
    for (size_t i : known_[o])
      for (const auto& p : ops_[i].parents()) named.insert(p.origin() + ":" + std::to_string(p.seq()));
    std::vector<size_t> heads;
    for (size_t i : known_[o])
      if (!named.contains(IdText(ops_[i]))) heads.push_back(i);
    return heads;
  }

  std::vector<size_t> Known(size_t o, pb::Op::BodyCase kind) const {
    std::vector<size_t> out;
    for (size_t i : known_[o])
      if (ops_[i].body_case() == kind) out.push_back(i);
    return out;
  }

  void Created(size_t o) {
    bool first = ops_.empty();
    pb::Op& op = Begin(o);
    auto* c = op.mutable_case_created();
    c->set_case_number("15222210420001202601" + std::to_string(1000 + seq_.size()));
    c->set_item_code(rng_.Percent(50) ? "ITEM-1" : "ITEM-2");
    c->set_applicant_name(rng_.Percent(50) ? "Bayar" : "Oyunaa");
    c->set_applicant_id_type(rng_.Percent(90) ? "resident_id" : "passport");
    c->set_applicant_id("15222219800101100" + std::to_string(rng_.Below(3)));
    c->set_phone("0482-" + std::to_string(rng_.Between(1000, 1003)));
    c->set_address("Gacha road " + std::to_string(rng_.Below(20)));
    c->set_summary("application");
    c->set_channel(rng_.Percent(50) ? "agent" : "window");
    if (first ? rng_.Percent(70) : rng_.Percent(30)) {
      *c->mutable_terms() = RandomTerms(rng_);
      if (first) terms_ = c->terms();
    }
  }

  void Fields(size_t o, bool guarded) {
    pb::Op& op = Begin(o);
    auto* fs = op.mutable_fields_set();
    uint64_t n = rng_.Between(1, 3);
    for (uint64_t k = 0; k < n; ++k) {
      auto* fv = fs->add_values();
      if (rng_.Percent(5)) {
        fv->set_field("favourite_colour");
      } else {
        fv->set_field(guarded ? rng_.Pick(kGuarded) : rng_.Pick(kPlain));
      }
      fv->set_value(fv->field() + " v" + std::to_string(rng_.Below(3)));
      if (fv->field() == "item_code" && rng_.Percent(50)) {
        *fs->mutable_terms() = RandomTerms(rng_);
        terms_ = fs->terms();
      }
    }
  }

  void Transition(size_t o) {
    std::string last;
    for (size_t i : Known(o, pb::Op::kTransition)) last = ops_[i].transition().action();
    std::string action;
    auto at = std::find(kPath.begin(), kPath.end(), last);
    if (rng_.Percent(75) && (last.empty() || (at != kPath.end() && at + 1 != kPath.end()))) {
      action = last.empty() ? kPath[0] : *(at + 1);
      if (action == "forward" && rng_.Percent(50)) action = "accept";
      if (action == "suspend" && rng_.Percent(60)) action = rng_.Percent(50) ? "extend" : "approve";
      if (action == "approve" && rng_.Percent(40)) action = rng_.Percent(50) ? "deny" : "approve-tolerant";
    } else {
      action = rng_.Pick(kActions);
    }
    pb::Op& op = Begin(o);
    auto* t = op.mutable_transition();
    t->set_action(action);
    if (rng_.Percent(40)) t->set_reason("reason " + std::to_string(rng_.Below(3)));
    if (rng_.Percent(70)) t->set_level(rng_.Percent(3) ? "orbit" : rng_.Pick(kLevels));
    auto detail = [&](const char* name, std::string value) {
      auto* d = t->add_details();
      d->set_field(name);
      d->set_value(std::move(value));
    };
    if (action == "extend") {
      detail("days", rng_.Percent(80) ? std::to_string(rng_.Between(1, 15))
                                      : rng_.Percent(50) ? "many" : "99999999999999");
    }
    if (action == "suspend" && rng_.Percent(70)) detail("procedure", "site_inspection");
    if (action == "issue-certificate") {
      detail("certificate_name", "licence");
      if (rng_.Percent(70)) detail("certificate_number", "N" + std::to_string(rng_.Below(100)));
      if (rng_.Percent(30)) detail("valid_until", "2031-01-01");
    }
    if (action == "deliver" && rng_.Percent(80)) {
      detail("method", rng_.Percent(50) ? "window" : "post");
      if (rng_.Percent(40)) detail("tracking_number", "SF" + std::to_string(rng_.Below(1000)));
    }
    if ((action == "accept" || action == "approve-tolerant") && rng_.Percent(40)) {
      detail("owed", "photo，household register");
      detail("owed_due", "2026-03-0" + std::to_string(rng_.Between(1, 9)));
    }
  }

  void Material(size_t o) {
    pb::Op& op = Begin(o);
    op.mutable_material_received()->set_name(rng_.Percent(50) ? "ID card copy" : "photo");
    op.mutable_material_received()->set_copies(static_cast<uint32_t>(rng_.Between(1, 3)));
  }

  void Note(size_t o) { Begin(o).mutable_note_added()->set_text("note " + std::to_string(rng_.Below(100))); }

  void Resolve(size_t o) {
    std::string id;
    std::vector<size_t> keepable;
    uint64_t kind = rng_.Below(10);
    if (kind < 4) {
      std::string field = rng_.Percent(95) ? rng_.Pick(kGuarded) : "phone";
      id = case_id_ + "/field/" + field;
      for (size_t i : Known(o, pb::Op::kFieldsSet))
        for (const auto& fv : ops_[i].fields_set().values())
          if (fv.field() == field) keepable.push_back(i);
      for (size_t i : Known(o, pb::Op::kCaseCreated)) keepable.push_back(i);
    } else if (kind < 7) {
      std::vector<size_t> transitions = Known(o, pb::Op::kTransition);
      if (transitions.empty()) return;
      id = case_id_ + "/transition/" + IdText(ops_[rng_.Pick(transitions)]);
      keepable = transitions;
    } else if (kind < 9) {
      id = case_id_ + "/department/" + rng_.Pick(kDepartments);
      keepable = Known(o, pb::Op::kDepartmentDecision);
    } else {
      id = rng_.Percent(50) ? "x9:9/field/applicant_name" : case_id_ + "/elsewhere/1";
    }
    const bool by_value = kind < 4 && rng_.Percent(30);
    pb::Op& op = Begin(o);
    auto* r = op.mutable_conflict_resolved();
    r->set_conflict_id(id);
    if (by_value) {
      r->set_value("resolved v" + std::to_string(rng_.Below(2)));
    } else if (!keepable.empty() && rng_.Percent(90)) {
      const pb::Op& keep = ops_[rng_.Pick(keepable)];
      r->mutable_keep()->set_origin(keep.origin());
      r->mutable_keep()->set_seq(keep.seq());
    } else {
      r->mutable_keep()->set_origin("zz");
      r->mutable_keep()->set_seq(7);
    }
  }

  void Department(size_t o) {
    pb::Op& op = Begin(o);
    auto* d = op.mutable_department_decision();
    std::vector<std::string> depts;
    if (terms_) {
      depts.push_back(terms_->lead_department());
      for (const auto& x : terms_->departments()) depts.push_back(x);
    }
    d->set_department(depts.empty() || rng_.Percent(10) ? rng_.Pick(kDepartments) : rng_.Pick(depts));
    d->set_decision(rng_.Percent(5) ? "maybe" : rng_.Percent(75) ? "approve" : "deny");
    if (rng_.Percent(60)) d->set_opinion("opinion " + std::to_string(rng_.Below(3)));
    if (rng_.Percent(70)) d->set_level(rng_.Pick(kLevels));
  }

  void Fee(size_t o) {
    static const std::vector<std::string> kinds = {"charge", "payment", "refund", "tip"};
    pb::Op& op = Begin(o);
    auto* f = op.mutable_fee_recorded();
    f->set_kind(rng_.Pick(kinds));
    f->set_name(rng_.Percent(80) ? "licence fee" : "copying");
    f->set_amount_fen(static_cast<int64_t>(rng_.Between(0, 20000)));
    if (f->kind() != "charge" && rng_.Percent(70)) f->set_bank_receipt("B-" + std::to_string(rng_.Below(100)));
    if (f->kind() == "refund" || rng_.Percent(10)) f->set_reason("overcharged");
  }

  void Evaluation(size_t o) {
    static const std::vector<std::string> ratings = {"very_satisfied", "satisfied", "basically_satisfied",
                                                     "dissatisfied", "very_dissatisfied", "meh"};
    pb::Op& op = Begin(o);
    auto* e = op.mutable_evaluation_given();
    e->set_rating(rng_.Percent(50) ? rng_.Pick(ratings) : ratings[3 + rng_.Below(2)]);
    e->set_channel(rng_.Percent(50) ? "sms" : "hall_tablet");
    e->set_target_kind(rng_.Percent(50) ? "node" : "staff");
    e->set_target(e->target_kind() == "node" ? op.origin() : op.actor());
    if (rng_.Percent(40)) e->set_comment("slow");
    e->set_real_name(rng_.Percent(50));
    e->set_stage(rng_.Percent(50) ? "acceptance" : "completion");
  }

  void Rectification(size_t o) {
    static const std::vector<std::string> steps = {"call_back", "fix_now", "fix_by_deadline", "explain",
                                                   "appeal", "close", "shrug"};
    std::vector<size_t> evaluations = Known(o, pb::Op::kEvaluationGiven);
    pb::Op& op = Begin(o);
    auto* r = op.mutable_rectification_step();
    if (!evaluations.empty() && rng_.Percent(90)) {
      const pb::Op& e = ops_[rng_.Pick(evaluations)];
      r->mutable_evaluation()->set_origin(e.origin());
      r->mutable_evaluation()->set_seq(e.seq());
    } else {
      r->mutable_evaluation()->set_origin(origins_[0]);
      r->mutable_evaluation()->set_seq(1);
    }
    r->set_step(rng_.Pick(steps));
    if (rng_.Percent(50)) r->set_note("called the applicant");
    if (r->step() == "fix_by_deadline" || rng_.Percent(10)) r->set_due_date("2026-04-1" + std::to_string(rng_.Below(10)));
  }

  void Reference(size_t o) {
    pb::Op& op = Begin(o);
    if (rng_.Percent(50)) {
      op.mutable_item_published()->set_code("ITEM-9");
    } else {
      op.mutable_calendar_published()->set_name("national");
    }
  }

  void Unknown(size_t o) { Begin(o); }

  Rng& rng_;
  std::vector<std::string> origins_;
  std::vector<int64_t> skew_ms_;
  std::vector<uint64_t> now_ms_;
  std::vector<std::set<size_t>> known_;  // per origin: indexes into ops_
  std::map<std::string, uint64_t> seq_;
  std::vector<pb::Op> ops_;
  std::string case_id_;
  std::optional<pb::ItemTerms> terms_;  // what the writers believe the item is
};

json TermsJson(const std::optional<pb::ItemTerms>& t) {
  if (!t) return nullptr;
  json departments = json::array();
  for (const auto& d : t->departments()) departments.push_back(d);
  return {{"version", t->version()},
          {"name", t->name()},
          {"exercise_level", t->exercise_level()},
          {"instant", t->instant()},
          {"legal_limit", {t->legal_limit().value(), t->legal_limit().unit()}},
          {"promised_limit", {t->promised_limit().value(), t->promised_limit().unit()}},
          {"lead_department", t->lead_department()},
          {"departments", departments}};
}

// Everything a CaseProjection holds besides its view.
json ProjectionJson(const CaseProjection& p) {
  json heads = json::array();
  for (const auto& h : p.heads) heads.push_back(h.ToString());
  json conflicts = json::array();
  for (const auto& c : p.conflicts) conflicts.push_back({c.id, c.kind, c.field, c.detail});
  json events = json::array();
  for (const auto& e : p.events) events.push_back({e.op, e.action, e.to, e.hlc});
  json refused = json::array();
  for (const auto& r : p.refused) refused.push_back({r.op, r.rule});
  return {{"case_id", p.case_id.value}, {"created", p.created},       {"case_number", p.case_number},
          {"division", p.division},     {"status", p.status},         {"applicant_name", p.applicant_name},
          {"applicant_id", p.applicant_id}, {"item_code", p.item_code}, {"last_hlc", p.last_hlc},
          {"heads", heads},             {"conflicts", conflicts},     {"events", events},
          {"refused", refused},         {"phone", p.phone},           {"terms", TermsJson(p.terms)}};
}

// One line per case: the case number in this run, its op count, the projection with history, and the
// stored summary view.
std::vector<std::string> GoldenLines() {
  std::vector<std::string> lines;
  for (int n = 0; n < kCases; ++n) {
    Rng rng(static_cast<uint64_t>(n) + 1);
    CaseWriter writer(rng, static_cast<uint64_t>(n));
    std::vector<pb::Op> ops = writer.Write();
    rng.Shuffle(ops);
    const CaseId id{writer.case_id()};
    CaseProjection full = ProjectCase(id, ops, ProjectionDetail::kWithHistory);
    CaseProjection summary = ProjectCase(id, ops, ProjectionDetail::kSummary);
    json line = {{"n", n},
                 {"ops", ops.size()},
                 {"projection", ProjectionJson(full)},
                 {"view", full.view},
                 {"summary", summary.view}};
    lines.push_back(line.dump());
  }
  return lines;
}

TEST_CASE("Projection golden: 300 random cases fold to the bytes the original fold wrote", "[projection][golden]") {
  const std::vector<std::string> lines = GoldenLines();
  const char* write = std::getenv("SILIAN_WRITE_GOLDEN");
  if (write != nullptr && std::string(write) == "1") {
    std::ofstream out(kGoldenPath, std::ios::binary | std::ios::trunc);
    REQUIRE(out.good());
    for (const auto& l : lines) out << l << '\n';
    out.close();
    REQUIRE(out.good());
    WARN("wrote " << lines.size() << " cases to " << kGoldenPath);
    return;
  }
  std::ifstream in(kGoldenPath, std::ios::binary);
  INFO("golden file " << kGoldenPath);
  REQUIRE(in.good());
  std::vector<std::string> golden;
  for (std::string l; std::getline(in, l);) golden.push_back(l);
  REQUIRE(golden.size() == lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    INFO("case " << i << " (generator seed " << i + 1 << ")");
    if (lines[i] != golden[i]) {
      size_t at = 0;
      while (at < lines[i].size() && at < golden[i].size() && lines[i][at] == golden[i][at]) ++at;
      size_t from = at > 200 ? at - 200 : 0;
      FAIL("first difference at byte " << at << "\n  golden: ..." << golden[i].substr(from, 400)
                                       << "\n  now:    ..." << lines[i].substr(from, 400));
    }
  }
  // The workload covers what it means to: every kind of outcome occurs somewhere.
  std::string all;
  for (const auto& l : lines) all += l;
  for (const char* seen : {"\"rejected\"", "\"duplicate\"", "\"refused\"", "\"ignored\"", "\"forced\"",
                           "\"dismissed\"", "decided-by-departments", "/department/", "/field/", "/transition/",
                           "\"rectification\"", "\"refunded_fen\"", "\"certificate\"", "\"delivery\"",
                           "\"suspensions\"", "\"extensions\"", "\"owed\"", "\"created\":false"}) {
    INFO("no case shows " << seen);
    CHECK(all.find(seen) != std::string::npos);
  }
}

}  // namespace
}  // namespace silian::sync
