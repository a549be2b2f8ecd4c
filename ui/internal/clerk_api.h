// The clerk's and the agent's case calls of a node's API beyond registration (docs/api.md): instant items
// in one step, the case page's forms (review steps, department decisions, fees, materials) and the owed
// materials of tolerant acceptances. Each takes the parsed request and an open store and writes through the
// LedgerStore call the matching command uses (`case step`, `case decide`, `case fee`, `case material`,
// `case act`), with its role refusals audited; the store applies every rule, this file adds none.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "domain/store.h"
#include "ui/internal/case_api.h"

namespace silian::ui::internal {

// The actions an instant registration takes after `receive`, in order (what a clerk types as `case act`).
inline constexpr const char* kInstantSteps[] = {"accept", "approve", "complete", "deliver"};

// Whether an instant registration of `item` can be taken from receipt to delivery at this node by `actor`,
// checked before anything is written: the item is instant, this node's level has the authority for every
// step (sync::CheckAuthority, the core's message), and at a staffed node the actor's roles allow every step
// (sync::RoleAllows). kInvalidArgument for an item that is not instant; kFailedPrecondition naming the rule
// of authority; kPermissionDenied naming the role needed.
Status CheckInstant(sync::LedgerStore& store, const pb::Item& item, const std::string& actor);

// Takes received case `case_id` through kInstantSteps (deliver with method window); appends each op id to
// `ops`. The first refusal is returned naming the step.
Status FinishInstant(sync::LedgerStore& store, const std::string& case_id, const std::string& actor,
                     nlohmann::json* ops);

// GET /api/cases/{ref}/page: the case view as ShowCase gives it, with "text" = what `case show` prints
// (console::RenderCase), "owed_outstanding" (sync::OwedMaterialsOutstanding), "checklist" (the material
// names of the case's item version) and "catalogue_fees" ([{name, amount_fen}] of that version).
Result<nlohmann::json> CasePage(sync::LedgerStore& store, const std::string& ref);

// POST /api/cases/{ref}/step {"step", "outcome": "pass"|"return", "opinion"?}: `case step`.
Result<nlohmann::json> RecordStep(sync::LedgerStore& store, const std::string& ref, const nlohmann::json& body,
                                  const std::string& actor);
// POST /api/cases/{ref}/decide {"department", "decision": "approve"|"deny", "opinion"?}: `case decide`.
Result<nlohmann::json> DecideDepartment(sync::LedgerStore& store, const std::string& ref,
                                        const nlohmann::json& body, const std::string& actor);
// POST /api/cases/{ref}/fee {"kind": "charge"|"payment"|"refund", "amount" (yuan, "80.00"), "name"?,
// "bank_receipt"?, "reason"?}: `case fee` with --amount.
Result<nlohmann::json> RecordFee(sync::LedgerStore& store, const std::string& ref, const nlohmann::json& body,
                                 const std::string& actor);
// POST /api/cases/{ref}/rectify {"evaluation" (its op id, origin:seq), "step": "call_back"|"fix_now"|
// "fix_by_deadline"|"explain"|"appeal"|"close", "note"?, "due"? (YYYY-MM-DD, for fix_by_deadline)}: `case
// rectify`. 400 naming a malformed evaluation id, a step or a date; 404 for no such negative evaluation;
// 409 for a closed rectification or a close before a category.
Result<nlohmann::json> Rectify(sync::LedgerStore& store, const std::string& ref, const nlohmann::json& body,
                               const std::string& actor);
// POST /api/cases/{ref}/material {"name", "copies"?}: `case material` (an owed material received, too).
Result<nlohmann::json> RecordMaterial(sync::LedgerStore& store, const std::string& ref, const nlohmann::json& body,
                                      const std::string& actor);

// POST /api/cases/{ref}/lapse {"decision": "withdraw"|"continue", "reason", "due"?}: `case lapse`
// (LedgerStore::DecideLapsedCorrection: refused before the correction's due day has passed).
Result<nlohmann::json> DecideLapse(sync::LedgerStore& store, const std::string& ref, const nlohmann::json& body,
                                   const std::string& actor);
// POST /api/cases/{ref}/evaluate {"rating", "channel", "staff"? | "node"?, "stage"?, "comment"?,
// "real_name"?, "assisted"?}: `case evaluate` (LedgerStore::Evaluate). Exactly one of staff and node;
// stage defaults to completion, as the command's.
Result<nlohmann::json> Evaluate(sync::LedgerStore& store, const std::string& ref, const nlohmann::json& body,
                                const std::string& actor);
// POST /api/cases/{ref}/subsidy {"name", "amount" (yuan), "bank_transfer", "note"?}: `case subsidy`
// (LedgerStore::RecordSubsidy).
Result<nlohmann::json> RecordSubsidy(sync::LedgerStore& store, const std::string& ref, const nlohmann::json& body,
                                     const std::string& actor);

// GET /api/work/owed, the "owed materials due" queue of my work: the cases of this node's area that owe
// materials (sync::OwedDueOf: accepted tolerantly, not closed, owed materials outstanding), read through
// the watch index (domain/case_watch.h), of `w.scope`, the first `w.limit` by due day: {owed:
// [{case_id, case_number, applicant_name, item, status, owed: [...], due, overdue}] overdue first, then by
// due date; total: how many cases owe materials; limit; scope}.
Result<nlohmann::json> OwedDue(sync::LedgerStore& store, const ListWindow& w);

// GET /api/conflicts: the open conflicts of this replica (what `conflicts --json` prints: id, case, kind,
// field, candidates with op, actor, value or action, time), each with "text" as `conflicts` prints it.
Result<nlohmann::json> ListConflicts(sync::LedgerStore& store);
// POST /api/conflicts/resolve {"conflict", "keep": OPID} or {"conflict", "value"}: `conflicts resolve`
// (LedgerStore::ResolveConflict). kInvalidArgument unless exactly one of keep and value is given.
Result<nlohmann::json> ResolveConflict(sync::LedgerStore& store, const nlohmann::json& body,
                                       const std::string& actor);

}  // namespace silian::ui::internal
