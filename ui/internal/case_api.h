// The case calls of a node's API (docs/api.md, "Cases"): each takes the parsed request and an open store,
// and returns the reply's JSON or a Status that the API turns into a 4xx/5xx reply.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "domain/store.h"

namespace silian::ui::internal {

// `written`, after a refused authoring call, with its role refusal audited (as the command line does:
// LedgerStore::AuditLastRefusal).
template <typename T>
Result<T> Audited(sync::LedgerStore& store, Result<T> written) {
  if (written.ok()) return written;
  Status audit = store.AuditLastRefusal();
  if (!audit.ok())
    return Status(audit.code(), written.status().message() + " (and its audit record failed: " + audit.message() + ")");
  return written;
}

// POST /api/check {"field", "value", "id_type"?}: {"valid", "value" (normal form) | "message"}.
// kInvalidArgument for a field the form does not have.
Result<nlohmann::json> CheckField(const nlohmann::json& body);

// POST /api/cases: registers a case (LedgerStore::CreateCase), records each material ticked
// (AddMaterial) and, with "receive": true, receives it (Act receive). Every field and material is checked
// before anything is written; {"case_number", "case_id", "ops": [...]}. With "instant": true (an instant
// item only) the case is then accepted, approved, completed and delivered at the window in the same call,
// as `case act` would in sequence, after CheckInstant (internal/clerk_api.h) found nothing in the way.
Result<nlohmann::json> RegisterCase(sync::LedgerStore& store, const nlohmann::json& body, const std::string& actor);

// GET /api/work: this node's queues: drafts, received (to forward), correction, to_deliver.
Result<nlohmann::json> WorkQueues(sync::LedgerStore& store);

// GET /api/queue: the open cases of this node's area whose clocks run, by due date of the promised
// clock (overdue first), with the clock state.
Result<nlohmann::json> ClerkQueue(sync::LedgerStore& store);

// GET /api/cases/{ref}: the case view with its clocks and the actions allowed now.
Result<nlohmann::json> ShowCase(sync::LedgerStore& store, const std::string& ref);

// POST /api/cases/{ref}/act {"action", "reason"?, "details"?: {KEY: VALUE}}: LedgerStore::Act.
Result<nlohmann::json> ActOnCase(sync::LedgerStore& store, const std::string& ref, const nlohmann::json& body,
                                 const std::string& actor);

}  // namespace silian::ui::internal
