// The service domain's Projector (ledger/projector.h): it gives the ledger's ops their meaning. Case ops
// are folded by ProjectCase (domain/projection.h) into the case tables, with authority judged by the node
// registry; reference ops (catalogue items, calendars, node registrations) are admitted by their publishers'
// registrations (Admit, domain/registry.h) and indexed; notices to applicants are queued in the outbox. Its collaborators share the
// ledger's SQLite connection and transactions. Not thread-safe (as the Ledger).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "domain/case_tables.h"
#include "domain/case_watch.h"
#include "domain/outbox.h"
#include "domain/projection.h"
#include "domain/reference_index.h"
#include "domain/registry.h"
#include "domain/staff.h"
#include "ledger/ledger.h"
#include "ledger/projector.h"

namespace silian::sync {

class CaseProjector final : public Projector {
 public:
  std::string SchemaStep(int version) const override;
  Status Attach(Ledger& ledger) override;
  Status Reload() override;
  bool IsReference(const pb::Op& op) const override;
  Status CheckContent(const pb::Op& op) const override;
  Status Admit(const pb::Op& op) override;
  // The key of the origin's registration; the pinned root key for the root before its registration is
  // held; kUnavailable when neither; kNotFound when no root is pinned yet.
  Result<std::string> OriginKey(const std::string& origin) override;
  Status OnReferenceOp(const pb::Op& op) override;
  Result<std::vector<Refusal>> Project(const std::string& case_id, std::vector<pb::Op> ops) override;
  Status HashState(const std::string& scope, const std::function<void(std::string_view)>& update) override;

  // Folds and stores case `case_id` from `ops` (all its ops), queues its notices, and returns the
  // projection. REQUIRES: attached, inside a write transaction.
  Result<CaseProjection> ProjectAndStore(const std::string& case_id, std::vector<pb::Op> ops);

  // REQUIRES: attached.
  CaseTables& cases() { return *cases_; }
  CaseWatch& watch() { return *watch_; }
  ReferenceIndex& reference() { return *reference_; }
  Registry& registry() { return *registry_; }
  StaffRegistry& staff() { return *staff_; }
  // The judge of each op's actor by the staff accounts held, for ProjectCase. REQUIRES: attached.
  const ActorCheck& actors() const { return actors_; }
  // The registered level of each origin, for ProjectCase. REQUIRES: attached; valid while it is.
  const OriginLevels& levels() const { return levels_; }
  Outbox& outbox() { return *outbox_; }

 private:
  // Has the stored cases that have ops of `origin` folded again (its registered level changed) before the
  // transaction commits (Ledger::MarkStale).
  Status ReprojectCasesOf(const std::string& origin);

  Ledger* ledger_ = nullptr;
  std::unique_ptr<CaseTables> cases_;
  std::unique_ptr<ReferenceIndex> reference_;
  std::unique_ptr<Registry> registry_;
  OriginLevels levels_;
  std::unique_ptr<StaffRegistry> staff_;
  ActorCheck actors_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<CaseWatch> watch_;
};

}  // namespace silian::sync
