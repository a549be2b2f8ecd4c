// The store's staff calls: publishing accounts (hubs), logins and sessions (nodes), the role check of
// authoring and the audit ops (domain/staff.h).
#include <algorithm>
#include <string>

#include "base/message_keys.h"
#include "base/text.h"
#include "domain/store.h"
#include "domain/validation.h"

namespace silian::sync {

Result<bool> LedgerStore::PublishStaff(StaffAccount a, const std::string& actor) {
  const NodeConfig& self = ledger_->config();
  if (self.level != Level::kCounty && self.level != Level::kCity)
    return FailedPrecondition(std::string("staff accounts are published at a county or city hub; this is a ") +
                              LevelName(self.level) + " node");
  return ledger_->InTransaction<bool>([&]() -> Result<bool> {
    if (!a.node_id.empty()) {
      SILIAN_ASSIGN_OR_RETURN(std::optional<Registration> node, projector_->registry().Find(a.node_id));
      if (!node || !node->active)
        return InvalidArgument("node " + Quote(a.node_id) + " of staff " + Quote(a.staff_id) +
                               " is not an active node in this hub's registry");
      a.division = node->division.value;
    }
    if (!InScope(a.division, ledger_->scope()))
      return InvalidArgument("division " + Quote(a.division) + " of staff " + Quote(a.staff_id) +
                             " is outside this hub's area " + Quote(ledger_->scope()));
    SILIAN_ASSIGN_OR_RETURN(std::optional<StaffAccount> held, projector_->staff().Find(a.staff_id));
    if (held && held->name == a.name && held->node_id == a.node_id && held->division == a.division &&
        held->roles == a.roles && held->active == a.active && held->verifier == a.verifier)
      return false;
    pb::Op op;
    *op.mutable_staff_registered() = StaffBody(a);
    op.set_division(a.division);
    op.set_origin(self.node_id.value);
    op.set_actor(actor.empty() ? self.node_id.value : actor);
    op.set_seq(1);
    op.set_hlc(ledger_->wall().NowMs() << 16);
    SILIAN_RETURN_IF_ERROR(CheckOpContent(op));
    SILIAN_RETURN_IF_ERROR(ledger_->Append(std::move(op), actor, "", a.division, {}).status());
    return true;
  });
}

Result<std::optional<StaffAccount>> LedgerStore::FindStaff(const std::string& staff_id) {
  return projector_->staff().Find(staff_id);
}

Result<std::vector<StaffAccount>> LedgerStore::StaffAccounts() { return projector_->staff().List(); }

Result<std::vector<AuditRecord>> LedgerStore::AuditRecords(size_t limit) { return projector_->staff().Audit(limit); }

Result<bool> LedgerStore::StaffRequired() { return projector_->staff().Staffed(ledger_->config().node_id.value); }

Status LedgerStore::WriteAudit(const pb::StaffAudit& audit) {
  return ledger_->RunTransaction([&]() -> Status {
    pb::Op op;
    *op.mutable_staff_audit() = audit;
    const std::string& division = ledger_->config().division.value;
    op.set_division(division);
    op.set_origin(ledger_->config().node_id.value);
    op.set_seq(1);  // as Append will write it; content rules do not depend on the seq
    op.set_hlc(ledger_->wall().NowMs() << 16);
    op.set_actor(audit.staff_id());
    SILIAN_RETURN_IF_ERROR(CheckOpContent(op));
    return ledger_->Append(std::move(op), audit.staff_id(), "", division, {}).status();
  });
}

Result<Session> LedgerStore::Login(const std::string& staff_id, const std::string& passphrase, uint64_t ttl_ms,
                                   const std::string& token_hash) {
  SILIAN_RETURN_IF_ERROR(CheckText("staff id", staff_id, kMaxActorChars, true));
  if (ttl_ms == 0 || ttl_ms > kMaxSessionMs)
    return InvalidArgument("session length " + std::to_string(ttl_ms / 1000) + " s is outside 1 s .. " +
                           std::to_string(kMaxSessionMs / 1000) + " s");
  pb::StaffAudit audit;
  audit.set_staff_id(staff_id);
  auto refuse = [&](Status why) -> Status {
    audit.set_event("login_failed");
    audit.set_detail(why.message().substr(0, kMaxAuditDetailChars));
    SILIAN_RETURN_IF_ERROR(WriteAudit(audit));
    return why;
  };
  SILIAN_ASSIGN_OR_RETURN(std::optional<StaffAccount> a, projector_->staff().Find(staff_id));
  const std::string self = ledger_->config().node_id.value;
  if (!a)
    return refuse(InvalidArgument("no staff account " + Quote(staff_id) +
                                  " is held by this ledger (is it published at the hub, and has this node synced?)")
                      .With(msg::kStaffUnknown, staff_id));
  if (!VerifyPassphrase(a->verifier, passphrase))
    return refuse(InvalidArgument("wrong passphrase for staff " + Quote(staff_id)).With(msg::kWrongPassphrase, staff_id));
  if (!a->active)
    return refuse(PermissionDenied("staff " + Quote(staff_id) + " is disabled").With(msg::kStaffDisabled, staff_id));
  if ((!a->node_id.empty() && a->node_id != self) ||
      (a->node_id.empty() && a->division != ledger_->config().division.value))
    return refuse(PermissionDenied("staff " + Quote(staff_id) + " works at " +
                                   (a->node_id.empty() ? "division " + Quote(a->division) : "node " + Quote(a->node_id)) +
                                   ", not at node " + Quote(self))
                      .With(msg::kStaffElsewhere, staff_id, self));
  const uint64_t now = ledger_->wall().NowMs();
  Session session{staff_id, now, now + ttl_ms};
  SILIAN_RETURN_IF_ERROR(ledger_->RunTransaction([&]() -> Status {
    return projector_->staff().SaveSession(token_hash, session);
  }));
  audit.set_event("login");
  audit.set_detail("session until " + HlcToIso(session.expires_ms << 16));
  SILIAN_RETURN_IF_ERROR(WriteAudit(audit));
  return session;
}

Result<Session> LedgerStore::ActiveSession(const std::string& token_hash) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<Session> s, projector_->staff().FindSession(token_hash));
  if (!s)
    return NotFound("no session of this user is held by this ledger: log in first (`login STAFF`)").With(msg::kNoSession);
  if (ledger_->wall().NowMs() >= s->expires_ms)
    return FailedPrecondition("the session of staff " + Quote(s->staff_id) + " expired at " +
                              HlcToIso(s->expires_ms << 16) + ": log in again")
        .With(msg::kSessionExpired, s->staff_id, HlcToIso(s->expires_ms << 16));
  SILIAN_ASSIGN_OR_RETURN(std::optional<StaffAccount> a, projector_->staff().Find(s->staff_id));
  if (!a || !a->active)
    return FailedPrecondition("staff " + Quote(s->staff_id) + " is disabled (or no longer held): the session is refused")
        .With(msg::kSessionRefused, s->staff_id);
  return *s;
}

Status LedgerStore::Logout(const std::string& token_hash) {
  SILIAN_ASSIGN_OR_RETURN(std::optional<Session> s, projector_->staff().FindSession(token_hash));
  if (!s) return Status::Ok();
  SILIAN_RETURN_IF_ERROR(ledger_->RunTransaction([&]() { return projector_->staff().DropSession(token_hash); }));
  pb::StaffAudit audit;
  audit.set_event("logout");
  audit.set_staff_id(s->staff_id);
  return WriteAudit(audit);
}

Status LedgerStore::CheckActorMay(const pb::Op& body, const std::string& actor) {
  pb::Op op = body;
  op.set_origin(ledger_->config().node_id.value);
  // Judged at the stamp the op will get: the ledger's clock never goes below what it issued or observed
  // (an account version just synced from a hub whose clock runs ahead included).
  SILIAN_ASSIGN_OR_RETURN(auto last, ledger_->GetMeta("hlc_last"));
  op.set_hlc(std::max(ledger_->wall().NowMs() << 16, last ? uint64_t{std::stoull(*last)} + 1 : uint64_t{0}));
  op.set_actor(actor.empty() ? op.origin() : actor);
  SILIAN_ASSIGN_OR_RETURN(std::string rule, projector_->staff().Judge(op));
  if (rule.empty()) return Status::Ok();
  pb::StaffAudit audit;
  audit.set_event("role_refused");
  audit.set_staff_id(op.actor());
  audit.set_action(StaffActionOf(op));
  audit.set_detail(rule.substr(0, kMaxAuditDetailChars));
  last_refusal_ = audit;
  return PermissionDenied(rule).With(msg::kRoleRefused, op.actor(), audit.action());
}

Status LedgerStore::AuditLastRefusal() {
  if (!last_refusal_) return Status::Ok();
  pb::StaffAudit audit = std::move(*last_refusal_);
  last_refusal_.reset();
  return WriteAudit(audit);
}

}  // namespace silian::sync
