#include "hub/area_pass.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <utility>

#include "base/hlc.h"

namespace silian::hub {
namespace {

using nlohmann::json;

// What an overdue apology needs of its case, kept by the worker that found it.
struct OverdueFound {
  size_t item = 0;  // its place in the supervision items of the case
  std::string phone;
  std::string language;
  std::string item_code;
};

// What supervision found on one case: its place in the reading order, its items, and what the overdue
// apology of each overdue item needs.
struct CaseFound {
  size_t ordinal = 0;
  std::vector<sync::SupervisionItem> items;
  std::vector<OverdueFound> overdue;
};

// What one worker of the pass found: its calendars and builders are its own (neither is thread-safe).
struct WorkerPart {
  explicit WorkerPart(std::vector<sync::CalendarLayer> layers) : calendars(std::move(layers)) {}
  sync::CalendarSet calendars;
  std::vector<sync::ReportBuilder> builders;
  std::vector<CaseFound> found;  // in the worker's reading order
};

// The overdue apology of one overdue case, for its applicant's phone.
// Its text names the catalogue's item, never text from the case (domain/outbox.h, NoticeHead).
sync::LedgerStore::Notice OverdueApology(const sync::SupervisionItem& item, const OverdueFound& of,
                                         const std::optional<pb::Item>& catalogue_item, uint64_t now_ms,
                                         const sync::NoticeTemplateOverrides& overrides) {
  sync::LedgerStore::Notice n;
  n.id = item.case_id + "/overdue_apology";
  n.case_id = item.case_id;
  n.case_number = item.case_number;
  n.kind = "overdue_apology";
  n.phone = of.phone;
  n.text = sync::OverdueApologyText(catalogue_item, item.case_number, sync::LanguageOfCase(of.language), &overrides);
  n.event_ms = now_ms;
  return n;
}

}  // namespace

Result<AreaAnswers> AnswerArea(sync::LedgerStore& store, const std::string& scope,
                               const std::optional<SupervisionAsk>& supervise,
                               const std::vector<sync::ReportOptions>& reports, int workers) {
  SILIAN_ASSIGN_OR_RETURN(auto layers, store.CalendarLayers());
  int transit_wd = sync::kDefaultTransitWd;
  if (supervise) {
    SILIAN_ASSIGN_OR_RETURN(transit_wd, TransitDays(store));
  }
  workers = std::max(workers, 1);
  std::vector<std::unique_ptr<WorkerPart>> parts;
  for (int w = 0; w < workers; ++w) {
    auto part = std::make_unique<WorkerPart>(layers);
    sync::CalendarSet* calendars = &part->calendars;
    for (const auto& o : reports)
      part->builders.emplace_back(o, [calendars](const std::string& division) -> const sync::WorkingCalendar& {
        return calendars->For(division);
      });
    parts.push_back(std::move(part));
  }

  SILIAN_RETURN_IF_ERROR(store.ScanCaseFacts(
      scope, reports.empty(), workers,
      [&](int worker, size_t ordinal, bool watched, const pb::CaseFacts& facts) -> Status {
        WorkerPart& part = *parts[static_cast<size_t>(worker)];
        const sync::WorkingCalendar& calendar = part.calendars.For(facts.division());
        // The case's clocks as of one day, computed once for the builders and supervision that share it
        // (the dashboard's thirteen reports and its supervision all ask as of today, 1 warning day).
        std::map<std::pair<sync::Date, int>, sync::CaseClocks> clocks;
        auto clocks_for = [&](sync::Date today, int warning_wd) -> const sync::CaseClocks* {
          auto [it, added] = clocks.try_emplace({today, warning_wd});
          if (added) it->second = sync::ComputeCaseClocks(facts, calendar, today, warning_wd);
          return &it->second;
        };
        for (auto& b : part.builders)
          if (b.Counts(facts)) b.Add(facts, clocks_for(b.options().today, b.options().warning_wd));
        if (!supervise || !watched || facts.division().empty()) return Status::Ok();
        CaseFound found{ordinal,
                        sync::Supervise(facts, calendar, supervise->today, supervise->warning_wd,
                                        supervise->rectification_wd, transit_wd,
                                        clocks_for(supervise->today, supervise->warning_wd)),
                        {}};
        if (found.items.empty()) return Status::Ok();
        for (size_t i = 0; i < found.items.size(); ++i)
          if (found.items[i].problem == "overdue")
            found.overdue.push_back({i, facts.phone(), facts.language(), facts.item_code()});
        part.found.push_back(std::move(found));
        return Status::Ok();
      }));

  AreaAnswers out;
  for (size_t i = 0; i < reports.size(); ++i) {
    for (size_t w = 1; w < parts.size(); ++w) parts[0]->builders[i].Merge(parts[w]->builders[i]);
    const sync::ReportBuilder& b = parts[0]->builders[i];
    out.reports.push_back({reports[i], b.Rows(), b.Total()});
  }
  if (!supervise) return out;

  // The cases' items in case id order, as one thread would have found them.
  std::vector<CaseFound> cases;
  for (auto& part : parts) std::move(part->found.begin(), part->found.end(), std::back_inserter(cases));
  std::sort(cases.begin(), cases.end(), [](const CaseFound& a, const CaseFound& b) { return a.ordinal < b.ordinal; });
  SILIAN_ASSIGN_OR_RETURN(auto notify, store.GetSetting("notify"));
  const bool apologize = notify && *notify == "on";
  SILIAN_ASSIGN_OR_RETURN(auto overrides, sync::ReadNoticeTemplateOverrides(
                                              [&](const std::string& key) { return store.GetSetting(key); }));
  const uint64_t now_ms = sync::SystemWallClock().NowMs();
  std::map<std::string, std::optional<pb::Item>> catalogue;  // by item code, looked up once
  for (CaseFound& c : cases) {
    if (apologize)
      for (const OverdueFound& of : c.overdue) {
        auto [entry, added] = catalogue.try_emplace(of.item_code);
        if (added) {
          auto item = store.FindItem(of.item_code, std::nullopt);
          if (item.ok()) entry->second = *item;
        }
        out.supervision.apologies.push_back(OverdueApology(c.items[of.item], of, entry->second, now_ms, overrides));
      }
    std::move(c.items.begin(), c.items.end(), std::back_inserter(out.supervision.items));
  }
  return out;
}

}  // namespace silian::hub
