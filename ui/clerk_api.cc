#include "ui/internal/clerk_api.h"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "base/text.h"
#include "console/cases.h"
#include "console/render.h"
#include "console/support.h"
#include "domain/case_model.h"
#include "domain/case_watch.h"
#include "domain/catalog.h"
#include "domain/projection.h"
#include "domain/staff.h"
#include "domain/validation.h"
#include "domain/view.h"
#include "domain/workflow.h"
#include "ui/internal/case_api.h"
#include "ui/web.h"

namespace silian::ui::internal {
namespace {

using nlohmann::json;

// At a staffed node: kPermissionDenied (as the store's role refusal) naming the staff member, the step and
// the lowest role it needs, when none of `actor`'s roles allows one of `steps` (the table the store judges
// by). Refused before anything is written, so no audit record is made (the store's refusal would make one).
Status CheckRolesAllow(sync::LedgerStore& store, const std::string& actor, const std::vector<std::string>& steps) {
  SILIAN_ASSIGN_OR_RETURN(bool staffed, store.StaffRequired());
  if (!staffed) return Status::Ok();
  SILIAN_ASSIGN_OR_RETURN(auto account, store.FindStaff(actor));
  if (!account) return FailedPrecondition("staff " + Quote(actor) + " has no account at this node");
  for (const std::string& step : steps) {
    bool allowed = std::any_of(account->roles.begin(), account->roles.end(),
                               [&](sync::Role r) { return sync::RoleAllows(r, step); });
    if (allowed) continue;
    auto lowest = sync::LowestRoleFor(step);
    return PermissionDenied("staff " + Quote(actor) + " (" + account->RolesText() + ") may not " + step +
                              (lowest ? std::string("; it needs the role ") + sync::RoleName(*lowest) + " or above" : ""));
  }
  return Status::Ok();
}

// The copies of a material: 1 when absent, else 1..kMaxMaterialCopies (the store checks the rule too).
Result<uint32_t> CopiesOf(const json& body) {
  if (!body.contains("copies")) return 1u;
  if (!body["copies"].is_number_integer()) return InvalidArgument("\"copies\" must be a whole number, not " + body["copies"].dump());
  int64_t copies = body["copies"].get<int64_t>();
  if (copies < 1 || copies > sync::kMaxMaterialCopies)
    return InvalidArgument("copies " + std::to_string(copies) + " must be 1 to " + std::to_string(sync::kMaxMaterialCopies));
  return static_cast<uint32_t>(copies);
}

// The notices to the applicant of the case (LedgerStore::CaseNotices: what the outbox of the area's
// notifying hub makes of its events), oldest first, without the phone number.
Result<json> ApplicantNotices(sync::LedgerStore& store, const std::string& case_id) {
  SILIAN_ASSIGN_OR_RETURN(std::vector<sync::Notice> notices, store.CaseNotices(case_id));
  json out = json::array();
  for (const auto& n : notices)
    out.push_back({{"id", n.id}, {"kind", n.kind}, {"text", n.text}, {"time", sync::HlcToIso(n.event_ms << 16)},
                   {"has_phone", !n.phone.empty()}});
  return out;
}

Result<json> OpReply(const Result<sync::OpId>& op) {
  if (!op.ok()) return op.status();
  return json{{"op", op->ToString()}};
}

}  // namespace

Status CheckInstant(sync::LedgerStore& store, const pb::Item& item, const std::string& actor) {
  if (!item.instant())
    return InvalidArgument("item " + Quote(item.code()) + " (" + item.name() +
                           ") is not an instant item: register it and let the organ accept and decide it");
  const pb::ItemTerms terms = sync::TermsFor(item, store.config().division.value);
  const std::string level = sync::LevelName(store.config().level);
  std::vector<std::string> steps = {"receive"};
  for (const char* step : kInstantSteps) steps.push_back(step);
  for (const std::string& step : steps) SILIAN_RETURN_IF_ERROR(sync::CheckAuthority(terms, step, level, item.code()));
  return CheckRolesAllow(store, actor, steps);
}

Status FinishInstant(sync::LedgerStore& store, const std::string& case_id, const std::string& actor, json* ops) {
  for (const char* step : kInstantSteps) {
    SILIAN_ASSIGN_OR_RETURN(sync::Action action, sync::ParseAction(step));
    std::vector<std::pair<std::string, std::string>> details;
    if (action == sync::Action::kDeliver) details.emplace_back("method", "window");
    auto op = Audited(store, store.Act(case_id, action, "", actor, details));
    if (!op.ok()) return op.status().WithMessage(std::string(step) + ": " + op.status().message());
    ops->push_back(op->ToString());
  }
  return Status::Ok();
}

Result<json> CasePage(sync::LedgerStore& store, const std::string& ref) {
  SILIAN_ASSIGN_OR_RETURN(json view, ShowCase(store, ref));
  json outstanding = json::array();
  for (const auto& m : sync::OwedMaterialsOutstanding(view)) outstanding.push_back(m);
  // What `case show` prints (console/views.cc adds the calendar's label and the day to the clocks).
  json shown = view;
  if (shown.contains("clocks")) {
    SILIAN_ASSIGN_OR_RETURN(sync::WorkingCalendar calendar, store.CalendarFor(view.value("division", std::string())));
    shown["clocks"]["calendar"] = calendar.VersionLabel();
    shown["clocks"]["as_of"] = sync::FormatDate(console::Today());
    // The day a correction lapses after (what `case lapse` is judged by), for the lapse form.
    if (std::optional<sync::Date> due = sync::CorrectionDue(view, calendar)) view["correction_due"] = sync::FormatDate(*due);
  }
  view["text"] = console::RenderCase(shown);
  view["owed_outstanding"] = std::move(outstanding);
  // The checklist of the case's item version (for the owed materials and the material form) and its fees
  // (what `case fee charge` without --amount would charge: the fee form offers it).
  json checklist = json::array(), fees = json::array();
  auto code = sync::ViewFieldValue(view, "item_code");
  std::optional<uint32_t> version;
  if (view.contains("item") && view["item"].contains("version") && view["item"]["version"].is_number_unsigned())
    version = view["item"]["version"].get<uint32_t>();
  if (code) {
    auto item = store.FindItem(*code, version);
    if (item.ok()) {
      for (const auto& m : item->materials()) checklist.push_back(m.name());
      for (const auto& f : item->fees()) fees.push_back({{"name", f.name()}, {"amount_fen", f.amount_fen()}});
    }
  }
  view["checklist"] = std::move(checklist);
  view["catalogue_fees"] = std::move(fees);
  SILIAN_ASSIGN_OR_RETURN(view["notices"], ApplicantNotices(store, view.value("case_id", ref)));
  return view;
}

Result<json> RecordStep(sync::LedgerStore& store, const std::string& ref, const json& body, const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(std::string step, StringMember(body, "step", true));
  SILIAN_ASSIGN_OR_RETURN(std::string outcome, StringMember(body, "outcome", true));
  SILIAN_ASSIGN_OR_RETURN(std::string opinion, StringMember(body, "opinion"));
  return OpReply(Audited(store, store.RecordReviewStep(ref, step, outcome, opinion, actor)));
}

Result<json> DecideDepartment(sync::LedgerStore& store, const std::string& ref, const json& body,
                              const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(std::string department, StringMember(body, "department", true));
  SILIAN_ASSIGN_OR_RETURN(std::string decision, StringMember(body, "decision", true));
  SILIAN_ASSIGN_OR_RETURN(std::string opinion, StringMember(body, "opinion"));
  return OpReply(Audited(store, store.DecideDepartment(ref, department, decision, opinion, actor)));
}

Result<json> RecordFee(sync::LedgerStore& store, const std::string& ref, const json& body, const std::string& actor) {
  pb::FeeRecorded fee;
  SILIAN_ASSIGN_OR_RETURN(std::string kind, StringMember(body, "kind", true));
  if (kind != "charge" && kind != "payment" && kind != "refund")
    return InvalidArgument("fee kind " + Quote(kind) + " is not one of: charge, payment, refund");
  SILIAN_ASSIGN_OR_RETURN(std::string amount, StringMember(body, "amount", true));
  SILIAN_ASSIGN_OR_RETURN(int64_t fen, console::ParseYuan(amount));
  SILIAN_ASSIGN_OR_RETURN(std::string name, StringMember(body, "name"));
  SILIAN_ASSIGN_OR_RETURN(std::string bank_receipt, StringMember(body, "bank_receipt"));
  SILIAN_ASSIGN_OR_RETURN(std::string reason, StringMember(body, "reason"));
  fee.set_kind(kind);
  fee.set_amount_fen(fen);
  fee.set_name(name);
  fee.set_bank_receipt(bank_receipt);
  fee.set_reason(reason);
  return OpReply(Audited(store, store.RecordFee(ref, fee, actor)));
}

Result<json> RecordMaterial(sync::LedgerStore& store, const std::string& ref, const json& body,
                            const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(std::string name, StringMember(body, "name", true));
  SILIAN_ASSIGN_OR_RETURN(uint32_t copies, CopiesOf(body));
  return OpReply(Audited(store, store.AddMaterial(ref, name, copies, actor)));
}

Result<json> DecideLapse(sync::LedgerStore& store, const std::string& ref, const json& body, const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(std::string decision, StringMember(body, "decision", true));
  SILIAN_ASSIGN_OR_RETURN(std::string reason, StringMember(body, "reason"));
  SILIAN_ASSIGN_OR_RETURN(std::string due, StringMember(body, "due"));
  return OpReply(Audited(store, store.DecideLapsedCorrection(ref, decision, reason, due, actor)));
}

Result<json> Evaluate(sync::LedgerStore& store, const std::string& ref, const json& body, const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(std::string staff, StringMember(body, "staff"));
  SILIAN_ASSIGN_OR_RETURN(std::string node, StringMember(body, "node"));
  if (staff.empty() == node.empty())
    return InvalidArgument("an evaluation targets exactly one of \"staff\" (a staff id) and \"node\" (a node id)");
  pb::EvaluationGiven e;
  SILIAN_ASSIGN_OR_RETURN(*e.mutable_rating(), StringMember(body, "rating", true));
  SILIAN_ASSIGN_OR_RETURN(*e.mutable_channel(), StringMember(body, "channel", true));
  SILIAN_ASSIGN_OR_RETURN(std::string stage, StringMember(body, "stage"));
  SILIAN_ASSIGN_OR_RETURN(*e.mutable_comment(), StringMember(body, "comment"));
  SILIAN_ASSIGN_OR_RETURN(bool real_name, BoolMember(body, "real_name"));
  SILIAN_ASSIGN_OR_RETURN(bool assisted, BoolMember(body, "assisted"));
  e.set_target_kind(staff.empty() ? "node" : "staff");
  e.set_target(staff.empty() ? node : staff);
  e.set_stage(stage.empty() ? "completion" : stage);  // the default of `case evaluate --stage`
  e.set_real_name(real_name);
  e.set_assisted(assisted);
  return OpReply(Audited(store, store.Evaluate(ref, e, actor)));
}

Result<json> Rectify(sync::LedgerStore& store, const std::string& ref, const json& body, const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(std::string evaluation_text, StringMember(body, "evaluation", true));
  auto evaluation = sync::ParseOpId(evaluation_text);
  if (!evaluation.ok())
    return InvalidArgument("evaluation " + Quote(evaluation_text) + " is not an evaluation's op id (origin:seq)");
  SILIAN_ASSIGN_OR_RETURN(std::string step, StringMember(body, "step", true));
  SILIAN_ASSIGN_OR_RETURN(std::string note, StringMember(body, "note"));
  SILIAN_ASSIGN_OR_RETURN(std::string due, StringMember(body, "due"));
  return OpReply(Audited(store, store.Rectify(ref, *evaluation, step, note, due, actor)));
}

Result<json> RecordSubsidy(sync::LedgerStore& store, const std::string& ref, const json& body,
                           const std::string& actor) {
  pb::SubsidyPaid subsidy;
  // The store requires name and transfer and says so; only the amount is read here first.
  SILIAN_ASSIGN_OR_RETURN(*subsidy.mutable_name(), StringMember(body, "name"));
  SILIAN_ASSIGN_OR_RETURN(std::string amount, StringMember(body, "amount", true));
  SILIAN_ASSIGN_OR_RETURN(int64_t fen, console::ParseYuan(amount));
  subsidy.set_amount_fen(fen);
  SILIAN_ASSIGN_OR_RETURN(*subsidy.mutable_bank_transfer(), StringMember(body, "bank_transfer"));
  SILIAN_ASSIGN_OR_RETURN(*subsidy.mutable_note(), StringMember(body, "note"));
  return OpReply(Audited(store, store.RecordSubsidy(ref, subsidy, actor)));
}

Result<json> OwedDue(sync::LedgerStore& store, const ListWindow& w) {
  const std::string today = sync::FormatDate(console::Today());
  sync::WatchQuery query;
  query.scope = w.scope;
  query.owed = true;
  query.limit = w.limit;
  // The cases owing materials, by that due day, from the watch index (domain/case_watch.h); each judged
  // again from its view by the index's own rule.
  SILIAN_ASSIGN_OR_RETURN(sync::WatchedViews owing, store.WatchedCaseViews(query));
  std::vector<json> rows;
  for (const json& view : owing.views) {
    std::optional<std::string> due = sync::OwedDueOf(view);
    if (!due) continue;
    rows.push_back({{"case_id", view.value("case_id", "")},
                    {"case_number", view.value("case_number", "")},
                    {"applicant_name", sync::ViewFieldValue(view, "applicant_name").value_or("")},
                    {"item", view.contains("item") ? view["item"].value("name", "") : ""},
                    {"status", view.value("status", "")},
                    {"owed", sync::OwedMaterialsOutstanding(view)},
                    {"due", *due},
                    {"overdue", !due->empty() && *due < today}});
  }
  // Overdue first, then by due date (ISO dates sort as text; a row without one last).
  std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    if (a["overdue"] != b["overdue"]) return a["overdue"].get<bool>();
    const std::string da = a["due"].get<std::string>(), db = b["due"].get<std::string>();
    if (da.empty() != db.empty()) return db.empty();
    return da < db;
  });
  return json{{"owed", std::move(rows)}, {"total", owing.total}, {"limit", w.limit}, {"scope", w.scope}};
}

Result<json> ListConflicts(sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(std::vector<json> conflicts, store.ListConflicts());
  json out = json::array();
  for (auto& c : conflicts) {
    c["text"] = console::RenderConflict(c);
    out.push_back(std::move(c));
  }
  return json{{"conflicts", std::move(out)}};
}

Result<json> ResolveConflict(sync::LedgerStore& store, const json& body, const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(std::string conflict, StringMember(body, "conflict", true));
  const bool has_keep = body.contains("keep"), has_value = body.contains("value");
  if (has_keep == has_value)
    return InvalidArgument("resolving conflict " + Quote(conflict) + " needs exactly one of \"keep\" (an op id) or \"value\"");
  std::optional<sync::OpId> keep;
  std::optional<std::string> value;
  if (has_keep) {
    SILIAN_ASSIGN_OR_RETURN(std::string text, StringMember(body, "keep", true));
    SILIAN_ASSIGN_OR_RETURN(keep, sync::ParseOpId(text));
  } else {
    SILIAN_ASSIGN_OR_RETURN(value, StringMember(body, "value"));
  }
  return OpReply(Audited(store, store.ResolveConflict(conflict, keep, value, actor)));
}

}  // namespace silian::ui::internal
