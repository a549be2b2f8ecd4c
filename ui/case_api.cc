#include "ui/internal/case_api.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/text.h"
#include "console/render.h"
#include "console/support.h"
#include "domain/case_model.h"
#include "domain/catalog.h"
#include "domain/validation.h"
#include "domain/view.h"
#include "domain/workflow.h"
#include "ui/internal/clerk_api.h"
#include "ui/web.h"

namespace silian::ui::internal {
namespace {

using nlohmann::json;

struct Material {
  std::string name;
  uint32_t copies = 1;
};

// The materials ticked: each one of the item's checklist, once, with 1..kMaxMaterialCopies copies.
Result<std::vector<Material>> MaterialsOf(const json& body, const pb::Item& item) {
  std::vector<Material> out;
  auto it = body.find("materials");
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) return InvalidArgument("\"materials\" must be an array of {\"name\", \"copies\"}");
  std::set<std::string> seen;
  for (const auto& m : *it) {
    if (!m.is_object()) return InvalidArgument("each material must be an object {\"name\", \"copies\"}, not " + m.dump());
    SILIAN_ASSIGN_OR_RETURN(std::string typed, StringMember(m, "name", true));
    SILIAN_ASSIGN_OR_RETURN(std::string name,
                            sync::NormalizeText("material", typed, sync::kMaxMaterialChars, true));
    bool listed = std::any_of(item.materials().begin(), item.materials().end(),
                              [&](const pb::ItemMaterial& im) { return im.name() == name; });
    if (!listed)
      return InvalidArgument("material " + Quote(name) + " is not on the checklist of item " + Quote(item.code()));
    if (!seen.insert(name).second) return InvalidArgument("material " + Quote(name) + " is ticked twice");
    int64_t copies = 1;
    if (m.contains("copies")) {
      if (!m["copies"].is_number_integer()) return InvalidArgument("copies of " + Quote(name) + " must be a whole number");
      copies = m["copies"].get<int64_t>();
    }
    if (copies < 1 || copies > sync::kMaxMaterialCopies)
      return InvalidArgument("copies " + std::to_string(copies) + " of " + Quote(name) + " must be 1 to " +
                             std::to_string(sync::kMaxMaterialCopies));
    out.push_back({name, static_cast<uint32_t>(copies)});
  }
  return out;
}

Result<sync::NewCase> NewCaseOf(sync::LedgerStore& store, const json& body, const std::string& actor) {
  sync::NewCase c;
  SILIAN_ASSIGN_OR_RETURN(c.item_code, StringMember(body, "item_code", true));
  SILIAN_ASSIGN_OR_RETURN(c.applicant_name, StringMember(body, "applicant_name", true));
  SILIAN_ASSIGN_OR_RETURN(c.applicant_id, StringMember(body, "applicant_id", true));
  SILIAN_ASSIGN_OR_RETURN(std::string id_type, StringMember(body, "applicant_id_type"));
  if (!id_type.empty()) c.applicant_id_type = id_type;
  SILIAN_ASSIGN_OR_RETURN(c.phone, StringMember(body, "phone"));
  SILIAN_ASSIGN_OR_RETURN(c.address, StringMember(body, "address"));
  SILIAN_ASSIGN_OR_RETURN(c.summary, StringMember(body, "summary"));
  SILIAN_ASSIGN_OR_RETURN(c.channel, StringMember(body, "channel"));
  if (c.channel.empty()) c.channel = store.config().level == sync::Level::kVillage ? "agent" : "window";
  c.actor = actor;
  // What CreateCase will check, checked first, so that a refused case leaves no material or receipt behind.
  const sync::Date today = console::Today();
  SILIAN_ASSIGN_OR_RETURN(c.applicant_id_type, sync::NormalizeField("applicant_id_type", c.applicant_id_type, "", today));
  for (auto [field, value] : {std::pair<const char*, std::string*>{"item_code", &c.item_code},
                              {"applicant_name", &c.applicant_name}, {"applicant_id", &c.applicant_id},
                              {"phone", &c.phone}, {"address", &c.address}, {"summary", &c.summary},
                              {"channel", &c.channel}}) {
    SILIAN_ASSIGN_OR_RETURN(*value, sync::NormalizeField(field, *value, c.applicant_id_type, today));
  }
  return c;
}

// A later step of a registration failed: the case stands (its ops are written), and the message says so.
Status AfterRegistration(const Status& s, const std::string& case_number, const std::string& step) {
  return Status(s.code(), "case " + case_number + " was registered, but " + step + " failed: " + s.message());
}

Result<sync::WorkingCalendar> CalendarOf(sync::LedgerStore& store, const json& view) {
  return store.CalendarFor(view.value("division", std::string()));
}

}  // namespace

Result<json> CheckField(const json& body) {
  SILIAN_ASSIGN_OR_RETURN(std::string field, StringMember(body, "field", true));
  SILIAN_ASSIGN_OR_RETURN(std::string value, StringMember(body, "value"));
  SILIAN_ASSIGN_OR_RETURN(std::string id_type, StringMember(body, "id_type"));
  static const std::set<std::string> kFormFields = {"applicant_name", "applicant_id", "phone", "address", "summary"};
  if (kFormFields.count(field) == 0)
    return InvalidArgument("field " + Quote(field) + " is not one of: applicant_name, applicant_id, phone, address, summary");
  auto normal = sync::NormalizeField(field, value, id_type.empty() ? "resident_id" : id_type, console::Today());
  if (!normal.ok()) return json{{"field", field}, {"valid", false}, {"message", normal.status().message()}};
  return json{{"field", field}, {"valid", true}, {"value", *normal}};
}

Result<json> RegisterCase(sync::LedgerStore& store, const json& body, const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(sync::NewCase c, NewCaseOf(store, body, actor));
  SILIAN_ASSIGN_OR_RETURN(pb::Item item, store.FindItem(c.item_code, std::nullopt));
  if (item.withdrawn()) return FailedPrecondition("item " + Quote(item.code()) + " is withdrawn: no new cases");
  SILIAN_ASSIGN_OR_RETURN(std::vector<Material> materials, MaterialsOf(body, item));
  SILIAN_ASSIGN_OR_RETURN(bool receive, BoolMember(body, "receive"));
  SILIAN_ASSIGN_OR_RETURN(bool instant, BoolMember(body, "instant"));
  if (instant) {
    SILIAN_RETURN_IF_ERROR(CheckInstant(store, item, actor));  // nothing is written when a step would be refused
    receive = true;
  }
  SILIAN_ASSIGN_OR_RETURN(sync::CaseProjection created, Audited(store, store.CreateCase(c)));
  json out = {{"case_number", created.case_number}, {"case_id", created.case_id.value}, {"ops", json::array()}};
  for (const auto& m : materials) {
    auto op = Audited(store, store.AddMaterial(created.case_id.value, m.name, m.copies, actor));
    if (!op.ok()) return AfterRegistration(op.status(), created.case_number, "recording material " + Quote(m.name));
    out["ops"].push_back(op->ToString());
  }
  if (receive) {
    auto op = Audited(store, store.Act(created.case_id.value, sync::Action::kReceive, "", actor));
    if (!op.ok()) return AfterRegistration(op.status(), created.case_number, "receiving it");
    out["ops"].push_back(op->ToString());
  }
  if (instant) {
    Status done = FinishInstant(store, created.case_id.value, actor, &out["ops"]);
    if (!done.ok()) return AfterRegistration(done, created.case_number, "its instant handling");
  }
  return out;
}

Result<ListWindow> ListWindowOf(sync::LedgerStore& store, const std::map<std::string, std::string>& query) {
  ListWindow w;
  w.scope = store.scope();
  if (auto it = query.find("division"); it != query.end() && !it->second.empty()) {
    const std::string& d = it->second;
    if (d.size() > 12 || d.find_first_not_of("0123456789") != std::string::npos)
      return InvalidArgument("division " + Quote(d) + " must be a division code or its prefix: up to 12 digits");
    if (d.rfind(w.scope, 0) != 0)
      return InvalidArgument("division " + Quote(d) + " is not within this node's area " + Quote(w.scope));
    w.scope = d;
  }
  if (auto it = query.find("limit"); it != query.end() && !it->second.empty()) {
    const std::string& l = it->second;
    size_t n = 0;
    if (l.size() > 4 || l.find_first_not_of("0123456789") != std::string::npos || (n = std::stoul(l)) < 1 ||
        n > kListLimit)
      return InvalidArgument("limit " + Quote(l) + " must be a whole number from 1 to " + std::to_string(kListLimit));
    w.limit = n;
  }
  return w;
}

Result<json> WorkQueues(sync::LedgerStore& store, const ListWindow& w) {
  json out = {{"totals", json::object()}, {"limit", w.limit}, {"scope", w.scope}};
  for (auto [queue, status] : {std::pair<const char*, const char*>{"drafts", "draft"},
                               {"received", "received"},
                               {"correction", "correction_pending"},
                               {"to_deliver", "certificate_issued"}}) {
    sync::CaseFilter filter;
    filter.status = status;
    filter.scope = w.scope;
    filter.limit = w.limit;
    SILIAN_ASSIGN_OR_RETURN(auto cases, store.ListCases(filter));
    json list = json::array();
    for (const auto& c : cases) list.push_back(console::CaseSummaryJson(c));
    out[queue] = list;
    // Counted only when the list is full: a shorter one is all there is.
    if (cases.size() < w.limit) {
      out["totals"][queue] = cases.size();
    } else {
      SILIAN_ASSIGN_OR_RETURN(out["totals"][queue], store.CountCases(filter));
    }
  }
  return out;
}

namespace {

// The actions of the window queue this node may take on the case of `view` now: accept and
// request-correction, when its status allows them and this node's level has the authority.
json QueueActions(const json& view, std::string_view node_level) {
  json out = json::array();
  auto status = sync::ParseCaseStatus(view.value("status", ""));
  if (!status.ok()) return out;
  pb::ItemTerms terms;
  terms.set_exercise_level(view["item"].value("exercise_level", ""));
  for (sync::Action a : sync::AllowedActions(*status)) {
    if (a != sync::Action::kAccept && a != sync::Action::kRequestCorrection) continue;
    if (sync::CheckAuthority(terms, sync::ActionName(a), node_level).ok()) out.push_back(sync::ActionName(a));
  }
  return out;
}

// A row of the window queue for `view`, or null when the case waits for nobody here: a running promised
// clock (due, state), or a case waiting for acceptance (the one-time notice window's due date).
json QueueRow(const json& view, const json& clocks, std::string_view node_level) {
  json row = {{"case_id", view.value("case_id", "")},
              {"case_number", view.value("case_number", "")},
              {"status", view.value("status", "")},
              {"item", view["item"].value("name", "")},
              {"applicant_name", sync::ViewFieldValue(view, "applicant_name").value_or("")},
              {"actions", QueueActions(view, node_level)}};
  if (clocks.value("started", false) && clocks.contains("promised")) {
    const json& promised = clocks["promised"];
    const std::string state = promised.value("state", "");
    if (state == "met" || state == "missed") return nullptr;  // the clock stopped: decided
    row["due"] = promised.contains("due") ? promised["due"] : json(nullptr);
    row["state"] = state;
    return row;
  }
  if (!clocks.contains("notice") || row["actions"].empty()) return nullptr;
  row["due"] = clocks["notice"].value("due", "");
  row["state"] = "awaiting";
  return row;
}

}  // namespace

Result<json> ClerkQueue(sync::LedgerStore& store, const ListWindow& w) {
  const sync::Date today = console::Today();
  const std::string level = sync::LevelName(store.config().level);
  std::vector<json> rows;
  std::map<std::string, sync::WorkingCalendar> calendars;  // by division: building one reads every layer
  // The open cases by due day (domain/case_watch.h), each judged again from its view.
  SILIAN_ASSIGN_OR_RETURN(sync::WatchedViews candidates,
                          store.WatchedCaseViews(sync::WindowQueueQuery(w.scope, level, w.limit)));
  for (const json& view : candidates.views) {
    if (!view.contains("item") || !view.contains("division")) continue;
    const std::string division = view["division"].get<std::string>();
    auto it = calendars.find(division);
    if (it == calendars.end()) {
      SILIAN_ASSIGN_OR_RETURN(sync::WorkingCalendar calendar, CalendarOf(store, view));
      it = calendars.emplace(division, std::move(calendar)).first;
    }
    json row = QueueRow(view, sync::ClocksToJson(sync::ComputeCaseClocks(view, it->second, today)), level);
    if (!row.is_null()) rows.push_back(std::move(row));
  }
  // Overdue first, then by due date; a row without a date last.
  auto rank = [](const json& r) { return r.value("state", "") == "overdue" ? 0 : 1; };
  std::stable_sort(rows.begin(), rows.end(), [&](const json& a, const json& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    const std::string da = a["due"].is_string() ? a["due"].get<std::string>() : "9999";
    const std::string db = b["due"].is_string() ? b["due"].get<std::string>() : "9999";
    return da < db;
  });
  return json{{"as_of", sync::FormatDate(today)}, {"cases", rows}, {"candidates", candidates.total},
              {"limit", w.limit}, {"scope", w.scope}};
}

Result<json> ShowCase(sync::LedgerStore& store, const std::string& ref) {
  SILIAN_ASSIGN_OR_RETURN(json view, store.ShowCase(ref));
  if (view.contains("item") && view.contains("division")) {
    SILIAN_ASSIGN_OR_RETURN(sync::WorkingCalendar calendar, CalendarOf(store, view));
    view["clocks"] = sync::ClocksToJson(sync::ComputeCaseClocks(view, calendar, console::Today()));
  }
  json allowed = json::array();
  auto status = sync::ParseCaseStatus(view.value("status", ""));
  if (status.ok())
    for (sync::Action a : sync::AllowedActions(*status)) allowed.push_back(sync::ActionName(a));
  view["allowed_actions"] = allowed;
  return view;
}

Result<json> ActOnCase(sync::LedgerStore& store, const std::string& ref, const json& body, const std::string& actor) {
  SILIAN_ASSIGN_OR_RETURN(std::string action_text, StringMember(body, "action", true));
  SILIAN_ASSIGN_OR_RETURN(sync::Action action, sync::ParseAction(action_text));
  SILIAN_ASSIGN_OR_RETURN(std::string reason, StringMember(body, "reason"));
  std::vector<std::pair<std::string, std::string>> details;
  if (body.contains("details")) {
    if (!body["details"].is_object()) return InvalidArgument("\"details\" must be an object of KEY: VALUE strings");
    for (const auto& [key, value] : body["details"].items()) {
      if (!value.is_string()) return InvalidArgument("detail " + Quote(key) + " must be a string, not " + value.dump());
      details.emplace_back(key, value.get<std::string>());
    }
  }
  SILIAN_ASSIGN_OR_RETURN(sync::OpId op, Audited(store, store.Act(ref, action, reason, actor, details)));
  return json{{"op", op.ToString()}};
}

}  // namespace silian::ui::internal
