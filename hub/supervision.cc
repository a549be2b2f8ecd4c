#include "hub/supervision.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "base/hlc.h"
#include "hub/area_pass.h"

namespace silian::hub {

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
                                  int warning_wd, int rectification_wd, int workers) {
  // Only the cases that can need supervision (domain/case_watch.h), not every case ever stored.
  SILIAN_ASSIGN_OR_RETURN(AreaAnswers answers,
                          AnswerArea(store, scope, SupervisionAsk{today, warning_wd, rectification_wd}, {}, workers));
  return std::move(answers.supervision);
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
    // One thread: a background pass leaves the other cores to the writer and the people waiting on answers.
    SILIAN_ASSIGN_OR_RETURN(result, SuperviseArea(store, store.scope(), today, 1, *rectification_wd, /*workers=*/1));
    return Status::Ok();
  });
  if (pass.ok() && !result.apologies.empty())
    pass = ledger_.WithStore([&result](sync::LedgerStore& store) { return QueueApologies(store, &result); });
  if (!pass.ok()) spdlog::warn("supervision pass failed: {}", pass.message());
  if (result.apologies_queued > 0)
    spdlog::info("supervision: {} overdue apology notices queued", result.apologies_queued);
}

}  // namespace silian::hub
