#include "domain/internal/case_view.h"

#include <algorithm>

namespace silian::sync::fold {
namespace {

using nlohmann::json;

// A JSON object built member by member. nlohmann's braced form {{"key", value}, ...} first builds every
// member as a two-element array and copies it through json_ref: about three allocations per member where
// this makes one or two. The fold builds a view for every case it projects (an import, a push at a hub, a
// catch-up), so the view's objects are built this way; the result is the same object.
class Object {
 public:
  template <typename T>
  Object&& Add(const char* key, T&& value) && {
    members_.emplace(key, json(std::forward<T>(value)));
    return std::move(*this);
  }
  operator json() && { return json(std::move(members_)); }  // NOLINT: reads as the object it built

 private:
  json::object_t members_;
};

// A JSON array of `values`, pushed one by one (json::array({...}) copies each through json_ref first).
template <typename... T>
json Array(T&&... values) {
  json out = json::array();
  (out.push_back(json(std::forward<T>(values))), ...);
  return out;
}

json Limit(const pb::Limit& limit) { return Object().Add("value", limit.value()).Add("unit", limit.unit()); }

json TermsJson(const pb::ItemTerms& t) {
  json out = Object()
                 .Add("version", t.version())
                 .Add("name", t.name())
                 .Add("exercise_level", t.exercise_level())
                 .Add("instant", t.instant())
                 .Add("legal_limit", Limit(t.legal_limit()))
                 .Add("promised_limit", Limit(t.promised_limit()));
  if (!t.lead_department().empty()) out["lead_department"] = t.lead_department();
  if (t.departments_size() > 0) out["departments"] = std::vector<std::string>(t.departments().begin(), t.departments().end());
  if (t.extension_limit_wd() != 0) out["extension_limit_wd"] = t.extension_limit_wd();
  if (t.steps_size() > 0) out["steps"] = std::vector<std::string>(t.steps().begin(), t.steps().end());
  return out;
}

// The detail of a conflict as shown to a person: its id, case, kind and field, and kind-specific keys.
json ConflictDetail(const CaseOps& ops, const CaseFacts& facts, const std::string& id, ConflictKind kind,
                    const std::string& field) {
  return Object()
      .Add("id", id)
      .Add("case_id", ops.case_id().value)
      .Add("case_number", facts.case_number)
      .Add("kind", ConflictKindName(kind))
      .Add("field", field);
}

json Candidate(const CaseOps& ops, size_t node, const std::string& value) {
  return Object()
      .Add("op", ops.id_text(node))
      .Add("actor", ops.actor(node))
      .Add("value", value)
      .Add("time", ops.time_text(node));
}

void AddFieldConflicts(const CaseOps& ops, const CaseFacts& facts, std::vector<OpenConflict>& out) {
  for (const FieldFact& f : facts.fields) {
    if (!f.conflict()) continue;
    const std::string id = ConflictId(ops.case_id(), ConflictKind::kField, f.name);
    json candidates = json::array();
    for (const auto& w : f.candidates) candidates.push_back(Candidate(ops, w.node, w.value));
    json detail = ConflictDetail(ops, facts, id, ConflictKind::kField, f.name);
    detail["provisional"] = f.value;
    detail["candidates"] = std::move(candidates);
    out.push_back({id, ConflictKindName(ConflictKind::kField), f.name, std::move(detail)});
  }
}

json TransitionCandidate(const CaseOps& ops, size_t node, const std::string& action, const char* outcome) {
  return Object()
      .Add("op", ops.id_text(node))
      .Add("actor", ops.actor(node))
      .Add("action", action)
      .Add("outcome", outcome)
      .Add("time", ops.time_text(node));
}

void AddTransitionConflicts(const CaseOps& ops, const CaseFacts& facts, std::vector<OpenConflict>& out) {
  for (const auto& [id, tc] : facts.lifecycle.conflicts) {
    if (tc.resolved) continue;
    const std::string& action = ops.op(tc.rejected).transition().action();
    json candidates = json::array({TransitionCandidate(ops, tc.rejected, action, "rejected")});
    if (tc.applied) {
      // The status may have been set by a resolution or a department decision rather than a transition.
      const pb::Op& applied = ops.op(*tc.applied);
      candidates.push_back(TransitionCandidate(
          ops, *tc.applied, applied.has_transition() ? applied.transition().action() : "resolution", "applied"));
    }
    json detail = ConflictDetail(ops, facts, id, ConflictKind::kTransition, action);
    detail["status_then"] = tc.status_then;
    detail["candidates"] = std::move(candidates);
    out.push_back({id, ConflictKindName(ConflictKind::kTransition), action, std::move(detail)});
  }
}

void AddDepartmentConflicts(const CaseOps& ops, const CaseFacts& facts, std::vector<OpenConflict>& out) {
  for (const DepartmentFact& d : facts.departments) {
    if (!d.conflict()) continue;
    const std::string id = ConflictId(ops.case_id(), ConflictKind::kDepartment, d.department);
    json candidates = json::array();
    for (const auto& w : d.candidates) candidates.push_back(Candidate(ops, w.node, VerdictName(w.value.verdict)));
    json detail = ConflictDetail(ops, facts, id, ConflictKind::kDepartment, d.department);
    detail["candidates"] = std::move(candidates);
    out.push_back({id, ConflictKindName(ConflictKind::kDepartment), d.department, std::move(detail)});
  }
}

json FieldsJson(const CaseOps& ops, const std::vector<FieldFact>& fields) {
  json out = json::object();
  for (const FieldFact& f : fields) {
    json field = Object().Add("value", f.value).Add("op", ops.id_text(f.op));
    if (f.conflict()) field["conflict"] = ConflictId(ops.case_id(), ConflictKind::kField, f.name);
    out[f.name] = std::move(field);
  }
  return out;
}

json DepartmentsJson(const CaseOps& ops, const std::vector<DepartmentFact>& departments) {
  json out = json::object();
  for (const DepartmentFact& d : departments) {
    const size_t latest = d.latest.node;
    json dept = Object()
                    .Add("decision", VerdictName(d.shown))
                    .Add("opinion", d.latest.value.opinion)
                    .Add("op", ops.id_text(latest))
                    .Add("actor", ops.actor(latest))
                    .Add("time", ops.ms(latest));
    if (d.conflict()) dept["conflict"] = ConflictId(ops.case_id(), ConflictKind::kDepartment, d.department);
    out[d.department] = std::move(dept);
  }
  return out;
}

// The stored summary keeps the same facts as arrays, without the derived time text.
json MaterialsJson(const std::vector<MaterialRecord>& materials, ProjectionDetail detail) {
  json out = json::array();
  for (const auto& m : materials) {
    if (detail == ProjectionDetail::kWithHistory) {
      out.push_back(
          Object().Add("name", m.name).Add("copies", m.copies).Add("op", m.op).Add("actor", m.actor).Add("time", HlcToIso(m.hlc)));
    } else {
      out.push_back(Array(m.op, m.name, m.copies, m.actor));
    }
  }
  return out;
}

json NotesJson(const std::vector<NoteRecord>& notes, ProjectionDetail detail) {
  json out = json::array();
  for (const auto& n : notes) {
    if (detail == ProjectionDetail::kWithHistory) {
      out.push_back(Object().Add("text", n.text).Add("op", n.op).Add("actor", n.actor).Add("time", HlcToIso(n.hlc)));
    } else {
      out.push_back(Array(n.op, n.text, n.actor));
    }
  }
  return out;
}

json TimelineJson(const LifecycleFacts& l) {
  json out = json::object();
  for (const auto& [m, ms] : l.timeline) out[MilestoneName(m)] = ms;
  return out;
}

json HandledByJson(const LifecycleFacts& l) {
  json out = json::object();
  for (const auto& [m, h] : l.handled_by) {
    json handler = Object().Add("actor", h.actor).Add("node", h.node);
    if (!h.level.empty()) handler["level"] = h.level;
    out[MilestoneName(m)] = std::move(handler);
  }
  return out;
}

json SuspensionsJson(const LifecycleFacts& l) {
  json out = json::array();
  for (const auto& s : l.suspensions) {
    json one = Object().Add("start", s.start_ms).Add("op", s.op).Add("procedure", s.procedure).Add("reason", s.reason);
    if (s.end_ms) one["end"] = *s.end_ms;
    out.push_back(std::move(one));
  }
  return out;
}

json ExtensionsJson(const LifecycleFacts& l) {
  json out = json::array();
  for (const auto& e : l.extensions)
    out.push_back(Object().Add("days", e.days).Add("op", e.op).Add("reason", e.reason).Add("time", e.ms));
  return out;
}

json CorrectionJson(const Correction& c) {
  json lapses = json::array();
  for (const auto& l : c.lapses) {
    json one =
        Object().Add("op", l.op).Add("decision", l.decision).Add("reason", l.reason).Add("actor", l.actor).Add("time", l.ms);
    if (!l.new_due.empty()) one["new_due"] = l.new_due;
    lapses.push_back(std::move(one));
  }
  json out = Object().Add("op", c.op).Add("requested", c.requested_ms).Add("lapses", std::move(lapses));
  if (!c.due.empty()) out["due"] = c.due;
  return out;
}

// The steps taken (fold order) and, by name, the steps passed and pending now.
json ReviewJson(const std::optional<pb::ItemTerms>& terms, const ReviewFacts& r) {
  json taken = json::array();
  for (const auto& s : r.records) {
    json one =
        Object().Add("op", s.op).Add("step", s.step).Add("outcome", s.outcome).Add("reviewer", s.actor).Add("time", s.ms);
    if (!s.opinion.empty()) one["opinion"] = s.opinion;
    taken.push_back(std::move(one));
  }
  json passed = json::array(), pending = json::array();
  if (terms)
    for (int i = 0; i < terms->steps_size(); ++i)
      (static_cast<size_t>(i) < r.next ? passed : pending).push_back(terms->steps(i));
  return Object().Add("taken", std::move(taken)).Add("passed", std::move(passed)).Add("pending", std::move(pending));
}

// The departments of a parallel item without a decision yet (lead first, then in catalogue order).
json DepartmentsPendingJson(const pb::ItemTerms& terms, const std::vector<DepartmentFact>& decided) {
  json out = json::array();
  auto has = [&](const std::string& d) {
    return std::any_of(decided.begin(), decided.end(), [&](const DepartmentFact& f) { return f.department == d; });
  };
  if (!has(terms.lead_department())) out.push_back(terms.lead_department());
  for (const auto& d : terms.departments())
    if (!has(d)) out.push_back(d);
  return out;
}

json SubsidiesJson(const std::vector<Subsidy>& subsidies) {
  json entries = json::array();
  int64_t paid = 0;
  for (const auto& s : subsidies) {
    paid += s.amount_fen;
    json one = Object()
                   .Add("op", s.op)
                   .Add("name", s.name)
                   .Add("amount_fen", s.amount_fen)
                   .Add("bank_transfer", s.bank_transfer)
                   .Add("actor", s.actor)
                   .Add("time", s.ms);
    if (!s.note.empty()) one["note"] = s.note;
    entries.push_back(std::move(one));
  }
  return Object().Add("paid_fen", paid).Add("entries", std::move(entries));
}

void SetDetail(json& obj, const char* key, const Detail& value) {
  if (value) obj[key] = *value;
}

json CertificateJson(const Certificate& c) {
  json out = Object().Add("op", c.op).Add("actor", c.actor);
  SetDetail(out, "name", c.name);
  SetDetail(out, "number", c.number);
  SetDetail(out, "valid_until", c.valid_until);
  return out;
}

json DeliveryJson(const Delivery& d) {
  json out = Object().Add("op", d.op).Add("actor", d.actor).Add("time", d.ms);
  SetDetail(out, "method", d.method);
  SetDetail(out, "tracking_number", d.tracking_number);
  return out;
}

json FeesJson(const FeeFacts& fees) {
  json entries = json::array();
  for (const auto& f : fees.entries) {
    json entry = Object()
                     .Add("op", f.op)
                     .Add("kind", FeeKindName(f.kind))
                     .Add("name", f.name)
                     .Add("amount_fen", f.amount_fen)
                     .Add("actor", f.actor)
                     .Add("time", f.ms);
    if (!f.bank_receipt.empty()) entry["bank_receipt"] = f.bank_receipt;
    if (!f.reason.empty()) entry["reason"] = f.reason;
    entries.push_back(std::move(entry));
  }
  return Object()
      .Add("charged_fen", fees.charged_fen)
      .Add("paid_fen", fees.paid_fen)
      .Add("refunded_fen", fees.refunded_fen)
      .Add("entries", std::move(entries));
}

json RectificationJson(const Rectification& r) {
  json steps = json::array();
  for (const auto& s : r.steps) {
    json step = Object().Add("op", s.op).Add("step", s.step).Add("actor", s.actor).Add("time", s.ms);
    if (!s.note.empty()) step["note"] = s.note;
    if (!s.due_date.empty()) step["due_date"] = s.due_date;
    steps.push_back(std::move(step));
  }
  json out = Object()
                 .Add("state", RectificationStateName(r.state))
                 .Add("called_back", r.called_back)
                 .Add("steps", std::move(steps));
  if (r.category) out["category"] = *r.category;
  if (!r.due_date.empty()) out["due_date"] = r.due_date;
  if (r.closed_ms) out["closed"] = *r.closed_ms;
  return out;
}

json EvaluationsJson(const std::vector<Evaluation>& evaluations) {
  json out = json::array();
  for (const auto& e : evaluations) {
    json one = Object()
                   .Add("op", e.op)
                   .Add("rating", e.rating)
                   .Add("channel", e.channel)
                   .Add("target_kind", e.target_kind)
                   .Add("target", e.target)
                   .Add("real_name", e.real_name)
                   .Add("stage", e.stage)
                   .Add("time", e.ms)
                   .Add("origin", e.origin);
    if (!e.comment.empty()) one["comment"] = e.comment;
    if (e.assisted) one["assisted"] = true;
    if (e.rectification) one["rectification"] = RectificationJson(*e.rectification);
    out.push_back(std::move(one));
  }
  return out;
}

// Workflow facts, present only when the case has them (the stored summary stays small).
void AddWorkflow(const CaseOps& ops, const CaseFacts& facts, json& view) {
  const LifecycleFacts& l = facts.lifecycle;
  if (facts.terms) view["item"] = TermsJson(*facts.terms);
  if (!l.timeline.empty()) view["timeline"] = TimelineJson(l);
  if (!l.handled_by.empty()) view["handled_by"] = HandledByJson(l);
  if (!l.suspensions.empty()) view["suspensions"] = SuspensionsJson(l);
  if (!l.extensions.empty()) view["extensions"] = ExtensionsJson(l);
  if (l.correction) view["correction"] = CorrectionJson(*l.correction);
  if ((facts.terms && facts.terms->steps_size() > 0) || !facts.review.records.empty())
    view["review"] = ReviewJson(facts.terms, facts.review);
  if (facts.terms && facts.terms->departments_size() > 0)
    view["departments_pending"] = DepartmentsPendingJson(*facts.terms, facts.departments);
  if (!facts.subsidies.empty()) view["subsidies"] = SubsidiesJson(facts.subsidies);
  if (l.owed) view["owed"] = Object().Add("materials", l.owed->materials).Add("due", l.owed->due).Add("op", l.owed->op);
  if (!facts.departments.empty()) view["departments"] = DepartmentsJson(ops, facts.departments);
  if (!facts.fees.entries.empty()) view["fees"] = FeesJson(facts.fees);
  if (l.certificate) view["certificate"] = CertificateJson(*l.certificate);
  if (l.delivery) view["delivery"] = DeliveryJson(*l.delivery);
  if (!facts.evaluations.empty()) view["evaluations"] = EvaluationsJson(facts.evaluations);
  if (!facts.refused.empty()) {
    json refused = json::array();
    for (const auto& r : facts.refused) refused.push_back(Object().Add("op", r.op).Add("rule", r.rule));
    view["refused"] = std::move(refused);
  }
}

}  // namespace

std::vector<OpenConflict> OpenConflicts(const CaseOps& ops, const CaseFacts& facts) {
  std::vector<OpenConflict> out;
  AddFieldConflicts(ops, facts, out);
  AddTransitionConflicts(ops, facts, out);
  AddDepartmentConflicts(ops, facts, out);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

json CaseView(const CaseOps& ops, const CaseFacts& facts, const std::vector<OpenConflict>& conflicts,
              const std::vector<OpId>& heads, ProjectionDetail detail, json history) {
  json conflict_details = json::array();
  for (const auto& c : conflicts) conflict_details.push_back(c.detail);
  json head_ids = json::array();
  for (const auto& h : heads) head_ids.push_back(h.ToString());
  json view = Object()
                  .Add("case_id", ops.case_id().value)
                  .Add("case_number", facts.case_number)
                  .Add("division", facts.division)
                  .Add("created", facts.created)
                  .Add("status", CaseStatusName(facts.lifecycle.status))
                  .Add("fields", FieldsJson(ops, facts.fields))
                  .Add("materials", MaterialsJson(facts.records.materials, detail))
                  .Add("notes", NotesJson(facts.records.notes, detail))
                  .Add("conflicts", std::move(conflict_details))
                  .Add("heads", std::move(head_ids))
                  .Add("op_count", ops.size())
                  .Add("last_update", HlcToIso(facts.last_hlc));
  AddWorkflow(ops, facts, view);
  if (!history.is_null()) view["history"] = std::move(history);
  return view;
}

}  // namespace silian::sync::fold
