#include "console/reference.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "console/render.h"
#include "domain/calendar.h"
#include "domain/catalog.h"
#include "domain/deadline.h"
#include "domain/store.h"
#include "domain/view.h"

namespace silian::console {

using nlohmann::json;

namespace {

std::string LimitText(const silian::pb::Limit& l) { return std::to_string(l.value()) + " " + l.unit(); }

}  // namespace

void AddReferenceCommands(CLI::App* catalog, CLI::App* calendar, ReferenceCommands* o, Program* program) {
  const GlobalOptions* g = &program->global();
  CLI::App* cmd = catalog->add_subcommand("list", "List the items: code, version, level, limits, kind");
  cmd->add_flag("--all-versions", o->all_versions, "every version, not only the latest");
  program->OnRun(cmd, [g, o] { return RunCatalogList(*g, o->all_versions); });
  cmd = catalog->add_subcommand("show", "Show one item: limits, departments, materials, fees");
  cmd->add_option("CODE", o->code, "the item code")->required();
  cmd->add_option("--version", o->version, "a version (default: the latest)");
  program->OnRun(cmd, [g, o] { return RunCatalogShow(*g, o->code, o->version); });

  const std::string division_help = "whose calendar (default: the ledger's own division)";
  cmd = calendar->add_subcommand("check", "Say whether DATE is a working day, and why");
  cmd->add_option("DATE", o->date, "YYYY-MM-DD")->required();
  cmd->add_option("--division", o->division, division_help);
  program->OnRun(cmd, [g, o] { return RunCalendarCheck(*g, o->date, o->division); });
  cmd = calendar->add_subcommand("show", "List the rest days and make-up working days of a year");
  cmd->add_option("--year", o->year, "the year (default: this year)");
  cmd->add_option("--division", o->division, division_help);
  program->OnRun(cmd, [g, o] { return RunCalendarShow(*g, o->year, o->division); });
}

Status RunCatalogList(const GlobalOptions& g, bool all_versions) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(auto items, store->CatalogItems(all_versions));
  if (g.json) {
    PrintJson(sync::CatalogToJson(items));
    return Status::Ok();
  }
  if (items.empty()) {
    std::cout << "no catalogue items (a hub publishes them with `silian-admin catalog import`; sync to receive them)\n";
    return Status::Ok();
  }
  std::vector<std::vector<std::string>> rows = {{"CODE", "VER", "NAME", "LEVEL", "LEGAL", "PROMISED", "KIND", "DEPARTMENT"}};
  for (const auto& item : items) {
    std::string kind = item.instant() ? "instant" : item.departments_size() > 0 ? "parallel" : "promised";
    if (item.withdrawn()) kind += ", withdrawn";
    rows.push_back({item.code(), std::to_string(item.version()), item.name(), item.exercise_level(),
                    LimitText(item.legal_limit()), LimitText(item.promised_limit()), kind, item.lead_department()});
  }
  std::cout << RenderTable(rows);
  return Status::Ok();
}

Status RunCatalogShow(const GlobalOptions& g, const std::string& code, std::optional<uint32_t> version) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(auto item, store->FindItem(code, version));
  if (g.json) {
    PrintJson(sync::ItemToJson(item));
    return Status::Ok();
  }
  std::cout << item.name() << "\n";
  std::vector<std::vector<std::string>> rows = {
      {"code", item.code()},
      {"version", std::to_string(item.version())},
      {"exercise level", item.exercise_level()},
      {"kind", item.instant() ? "instant" : item.departments_size() > 0 ? "parallel" : "promised"},
      {"legal limit", LimitText(item.legal_limit())},
      {"promised limit", LimitText(item.promised_limit())},
      {"lead department", item.lead_department()}};
  for (const auto& d : item.departments()) rows.push_back({"participating", d});
  for (const auto& s : item.steps()) rows.push_back({"step", s});
  for (const auto& m : item.materials())
    rows.push_back({"material", m.name() + " (" + (m.form() == "original" ? "original" : "copy") + " x" +
                                    std::to_string(m.count()) + (m.optional() ? ", optional" : "") + ")"});
  for (const auto& f : item.fees()) rows.push_back({"fee", f.name() + " " + sync::FormatFen(f.amount_fen()) + " yuan"});
  if (item.withdrawn()) rows.push_back({"withdrawn", "yes: no new cases"});
  std::cout << RenderTable(rows);
  return Status::Ok();
}

Status RunCalendarCheck(const GlobalOptions& g, const std::string& date_text,
                        const std::optional<std::string>& division) {
  SILIAN_ASSIGN_OR_RETURN(sync::Date date, sync::ParseDate(date_text));
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  std::string where = division ? *division : store->config().division.value;
  if (division) SILIAN_RETURN_IF_ERROR(sync::ParseScopePrefix(*division).status());
  SILIAN_ASSIGN_OR_RETURN(sync::WorkingCalendar calendar, store->CalendarFor(where));
  auto info = calendar.Explain(date);
  if (g.json) {
    PrintJson({{"date", sync::FormatDate(date)}, {"division", where}, {"working", info.working}, {"why", info.why},
               {"source", info.source}, {"provisional", info.provisional}, {"calendar", calendar.VersionLabel()}});
  } else {
    std::cout << sync::FormatDate(date) << " is " << (info.working ? "a working day" : "a rest day") << " in " << where
              << ": " << info.why << (info.provisional ? " (provisional: this year's calendar is not published)" : "")
              << "\ncalendar: " << calendar.VersionLabel() << "\n";
  }
  return Status::Ok();
}

Status RunCalendarShow(const GlobalOptions& g, std::optional<int> year, const std::optional<std::string>& division) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  std::string where = division ? *division : store->config().division.value;
  if (division) SILIAN_RETURN_IF_ERROR(sync::ParseScopePrefix(*division).status());
  if (year && (*year < 1900 || *year > 2200)) return InvalidArgument("--year " + std::to_string(*year) + " must be 1900 to 2200");
  SILIAN_ASSIGN_OR_RETURN(sync::WorkingCalendar calendar, store->CalendarFor(where));
  int y = year ? *year : sync::YearOf(Today());
  SILIAN_ASSIGN_OR_RETURN(sync::Date first, sync::ParseDate(std::to_string(y) + "-01-01"));
  json days = json::array();
  std::vector<std::vector<std::string>> rows = {{"DATE", "DAY", "WHY"}};
  int working = 0;
  for (sync::Date d = first; sync::YearOf(d) == y; d = sync::AddDays(d, 1)) {
    auto info = calendar.Explain(d);
    working += info.working ? 1 : 0;
    if (info.why == "weekday" || info.why == "weekend") continue;
    days.push_back({{"date", sync::FormatDate(d)}, {"working", info.working}, {"why", info.why}});
    rows.push_back({sync::FormatDate(d), info.working ? "working" : "rest", info.why});
  }
  bool provisional = calendar.Provisional(y);
  if (g.json) {
    PrintJson({{"year", y}, {"division", where}, {"calendar", calendar.VersionLabel()}, {"working_days", working},
               {"provisional", provisional}, {"listed", days}});
  } else {
    std::cout << "calendar " << calendar.VersionLabel() << " for " << where << ", " << y << ": " << working
              << " working days" << (provisional ? " (provisional: weekends only, no official notice held)" : "")
              << "\n";
    if (rows.size() > 1) std::cout << RenderTable(rows);
  }
  return Status::Ok();
}

Status RunCaseNotice(const GlobalOptions& g, const std::string& case_ref) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenLedger(g));
  SILIAN_ASSIGN_OR_RETURN(json view, store->ShowCase(case_ref));
  if (!view.contains("item"))
    return FailedPrecondition("case " + view["case_number"].get<std::string>() +
                              " has no catalogue item terms (it was registered before this replica had a catalogue)");
  std::string code = sync::ViewFieldValue(view, "item_code").value_or("");
  uint32_t version = view["item"]["version"];
  SILIAN_ASSIGN_OR_RETURN(auto item, store->FindItem(code, version));
  std::vector<std::pair<std::string, uint32_t>> received;
  for (const auto& m : sync::ViewMaterials(view)) received.emplace_back(m.name, m.copies);
  auto missing = sync::MissingMaterials(item, received);
  // Materials are due within the one-time-notice window: 5 working days from today.
  SILIAN_ASSIGN_OR_RETURN(sync::WorkingCalendar calendar, store->CalendarFor(view["division"].get<std::string>()));
  std::string due = sync::FormatDate(calendar.AddWorkingDays(Today(), 5));
  std::string applicant = sync::ViewFieldValue(view, "applicant_name").value_or("");
  std::string text = sync::OneTimeNoticeText(item, view["case_number"].get<std::string>(), applicant, missing, due);
  if (g.json) {
    json list = json::array();
    for (const auto& m : missing)
      list.push_back({{"name", m.name}, {"form", m.form}, {"count", m.count}, {"received", m.received}});
    PrintJson({{"case_number", view["case_number"]}, {"item", code}, {"version", version}, {"missing", list},
               {"due", due}, {"text", text}});
  } else {
    std::cout << text;
    if (!text.empty() && text.back() != '\n') std::cout << '\n';
  }
  return Status::Ok();
}

}  // namespace silian::console
