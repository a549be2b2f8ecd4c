#include "domain/case_projector.h"

#include "domain/validation.h"

namespace silian::sync {

std::string CaseProjector::SchemaStep(int version) const {
  return CaseTables::SchemaStep(version) + ReferenceIndex::SchemaStep(version) + Outbox::SchemaStep(version);
}

Status CaseProjector::Attach(Ledger& ledger) {
  ledger_ = &ledger;
  SILIAN_ASSIGN_OR_RETURN(cases_, CaseTables::Attach(ledger.db()));
  reference_ = std::make_unique<ReferenceIndex>(ledger.db());
  outbox_ = std::make_unique<Outbox>(ledger, *reference_);
  return outbox_->Reload();
}

Status CaseProjector::Reload() { return outbox_ ? outbox_->Reload() : Status::Ok(); }

bool CaseProjector::IsReference(const pb::Op& op) const {
  return op.has_item_published() || op.has_calendar_published();
}

Status CaseProjector::CheckContent(const pb::Op& op) const { return CheckOpContent(op); }

Status CaseProjector::Admit(const pb::Op&) { return Status::Ok(); }

Status CaseProjector::OnReferenceOp(const pb::Op& op) { return reference_->Index(op); }

Result<CaseProjection> CaseProjector::ProjectAndStore(const std::string& case_id, std::vector<pb::Op> ops) {
  SILIAN_CHECK(!ops.empty());
  std::string division = ops.front().division();
  CaseProjection p = ProjectCase(CaseId{case_id}, std::move(ops), ProjectionDetail::kSummary);
  if (p.division.empty()) p.division = division;
  SILIAN_RETURN_IF_ERROR(cases_->Write(p));
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
