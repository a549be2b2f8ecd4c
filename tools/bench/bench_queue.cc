#include "bench/bench_queue.h"

#include <algorithm>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/hlc.h"
#include "bench/bench_util.h"
#include "bench/workload.h"
#include "domain/case_watch.h"
#include "domain/store.h"
#include "domain/workflow.h"
#include "ledger/db.h"

namespace silian::bench {
namespace {

using json = nlohmann::json;

struct QueueRun {
  uint64_t cases = 0, watched = 0, candidates = 0, shown = 0, running = 0, problems_all = 0, problems_watched = 0;
  double scan_ms = 0, queue_ms = 0, supervise_all_ms = 0, supervise_watched_ms = 0, rebuild_ms = 0;
  std::string today;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Cases received and accepted at the hall on the wall's current day: the queue's work.
Status AuthorOpenCases(sync::LedgerStore& store, uint64_t seed, uint64_t n) {
  Rng rng(seed ^ 0x0BE11ull);
  for (uint64_t i = 0; i < n; ++i) {
    std::vector<Sitting> script = MakeCaseScript(rng, 0, 0);
    std::string case_id;
    for (const Step& step : script.front().steps) SILIAN_RETURN_IF_ERROR(AuthorStep(store, step, &case_id).status());
    // An instant item is decided at intake; a refusal here leaves the case received, also a queue case.
    store.Act(case_id, sync::Action::kAccept, "", "bench-clerk").status().IgnoreError();
  }
  return Status::Ok();
}

// The queue's read as `GET api/queue` does it: the candidates through the index, and their clocks.
// Returns the views read; `candidates` receives how many cases match, `running` those with a running clock.
Result<uint64_t> ReadQueue(sync::LedgerStore& store, sync::Date today, uint64_t* candidates, uint64_t* running) {
  SILIAN_ASSIGN_OR_RETURN(sync::WatchedViews page,
                          store.WatchedCaseViews(sync::WindowQueueQuery(store.scope(), "township", 500)));
  std::map<std::string, sync::WorkingCalendar> calendars;
  *running = 0;
  for (const json& view : page.views) {
    const std::string division = view.value("division", "");
    auto it = calendars.find(division);
    if (it == calendars.end()) {
      SILIAN_ASSIGN_OR_RETURN(sync::WorkingCalendar c, store.CalendarFor(division));
      it = calendars.emplace(division, std::move(c)).first;
    }
    *running += sync::ComputeCaseClocks(view, it->second, today).started ? 1 : 0;
  }
  *candidates = page.total;
  return static_cast<uint64_t>(page.views.size());
}

// Supervision of every view `each` yields; returns the problems found.
Result<uint64_t> SuperviseAll(sync::LedgerStore& store, sync::Date today, bool watched_only) {
  SILIAN_ASSIGN_OR_RETURN(sync::WorkingCalendar calendar, store.CalendarFor(store.scope()));
  uint64_t problems = 0;
  auto each = [&](const json& view) {
    problems += sync::Supervise(view, calendar, today).size();
    return Status::Ok();
  };
  if (watched_only) {
    SILIAN_RETURN_IF_ERROR(store.ForEachWatchedCaseView(store.scope(), each));
  } else {
    SILIAN_RETURN_IF_ERROR(store.ForEachCaseView(store.scope(), each));
  }
  return problems;
}

Status Measure(sync::LedgerStore& store, const QueueOptions& options, sync::Date today, QueueRun& r) {
  std::vector<double> scan, queue, all, watched;
  for (int i = 0; i < options.runs; ++i) {
    auto t0 = Clock::now();
    uint64_t n = 0;
    SILIAN_RETURN_IF_ERROR(store.ForEachCaseView(store.scope(), [&](const json&) {
      ++n;
      return Status::Ok();
    }));
    scan.push_back(Seconds(t0, Clock::now()) * 1000);
    r.cases = n;
    t0 = Clock::now();
    SILIAN_ASSIGN_OR_RETURN(r.shown, ReadQueue(store, today, &r.candidates, &r.running));
    queue.push_back(Seconds(t0, Clock::now()) * 1000);
    t0 = Clock::now();
    SILIAN_ASSIGN_OR_RETURN(r.problems_all, SuperviseAll(store, today, false));
    all.push_back(Seconds(t0, Clock::now()) * 1000);
    t0 = Clock::now();
    SILIAN_ASSIGN_OR_RETURN(r.problems_watched, SuperviseAll(store, today, true));
    watched.push_back(Seconds(t0, Clock::now()) * 1000);
  }
  r.scan_ms = Median(scan);
  r.queue_ms = Median(queue);
  r.supervise_all_ms = Median(all);
  r.supervise_watched_ms = Median(watched);
  uint64_t watched_count = 0;
  SILIAN_RETURN_IF_ERROR(store.ForEachWatchedCaseView(store.scope(), [&](const json&) {
    ++watched_count;
    return Status::Ok();
  }));
  r.watched = watched_count;
  return Status::Ok();
}

// Drops the index's tables, as in a ledger made before it, and times the open that rebuilds them.
Result<double> TimeRebuild(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return Internal("SQLite cannot open " + Quote(path));
  Status dropped = sync::Exec(db, "DROP TABLE case_watch; DROP TABLE case_watch_version; DROP TRIGGER "
                                     "case_watch_stale_insert; DROP TRIGGER case_watch_stale_update; DROP TRIGGER "
                                     "case_watch_stale_delete;");
  sqlite3_close(db);
  SILIAN_RETURN_IF_ERROR(dropped);
  sync::LedgerStore::Options o;
  o.durable = false;
  auto t0 = Clock::now();
  SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Open(path, o));
  return Seconds(t0, Clock::now()) * 1000;
}

void Print(const QueueOptions& options, const QueueRun& r, std::ostream& out) {
  if (options.json) {
    out << json{{"seed", options.seed},         {"today", r.today},
                {"cases", r.cases},             {"watched", r.watched},
                {"queue_candidates", r.candidates}, {"queue_views_read", r.shown}, {"queue_running_clocks", r.running},
                {"scan_every_view_ms", r.scan_ms},  {"queue_ms", r.queue_ms},
                {"supervise_every_case_ms", r.supervise_all_ms},
                {"supervise_watched_ms", r.supervise_watched_ms},
                {"problems_every_case", r.problems_all}, {"problems_watched", r.problems_watched},
                {"rebuild_on_open_ms", r.rebuild_ms}, {"target_queue_ms", kTargetQueueMs},
                {"queue_target_met", r.queue_ms <= kTargetQueueMs}}
                .dump(2)
        << "\n";
    return;
  }
  out << "window queue and supervision, township ledger, as of " << r.today << ", medians of " << options.runs
      << " runs\n";
  out << Row("cases stored", Grouped(r.cases));
  out << Row("cases in the watch index", Grouped(r.watched));
  out << Row("queue candidates (views read)", Grouped(r.candidates) + " (" + Grouped(r.shown) + ", " +
                                                     Grouped(r.running) + " with a running clock)");
  out << Row("before: parse every stored view", Fixed(r.scan_ms, 1) + " ms");
  out << Row("queue through the index", Fixed(r.queue_ms, 1) + " ms  " + Verdict(r.queue_ms <= kTargetQueueMs) +
                                            " (target <= " + Fixed(kTargetQueueMs, 0) + " ms)");
  out << Row("supervise every case", Fixed(r.supervise_all_ms, 1) + " ms, " + Grouped(r.problems_all) + " problems");
  out << Row("supervise watched cases", Fixed(r.supervise_watched_ms, 1) + " ms, " + Grouped(r.problems_watched) +
                                            " problems");
  out << Row("index rebuilt on open", Fixed(r.rebuild_ms, 1) + " ms");
}

}  // namespace

Status RunQueue(const QueueOptions& options, std::ostream& out, std::ostream& err) {
  if (options.runs < 1) return InvalidArgument("--runs must be at least 1, not " + std::to_string(options.runs));
  ScratchDir dir;
  SILIAN_RETURN_IF_ERROR(dir.Make(options.dir, !options.keep));
  const std::string path = dir.path() + "/township.db";
  sync::NodeConfig config{sync::NodeId{"th-152222104-q"}, sync::Level::kTownship,
                          sync::DivisionCode{kTownshipDivision}, "03"};
  sync::ManualWallClock wall(0);
  sync::LedgerStore::Options o;
  o.durable = false;
  o.wall = &wall;
  QueueRun r;
  {
    SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Create(path, config, o));
    SILIAN_RETURN_IF_ERROR(InstallCatalogue({store.get()}, dir.path()));
    err << "authoring " << Grouped(options.ops) << " ops of a township hall's window cases\n";
    auto t0 = Clock::now();
    SILIAN_ASSIGN_OR_RETURN(HallWorkloadReport w, AuthorHallWorkload(*store, wall, options.seed, options.ops));
    SILIAN_RETURN_IF_ERROR(AuthorOpenCases(*store, options.seed, options.open_cases));
    err << Grouped(w.cases + options.open_cases) << " cases, " << w.first_day << " to " << w.last_day << ", in "
        << Fixed(Seconds(t0, Clock::now()), 1) << " s; measuring\n";
    const sync::Date today = sync::DateOfUnixMs(wall.NowMs());
    r.today = sync::FormatDate(today);
    SILIAN_RETURN_IF_ERROR(Measure(*store, options, today, r));
  }
  SILIAN_ASSIGN_OR_RETURN(r.rebuild_ms, TimeRebuild(path));
  Print(options, r, out);
  return Status::Ok();
}

}  // namespace silian::bench
