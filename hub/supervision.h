// Supervision of a hub's area: the cases whose clocks are overdue or warn, owed materials past due,
// deemed acceptances and late rectifications (sync::Supervise), and the overdue apology queued for each
// overdue case. `silian-hub supervise` runs one pass by hand; `serve` runs SupervisionLoop.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "domain/calendar.h"
#include "domain/store.h"
#include "hub/hub_ledger.h"
#include "domain/workflow.h"

namespace silian::hub {

// The working days to rectify after a negative evaluation: `flag` (--rectification-days) when given, else
// the hub's setting rectification-days, else sync::kDefaultRectificationWd. kInvalidArgument naming the
// value when the flag or the setting is not a number of 1 to 365 (sync::ParseRectificationDays); the
// store's error when the setting cannot be read.
Result<int> RectificationDays(sync::LedgerStore& store, const std::optional<std::string>& flag);

struct Supervision {
  std::vector<sync::SupervisionItem> items;
  // The overdue apology of each overdue case, when the hub sends notices (setting notify = on): what
  // QueueApologies adds to the outbox.
  std::vector<sync::LedgerStore::Notice> apologies;
  size_t apologies_queued = 0;  // overdue apologies QueueApologies added to the outbox
};

// Supervises every case of `scope` as of `today`: the problems found, and the overdue apologies to queue
// when the hub sends notices (setting notify = on). Reads only, so it can run on a read view
// (HubLedger::WithReadStore). The store's error otherwise. REQUIRES: the caller holds whatever lock guards
// `store`.
// The transit service level from a village point to the competent organ (domain/responsibility.h): the
// hub's setting transit-days, else sync::kDefaultTransitWd. kInvalidArgument naming the setting and value.
Result<int> TransitDays(sync::LedgerStore& store);

// `workers` as AnswerArea's (hub/area_pass.h): the supervision loop passes 1.
Result<Supervision> SuperviseArea(sync::LedgerStore& store, const std::string& scope, sync::Date today,
                                  int warning_wd, int rectification_wd, int workers = sync::ViewScanWorkers());
// Queues `found.apologies` in the outbox of `store` (its writer): once per case, however often supervision
// runs (the notice id is "<case id>/overdue_apology"); counts those added in found->apologies_queued.
Status QueueApologies(sync::LedgerStore& store, Supervision* found);

// `serve`'s periodic supervision: a pass at Start and then every `interval_ms`, over the hub's whole area
// as of the day of the system clock, with a warning at 1 working day left and the rectification days of
// the hub's setting (read at each pass, so a change made while serving applies). A pass that fails (an
// invalid setting, a store error) is logged with spdlog and skipped; the next one runs as planned.
// Thread-safe; Stop returns promptly, after the pass in flight.
class SupervisionLoop {
 public:
  // `ledger` is borrowed and must outlive the loop; each pass goes through it (holding its lock).
  SupervisionLoop(HubLedger& ledger, uint64_t interval_ms) : ledger_(ledger), interval_ms_(interval_ms) {}
  ~SupervisionLoop() { Stop(); }
  SupervisionLoop(const SupervisionLoop&) = delete;
  SupervisionLoop& operator=(const SupervisionLoop&) = delete;

  // Starts the thread. REQUIRES: not started before.
  void Start();
  // Stops the thread and joins it. Idempotent.
  void Stop();

 private:
  void Run();
  void Pass();

  HubLedger& ledger_;
  uint64_t interval_ms_;
  std::mutex mutex_;  // guards stopping_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace silian::hub
