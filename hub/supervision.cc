#include "hub/supervision.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "base/hlc.h"
#include "domain/view.h"
#include "hub/calendar_cache.h"

namespace silian::hub {
namespace {

// The overdue apology of one overdue case, for its applicant's phone.
// Its text names the catalogue's item, never text from the case (domain/outbox.h, NoticeHead).
sync::LedgerStore::Notice OverdueApology(const sync::SupervisionItem& item, const nlohmann::json& view,
                                         const std::optional<pb::Item>& catalogue_item, uint64_t now_ms,
                                         const sync::NoticeTemplateOverrides& overrides) {
  sync::LedgerStore::Notice n;
  n.id = item.case_id + "/overdue_apology";
  n.case_id = item.case_id;
  n.case_number = item.case_number;
  n.kind = "overdue_apology";
  n.phone = sync::ViewFieldValue(view, "phone").value_or("");
  n.text = sync::OverdueApologyText(catalogue_item, item.case_number, sync::LanguageOfCase(view.value("language", "")),
                                    &overrides);
  n.event_ms = now_ms;
  return n;
}

}  // namespace

Result<int> RectificationDays(sync::LedgerStore& store, const std::optional<std::string>& flag) {
  if (flag) return sync::ParseRectificationDays("--rectification-days", *flag);
  SILIAN_ASSIGN_OR_RETURN(auto setting, store.GetSetting("rectification-days"));
  if (!setting) return sync::kDefaultRectificationWd;
  return sync::ParseRectificationDays("setting rectification-days", *setting);
}

Result<int> TransitDays(sync::LedgerStore& store) {
  SILIAN_ASSIGN_OR_RETURN(auto setting, store.GetSetting("transit-days"));
  if (!setting) return sync::kDefaultTransitWd;
  // The same bounds as a rectification's working days: 1 to 365, decimal digits.
  return sync::ParseRectificationDays("setting transit-days", *setting);
}

Result<Supervision> SuperviseArea(sync::LedgerStore& store, const std::string& scope, sync::Date today,
                                  int warning_wd, int rectification_wd) {
  SILIAN_ASSIGN_OR_RETURN(auto layers, store.CalendarLayers());
  CalendarCache calendars(std::move(layers));
  SILIAN_ASSIGN_OR_RETURN(int transit_wd, TransitDays(store));
  Supervision out;
  std::vector<sync::LedgerStore::Notice> apologies;
  const uint64_t now_ms = sync::SystemWallClock().NowMs();
  SILIAN_ASSIGN_OR_RETURN(auto overrides, sync::ReadNoticeTemplateOverrides(
                                              [&](const std::string& key) { return store.GetSetting(key); }));
  // Only the cases that can need supervision (domain/case_watch.h), not every case ever stored.
  SILIAN_RETURN_IF_ERROR(store.ForEachWatchedCaseView(scope, [&](const nlohmann::json& view) {
    if (!view.contains("division")) return Status::Ok();
    auto found = sync::Supervise(view, calendars.For(view["division"].get<std::string>()), today, warning_wd,
                                 rectification_wd, transit_wd);
    for (const auto& item : found)
      if (item.problem == "overdue") {
        auto catalogue_item = store.FindItem(sync::ViewFieldValue(view, "item_code").value_or(""), std::nullopt);
        apologies.push_back(OverdueApology(
            item, view, catalogue_item.ok() ? std::optional<pb::Item>(*catalogue_item) : std::nullopt, now_ms,
            overrides));
      }
    out.items.insert(out.items.end(), found.begin(), found.end());
    return Status::Ok();
  }));
  SILIAN_ASSIGN_OR_RETURN(auto notify, store.GetSetting("notify"));
  if (notify && *notify == "on") out.apologies = std::move(apologies);
  return out;
}

Status QueueApologies(sync::LedgerStore& store, Supervision* found) {
  for (const auto& n : found->apologies) {
    SILIAN_ASSIGN_OR_RETURN(bool created, store.AddNotice(n));
    found->apologies_queued += created ? 1 : 0;
  }
  return Status::Ok();
}

void SupervisionLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void SupervisionLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SupervisionLoop::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    Pass();
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stopping_; });
  }
}

// The cases are read from the read view (a pass reads every watched case), so it never holds the writer's
// lock for that; only the apologies it found are written, under the lock.
void SupervisionLoop::Pass() {
  Supervision result;
  Status pass = ledger_.WithReadStore([&result](sync::LedgerStore& store) -> Status {
    auto rectification_wd = RectificationDays(store, std::nullopt);
    if (!rectification_wd.ok()) {
      spdlog::warn("supervision pass skipped: {}", rectification_wd.status().message());
      return Status::Ok();
    }
    auto today = sync::DateOfUnixMs(sync::SystemWallClock().NowMs());
    SILIAN_ASSIGN_OR_RETURN(result, SuperviseArea(store, store.scope(), today, 1, *rectification_wd));
    return Status::Ok();
  });
  if (pass.ok() && !result.apologies.empty())
    pass = ledger_.WithStore([&result](sync::LedgerStore& store) { return QueueApologies(store, &result); });
  if (!pass.ok()) spdlog::warn("supervision pass failed: {}", pass.message());
  if (result.apologies_queued > 0)
    spdlog::info("supervision: {} overdue apology notices queued", result.apologies_queued);
}

}  // namespace silian::hub
