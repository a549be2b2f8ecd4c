// The stable rule of a refused API call, so that the page can say it in the user's language (docs/api.md,
// "Refusals"). The core words its refusals in English and has no rule codes on Status; this classifies a
// refusal with the core's own predicates (CheckTransition, CheckDetails, CheckAuthority), never by reading
// its message, and the page shows the core's message as the detail.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "domain/store.h"

namespace silian::ui::internal {

// {"rule", "params"} for a refusal of POST cases/{ref}/act with `body` (the case as `store` holds it now):
//   "status_forbids" {action, status}: the case's status does not allow the action;
//   "reason_required" {action}; "detail_invalid" {action}: CheckTransition / CheckDetails refuse;
//   "no_authority" {action, level}: this node's level lacks the authority (level: the item's exercise level);
// or null when none of these explains `refused` (the page then uses the error code).
nlohmann::json ClassifyActRefusal(sync::LedgerStore& store, const std::string& ref, const nlohmann::json& body);

// The same for POST cases {"instant": true, "item_code"}: "no_authority" {action, level} for the first
// instant step this node's level may not take; else null.
nlohmann::json ClassifyInstantRefusal(sync::LedgerStore& store, const nlohmann::json& body);

}  // namespace silian::ui::internal
