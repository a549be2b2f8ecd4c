#include "domain/case_projector.h"

#include "base/text.h"
#include "domain/case_facts.h"
#include "domain/validation.h"
#include "ledger/db.h"

namespace silian::sync {

std::string CaseProjector::SchemaStep(int version) const {
  return CaseTables::SchemaStep(version) + ReferenceIndex::SchemaStep(version) + Outbox::SchemaStep(version);
}

Status CaseProjector::Attach(Ledger& ledger) {
  ledger_ = &ledger;
  SILIAN_ASSIGN_OR_RETURN(cases_, CaseTables::Attach(ledger.db(), ledger.sealer()));
  reference_ = std::make_unique<ReferenceIndex>(ledger.db());
  registry_ = std::make_unique<Registry>(ledger);
  SILIAN_RETURN_IF_ERROR(registry_->EnsureTable());
  levels_ = [this](const std::string& origin) -> std::optional<Level> {
    // A read error counts as "unknown": authority fails closed.
    auto r = registry_->Find(origin);
    if (!r.ok() || !r->has_value()) return std::nullopt;
    return (*r)->level;
  };
  staff_ = std::make_unique<StaffRegistry>(ledger, *registry_);
  SILIAN_RETURN_IF_ERROR(staff_->EnsureTables());
  actors_ = [this](const pb::Op& op) -> std::string {
    // A read error refuses the op: staff checks fail closed.
    auto rule = staff_->Judge(op);
    return rule.ok() ? *rule : "staff accounts cannot be read: " + rule.status().message();
  };
  outbox_ = std::make_unique<Outbox>(ledger, *reference_);
  SILIAN_RETURN_IF_ERROR(outbox_->Reload());
  SILIAN_ASSIGN_OR_RETURN(watch_, CaseWatch::Attach(ledger, *cases_, *reference_));
  return Status::Ok();
}

Status CaseProjector::Reload() {
  if (registry_) registry_->Forget();
  if (staff_) staff_->Reload();
  if (watch_) watch_->Forget();  // calendar layers another connection stored, or that rolled back
  return outbox_ ? outbox_->Reload() : Status::Ok();
}

bool CaseProjector::IsReference(const pb::Op& op) const {
  return IsReferenceOp(op);
}

Status CaseProjector::CheckContent(const pb::Op& op) const { return CheckOpContent(op); }

Status CaseProjector::Admit(const pb::Op& op) {
  SILIAN_RETURN_IF_ERROR(registry_->AdmitOrigin(op));  // a revoked origin's later ops, everywhere
  // Case ops need no further admission here: their authority is judged in the fold, from the registry.
  if (!IsReference(op)) return Status::Ok();
  if (op.has_staff_registered() || op.has_staff_audit()) return staff_->Admit(op);
  return registry_->Admit(op);
}

Result<std::string> CaseProjector::OriginKey(const std::string& origin) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> r, registry_->Find(origin));
  if (r && !r->public_key.empty()) return r->public_key;
  SILIAN_ASSIGN_OR_RETURN(std::optional<std::string> root, registry_->Root());
  if (!root) return NotFound("no registry root is pinned: the keys of origins cannot be known");
  if (!r && *root != origin) {
    // A registry rooted at a county hub that served alone until the city it joins takes over (Registry::
    // CheckRootClaim): the origins above that county have no anchor here until then, as at a replica with no
    // root yet. Their ops still pass every other rule; a registered origin's are verified with its key.
    SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> pinned, registry_->Find(*root));
    if (!pinned || pinned->level == Level::kCounty)
      return NotFound("the registry root " + Quote(*root) + " is a county hub that a city may take over: origin " +
                      Quote(origin) + " has no anchor here yet");
  }
  if (*root == origin) {
    SILIAN_ASSIGN_OR_RETURN(std::optional<std::string> key, registry_->RootKey());
    if (key && !key->empty()) return *key;
  }
  return Unavailable("the key of origin " + Quote(origin) + " is not known here yet (its registration has not arrived)");
}

Status CaseProjector::OnReferenceOp(const pb::Op& op) {
  if (op.has_staff_audit()) return ValidateAudit(op).ok() ? staff_->IndexAudit(op) : Status::Ok();
  if (op.has_staff_registered()) {
    if (!ValidateStaff(op).ok()) return Status::Ok();
    SILIAN_ASSIGN_OR_RETURN(bool changed, staff_->Index(op));
    if (!changed) return Status::Ok();
    SILIAN_ASSIGN_OR_RETURN(std::vector<std::string> cases, staff_->CasesJudgedBy(op));
    return ledger_->MarkStale(cases);
  }
  if (!op.has_node_registered()) {
    SILIAN_RETURN_IF_ERROR(reference_->Index(op));
    // Due days are counted in the calendars' working days.
    return op.has_calendar_published() ? watch_->Rebuild() : Status::Ok();
  }
  // A registration authored here or admitted by Admit; one that breaks the content rules is kept, not used.
  if (!ValidateRegistration(op).ok()) return Status::Ok();
  SILIAN_ASSIGN_OR_RETURN(bool in_force, registry_->IsRootClaimInForce(op));
  if (!in_force) return Status::Ok();
  SILIAN_ASSIGN_OR_RETURN(bool changed, registry_->Index(op));
  if (!changed) return Status::Ok();
  staff_->Reload();  // which division a node is in, and so whether it is staffed, may have changed
  return ReprojectCasesOf(op.node_registered().node_id());
}

Status CaseProjector::ReprojectCasesOf(const std::string& origin) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(ledger_->db(), "SELECT DISTINCT case_id FROM ops WHERE origin=? AND case_id<>''"));
  s.Bind(1, origin);
  SILIAN_ASSIGN_OR_RETURN(auto case_ids, CollectRows<std::string>(s, [](const Stmt& row) { return row.Text(0); }));
  // Projected once before the transaction commits, not once per registration op of an import.
  return ledger_->MarkStale(case_ids);
}

Result<CaseProjection> CaseProjector::ProjectAndStore(const std::string& case_id, std::vector<pb::Op> ops) {
  SILIAN_CHECK(!ops.empty());
  std::string division = ops.front().division();
  CaseProjection p = ProjectCase(CaseId{case_id}, std::move(ops), ProjectionDetail::kSummary, levels_, actors_);
  if (p.division.empty()) p.division = division;
  const pb::CaseFacts facts = FactsOfView(p.view);  // once, for the case's row and its watch row
  SILIAN_RETURN_IF_ERROR(cases_->Write(p, facts));
  SILIAN_RETURN_IF_ERROR(watch_->Write(p, facts));
  SILIAN_RETURN_IF_ERROR(outbox_->CreateNotices(p));
  return p;
}

Result<std::vector<Refusal>> CaseProjector::Project(const std::string& case_id, std::vector<pb::Op> ops) {
  SILIAN_ASSIGN_OR_RETURN(CaseProjection p, ProjectAndStore(case_id, std::move(ops)));
  std::vector<Refusal> out;
  for (auto& r : p.refused) out.push_back(Refusal{std::move(r.op), std::move(r.rule)});
  return out;
}

Status CaseProjector::HashState(const std::string& scope, const std::function<void(std::string_view)>& update) {
  return cases_->HashState(scope, update);
}

}  // namespace silian::sync
