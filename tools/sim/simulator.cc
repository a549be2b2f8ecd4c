#include "sim/simulator.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "base/text.h"
#include "sim/byzantine.h"
#include "sim/exchange.h"
#include "sim/faults.h"
#include "sim/invariants.h"
#include "sim/reference.h"
#include "sim/rng.h"
#include "sim/transport.h"
#include "sim/workload.h"
#include "domain/calendar.h"
#include "domain/catalog.h"

namespace silian::sim {
namespace {

// 2026-03-02 00:00 China Standard Time, a Monday: the first simulated hour.
constexpr uint64_t kStartMs = 1772380800000ull;


Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read " + Quote(path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The scratch directory of one run: made with mkdtemp, removed with everything in it unless kept.
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    std::error_code ec;
    if (!path_.empty() && !keep_) std::filesystem::remove_all(path_, ec);
  }
  Status Make(const std::string& parent, bool keep) {
    keep_ = keep;
    std::string base = parent;
    if (base.empty()) {
      std::error_code ec;
      base = std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0
                 ? "/dev/shm"
                 : std::filesystem::temp_directory_path(ec).string();
    }
    std::string pattern = base + "/silian-sim-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return InvalidArgument("cannot make a directory in " + Quote(base));
    path_ = pattern;
    return Status::Ok();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool keep_ = false;
};

class Simulator {
 public:
  Simulator(const SimOptions& options, uint64_t seed, std::ostream& progress)
      : options_(options), seed_(seed), progress_(progress), rng_(seed) {}

  RunResult Run();

 private:
  Status Setup();
  Status Hour(int64_t hour);
  Status SyncHour(int64_t hour);
  Status NodeSync(int node);
  Status UsbDay();
  Status Settle();
  void Progress(int day);
  Status Outcome(const ReportPeriod& period);
  Status Fatal();

  const SimOptions& options_;
  uint64_t seed_;
  std::ostream& progress_;
  Rng rng_;
  SimStats stats_;
  Violations violations_;
  Acknowledgements acks_;
  Scratch scratch_;
  std::unique_ptr<Network> net_;
  std::unique_ptr<Faults> faults_;
  std::unique_ptr<Wire> wire_;
  std::unique_ptr<Exchanges> exchanges_;
  std::unique_ptr<Workload> workload_;
  std::unique_ptr<ReferenceUpdates> reference_;
  std::unique_ptr<Byzantine> byzantine_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

Status Simulator::Setup() {
  SILIAN_RETURN_IF_ERROR(scratch_.Make(options_.dir, options_.keep));
  SILIAN_ASSIGN_OR_RETURN(net_, Network::Create(options_.topology, scratch_.path(), kStartMs));
  stats_.replicas = net_->size();
  // Clocks drift a little everywhere; the faults add days of skew.
  for (size_t i = 0; i < net_->size(); ++i) net_->at(i).skew_ms = rng_.Between(-120000, 120000);
  net_->SetAll(kStartMs);
  faults_ = std::make_unique<Faults>(*net_, rng_, stats_, options_.faults, options_.fault_scale);
  wire_ = std::make_unique<Wire>(*net_, *faults_, rng_, stats_, acks_, violations_);
  exchanges_ = std::make_unique<Exchanges>(*net_, *wire_, *faults_, rng_, stats_, violations_);
  WorkloadOptions w;
  w.cases_per_day = options_.cases_per_day;
  w.verbose = options_.verbose;
  workload_ = std::make_unique<Workload>(*net_, rng_, stats_, options_.items, w);
  reference_ = std::make_unique<ReferenceUpdates>(*net_, rng_, stats_, options_.overlay);
  byzantine_ = std::make_unique<Byzantine>(*net_, rng_, stats_, violations_, *workload_, options_.items, options_.faults);

  SILIAN_ASSIGN_OR_RETURN(auto published, net_->store(Network::kCity).PublishItems(options_.items, "admin"));
  stats_.ops_authored += published.published.size();
  stats_.authored["publish:item"] += published.published.size();
  // Deployment: every hub syncs with the city (receiving its registration), then registers its nodes and
  // publishes its overlay, then every node syncs with its county, before anyone works.
  for (int county : net_->counties()) SILIAN_RETURN_IF_ERROR(exchanges_->Sync(county, Network::kCity).status());
  SILIAN_RETURN_IF_ERROR(net_->RegisterCountyNodes());
  if (options_.overlay) {
    size_t county = static_cast<size_t>(net_->counties().front());
    SILIAN_ASSIGN_OR_RETURN(bool done, net_->store(county).PublishCalendar(*options_.overlay, "admin"));
    stats_.ops_authored += done ? 1 : 0;
    stats_.authored["publish:calendar"] += done ? 1 : 0;
  }
  for (size_t i = 0; i < net_->size(); ++i)
    if (!net_->at(i).is_hub()) SILIAN_RETURN_IF_ERROR(exchanges_->Sync(static_cast<int>(i), net_->at(i).spec.county).status());
  faults_->Start();
  return Status::Ok();
}

// A node syncs with its county; when that fails it may try the city next (silian-node sync --hub A --hub B).
Status Simulator::NodeSync(int node) {
  int county = net_->at(static_cast<size_t>(node)).spec.county;
  SILIAN_ASSIGN_OR_RETURN(auto result, exchanges_->Sync(node, county));
  if (result.ok || !faults_->Down(county) || !rng_.Percent(60)) return Status::Ok();
  ++stats_.failovers;
  return exchanges_->Sync(node, Network::kCity).status();
}

Status Simulator::SyncHour(int64_t hour) {
  int64_t hour_of_day = hour % 24;
  bool office_hours = (hour / 24) % 7 < 5 && hour_of_day >= 8 && hour_of_day < 18;
  std::vector<int> order;
  for (int i : net_->laptops())
    if (hour_of_day >= 7 && hour_of_day < 21 && rng_.Percent(20)) order.push_back(i);
  if (office_hours)
    for (int i : net_->townships()) order.push_back(i);
  // The relay runs hourly while people work and every four hours at night, when little moves.
  if ((hour_of_day >= 7 && hour_of_day < 22) || hour_of_day % 4 == 0)
    for (int i : net_->counties()) order.push_back(i);
  rng_.Shuffle(order);
  for (int i : order) {
    if (net_->at(static_cast<size_t>(i)).is_hub()) {
      SILIAN_RETURN_IF_ERROR(exchanges_->Sync(i, Network::kCity).status());  // the county's relay
    } else {
      SILIAN_RETURN_IF_ERROR(NodeSync(i));
    }
  }
  return Status::Ok();
}

// Township staff carry USB sticks to the laptops that have been offline, and now and then to others.
Status Simulator::UsbDay() {
  for (int laptop : net_->laptops()) {
    bool offline = faults_->Down(laptop);
    if (!rng_.Percent(offline ? 15 : 1)) continue;
    int hall = net_->at(static_cast<size_t>(laptop)).spec.township;
    SILIAN_RETURN_IF_ERROR(exchanges_->CarryBundle(laptop, hall).status());
    SILIAN_RETURN_IF_ERROR(exchanges_->CarryBundle(hall, laptop).status());
  }
  return Status::Ok();
}

Status Simulator::Fatal() { return workload_->fatal(); }

Status Simulator::Hour(int64_t hour) {
  faults_->set_hour(hour);
  net_->SetAll(kStartMs + static_cast<uint64_t>(hour) * kHourMs);
  if (hour % 24 == 0) SILIAN_RETURN_IF_ERROR(faults_->StartOfDay());
  if (hour % 24 == 11) SILIAN_RETURN_IF_ERROR(UsbDay());
  if (hour % 24 == 10 && faults_->enabled() && byzantine_->node() >= 0)
    SILIAN_RETURN_IF_ERROR(byzantine_->Day(faults_->Down(net_->at(static_cast<size_t>(byzantine_->node())).spec.county)));
  SILIAN_RETURN_IF_ERROR(reference_->Hour(hour));
  workload_->NewCases(hour);
  workload_->Advance(hour);
  workload_->ResolveConflicts(hour);
  SILIAN_RETURN_IF_ERROR(Fatal());
  return SyncHour(hour);
}

// Heals every fault, then syncs everyone up, the counties with the city, and everyone down again, until a
// round moves nothing.
Status Simulator::Settle() {
  faults_->HealAll();
  wire_->Clear();
  std::vector<int> nodes;
  for (size_t i = 0; i < net_->size(); ++i)
    if (!net_->at(i).is_hub()) nodes.push_back(static_cast<int>(i));
  for (int round = 1; round <= options_.settle_rounds; ++round) {
    net_->SetAll(net_->now_ms() + kHourMs);
    stats_.settle_rounds = static_cast<uint64_t>(round);
    uint64_t moved = 0, failed = 0;
    auto sync = [&](int client, int hub) -> Status {
      SILIAN_ASSIGN_OR_RETURN(auto r, exchanges_->Sync(client, hub));
      moved += r.moved;
      failed += r.ok ? 0 : 1;
      return Status::Ok();
    };
    for (int n : nodes) SILIAN_RETURN_IF_ERROR(sync(n, net_->at(static_cast<size_t>(n)).spec.county));
    for (int c : net_->counties()) SILIAN_RETURN_IF_ERROR(sync(c, Network::kCity));
    for (int n : nodes) SILIAN_RETURN_IF_ERROR(sync(n, net_->at(static_cast<size_t>(n)).spec.county));
    if (moved == 0 && failed == 0) {
      stats_.settled = true;
      return Status::Ok();
    }
  }
  violations_.Add(0, "settle", "the network still moved ops after " + std::to_string(options_.settle_rounds) +
                                   " sync rounds with every fault healed");
  return Status::Ok();
}

void Simulator::Progress(int day) {
  if (!options_.progress) return;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  uint64_t faults = 0;
  for (const auto& [kind, n] : stats_.faults) faults += n;
  char line[320];
  std::snprintf(line, sizeof line,
                "silian-sim: seed %llu week %d (day %d/%d): %llu cases, %llu ops, %llu sessions (%llu failed), "
                "%llu faults, wall %.1f s\n",
                static_cast<unsigned long long>(seed_), day / 7, day, options_.days,
                static_cast<unsigned long long>(stats_.cases_created), static_cast<unsigned long long>(stats_.ops_authored),
                static_cast<unsigned long long>(stats_.sessions), static_cast<unsigned long long>(stats_.sessions_failed),
                static_cast<unsigned long long>(faults), wall);
  progress_ << line << std::flush;
}

// What the settled city holds: its digest, open conflicts, cases by status and its report's total.
Status Simulator::Outcome(const ReportPeriod& period) {
  sync::LedgerStore& city = net_->store(Network::kCity);
  SILIAN_ASSIGN_OR_RETURN(auto digest, city.Digest(std::nullopt));
  stats_.city_digest = digest.ToLine();
  SILIAN_ASSIGN_OR_RETURN(auto status, city.GetStatus());
  stats_.open_conflicts_at_end = status.open_conflicts;
  sync::CaseFilter all;
  all.limit = 100000000;
  SILIAN_ASSIGN_OR_RETURN(auto cases, city.ListCases(all));
  for (const auto& c : cases) ++stats_.final_status[c.status];
  SILIAN_ASSIGN_OR_RETURN(sync::ReportRow total, ReportTotal(city, city.scope(), period));
  stats_.city_report = {{"received", total.received},       {"accepted", total.accepted},
                        {"completed", total.completed},     {"completed_on_time", total.completed_on_time},
                        {"overdue_now", total.overdue_now}, {"fees_paid_fen", total.fees_paid_fen},
                        {"evaluations", total.evaluations}, {"negative_evaluations", total.negative_evaluations}};
  return Status::Ok();
}

RunResult Simulator::Run() {
  RunResult result;
  result.seed = seed_;
  result.error = [&]() -> Status {
    SILIAN_RETURN_IF_ERROR(Setup());
    for (int64_t hour = 0; hour < static_cast<int64_t>(options_.days) * 24; ++hour) {
      SILIAN_RETURN_IF_ERROR(Hour(hour));
      if (hour % (7 * 24) == 7 * 24 - 1) Progress(static_cast<int>(hour / 24) + 1);
    }
    SILIAN_RETURN_IF_ERROR(Settle());
    sync::Date start = sync::DateOfUnixMs(kStartMs);
    sync::Date today = sync::DateOfUnixMs(net_->now_ms());
    ReportPeriod period{sync::AddDays(start, -7), sync::AddDays(today, 7), today};
    SILIAN_RETURN_IF_ERROR(CheckInvariants(*net_, acks_, workload_->cases(), period, scratch_.path(), violations_));
    return Outcome(period);
  }();
  if (net_) net_->CloseAll();
  result.stats = std::move(stats_);
  result.violations = std::move(violations_);
  if (options_.keep) result.scratch = scratch_.path();
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return result;
}

}  // namespace

Status LoadReference(SimOptions& options) {
  SILIAN_ASSIGN_OR_RETURN(std::string text, ReadFile(options.catalog));
  SILIAN_ASSIGN_OR_RETURN(options.items, sync::ParseCatalogJson(text, options.catalog));
  if (options.items.empty()) return InvalidArgument("catalogue " + Quote(options.catalog) + " has no items");
  if (!options.calendar.empty()) {
    SILIAN_ASSIGN_OR_RETURN(std::string cal, ReadFile(options.calendar));
    SILIAN_ASSIGN_OR_RETURN(pb::Calendar parsed, sync::ParseCalendarJson(cal, options.calendar));
    options.overlay = std::move(parsed);
  }
  return Status::Ok();
}

RunResult RunSeed(const SimOptions& options, uint64_t seed, std::ostream& progress) {
  return Simulator(options, seed, progress).Run();
}

}  // namespace silian::sim
