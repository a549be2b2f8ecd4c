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

// How many rows a list of the app shows at most (the window queue, each list of "my work"): a longer list
// is cut, and its reply says how many there are.
inline constexpr size_t kListLimit = 500;

// Where a list looks and how much of it, from the query of its call: "division" narrows it to a division
// prefix within this node's area (digits, at most 12; default the node's whole area), "limit" to fewer
// rows (1..kListLimit, the default). kInvalidArgument naming the value otherwise.
struct ListWindow {
  std::string scope;
  size_t limit = kListLimit;
};
Result<ListWindow> ListWindowOf(sync::LedgerStore& store, const std::map<std::string, std::string>& query);

// GET /api/work: this node's queues: drafts, received (to forward), correction, to_deliver, each the
// newest `w.limit` of `w.scope`; "totals" {queue: how many there are, counted}, "limit", "scope".
Result<nlohmann::json> WorkQueues(sync::LedgerStore& store, const ListWindow& w);

// GET /api/queue: the open cases of `w.scope` whose clocks run or that wait for acceptance here, the first
// `w.limit` candidates by due day (overdue first), with the clock state; "candidates" how many there are,
// "limit", "scope".
Result<nlohmann::json> ClerkQueue(sync::LedgerStore& store, const ListWindow& w);

// GET /api/cases/{ref}: the case view with its clocks and the actions allowed now.
Result<nlohmann::json> ShowCase(sync::LedgerStore& store, const std::string& ref);

// POST /api/cases/{ref}/act {"action", "reason"?, "details"?: {KEY: VALUE}}: LedgerStore::Act.
Result<nlohmann::json> ActOnCase(sync::LedgerStore& store, const std::string& ref, const nlohmann::json& body,
                                 const std::string& actor);

}  // namespace silian::ui::internal
