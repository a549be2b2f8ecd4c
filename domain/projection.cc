#include "domain/projection.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <queue>
#include <tuple>

#include "domain/case_model.h"
#include "domain/catalog.h"

namespace silian::sync {
namespace {

using nlohmann::json;

bool KeyLess(const pb::Op& a, const pb::Op& b) {
  if (a.hlc() != b.hlc()) return a.hlc() < b.hlc();
  if (a.origin() != b.origin()) return a.origin() < b.origin();
  return a.seq() < b.seq();
}

// Ancestor sets as bitsets over op indices.
class Ancestry {
 public:
  explicit Ancestry(size_t n) : words_((n + 63) / 64), bits_(n * words_, 0) {}
  void AddParent(size_t child, size_t parent) {
    for (size_t w = 0; w < words_; ++w) bits_[child * words_ + w] |= bits_[parent * words_ + w];
    bits_[child * words_ + parent / 64] |= uint64_t{1} << (parent % 64);
  }
  bool IsAncestor(size_t a, size_t b) const { return (bits_[b * words_ + a / 64] >> (a % 64)) & 1; }

 private:
  size_t words_;
  std::vector<uint64_t> bits_;
};

struct GuardedWrite {
  size_t node;
  std::string value;
};

struct DepartmentWrite {
  size_t node;
  std::string decision;  // "approve" or "deny"
  std::string opinion;
};

json TermsToJson(const pb::ItemTerms& t) {
  json out = {{"version", t.version()}, {"name", t.name()}, {"exercise_level", t.exercise_level()},
              {"instant", t.instant()},
              {"legal_limit", {{"value", t.legal_limit().value()}, {"unit", t.legal_limit().unit()}}},
              {"promised_limit", {{"value", t.promised_limit().value()}, {"unit", t.promised_limit().unit()}}}};
  if (!t.lead_department().empty()) out["lead_department"] = t.lead_department();
  if (t.departments_size() > 0) out["departments"] = std::vector<std::string>(t.departments().begin(), t.departments().end());
  return out;
}

uint64_t HlcMs(uint64_t hlc) { return hlc >> 16; }

bool IsNegativeRating(std::string_view rating) {
  return rating == "dissatisfied" || rating == "very_dissatisfied";
}

struct TransitionConflict {
  size_t rejected;
  std::optional<size_t> applied;  // the transition that brought the case to status_then
  std::string status_then;
  bool resolved = false;
};

}  // namespace

const char* OpKindName(const pb::Op& op) {
  switch (op.body_case()) {
    case pb::Op::kCaseCreated: return "case_created";
    case pb::Op::kFieldsSet: return "fields_set";
    case pb::Op::kMaterialReceived: return "material_received";
    case pb::Op::kNoteAdded: return "note_added";
    case pb::Op::kTransition: return "transition";
    case pb::Op::kConflictResolved: return "conflict_resolved";
    case pb::Op::kDepartmentDecision: return "department_decision";
    case pb::Op::kFeeRecorded: return "fee_recorded";
    case pb::Op::kEvaluationGiven: return "evaluation_given";
    case pb::Op::kRectificationStep: return "rectification_step";
    case pb::Op::kItemPublished: return "item_published";
    case pb::Op::kCalendarPublished: return "calendar_published";
    case pb::Op::BODY_NOT_SET: break;
  }
  return "unknown";
}

namespace {

// One history entry of the case view, built only when the history is wanted: on import, where every
// touched case is re-projected, it is not, and building it is most of the fold's cost.
struct HistoryEntry {
  explicit HistoryEntry(bool on) : enabled(on) {}
  template <typename V>
  void Set(const char* key, V&& value) {
    if (enabled) entry[key] = std::forward<V>(value);
  }
  template <typename V>
  void Push(const char* key, V&& value) {
    if (enabled) entry[key].push_back(std::forward<V>(value));
  }
  bool enabled;
  json entry;
};

class Folder {
 public:
  Folder(const CaseId& case_id, std::vector<pb::Op> ops, bool with_history)
      : case_id_(case_id), ops_(std::move(ops)), with_history_(with_history) {
    std::sort(ops_.begin(), ops_.end(), KeyLess);
    for (size_t i = 0; i < ops_.size(); ++i) {
      ids_.push_back(OpId{ops_[i].origin(), ops_[i].seq()});
      index_[ids_.back()] = i;
      id_text_.push_back(ids_.back().ToString());
    }
  }

  CaseProjection Run() {
    std::vector<size_t> order = TopologicalOrder();
    for (size_t i : order) Apply(i);
    return Finish();
  }

 private:
  // Kahn's algorithm, always taking the ready op with the smallest (hlc, origin, seq). Ops caught in a
  // parent cycle (only forged data can make one) follow in key order. Fills ancestry_ on the way.
  std::vector<size_t> TopologicalOrder() {
    size_t n = ops_.size();
    parents_.assign(n, {});
    children_.assign(n, {});
    std::vector<size_t> indegree(n, 0);
    for (size_t i = 0; i < n; ++i) {
      for (const auto& p : ops_[i].parents()) {
        auto it = index_.find(OpId{p.origin(), p.seq()});
        if (it == index_.end() || it->second == i) continue;
        if (std::find(parents_[i].begin(), parents_[i].end(), it->second) != parents_[i].end()) continue;
        parents_[i].push_back(it->second);
        children_[it->second].push_back(i);
        ++indegree[i];
      }
    }
    std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
    for (size_t i = 0; i < n; ++i)
      if (indegree[i] == 0) ready.push(i);
    std::vector<size_t> order;
    std::vector<bool> done(n, false);
    ancestry_.emplace(n);
    auto visit = [&](size_t i) {
      done[i] = true;
      order.push_back(i);
      for (size_t p : parents_[i])
        if (done[p]) ancestry_->AddParent(i, p);
    };
    while (!ready.empty()) {
      size_t i = ready.top();
      ready.pop();
      visit(i);
      for (size_t c : children_[i])
        if (--indegree[c] == 0) ready.push(c);
    }
    for (size_t i = 0; i < n; ++i)
      if (!done[i]) visit(i);
    return order;
  }

  void SetStatus(CaseStatus s, size_t by) {
    status_ = s;
    last_transition_ = by;
  }

  void Apply(size_t i) {
    const pb::Op& op = ops_[i];
    HistoryEntry h(with_history_);
    if (with_history_)
      h.entry = {{"op", id_text_[i]}, {"time", HlcToIso(op.hlc())}, {"actor", op.actor()},
                 {"kind", OpKindName(op)}, {"outcome", "applied"}};
    last_hlc_ = std::max(last_hlc_, op.hlc());
    switch (op.body_case()) {
      case pb::Op::kCaseCreated: ApplyCreated(i, h); break;
      case pb::Op::kFieldsSet: {
        json fields = json::object();
        for (const auto& fv : op.fields_set().values()) {
          fields[fv.field()] = fv.value();
          if (IsGuardedField(fv.field())) {
            guarded_[fv.field()].push_back({i, fv.value()});
          } else if (IsPlainField(fv.field())) {
            SetPlain(fv.field(), i, fv.value());
          } else {
            h.Push("ignored_fields", fv.field());
          }
        }
        h.Set("fields", fields);
        if (op.fields_set().has_terms()) terms_ = op.fields_set().terms();
        break;
      }
      case pb::Op::kMaterialReceived: {
        const auto& m = op.material_received();
        if (with_history_) {
          materials_.push_back({{"name", m.name()}, {"copies", m.copies()}, {"op", id_text_[i]},
                                {"actor", op.actor()}, {"time", HlcToIso(op.hlc())}});
        } else {
          // The stored summary: the same facts as an array, without the derived time text.
          materials_.push_back(json::array({id_text_[i], m.name(), m.copies(), op.actor()}));
        }
        h.Set("material", m.name());
        h.Set("copies", m.copies());
        break;
      }
      case pb::Op::kNoteAdded: {
        if (with_history_) {
          notes_.push_back({{"text", op.note_added().text()}, {"op", id_text_[i]}, {"actor", op.actor()},
                            {"time", HlcToIso(op.hlc())}});
        } else {
          notes_.push_back(json::array({id_text_[i], op.note_added().text(), op.actor()}));
        }
        h.Set("text", op.note_added().text());
        break;
      }
      case pb::Op::kTransition: ApplyTransition(i, h); break;
      case pb::Op::kConflictResolved: ApplyResolution(i, h); break;
      case pb::Op::kDepartmentDecision: ApplyDepartment(i, h); break;
      case pb::Op::kFeeRecorded: ApplyFee(i, h); break;
      case pb::Op::kEvaluationGiven: ApplyEvaluation(i, h); break;
      case pb::Op::kRectificationStep: ApplyRectification(i, h); break;
      case pb::Op::kItemPublished:
      case pb::Op::kCalendarPublished:
        h.Set("outcome", "ignored");
        h.Set("why", "reference data does not belong to a case");
        break;
      case pb::Op::BODY_NOT_SET:
        // Written by a newer version with a kind this one does not know: kept, shown, not interpreted.
        h.Set("outcome", "ignored");
        h.Set("why", "op kind unknown to this version");
        break;
    }
    if (with_history_) history_.push_back(std::move(h.entry));
  }

  void ApplyCreated(size_t i, HistoryEntry& h) {
    const auto& c = ops_[i].case_created();
    if (id_text_[i] != case_id_.value || created_) {
      h.Set("outcome", "ignored");
      h.Set("why", "a creation op must have the case's own id");
      return;
    }
    created_ = true;
    case_number_ = c.case_number();
    division_ = ops_[i].division();
    h.Set("case_number", c.case_number());
    guarded_["item_code"].push_back({i, c.item_code()});
    guarded_["applicant_name"].push_back({i, c.applicant_name()});
    guarded_["applicant_id_type"].push_back({i, c.applicant_id_type()});
    guarded_["applicant_id"].push_back({i, c.applicant_id()});
    SetPlain("phone", i, c.phone());
    SetPlain("address", i, c.address());
    SetPlain("summary", i, c.summary());
    SetPlain("channel", i, c.channel());
    if (c.has_terms()) terms_ = c.terms();
  }

  // Ops are indexed in (hlc, origin, seq) order, so the larger index is the later writer.
  void SetPlain(const std::string& field, size_t i, const std::string& value) {
    auto it = plain_.find(field);
    if (it == plain_.end() || it->second.node < i) plain_[field] = {i, value};
  }

  void ApplyTransition(size_t i, HistoryEntry& h) {
    const auto& t = ops_[i].transition();
    h.Set("action", t.action());
    if (!t.reason().empty()) h.Set("reason", t.reason());
    h.Set("from", CaseStatusName(status_));
    auto action = ParseAction(t.action());
    if (!action.ok()) {
      h.Set("outcome", "ignored");
      h.Set("why", "action unknown to this version");
      return;
    }
    if (terms_ && !t.level().empty() && NeedsAuthority(t.action())) {
      Status authority = CheckAuthority(*terms_, t.action(), t.level());
      if (!authority.ok()) return Refuse(i, h, authority.message());
    }
    if (terms_ && terms_->departments_size() > 0 &&
        (*action == Action::kApprove || *action == Action::kApproveTolerant || *action == Action::kDeny))
      return Refuse(i, h, "item \"" + terms_->name() + "\" is a parallel item: it is decided by the decisions of "
                              "its departments (department-decision), not by \"" + t.action() + "\"");
    if (auto next = NextStatus(status_, *action)) {
      SetStatus(*next, i);
      h.Set("to", CaseStatusName(*next));
      RecordApplied(i, *action, t);
      MaybeDecideByDepartments(i, h);
      return;
    }
    if (TargetStatus(*action) == status_ && last_transition_ && ops_[*last_transition_].has_transition() &&
        ops_[*last_transition_].transition().action() == t.action() &&
        !ancestry_->IsAncestor(*last_transition_, i)) {
      h.Set("outcome", "duplicate");
      h.Set("duplicate_of", id_text_[*last_transition_]);
      return;
    }
    h.Set("outcome", "rejected");
    std::string cid = case_id_.value + "/transition/" + id_text_[i];
    h.Set("conflict", cid);
    transition_conflicts_[cid] = {i, last_transition_, CaseStatusName(status_), false};
  }

  void Refuse(size_t i, HistoryEntry& h, const std::string& rule) {
    h.Set("outcome", "refused");
    h.Set("why", rule);
    refused_.push_back({id_text_[i], rule});
  }

  static std::map<std::string, std::string> Details(const pb::Transition& t) {
    std::map<std::string, std::string> out;
    for (const auto& d : t.details()) out[d.field()] = d.value();
    return out;
  }

  // The facts a transition leaves on the case, besides its status: its time, and the details of
  // suspensions, extensions, tolerant acceptance, certificates and delivery.
  void RecordApplied(size_t i, Action action, const pb::Transition& t) {
    const uint64_t ms = HlcMs(ops_[i].hlc());
    // Every case's transitions pass here on import, so nothing is built that the action does not need.
    std::map<std::string, std::string> details;
    if (t.details_size() > 0) details = Details(t);
    switch (action) {
      case Action::kAccept:
      case Action::kRequestCorrection:
      case Action::kApprove:
      case Action::kApproveTolerant:
      case Action::kDeny:
      case Action::kComplete:
      case Action::kIssueCertificate:
        events_.push_back({id_text_[i], t.action(), CaseStatusName(status_), ops_[i].hlc()});
        break;
      default:
        break;
    }
    auto by = [&](const char* key) {
      json& h = handled_[key];
      h["actor"] = ops_[i].actor();
      h["node"] = ops_[i].origin();
      if (!t.level().empty()) h["level"] = t.level();
    };
    auto first = [&](const char* key) { timeline_.emplace(key, ms); };
    auto last = [&](const char* key) { timeline_[key] = ms; };
    switch (action) {
      case Action::kReceive:
        first("received");
        if (!handled_.contains("received")) by("received");
        break;
      case Action::kForward: last("forwarded"); break;
      case Action::kAccept:
        last("accepted");
        first("first_response");
        by("accepted");
        break;
      case Action::kRequestCorrection:
      case Action::kNotAccept:
        first("first_response");
        if (action == Action::kNotAccept) last("closed");
        break;
      case Action::kSupplyCorrection: last("correction_supplied"); break;
      case Action::kStartReview: first("review_started"); break;
      case Action::kSuspend:
        suspensions_.push_back({{"start", ms}, {"op", id_text_[i]}, {"procedure", details["procedure"]},
                                {"reason", t.reason()}});
        break;
      case Action::kResume:
        if (!suspensions_.empty() && !suspensions_.back().contains("end")) suspensions_.back()["end"] = ms;
        break;
      case Action::kExtend: {
        int days = 0;
        try {
          days = std::stoi(details["days"]);
        } catch (const std::exception&) {
          days = 0;
        }
        extensions_.push_back({{"days", days}, {"op", id_text_[i]}, {"reason", t.reason()}});
        break;
      }
      case Action::kApprove:
      case Action::kApproveTolerant:
      case Action::kDeny:
        last("decided");
        by("decided");
        break;
      case Action::kComplete:
        last("completed");
        by("completed");
        break;
      case Action::kIssueCertificate:
        last("certificate_issued");
        certificate_ = {{"op", id_text_[i]}, {"actor", ops_[i].actor()}};
        for (const auto& [key, name] : {std::pair<const char*, const char*>{"certificate_name", "name"},
                                        {"certificate_number", "number"}, {"valid_until", "valid_until"}})
          if (auto it = details.find(key); it != details.end()) certificate_[name] = it->second;
        break;
      case Action::kDeliver:
        last("delivered");
        delivery_ = {{"op", id_text_[i]}, {"actor", ops_[i].actor()}, {"time", ms}};
        for (const char* key : {"method", "tracking_number"})
          if (auto it = details.find(key); it != details.end()) delivery_[key] = it->second;
        break;
      case Action::kWithdraw:
      case Action::kRevoke:
      case Action::kTerminate:
        last("closed");
        break;
    }
    if ((action == Action::kAccept || action == Action::kApproveTolerant) && !details["owed"].empty())
      owed_ = {{"materials", details["owed"]}, {"due", details["owed_due"]}, {"op", id_text_[i]}};
  }

  // The current decision of each department (nullopt while a department has not decided or its decisions
  // conflict). Writes superseded by a descendant do not count.
  std::optional<std::string> DepartmentDecision(const std::string& dept, bool* conflict) const {
    *conflict = false;
    auto it = departments_.find(dept);
    if (it == departments_.end()) return std::nullopt;
    std::optional<std::string> value;
    for (const auto& w : it->second) {
      bool superseded = false;
      for (const auto& other : it->second)
        if (other.node != w.node && ancestry_->IsAncestor(w.node, other.node)) superseded = true;
      if (superseded) continue;
      if (value && *value != w.decision) *conflict = true;
      value = w.decision;
    }
    if (*conflict) return std::nullopt;
    return value;
  }

  std::vector<std::string> AllDepartments() const {
    std::vector<std::string> all;
    if (!terms_) return all;
    all.push_back(terms_->lead_department());
    for (const auto& d : terms_->departments()) all.push_back(d);
    return all;
  }

  void MaybeDecideByDepartments(size_t i, HistoryEntry& h) {
    if (!terms_ || terms_->departments_size() == 0) return;
    if (status_ != CaseStatus::kAccepted && status_ != CaseStatus::kInReview) return;
    bool any_deny = false;
    for (const auto& dept : AllDepartments()) {
      bool conflict = false;
      auto d = DepartmentDecision(dept, &conflict);
      if (!d) return;
      if (*d == "deny") any_deny = true;
    }
    SetStatus(any_deny ? CaseStatus::kDecidedDenied : CaseStatus::kDecidedApproved, i);
    h.Set("decided", CaseStatusName(status_));
    timeline_["decided"] = HlcMs(ops_[i].hlc());
    events_.push_back({id_text_[i], "decided-by-departments", CaseStatusName(status_), ops_[i].hlc()});
  }

  void ApplyDepartment(size_t i, HistoryEntry& h) {
    const auto& d = ops_[i].department_decision();
    h.Set("department", d.department());
    h.Set("decision", d.decision());
    if (!d.opinion().empty()) h.Set("opinion", d.opinion());
    auto all = AllDepartments();
    if (!terms_ || terms_->departments_size() == 0) {
      h.Set("outcome", "ignored");
      h.Set("why", "not a parallel item");
      return;
    }
    if (std::find(all.begin(), all.end(), d.department()) == all.end()) {
      h.Set("outcome", "ignored");
      h.Set("why", "department is not a part of this item");
      return;
    }
    if (d.decision() != "approve" && d.decision() != "deny") {
      h.Set("outcome", "ignored");
      h.Set("why", "decision must be approve or deny");
      return;
    }
    if (!d.level().empty()) {
      Status authority = CheckAuthority(*terms_, "department-decision", d.level());
      if (!authority.ok()) return Refuse(i, h, authority.message());
    }
    departments_[d.department()].push_back({i, d.decision(), d.opinion()});
    MaybeDecideByDepartments(i, h);
  }

  void ApplyFee(size_t i, HistoryEntry& h) {
    const auto& f = ops_[i].fee_recorded();
    h.Set("fee", f.kind());
    h.Set("amount_fen", f.amount_fen());
    if (f.kind() == "charge") {
      charged_fen_ += f.amount_fen();
    } else if (f.kind() == "payment") {
      paid_fen_ += f.amount_fen();
    } else if (f.kind() == "refund") {
      refunded_fen_ += f.amount_fen();
    } else {
      h.Set("outcome", "ignored");
      h.Set("why", "fee kind unknown to this version");
      return;
    }
    json entry = {{"op", id_text_[i]}, {"kind", f.kind()}, {"name", f.name()}, {"amount_fen", f.amount_fen()},
                  {"actor", ops_[i].actor()}, {"time", HlcMs(ops_[i].hlc())}};
    if (!f.bank_receipt().empty()) entry["bank_receipt"] = f.bank_receipt();
    if (!f.reason().empty()) entry["reason"] = f.reason();
    fee_entries_.push_back(std::move(entry));
  }

  void ApplyEvaluation(size_t i, HistoryEntry& h) {
    const auto& e = ops_[i].evaluation_given();
    h.Set("rating", e.rating());
    json entry = {{"op", id_text_[i]},         {"rating", e.rating()},       {"channel", e.channel()},
                  {"target_kind", e.target_kind()}, {"target", e.target()}, {"real_name", e.real_name()},
                  {"stage", e.stage()},       {"time", HlcMs(ops_[i].hlc())}, {"origin", ops_[i].origin()}};
    if (!e.comment().empty()) entry["comment"] = e.comment();
    if (IsNegativeRating(e.rating()))
      entry["rectification"] = {{"state", "open"}, {"called_back", false}, {"steps", json::array()}};
    evaluation_index_[id_text_[i]] = evaluations_.size();
    evaluations_.push_back(std::move(entry));
  }

  void ApplyRectification(size_t i, HistoryEntry& h) {
    const auto& r = ops_[i].rectification_step();
    std::string target = OpId{r.evaluation().origin(), r.evaluation().seq()}.ToString();
    h.Set("evaluation", target);
    h.Set("step", r.step());
    auto it = evaluation_index_.find(target);
    if (it == evaluation_index_.end() || !evaluations_[it->second].contains("rectification")) {
      h.Set("outcome", "ignored");
      h.Set("why", "no negative evaluation with that op id on this case");
      return;
    }
    json& rect = evaluations_[it->second]["rectification"];
    json step = {{"op", id_text_[i]}, {"step", r.step()}, {"actor", ops_[i].actor()}, {"time", HlcMs(ops_[i].hlc())}};
    if (!r.note().empty()) step["note"] = r.note();
    if (!r.due_date().empty()) step["due_date"] = r.due_date();
    rect["steps"].push_back(step);
    if (r.step() == "call_back") {
      rect["called_back"] = true;
    } else if (r.step() == "close") {
      rect["state"] = "closed";
      rect["closed"] = HlcMs(ops_[i].hlc());
    } else {
      rect["category"] = r.step();
      if (!r.due_date().empty()) rect["due_date"] = r.due_date();
    }
  }

  void ApplyResolution(size_t i, HistoryEntry& h) {
    const auto& r = ops_[i].conflict_resolved();
    h.Set("conflict", r.conflict_id());
    std::optional<size_t> keep;
    if (r.has_keep()) {
      auto it = index_.find(OpId{r.keep().origin(), r.keep().seq()});
      if (it != index_.end()) keep = it->second;
      h.Set("keep", OpId{r.keep().origin(), r.keep().seq()}.ToString());
    }
    const std::string field_prefix = case_id_.value + "/field/";
    const std::string transition_prefix = case_id_.value + "/transition/";
    const std::string department_prefix = case_id_.value + "/department/";
    if (r.conflict_id().rfind(department_prefix, 0) == 0) {
      std::string dept = r.conflict_id().substr(department_prefix.size());
      auto it = departments_.find(dept);
      std::optional<DepartmentWrite> kept;
      if (it != departments_.end() && keep)
        for (const auto& w : it->second)
          if (w.node == *keep) kept = w;
      if (!kept) {
        h.Set("outcome", "ignored");
        h.Set("why", "the kept op is not a decision of this department");
        return;
      }
      h.Set("value", kept->decision);
      it->second.push_back({i, kept->decision, kept->opinion});
      MaybeDecideByDepartments(i, h);
      return;
    }
    if (r.conflict_id().rfind(field_prefix, 0) == 0) {
      std::string field = r.conflict_id().substr(field_prefix.size());
      if (!IsGuardedField(field)) {
        h.Set("outcome", "ignored");
        h.Set("why", "not a guarded field");
        return;
      }
      std::optional<std::string> value;
      if (r.has_value()) {
        value = r.value();
      } else if (keep) {
        for (const auto& w : guarded_[field])
          if (w.node == *keep) value = w.value;
      }
      if (!value) {
        h.Set("outcome", "ignored");
        h.Set("why", "the kept op did not write this field");
        return;
      }
      h.Set("value", *value);
      guarded_[field].push_back({i, *value});
      return;
    }
    if (r.conflict_id().rfind(transition_prefix, 0) == 0) {
      auto it = transition_conflicts_.find(r.conflict_id());
      if (it == transition_conflicts_.end() || it->second.resolved) {
        h.Set("outcome", "ignored");
        h.Set("why", "no such open conflict");
        return;
      }
      it->second.resolved = true;
      if (keep && *keep == it->second.rejected) {
        auto action = ParseAction(ops_[*keep].transition().action());
        SetStatus(TargetStatus(*action), i);
        h.Set("forced", CaseStatusName(status_));
      } else {
        h.Set("dismissed", true);
      }
      return;
    }
    h.Set("outcome", "ignored");
    h.Set("why", "conflict id does not belong to this case");
  }

  CaseProjection Finish() {
    CaseProjection p;
    p.case_id = case_id_;
    p.created = created_;
    p.case_number = case_number_;
    p.division = division_;
    p.status = CaseStatusName(status_);
    p.last_hlc = last_hlc_;

    json fields = json::object();
    for (const auto& name : AllFieldNames()) {
      if (IsPlainField(name)) {
        auto it = plain_.find(name);
        if (it != plain_.end()) fields[name] = {{"value", it->second.value}, {"op", id_text_[it->second.node]}};
        continue;
      }
      auto it = guarded_.find(name);
      if (it == guarded_.end() || it->second.empty()) continue;
      std::vector<const GuardedWrite*> current;
      for (const auto& w : it->second) {
        bool superseded = false;
        for (const auto& other : it->second)
          if (other.node != w.node && ancestry_->IsAncestor(w.node, other.node)) superseded = true;
        if (!superseded) current.push_back(&w);
      }
      const GuardedWrite* winner = current.front();
      bool disagree = false;
      for (const auto* w : current) {
        if (w->node > winner->node) winner = w;
        if (w->value != current.front()->value) disagree = true;
      }
      json f = {{"value", winner->value}, {"op", id_text_[winner->node]}};
      if (disagree) {
        std::string cid = case_id_.value + "/field/" + name;
        f["conflict"] = cid;
        std::sort(current.begin(), current.end(),
                  [&](const auto* a, const auto* b) { return ids_[a->node] < ids_[b->node]; });
        json candidates = json::array();
        for (const auto* w : current)
          candidates.push_back({{"op", id_text_[w->node]}, {"actor", ops_[w->node].actor()},
                                {"value", w->value}, {"time", HlcToIso(ops_[w->node].hlc())}});
        json detail = {{"id", cid}, {"case_id", case_id_.value}, {"case_number", case_number_},
                       {"kind", "field"}, {"field", name}, {"provisional", winner->value},
                       {"candidates", candidates}};
        p.conflicts.push_back({cid, "field", name, detail});
      }
      fields[name] = f;
    }
    if (auto it = fields.find("applicant_name"); it != fields.end()) p.applicant_name = (*it)["value"];
    if (auto it = fields.find("applicant_id"); it != fields.end()) p.applicant_id = (*it)["value"];
    if (auto it = fields.find("item_code"); it != fields.end()) p.item_code = (*it)["value"];

    for (const auto& [cid, tc] : transition_conflicts_) {
      if (tc.resolved) continue;
      const pb::Op& rejected = ops_[tc.rejected];
      json candidates = json::array();
      candidates.push_back({{"op", id_text_[tc.rejected]}, {"actor", rejected.actor()},
                            {"action", rejected.transition().action()}, {"outcome", "rejected"},
                            {"time", HlcToIso(rejected.hlc())}});
      if (tc.applied) {
        const pb::Op& applied = ops_[*tc.applied];
        std::string action = applied.has_transition() ? applied.transition().action() : "resolution";
        candidates.push_back({{"op", id_text_[*tc.applied]}, {"actor", applied.actor()},
                              {"action", action}, {"outcome", "applied"}, {"time", HlcToIso(applied.hlc())}});
      }
      json detail = {{"id", cid}, {"case_id", case_id_.value}, {"case_number", case_number_},
                     {"kind", "transition"}, {"field", rejected.transition().action()},
                     {"status_then", tc.status_then}, {"candidates", candidates}};
      p.conflicts.push_back({cid, "transition", rejected.transition().action(), detail});
    }
    json departments = json::object();
    for (const auto& [dept, writes] : departments_) {
      bool conflict = false;
      auto decision = DepartmentDecision(dept, &conflict);
      const DepartmentWrite* latest = &writes.front();
      for (const auto& w : writes)
        if (w.node > latest->node) latest = &w;
      json d = {{"decision", decision ? *decision : latest->decision}, {"opinion", latest->opinion},
                {"op", id_text_[latest->node]}, {"actor", ops_[latest->node].actor()},
                {"time", HlcMs(ops_[latest->node].hlc())}};
      if (conflict) {
        std::string cid = case_id_.value + "/department/" + dept;
        d["conflict"] = cid;
        json candidates = json::array();
        for (const auto& w : writes) {
          bool superseded = false;
          for (const auto& other : writes)
            if (other.node != w.node && ancestry_->IsAncestor(w.node, other.node)) superseded = true;
          if (!superseded)
            candidates.push_back({{"op", id_text_[w.node]}, {"actor", ops_[w.node].actor()},
                                  {"value", w.decision}, {"time", HlcToIso(ops_[w.node].hlc())}});
        }
        json detail = {{"id", cid}, {"case_id", case_id_.value}, {"case_number", case_number_},
                       {"kind", "department"}, {"field", dept}, {"candidates", candidates}};
        p.conflicts.push_back({cid, "department", dept, detail});
      }
      departments[dept] = d;
    }
    std::sort(p.conflicts.begin(), p.conflicts.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    p.events = std::move(events_);
    p.terms = terms_;
    p.refused = refused_;
    if (auto it = plain_.find("phone"); it != plain_.end()) p.phone = it->second.value;

    for (size_t i = 0; i < ops_.size(); ++i)
      if (children_[i].empty()) p.heads.push_back(ids_[i]);
    std::sort(p.heads.begin(), p.heads.end());

    json conflicts = json::array();
    for (const auto& c : p.conflicts) conflicts.push_back(c.detail);
    json heads = json::array();
    for (const auto& h : p.heads) heads.push_back(h.ToString());
    p.view = {{"case_id", case_id_.value},
              {"case_number", case_number_},
              {"division", division_},
              {"created", created_},
              {"status", p.status},
              {"fields", fields},
              {"materials", materials_},
              {"notes", notes_},
              {"conflicts", conflicts},
              {"heads", heads},
              {"op_count", ops_.size()},
              {"last_update", HlcToIso(last_hlc_)}};
    // Workflow facts, present only when the case has them (the stored summary stays small).
    // Finish runs once per fold: the collected facts move into the view.
    if (terms_) p.view["item"] = TermsToJson(*terms_);
    if (!timeline_.empty()) p.view["timeline"] = timeline_;
    if (!handled_.empty()) p.view["handled_by"] = std::move(handled_);
    if (!suspensions_.empty()) p.view["suspensions"] = std::move(suspensions_);
    if (!extensions_.empty()) p.view["extensions"] = std::move(extensions_);
    if (!owed_.is_null()) p.view["owed"] = std::move(owed_);
    if (!departments.empty()) p.view["departments"] = std::move(departments);
    if (!fee_entries_.empty())
      p.view["fees"] = {{"charged_fen", charged_fen_}, {"paid_fen", paid_fen_}, {"refunded_fen", refunded_fen_},
                        {"entries", std::move(fee_entries_)}};
    if (!certificate_.is_null()) p.view["certificate"] = std::move(certificate_);
    if (!delivery_.is_null()) p.view["delivery"] = std::move(delivery_);
    if (!evaluations_.empty()) p.view["evaluations"] = std::move(evaluations_);
    if (!refused_.empty()) {
      json refused = json::array();
      for (const auto& r : refused_) refused.push_back({{"op", r.op}, {"rule", r.rule}});
      p.view["refused"] = refused;
    }
    if (with_history_) p.view["history"] = std::move(history_);
    return p;
  }

  CaseId case_id_;
  std::vector<pb::Op> ops_;
  bool with_history_;
  std::vector<OpId> ids_;
  std::vector<std::string> id_text_;  // "origin:seq" of each op
  std::map<OpId, size_t> index_;
  std::vector<std::vector<size_t>> parents_;
  std::vector<std::vector<size_t>> children_;
  std::optional<Ancestry> ancestry_;

  bool created_ = false;
  std::string case_number_;
  std::string division_;
  CaseStatus status_ = CaseStatus::kDraft;
  std::optional<size_t> last_transition_;
  uint64_t last_hlc_ = 0;
  std::map<std::string, std::vector<GuardedWrite>> guarded_;
  struct PlainWrite {
    size_t node;
    std::string value;
  };
  std::map<std::string, PlainWrite> plain_;
  std::map<std::string, TransitionConflict> transition_conflicts_;
  std::optional<pb::ItemTerms> terms_;
  std::map<std::string, uint64_t> timeline_;
  json handled_ = json::object();
  json suspensions_ = json::array();
  json extensions_ = json::array();
  json owed_;
  std::map<std::string, std::vector<DepartmentWrite>> departments_;
  int64_t charged_fen_ = 0, paid_fen_ = 0, refunded_fen_ = 0;
  json fee_entries_ = json::array();
  json certificate_, delivery_;
  json evaluations_ = json::array();
  std::map<std::string, size_t> evaluation_index_;
  std::vector<CaseEvent> events_;
  std::vector<RefusedOp> refused_;
  json materials_ = json::array();
  json notes_ = json::array();
  json history_ = json::array();
};

}  // namespace

CaseProjection ProjectCase(const CaseId& case_id, std::vector<pb::Op> ops, ProjectionDetail detail) {
  return Folder(case_id, std::move(ops), detail == ProjectionDetail::kWithHistory).Run();
}

std::string HlcToIso(uint64_t hlc) {
  uint64_t ms = hlc >> 16;
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03uZ", buf, static_cast<unsigned>(ms % 1000));
  return out;
}

}  // namespace silian::sync
