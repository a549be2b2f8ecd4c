// The drivers of the benchmark workloads: GenerateWorkload (a township hall and its village points
// authoring cases day by day, exchanging bundles at the end of each day), AuthorHallWorkload and
// WindowSession (see workload.h). The pure generators they drive are in workload.cc.
#include "bench/workload.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <tuple>

#include "base/text.h"
#include "domain/calendar.h"
#include "ledger/bundle.h"

namespace silian::bench {
namespace {

using sync::Action;
// ---------------------------------------------------------------------------------------------- calendar

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? static_cast<unsigned>(-3) : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y + (m <= 2)), m, d);
  return buf;
}

// Working days of the national calendar built into the programs (2025 and 2026 as published; other years
// weekends only), so the workload's agents keep the same days as the clocks of the cases they make.
bool IsWorkingDay(int64_t day) {
  static const sync::WorkingCalendar calendar = sync::WorkingCalendar::National();
  return calendar.IsWorkingDay(sync::Date{static_cast<int32_t>(day)});
}

constexpr uint64_t kMsPerDay = 86400000;
// 08:30 China Standard Time is 00:30 UTC.
constexpr uint64_t kOpeningMs = 30 * 60 * 1000;

// ---------------------------------------------------------------------------------------------- driver

struct SimNode {
  std::unique_ptr<sync::ManualWallClock> wall;
  std::unique_ptr<sync::LedgerStore> store;
  int village_index = -1;  // -1 for the township hall
};

struct LiveCase {
  std::string id;
  std::vector<Sitting> sittings;
  size_t next = 0;
};

// Sends what `to` lacks from `from`, as a bundle in memory, and imports it in one transaction.
Status Exchange(sync::LedgerStore& from, sync::LedgerStore& to) {
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier holder, to.GetFrontier());
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier sender, from.GetFrontier());
  std::string buf;
  pb::BundleHeader header;
  header.set_sender(from.config().node_id.value);
  header.set_sender_scope(from.scope());
  *header.mutable_sender_frontier() = sender;
  header.set_for_node(to.config().node_id.value);
  sync::BundleWriter::Options options;
  options.attach_heads = [&from](pb::Batch* batch) { return from.ledger().AttachHeads(batch); };
  SILIAN_ASSIGN_OR_RETURN(auto writer, sync::BundleWriter::Start(sync::StringSink(&buf), header, options));
  SILIAN_RETURN_IF_ERROR(from.Export(holder, [&](pb::Entry e) { return writer->Add(std::move(e)); }));
  SILIAN_RETURN_IF_ERROR(writer->Finish().status());
  SILIAN_ASSIGN_OR_RETURN(auto reader, sync::BundleReader::Open(sync::StringSource(&buf)));
  SILIAN_ASSIGN_OR_RETURN(auto import, to.BeginImport());
  pb::Batch batch;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool more, reader->Next(&batch));
    if (!more) break;
    SILIAN_RETURN_IF_ERROR(import->Add(batch));
  }
  SILIAN_ASSIGN_OR_RETURN(sync::ImportStats stats, import->Commit(&reader->header().sender_frontier()));
  // Clock skew is reported, not wrong: the workload's nodes live through their days at their own pace.
  std::string warning;
  for (const auto& w : stats.warnings)
    if (warning.empty() && w.find("(clock skew)") == std::string::npos) warning = w;
  if (stats.equivocations > 0 || stats.pending > 0 || !warning.empty())
    return Internal("exchange from " + from.config().node_id.value + " to " + to.config().node_id.value +
                    " left " + std::to_string(stats.pending) + " pending and " +
                    std::to_string(stats.equivocations) + " equivocations" +
                    (warning.empty() ? std::string() : "; warning: " + warning));
  return Status::Ok();
}

}  // namespace

Result<std::string> AuthorStep(sync::LedgerStore& store, const Step& step, std::string* case_id) {
  switch (step.kind) {
    case Step::Kind::kCreate: {
      SILIAN_ASSIGN_OR_RETURN(sync::CaseProjection p, store.CreateCase(step.new_case));
      *case_id = p.case_id.value;
      return std::string("case_created");
    }
    case Step::Kind::kAct:
      SILIAN_RETURN_IF_ERROR(store.Act(*case_id, step.action, step.text, step.actor).status());
      return std::string("transition");
    case Step::Kind::kMaterial:
      SILIAN_RETURN_IF_ERROR(store.AddMaterial(*case_id, step.text, step.copies, step.actor).status());
      return std::string("material_received");
    case Step::Kind::kNote:
      SILIAN_RETURN_IF_ERROR(store.AddNote(*case_id, step.text, step.actor).status());
      return std::string("note_added");
    case Step::Kind::kSetFields:
      SILIAN_RETURN_IF_ERROR(store.SetFields(*case_id, step.fields, step.actor).status());
      return std::string("fields_set");
  }
  return Internal("unknown step kind");
}

// ---------------------------------------------------------------------------------------------- catalogue

Status InstallCatalogue(const std::vector<sync::LedgerStore*>& nodes, const std::string& dir) {
  const sync::NodeConfig county_config{sync::NodeId{"ref-county-152222"}, sync::Level::kCounty,
                                       sync::DivisionCode{"152222000000"}, "01"};
  sync::LedgerStore::Options options;
  options.durable = false;
  auto made = sync::LedgerStore::Create(dir + "/reference-for-" + nodes.front()->config().node_id.value + ".db",
                                        county_config, options);
  if (!made.ok()) return Internal("creating the catalogue's county ledger: " + made.status().ToString());
  sync::LedgerStore& county = **made;
  SILIAN_RETURN_IF_ERROR(county.RegisterSelfAsRoot("admin"));
  return PublishCatalogue(county, nodes);
}

Status PublishCatalogue(sync::LedgerStore& county, const std::vector<sync::LedgerStore*>& nodes) {
  for (sync::LedgerStore* node : nodes) {
    sync::Peer peer;
    peer.node_id = node->config().node_id;
    peer.level = node->config().level;
    peer.division = node->config().division;
    SILIAN_RETURN_IF_ERROR(county.RegisterNode(peer, node->config().device, "admin", node->ledger().signing_key().public_key()).status());
  }
  std::vector<pb::Item> items;
  for (const CatalogueItem& c : Catalogue()) {
    pb::Item item;
    item.set_code(c.code);
    item.set_name(c.name);
    item.set_exercise_level("township");
    item.set_instant(c.instant);
    item.mutable_legal_limit()->set_value(20);
    item.mutable_legal_limit()->set_unit("working_days");
    item.mutable_promised_limit()->set_value(c.instant ? 0 : 10);
    item.mutable_promised_limit()->set_unit("working_days");
    item.set_lead_department(std::string(TownshipName()) + "人民政府");
    items.push_back(std::move(item));
  }
  SILIAN_RETURN_IF_ERROR(county.PublishItems(std::move(items), "admin").status());
  for (sync::LedgerStore* node : nodes) SILIAN_RETURN_IF_ERROR(Exchange(county, *node));
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------- generation

namespace {


// One run of GenerateWorkload: the nodes, the cases in flight and what was authored so far.
class WorkloadRun {
 public:
  explicit WorkloadRun(const WorkloadOptions& options) : options_(options), rng_(options.seed) {}

  Result<WorkloadReport> Run() {
    const auto started = std::chrono::steady_clock::now();
    auto last_progress = started;
    const int64_t first_day = DaysFromCivil(2026, 1, 5);
    SILIAN_RETURN_IF_ERROR(MakeNodes(first_day));
    int64_t day = first_day;
    int64_t last_day = first_day;
    bool budget_left = true;
    while (budget_left) {
      if (!IsWorkingDay(day)) {
        ++day;
        continue;
      }
      last_day = day;
      ++report_.working_days;
      SILIAN_ASSIGN_OR_RETURN(budget_left, RunDay(day));
      auto now = std::chrono::steady_clock::now();
      if (options_.progress && now - last_progress > std::chrono::seconds(2)) {
        last_progress = now;
        options_.progress("  authored " + std::to_string(authored_) + "/" + std::to_string(options_.ops) +
                          " ops, working day " + std::to_string(report_.working_days) + " (" + CivilFromDays(day) +
                          ")");
      }
      ++day;
    }
    report_.ops = authored_;
    report_.first_day = CivilFromDays(first_day);
    report_.last_day = CivilFromDays(last_day);
    SILIAN_RETURN_IF_ERROR(ExportBundle());
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return std::move(report_);
  }

 private:
  // The township hall (node 0) and the village agent points.
  Status MakeNodes(int64_t first_day) {
    for (int n = 0; n <= options_.villages; ++n) {
      SimNode node;
      node.wall = std::make_unique<sync::ManualWallClock>(static_cast<uint64_t>(first_day) * kMsPerDay + kOpeningMs);
      sync::NodeConfig config;
      if (n == 0) {
        config = {sync::NodeId{"th-152222104"}, sync::Level::kTownship, sync::DivisionCode{kTownshipDivision}, "01"};
      } else {
        node.village_index = n - 1;
        const Village& v = Villages()[static_cast<size_t>(n - 1)];
        config = {sync::NodeId{"ag-" + v.division}, sync::Level::kVillage, sync::DivisionCode{v.division}, "01"};
      }
      sync::LedgerStore::Options store_options;
      store_options.durable = false;
      store_options.wall = node.wall.get();
      std::string path = options_.dir + "/gen-" + config.node_id.value + ".db";
      SILIAN_ASSIGN_OR_RETURN(node.store, sync::LedgerStore::Create(path, config, store_options));
      nodes_.push_back(std::move(node));
    }
    report_.origins = static_cast<int>(nodes_.size());
    report_.village_origins = options_.villages;
    report_.exporter = nodes_[0].store->config();
    queues_.resize(nodes_.size());
    std::vector<sync::LedgerStore*> stores;
    for (auto& n : nodes_) stores.push_back(n.store.get());
    return InstallCatalogue(stores, options_.dir);
  }

  // Queues the case's next sitting on its node. Another node sees the case only after the end-of-day exchange.
  void Schedule(size_t case_index, int from_node, int64_t today) {
    LiveCase& c = cases_[case_index];
    if (c.next >= c.sittings.size()) return;
    const Sitting& s = c.sittings[c.next];
    int64_t delay = std::max<int64_t>(s.delay_days, s.node != from_node ? 1 : 0);
    int64_t ready = today;
    for (int64_t k = 0; k < delay; ++k) {
      do {
        ++ready;
      } while (!IsWorkingDay(ready));
    }
    queues_[static_cast<size_t>(s.node)].insert({ready, schedule_order_++, case_index});
  }

  // Runs one sitting on its node. Returns false once the op budget is spent.
  Result<bool> RunSitting(size_t case_index, int node_index, int64_t today) {
    SimNode& node = nodes_[static_cast<size_t>(node_index)];
    LiveCase& c = cases_[case_index];
    const Sitting& s = c.sittings[c.next];
    node.wall->Set(node.wall->NowMs() + static_cast<uint64_t>(rng_.Between(20, 180)) * 1000);
    for (const Step& step : s.steps) {
      if (authored_ >= options_.ops) return false;
      node.wall->Set(node.wall->NowMs() + static_cast<uint64_t>(rng_.Between(5, 60)) * 1000);
      auto kind = AuthorStep(*node.store, step, &c.id);
      if (!kind.ok())
        return Internal("workload script failed on " + node.store->config().node_id.value + " for case " +
                        Quote(c.id) + ": " + kind.status().ToString());
      ++authored_;
      if (*kind == "case_created") ++report_.cases;
      if (step.kind == Step::Kind::kAct) ++report_.transitions_by_action[sync::ActionName(step.action)];
    }
    ++c.next;
    Schedule(case_index, node_index, today);
    return true;
  }

  // One working day at node `n`: new cases interleaved with follow-up work, as a day at a window goes.
  Result<bool> RunNodeDay(size_t n, int64_t day) {
    SimNode& node = nodes_[n];
    node.wall->Set(static_cast<uint64_t>(day) * kMsPerDay + kOpeningMs + static_cast<uint64_t>(rng_.Between(0, 600)) * 1000);
    // Walk-ins at the hall; door-to-door requests at a village point.
    int arrivals = n == 0 ? rng_.Between(14, 36) : rng_.Between(1, 7);
    std::vector<int> work;
    auto& queue = queues_[n];
    for (auto it = queue.begin(); it != queue.end() && std::get<0>(*it) <= day; ++it) work.push_back(1);
    for (int a = 0; a < arrivals; ++a) work.push_back(0);
    for (size_t i = work.size(); i > 1; --i) std::swap(work[i - 1], work[static_cast<size_t>(rng_.Below(i))]);
    for (int w : work) {
      size_t case_index;
      if (w == 0) {
        case_index = cases_.size();
        cases_.push_back(LiveCase{"", MakeCaseScript(rng_, static_cast<int>(n), node.village_index), 0});
      } else {
        auto it = queue.begin();
        case_index = std::get<2>(*it);
        queue.erase(it);
      }
      SILIAN_ASSIGN_OR_RETURN(bool budget_left, RunSitting(case_index, static_cast<int>(n), day));
      if (!budget_left) return false;
    }
    // Same-day follow-ups scheduled while working (a second visit to the window later that day).
    while (!queue.empty() && std::get<0>(*queue.begin()) <= day) {
      size_t case_index = std::get<2>(*queue.begin());
      queue.erase(queue.begin());
      SILIAN_ASSIGN_OR_RETURN(bool budget_left, RunSitting(case_index, static_cast<int>(n), day));
      if (!budget_left) return false;
    }
    return true;
  }

  // Every node's day, then the end-of-day exchanges. Returns false once the op budget is spent.
  Result<bool> RunDay(int64_t day) {
    bool budget_left = true;
    for (size_t n = 0; n < nodes_.size() && budget_left; ++n) {
      SILIAN_ASSIGN_OR_RETURN(budget_left, RunNodeDay(n, day));
    }
    // End of day: each agent's laptop exchanges with the hall (a USB stick, or the hall's LAN).
    for (size_t n = 1; n < nodes_.size(); ++n) {
      SILIAN_RETURN_IF_ERROR(Exchange(*nodes_[n].store, *nodes_[0].store));
      if (budget_left) SILIAN_RETURN_IF_ERROR(Exchange(*nodes_[0].store, *nodes_[n].store));
      report_.exchanges += budget_left ? 2 : 1;
    }
    return budget_left;
  }

  // The hall holds every op of its area: export them all into the bundle file.
  Status ExportBundle() {
    sync::LedgerStore& hall = *nodes_[0].store;
    SILIAN_ASSIGN_OR_RETURN(sync::LedgerDigest digest, hall.Digest(std::nullopt));
    report_.exporter_digest = digest.ToLine();
    std::FILE* file = std::fopen(options_.bundle_path.c_str(), "wb");
    if (file == nullptr) return Internal("cannot create bundle file " + Quote(options_.bundle_path));
    Status written = WriteBundle(hall, file);
    bool closed = std::fclose(file) == 0;
    SILIAN_RETURN_IF_ERROR(written);
    if (!closed) return Internal("cannot write bundle file " + Quote(options_.bundle_path));
    std::error_code ec;
    report_.bundle_bytes = std::filesystem::file_size(options_.bundle_path, ec);
    if (ec) return Internal("cannot read the size of bundle file " + Quote(options_.bundle_path) + ": " + ec.message());
    return Status::Ok();
  }

  Status WriteBundle(sync::LedgerStore& hall, std::FILE* file) {
    SILIAN_ASSIGN_OR_RETURN(pb::Frontier frontier, hall.GetFrontier());
    pb::BundleHeader header;
    header.set_sender(hall.config().node_id.value);
    header.set_sender_scope(hall.scope());
    *header.mutable_sender_frontier() = frontier;
    header.set_created_ms(nodes_[0].wall->NowMs());
    sync::BundleWriter::Options options;
    options.attach_heads = [&hall](pb::Batch* batch) { return hall.ledger().AttachHeads(batch); };
    SILIAN_ASSIGN_OR_RETURN(auto writer, sync::BundleWriter::Start(sync::FileSink(file), header, options));
    pb::Frontier everything;
    SILIAN_RETURN_IF_ERROR(hall.Export(everything, [&](pb::Entry e) -> Status {
      if (e.has_op()) {
        pb::Op op;
        if (!op.ParseFromString(e.op())) return Internal("exported op does not parse");
        if (op.case_id().empty()) {  // the catalogue and the registrations (InstallCatalogue)
          ++report_.reference_ops;
          return writer->Add(std::move(e));
        }
        ++report_.ops_by_kind[sync::OpKindName(op)];
        ++report_.ops_by_origin[op.origin()];
        report_.op_bytes += e.op().size();
        ++report_.bundle_ops;
      }
      return writer->Add(std::move(e));
    }));
    return writer->Finish().status();
  }

  const WorkloadOptions& options_;
  Rng rng_;
  WorkloadReport report_;
  std::vector<SimNode> nodes_;
  std::vector<LiveCase> cases_;
  // Per node: sittings waiting, ordered by (ready day, order of scheduling).
  std::vector<std::set<std::tuple<int64_t, uint64_t, size_t>>> queues_;
  uint64_t schedule_order_ = 0;
  uint64_t authored_ = 0;
};

}  // namespace

Result<WorkloadReport> GenerateWorkload(const WorkloadOptions& options) {
  if (options.villages < 1 || options.villages > static_cast<int>(Villages().size()))
    return InvalidArgument("villages " + std::to_string(options.villages) + " must be 1 to " +
                           std::to_string(Villages().size()));
  return WorkloadRun(options).Run();
}

// ---------------------------------------------------------------------------------------------- one hall

Result<HallWorkloadReport> AuthorHallWorkload(sync::LedgerStore& store, sync::ManualWallClock& wall, uint64_t seed,
                                              uint64_t ops) {
  Rng rng(seed);
  HallWorkloadReport report;
  const int64_t first_day = DaysFromCivil(2026, 1, 5);
  std::vector<LiveCase> cases;
  // Sittings waiting: (ready day, order of scheduling, case index).
  std::set<std::tuple<int64_t, uint64_t, size_t>> queue;
  uint64_t schedule_order = 0;
  int64_t day = first_day;
  int64_t last_day = first_day;

  auto schedule = [&](size_t case_index, int64_t today) {
    LiveCase& c = cases[case_index];
    if (c.next >= c.sittings.size()) return;
    int64_t ready = today;
    for (int k = 0; k < c.sittings[c.next].delay_days; ++k) {
      do {
        ++ready;
      } while (!IsWorkingDay(ready));
    }
    queue.insert({ready, schedule_order++, case_index});
  };
  // Runs one sitting. Returns false once the op budget is spent.
  auto run_sitting = [&](size_t case_index, int64_t today) -> Result<bool> {
    LiveCase& c = cases[case_index];
    wall.Set(wall.NowMs() + static_cast<uint64_t>(rng.Between(20, 180)) * 1000);
    for (const Step& step : c.sittings[c.next].steps) {
      if (report.ops >= ops) return false;
      wall.Set(wall.NowMs() + static_cast<uint64_t>(rng.Between(5, 60)) * 1000);
      auto kind = AuthorStep(store, step, &c.id);
      if (!kind.ok())
        return Internal("hall script failed on " + store.config().node_id.value + " for case " + Quote(c.id) + ": " +
                        kind.status().ToString());
      ++report.ops;
      ++report.ops_by_kind[*kind];
      if (step.kind == Step::Kind::kCreate) ++report.cases;
    }
    ++c.next;
    schedule(case_index, today);
    return true;
  };

  bool budget_left = ops > 0;
  while (budget_left) {
    if (!IsWorkingDay(day)) {
      ++day;
      continue;
    }
    last_day = day;
    ++report.working_days;
    wall.Set(static_cast<uint64_t>(day) * kMsPerDay + kOpeningMs + static_cast<uint64_t>(rng.Between(0, 600)) * 1000);
    std::vector<int> work;  // 0: a walk-in, 1: a follow-up sitting due today
    for (auto it = queue.begin(); it != queue.end() && std::get<0>(*it) <= day; ++it) work.push_back(1);
    int arrivals = rng.Between(14, 36);
    for (int a = 0; a < arrivals; ++a) work.push_back(0);
    for (size_t i = work.size(); i > 1; --i) std::swap(work[i - 1], work[static_cast<size_t>(rng.Below(i))]);
    for (int w : work) {
      size_t case_index;
      if (w == 0) {
        case_index = cases.size();
        cases.push_back(LiveCase{"", MakeCaseScript(rng, 0, -1), 0});
      } else {
        case_index = std::get<2>(*queue.begin());
        queue.erase(queue.begin());
      }
      SILIAN_ASSIGN_OR_RETURN(budget_left, run_sitting(case_index, day));
      if (!budget_left) break;
    }
    while (budget_left && !queue.empty() && std::get<0>(*queue.begin()) <= day) {
      size_t case_index = std::get<2>(*queue.begin());
      queue.erase(queue.begin());
      SILIAN_ASSIGN_OR_RETURN(budget_left, run_sitting(case_index, day));
    }
    ++day;
  }
  report.first_day = CivilFromDays(first_day);
  report.last_day = CivilFromDays(last_day);
  return report;
}

// ---------------------------------------------------------------------------------------------- window session

WindowSession::WindowSession(sync::LedgerStore& store, uint64_t seed) : store_(store), rng_(seed) {}

Result<std::string> WindowSession::Next() {
  if (pos_ == pending_.size()) {
    pending_.clear();
    pos_ = 0;
    for (auto& sitting : MakeCaseScript(rng_, 0, -1))
      for (auto& step : sitting.steps) pending_.push_back(std::move(step));
  }
  return AuthorStep(store_, pending_[pos_++], &case_id_);
}

}  // namespace silian::bench
