#include "bench/bench_sync.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <sstream>
#include <thread>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "bench/workload.h"
#include "http/curl_transport.h"
#include "domain/store.h"
#include "launch/child_process.h"
#include "launch/hub_process.h"
#include "net/client.h"

namespace silian::bench {
namespace {

using launch::HubProcess;
using nlohmann::json;
using Progress = std::function<void(const std::string&)>;

// Runs `hub_bin ARGS...` to completion, its stderr appended to `log_path`. Returns its stdout when it exits 0;
// kInternal naming the command, its exit code and the end of its stderr otherwise, or when it cannot start.
Result<std::string> RunHubCommand(const std::string& hub_bin, const std::vector<std::string>& args,
                                  const std::string& log_path) {
  SILIAN_ASSIGN_OR_RETURN(launch::ProcessResult r, launch::RunProcess(hub_bin, args));
  {
    std::ofstream log(log_path, std::ios::binary | std::ios::app);
    log << r.err;
  }
  if (r.exit_code != 0)
    return Internal("`silian-hub" + launch::CommandLine("", args) + "` exited with code " + std::to_string(r.exit_code) +
                    ": " + launch::ReadTail(log_path, 600));
  return r.out;
}

constexpr const char* kCityDivision = "152200000000";         // 兴安盟
constexpr const char* kCountyDivision = "152222000000";       // 科尔沁右翼中旗 (kCountyCode)
constexpr const char* kNeighbourCountyCode = "152221";        // 科尔沁右翼前旗, the city's other county here
constexpr const char* kCityHubId = "city-1522";
constexpr const char* kCountyHubId = "county-152222";
constexpr int kMaxNodes = 64;
constexpr uint64_t kCloneTownships = 400;  // township codes 101..500 for clones, then the next device number
constexpr uint64_t kMaxClones = kCloneTownships * 99;
constexpr int kImportBatchEntries = 5000;
constexpr uint64_t kImportCommitOps = 100000;
constexpr int kBaselineRuns = 3;
constexpr double kCatchupPollS = 1.0;
constexpr double kCatchupStallS = 180;  // no new op at the county for this long: the catch-up has failed

std::string Pad(uint64_t value, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(value));
  return buf;
}

// splitmix64 of (seed, i): independent, replayable seeds for the halls.
uint64_t NodeSeed(uint64_t seed, int i) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(i + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double SecondsSince(Clock::time_point t) { return Seconds(t, Clock::now()); }

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// ---------------------------------------------------------------------------------------------- the halls

struct Hall {
  sync::NodeConfig config;
  std::unique_ptr<sync::ManualWallClock> wall;
  std::unique_ptr<sync::LedgerStore> store;
  HallWorkloadReport report;
};

// Township hall i of the county: township code 101 + i.
sync::NodeConfig HallConfig(int i) {
  std::string township = std::string(kCountyCode) + Pad(static_cast<uint64_t>(101 + i), 3);
  return {sync::NodeId{"th-" + township}, sync::Level::kTownship, sync::DivisionCode{township + "000"}, "01"};
}

// Authors every hall's workload on non-durable ledgers, `threads` halls at a time.
Status AuthorHalls(std::vector<Hall>& halls, const std::string& dir, const SyncBenchOptions& o, int threads,
                   const Progress& progress) {
  halls.resize(static_cast<size_t>(o.nodes));
  std::vector<Status> results(halls.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  auto work = [&] {
    for (size_t i = next++; i < halls.size(); i = next++) {
      Hall& h = halls[i];
      h.config = HallConfig(static_cast<int>(i));
      h.wall = std::make_unique<sync::ManualWallClock>(0);
      sync::LedgerStore::Options so;
      so.durable = false;
      so.wall = h.wall.get();
      results[i] = [&]() -> Status {
        SILIAN_ASSIGN_OR_RETURN(h.store, sync::LedgerStore::Create(dir + "/" + h.config.node_id.value + ".db", h.config, so));
        SILIAN_ASSIGN_OR_RETURN(h.report, AuthorHallWorkload(*h.store, *h.wall, NodeSeed(o.seed, static_cast<int>(i)),
                                                             o.ops_per_node));
        return Status::Ok();
      }();
      ++done;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);
  size_t reported = 0;
  while (reported < halls.size()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    size_t now = done.load();
    if (now != reported && (now == halls.size() || now % 4 == 0)) {
      progress("      " + std::to_string(now) + "/" + std::to_string(halls.size()) + " halls authored");
    }
    reported = now;
  }
  for (auto& t : pool) t.join();
  for (size_t i = 0; i < halls.size(); ++i)
    if (!results[i].ok()) return Status(results[i].code(), "authoring hall " + std::to_string(i) + ": " + results[i].message());
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------- sessions

struct Session {
  sync::SyncSummary summary;
  uint64_t wire_sent = 0;
  uint64_t wire_received = 0;
  double seconds = 0;
  uint64_t wire() const { return wire_sent + wire_received; }
  uint64_t body() const { return summary.body_bytes_sent + summary.body_bytes_received; }
};

// One session over a fresh transport, as `silian-node sync` runs one.
Result<Session> SyncOnce(sync::LedgerStore& store, const std::string& url) {
  SILIAN_ASSIGN_OR_RETURN(auto transport, sync::CurlTransport::Create(url));
  sync::SyncClient client(store.ledger(), *transport, url, sync::SyncOptions());
  auto t0 = Clock::now();
  SILIAN_ASSIGN_OR_RETURN(sync::SyncSummary summary, client.SyncOnce());
  Session s;
  s.seconds = SecondsSince(t0);
  s.summary = std::move(summary);
  s.wire_sent = transport->wire_bytes_sent();
  s.wire_received = transport->wire_bytes_received();
  return s;
}

struct Ingest {
  std::vector<Session> sessions;
  double seconds = 0;  // common start .. the last session ended
  uint64_t pushed = 0;
  uint64_t requests = 0;
  uint64_t wire = 0;
  uint64_t body = 0;
};

// Every hall pushes at once, each on its own thread with its own transport and client.
Result<Ingest> PushConcurrently(std::vector<Hall>& halls, const std::string& url) {
  const size_t n = halls.size();
  std::vector<std::unique_ptr<sync::CurlTransport>> transports;
  for (size_t i = 0; i < n; ++i) {
    SILIAN_ASSIGN_OR_RETURN(auto t, sync::CurlTransport::Create(url));
    transports.push_back(std::move(t));
  }
  std::vector<Result<sync::SyncSummary>> results(n, Result<sync::SyncSummary>(Internal("did not run")));
  std::vector<Clock::time_point> ended(n);
  std::latch ready(static_cast<std::ptrdiff_t>(n));
  std::latch go(1);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      sync::SyncClient client(halls[i].store->ledger(), *transports[i], url, sync::SyncOptions());
      ready.count_down();
      go.wait();
      results[i] = client.SyncOnce();
      ended[i] = Clock::now();
    });
  }
  ready.wait();
  const auto start = Clock::now();
  go.count_down();
  for (auto& t : threads) t.join();
  Ingest in;
  for (size_t i = 0; i < n; ++i) {
    if (!results[i].ok())
      return Status(results[i].status().code(),
                    "push session of " + halls[i].config.node_id.value + ": " + results[i].status().message());
    Session s;
    s.summary = std::move(*results[i]);
    s.wire_sent = transports[i]->wire_bytes_sent();
    s.wire_received = transports[i]->wire_bytes_received();
    s.seconds = Seconds(start, ended[i]);
    in.seconds = std::max(in.seconds, s.seconds);
    in.pushed += s.summary.pushed;
    in.requests += s.summary.requests;
    in.wire += s.wire();
    in.body += s.body();
    if (s.summary.pushed != halls[i].report.ops)
      return Internal(halls[i].config.node_id.value + " pushed " + std::to_string(s.summary.pushed) + " new ops of its " +
                      std::to_string(halls[i].report.ops));
    in.sessions.push_back(std::move(s));
  }
  return in;
}

// ---------------------------------------------------------------------------------------------- hub metrics

struct HubMetrics {
  uint64_t bytes_in = 0;   // sync request bodies
  uint64_t bytes_out = 0;  // sync reply bodies
  double batch_seconds = 0;
  uint64_t batches = 0;
};

HubMetrics ParseMetrics(const std::string& text) {
  HubMetrics m;
  std::istringstream in(text);
  std::string line;
  auto value = [&](const char* name) -> std::optional<double> {
    std::string prefix = std::string(name) + " ";
    if (line.rfind(prefix, 0) != 0) return std::nullopt;
    return std::stod(line.substr(prefix.size()));
  };
  while (std::getline(in, line)) {
    if (auto v = value("silian_bytes_in_total")) m.bytes_in = static_cast<uint64_t>(*v);
    if (auto v = value("silian_bytes_out_total")) m.bytes_out = static_cast<uint64_t>(*v);
    if (auto v = value("silian_batch_seconds_sum")) m.batch_seconds = *v;
    if (auto v = value("silian_batch_seconds_count")) m.batches = static_cast<uint64_t>(*v);
  }
  return m;
}

Result<HubMetrics> GetMetrics(const HubProcess& hub) {
  SILIAN_ASSIGN_OR_RETURN(std::string text, hub.Get("/metrics"));
  return ParseMetrics(text);
}

// ---------------------------------------------------------------------------------------------- the catch-up set

// One hall's op stream, read back from its ledger.
struct Template {
  std::string origin;
  std::string number_prefix;  // "DIVISION-DEVICE", the head of its case numbers
  std::vector<std::string> ops;  // seq 1..n, exactly as authored
  std::vector<uint64_t> hlc;
};

Result<Template> ReadTemplate(Hall& hall) {
  Template t;
  t.origin = hall.config.node_id.value;
  t.number_prefix = hall.config.division.value + "-" + hall.config.device;
  pb::Frontier everything;
  SILIAN_RETURN_IF_ERROR(hall.store->Export(everything, [&](pb::Entry e) -> Status {
    pb::Op op;
    if (!e.has_op() || !op.ParseFromString(e.op())) return Internal("hall " + t.origin + " exported an entry that is not an op");
    if (op.origin() != t.origin) return Internal("hall " + t.origin + " holds an op of " + op.origin());
    t.hlc.push_back(op.hlc());
    t.ops.push_back(std::move(*e.mutable_op()));
    return Status::Ok();
  }));
  return t;
}

// A copy of the first `count` ops of a template under another origin, in another township.
struct Clone {
  const Template* from = nullptr;
  size_t count = 0;
  std::string origin;
  std::string division;
  std::string number_prefix;
};

// Clones for exactly `ops` ops in county `county`: whole copies of every template, then one prefix.
Result<std::vector<Clone>> PlanClones(const std::vector<Template>& templates, const std::string& county, uint64_t ops) {
  std::vector<Clone> out;
  uint64_t left = ops;
  uint64_t k = 0;
  while (left > 0) {
    for (const Template& t : templates) {
      if (left == 0) break;
      if (k >= kMaxClones)
        return InvalidArgument("the catch-up set needs more than " + std::to_string(kMaxClones) +
                               " cloned hall streams; raise --ops-per-node or lower --catchup-ops");
      uint64_t n = std::min<uint64_t>(left, t.ops.size());
      std::string township = county + Pad(101 + k % kCloneTownships, 3);
      std::string device = Pad(1 + k / kCloneTownships, 2);
      out.push_back(Clone{&t, static_cast<size_t>(n), "th-" + township + "-" + device, township + "000",
                          township + "000-" + device});
      left -= n;
      ++k;
    }
  }
  return out;
}

// The op at `pos` of clone `c`: origin, case id, parents, division and case number moved to the clone's.
Result<std::string> CloneOp(const Clone& c, size_t pos, pb::Op& op) {
  const Template& t = *c.from;
  if (!op.ParseFromString(t.ops[pos])) return Internal("op " + std::to_string(pos + 1) + " of " + t.origin + " does not parse");
  const std::string own_case_prefix = t.origin + ":";
  if (op.case_id().rfind(own_case_prefix, 0) != 0)
    return Internal("op " + t.origin + ":" + std::to_string(op.seq()) + " belongs to case " + op.case_id() +
                    " of another origin; a hall stream cannot be cloned");
  op.set_origin(c.origin);
  op.set_case_id(c.origin + op.case_id().substr(t.origin.size()));
  op.set_division(c.division);
  for (auto& parent : *op.mutable_parents()) {
    if (parent.origin() != t.origin) return Internal("op of " + t.origin + " has a parent of " + parent.origin());
    parent.set_origin(c.origin);
  }
  if (op.has_case_created()) {
    auto* created = op.mutable_case_created();
    if (created->case_number().rfind(t.number_prefix, 0) != 0)
      return Internal("case number " + created->case_number() + " does not start with " + t.number_prefix);
    created->set_case_number(c.number_prefix + created->case_number().substr(t.number_prefix.size()));
  }
  std::string bytes;
  if (!op.SerializeToString(&bytes)) return Internal("cannot serialize a cloned op");
  return bytes;
}

struct CityLoad {
  uint64_t ops = 0;
  uint64_t origins = 0;
  uint64_t cases = 0;
  uint64_t transactions = 0;
  double clone_s = 0;   // parsing, rewriting, serializing
  double import_s = 0;  // Import::Add and Commit
  double seconds = 0;
};

// Imports every clone's ops into the city ledger in HLC order, kImportCommitOps per transaction.
Result<CityLoad> LoadCity(const std::string& city_db, const std::vector<Clone>& clones, const Progress& progress) {
  const auto t0 = Clock::now();
  sync::LedgerStore::Options so;
  so.durable = false;  // set-up, not measured
  SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Open(city_db, so));
  CityLoad load;
  load.origins = clones.size();
  uint64_t total = 0;
  for (const auto& c : clones) total += c.count;
  using Head = std::tuple<uint64_t, size_t, size_t>;  // hlc, clone, position
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heads;
  for (size_t i = 0; i < clones.size(); ++i)
    if (clones[i].count > 0) heads.push({clones[i].from->hlc[0], i, 0});
  std::unique_ptr<sync::LedgerStore::Import> import;
  pb::Batch batch;
  uint64_t in_transaction = 0;
  auto last_progress = Clock::now();
  auto flush = [&]() -> Status {
    if (batch.entries_size() == 0) return Status::Ok();
    auto a = Clock::now();
    if (!import) {
      SILIAN_ASSIGN_OR_RETURN(import, store->BeginImport());
    }
    SILIAN_RETURN_IF_ERROR(import->Add(batch));
    batch.Clear();
    load.import_s += SecondsSince(a);
    return Status::Ok();
  };
  auto commit = [&]() -> Status {
    SILIAN_RETURN_IF_ERROR(flush());
    if (!import) return Status::Ok();
    auto a = Clock::now();
    SILIAN_ASSIGN_OR_RETURN(sync::ImportStats stats, import->Commit(nullptr));
    import.reset();
    load.import_s += SecondsSince(a);
    ++load.transactions;
    if (stats.pending != 0 || stats.equivocations != 0 || stats.out_of_scope != 0)
      return Internal("loading the city left " + std::to_string(stats.pending) + " pending, " +
                      std::to_string(stats.equivocations) + " equivocations, " + std::to_string(stats.out_of_scope) +
                      " out of scope");
    load.ops += stats.new_ops;
    return Status::Ok();
  };
  pb::Op scratch;
  while (!heads.empty()) {
    auto [hlc, i, pos] = heads.top();
    heads.pop();
    const Clone& c = clones[i];
    auto a = Clock::now();
    SILIAN_ASSIGN_OR_RETURN(std::string bytes, CloneOp(c, pos, scratch));
    batch.add_entries()->set_op(std::move(bytes));
    if (pos + 1 < c.count) heads.push({c.from->hlc[pos + 1], i, pos + 1});
    load.clone_s += SecondsSince(a);
    if (batch.entries_size() >= kImportBatchEntries) SILIAN_RETURN_IF_ERROR(flush());
    if (++in_transaction >= kImportCommitOps) {
      SILIAN_RETURN_IF_ERROR(commit());
      in_transaction = 0;
      if (SecondsSince(last_progress) > 5) {
        last_progress = Clock::now();
        progress("      imported " + Grouped(load.ops) + "/" + Grouped(total) + " ops (" +
                 Rate(static_cast<double>(load.ops) / SecondsSince(t0)) + " ops/s)");
      }
    }
  }
  SILIAN_RETURN_IF_ERROR(commit());
  if (load.ops != total)
    return Internal("the city stored " + std::to_string(load.ops) + " new ops of the " + std::to_string(total) + " imported");
  SILIAN_ASSIGN_OR_RETURN(sync::StoreStatus st, store->GetStatus());
  load.cases = st.case_count;
  store.reset();  // closing checkpoints the WAL into the ledger
  load.seconds = SecondsSince(t0);
  return load;
}

// ---------------------------------------------------------------------------------------------- catch-up

struct Catchup {
  double seconds = 0;        // county hub started .. its /v1/status first showed every op
  double relay_s = 0;        // county hub started .. its relay's first session ended (its own clock)
  double healthy_s = 0;      // county hub started .. /healthz answered
  uint64_t ops = 0;
  uint64_t origins = 0;
  uint64_t polls = 0;
  double poll_max_s = 0;     // the slowest GET /v1/status (it counts the ledger's rows under the store lock)
  double poll_sum_s = 0;
  double county_cpu_s = 0;   // CPU time of the county hub process, start .. caught up
  double city_cpu_s = 0;     // CPU time of the city hub process meanwhile
  HubMetrics city;           // the city's counters for the catch-up
  std::string city_digest;
  std::string county_digest;
};

Result<Catchup> RunCatchup(HubProcess& county, const HubProcess& city, uint64_t expected, const Progress& progress) {
  Catchup c;
  SILIAN_ASSIGN_OR_RETURN(HubMetrics city_before, GetMetrics(city));
  SILIAN_ASSIGN_OR_RETURN(double city_cpu_before, city.CpuSeconds());
  const uint64_t wall_start_ms = sync::SystemWallClock().NowMs();
  const auto t0 = Clock::now();
  SILIAN_RETURN_IF_ERROR(county.Start({"--sync-interval", "3600"}));
  c.healthy_s = SecondsSince(t0);
  uint64_t last_count = 0;
  auto last_change = Clock::now();
  auto last_progress = Clock::now();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::duration<double>(kCatchupPollS));
    auto a = Clock::now();
    SILIAN_ASSIGN_OR_RETURN(json st, county.StatusJson());
    double poll_s = SecondsSince(a);
    ++c.polls;
    c.poll_sum_s += poll_s;
    c.poll_max_s = std::max(c.poll_max_s, poll_s);
    uint64_t count = st.value("op_count", uint64_t{0});
    if (count >= expected) {
      c.seconds = SecondsSince(t0);
      c.ops = count;
      c.origins = st["frontier"].value("origins", uint64_t{0});
      // The relay's first session may end just after the poll that saw its last batch.
      for (int i = 0; i < 100 && st["upstream"].value("last_success_ms", uint64_t{0}) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        SILIAN_ASSIGN_OR_RETURN(st, county.StatusJson());
      }
      SILIAN_ASSIGN_OR_RETURN(c.county_cpu_s, county.CpuSeconds());
      SILIAN_ASSIGN_OR_RETURN(double city_cpu_after, city.CpuSeconds());
      c.city_cpu_s = city_cpu_after - city_cpu_before;
      uint64_t done_ms = st["upstream"].value("last_success_ms", uint64_t{0});
      c.relay_s = done_ms > wall_start_ms ? static_cast<double>(done_ms - wall_start_ms) / 1000 : 0;
      break;
    }
    if (count != last_count) {
      last_count = count;
      last_change = Clock::now();
    } else if (SecondsSince(last_change) > kCatchupStallS) {
      return Internal("the county hub's catch-up stalled at " + std::to_string(count) + " of " +
                      std::to_string(expected) + " ops; its relay says: " + st["upstream"].dump() + "; its log: " +
                      county.LogTail(600));
    }
    if (st["upstream"].value("consecutive_failures", uint64_t{0}) > 0)
      progress("      warning: the relay failed: " + st["upstream"].value("last_error", std::string()));
    if (SecondsSince(last_progress) >= 5) {
      last_progress = Clock::now();
      progress("      county holds " + Grouped(count) + "/" + Grouped(expected) + " ops after " +
               Fixed(SecondsSince(t0), 0) + " s");
    }
  }
  SILIAN_ASSIGN_OR_RETURN(HubMetrics city_after, GetMetrics(city));
  c.city.bytes_in = city_after.bytes_in - city_before.bytes_in;
  c.city.bytes_out = city_after.bytes_out - city_before.bytes_out;
  c.city.batch_seconds = city_after.batch_seconds - city_before.batch_seconds;
  c.city.batches = city_after.batches - city_before.batches;
  return c;
}

// ---------------------------------------------------------------------------------------------- options

Result<std::string> LocateHubBinary(const std::string& given) {
  std::string path = given;
  if (path.empty()) {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return InvalidArgument("cannot tell where silian-bench is (" + ec.message() + "); pass --hub-bin PATH");
    path = (self.parent_path() / ".." / "hub" / "silian-hub").lexically_normal().string();
  }
  if (::access(path.c_str(), X_OK) != 0)
    return InvalidArgument("no executable silian-hub at " + Quote(path) + "; build it or pass --hub-bin PATH");
  return path;
}

}  // namespace

// ---------------------------------------------------------------------------------------------- the run

Status RunSync(const SyncBenchOptions& o, std::ostream& out, std::ostream& err) {
  if (o.nodes < 1 || o.nodes > kMaxNodes) return InvalidArgument("--nodes must be 1 to " + std::to_string(kMaxNodes));
  if (o.ops_per_node < 1) return InvalidArgument("--ops-per-node must be at least 1");
  if (o.catchup_ops < 1) return InvalidArgument("--catchup-ops must be at least 1");
  if (!o.dir.empty() && !std::filesystem::is_directory(o.dir))
    return InvalidArgument("--dir " + Quote(o.dir) + " is not a directory");
  SILIAN_ASSIGN_OR_RETURN(const std::string hub_bin, LocateHubBinary(o.hub_bin));
  ScratchDir scratch;
  SILIAN_RETURN_IF_ERROR(scratch.Make(o.dir, o.dir.empty() && !o.keep));
  const std::string dir = scratch.path();
  const std::string fs = FileSystemName(dir);
  Progress progress = [&](const std::string& line) { err << "silian-bench: " << line << "\n" << std::flush; };
  const int author_threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 2);
  progress("seed " + std::to_string(o.seed) + ", scratch " + dir + " (" + fs + "), hub " + hub_bin);
  if (fs == "tmpfs") progress("warning: the scratch directory is on tmpfs, where fsync costs nothing");
  auto hub = [&](const std::vector<std::string>& args) { return RunHubCommand(hub_bin, args, dir + "/hub-commands.log"); };

  // 1. Every hall's workload.
  progress("[1/6] authoring " + Grouped(o.ops_per_node) + " ops in each of " + std::to_string(o.nodes) +
           " township halls (non-durable ledgers, " + std::to_string(author_threads) + " at a time)");
  auto t_author = Clock::now();
  std::vector<Hall> halls;
  SILIAN_RETURN_IF_ERROR(AuthorHalls(halls, dir, o, author_threads, progress));
  const double author_s = SecondsSince(t_author);
  uint64_t ingest_ops = 0, hall_cases = 0;
  std::map<std::string, uint64_t> ops_by_kind;
  for (const auto& h : halls) {
    ingest_ops += h.report.ops;
    hall_cases += h.report.cases;
    for (const auto& [k, n] : h.report.ops_by_kind) ops_by_kind[k] += n;
  }
  progress("      done in " + Fixed(author_s, 1) + " s: " + Grouped(ingest_ops) + " ops, " + Grouped(hall_cases) + " cases");

  // 2. The county hub, its registry, and the pushes.
  const sync::NodeConfig replica{sync::NodeId{halls[0].config.node_id.value + "-r"}, sync::Level::kTownship,
                                 halls[0].config.division, "02"};
  progress("[2/6] county hub: init, " + std::to_string(o.nodes + 1) + " nodes registered, serve; " +
           std::to_string(o.nodes) + " halls push at once");
  const std::string ingest_db = dir + "/county-ingest.db";
  SILIAN_RETURN_IF_ERROR(
      hub({"--db", ingest_db, "init", "--node-id", kCountyHubId, "--level", "county", "--division", kCountyDivision}).status());
  for (const auto& h : halls)
    SILIAN_RETURN_IF_ERROR(hub({"--db", ingest_db, "node", "add", h.config.node_id.value, "--level", "township",
                                "--division", h.config.division.value}).status());
  SILIAN_RETURN_IF_ERROR(hub({"--db", ingest_db, "node", "add", replica.node_id.value, "--level", "township",
                              "--division", replica.division.value}).status());
  HubProcess county_ingest(hub_bin, "county hub (ingest)", ingest_db, dir + "/county-ingest.log");
  SILIAN_RETURN_IF_ERROR(county_ingest.Start({}));
  SILIAN_ASSIGN_OR_RETURN(HubMetrics ingest_before, GetMetrics(county_ingest));
  SILIAN_ASSIGN_OR_RETURN(double ingest_cpu_before, county_ingest.CpuSeconds());
  SILIAN_ASSIGN_OR_RETURN(Ingest ingest, PushConcurrently(halls, county_ingest.url()));
  SILIAN_ASSIGN_OR_RETURN(double ingest_cpu_after, county_ingest.CpuSeconds());
  const double ingest_hub_cpu_s = ingest_cpu_after - ingest_cpu_before;
  SILIAN_ASSIGN_OR_RETURN(HubMetrics ingest_after, GetMetrics(county_ingest));
  SILIAN_ASSIGN_OR_RETURN(json ingest_status, county_ingest.StatusJson());
  if (ingest_status.value("op_count", uint64_t{0}) != ingest_ops)
    return Internal("the county hub holds " + ingest_status.value("op_count", json()).dump() + " ops after the pushes, expected " +
                    std::to_string(ingest_ops));
  const double ingest_rate = static_cast<double>(ingest.pushed) / ingest.seconds;
  progress("      " + Grouped(ingest.pushed) + " ops in " + Fixed(ingest.seconds, 2) + " s: " + Rate(ingest_rate) + " ops/s");

  // 3. Catch-up pull of one township, and an idle sync.
  progress("[3/6] a fresh replica of " + halls[0].config.node_id.value + "'s township pulls its area; idle sync of " +
           halls[0].config.node_id.value);
  Session pull;
  {
    sync::LedgerStore::Options so;
    so.durable = false;
    SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Create(dir + "/" + replica.node_id.value + ".db", replica, so));
    SILIAN_ASSIGN_OR_RETURN(pull, SyncOnce(*store, county_ingest.url()));
  }
  if (pull.summary.pulled != halls[0].report.ops)
    return Internal("the fresh replica pulled " + std::to_string(pull.summary.pulled) + " ops, expected " +
                    std::to_string(halls[0].report.ops));
  SILIAN_ASSIGN_OR_RETURN(Session settle, SyncOnce(*halls[0].store, county_ingest.url()));
  SILIAN_ASSIGN_OR_RETURN(Session idle, SyncOnce(*halls[0].store, county_ingest.url()));
  if (idle.summary.pushed + idle.summary.pulled + idle.summary.push_known != 0)
    return Internal("the idle sync moved ops: pushed " + std::to_string(idle.summary.pushed) + ", pulled " +
                    std::to_string(idle.summary.pulled));
  const int ingest_exit = county_ingest.Stop().code;
  if (ingest_exit != 0)
    return Internal("the county hub exited with code " + std::to_string(ingest_exit) + " on SIGTERM: " + county_ingest.LogTail(600));

  // 4. Plain-SQLite baseline of the ingested rows.
  progress("[4/6] plain SQLite baseline: the ingested rows into a fresh file, " + std::to_string(kBaselineRuns) + " runs");
  std::vector<BaselineFigures> baselines;
  {
    SILIAN_ASSIGN_OR_RETURN(std::vector<OpRow> rows, ReadOpRows(ingest_db));
    for (int run = 1; run <= kBaselineRuns; ++run) {
      SILIAN_ASSIGN_OR_RETURN(BaselineFigures b, RunBaseline(dir + "/baseline-" + std::to_string(run) + ".db", rows));
      baselines.push_back(b);
    }
  }
  std::sort(baselines.begin(), baselines.end(), [](const auto& a, const auto& b) { return a.seconds < b.seconds; });
  const BaselineFigures base = baselines[baselines.size() / 2];
  const double base_rate = static_cast<double>(base.rows) / base.seconds;
  progress("      " + Rate(base_rate) + " rows/s (median)");

  // 5. The city ledger with the catch-up set.
  const uint64_t other_ops = o.catchup_ops / 10;
  progress("[5/6] city hub: " + Grouped(o.catchup_ops) + " ops of county " + kCountyCode + " and " + Grouped(other_ops) +
           " of county " + kNeighbourCountyCode + ", cloned from the halls' streams and imported in HLC order");
  std::vector<Template> templates;
  for (auto& h : halls) {
    SILIAN_ASSIGN_OR_RETURN(Template t, ReadTemplate(h));
    templates.push_back(std::move(t));
    h.store.reset();
  }
  SILIAN_ASSIGN_OR_RETURN(std::vector<Clone> clones, PlanClones(templates, kCountyCode, o.catchup_ops));
  const size_t county_clones = clones.size();
  if (other_ops > 0) {
    SILIAN_ASSIGN_OR_RETURN(std::vector<Clone> more, PlanClones(templates, kNeighbourCountyCode, other_ops));
    clones.insert(clones.end(), more.begin(), more.end());
  }
  const std::string city_db = dir + "/city.db";
  SILIAN_RETURN_IF_ERROR(
      hub({"--db", city_db, "init", "--node-id", kCityHubId, "--level", "city", "--division", kCityDivision}).status());
  SILIAN_ASSIGN_OR_RETURN(CityLoad city_load, LoadCity(city_db, clones, progress));
  progress("      done in " + Fixed(city_load.seconds, 1) + " s: " + Grouped(city_load.ops) + " ops, " +
           Grouped(city_load.cases) + " cases, " + std::to_string(clones.size()) + " origins");
  templates.clear();
  SILIAN_RETURN_IF_ERROR(hub({"--db", city_db, "node", "add", kCountyHubId, "--level", "county", "--division",
                              kCountyDivision}).status());
  HubProcess city(hub_bin, "city hub", city_db, dir + "/city.log");
  SILIAN_RETURN_IF_ERROR(city.Start({}));

  // 6. A fresh county hub catches up from the city.
  progress("[6/6] a fresh county hub with the city as parent catches up " + Grouped(o.catchup_ops) + " ops");
  const std::string county_db = dir + "/county.db";
  SILIAN_RETURN_IF_ERROR(hub({"--db", county_db, "init", "--node-id", kCountyHubId, "--level", "county", "--division",
                              kCountyDivision, "--parent", city.url()}).status());
  HubProcess county(hub_bin, "county hub (catch-up)", county_db, dir + "/county.log");
  SILIAN_ASSIGN_OR_RETURN(Catchup catchup, RunCatchup(county, city, o.catchup_ops, progress));
  progress("      " + Grouped(catchup.ops) + " ops in " + Fixed(catchup.seconds, 1) + " s; comparing digests");
  SILIAN_ASSIGN_OR_RETURN(std::string city_digest, hub({"--db", city_db, "digest", "--scope", kCountyCode}));
  SILIAN_ASSIGN_OR_RETURN(std::string county_digest, hub({"--db", county_db, "digest"}));
  catchup.city_digest = Trim(city_digest);
  catchup.county_digest = Trim(county_digest);
  if (catchup.city_digest != catchup.county_digest)
    return Internal("after the catch-up the county's digest " + Quote(catchup.county_digest) +
                    " differs from the city's for its area " + Quote(catchup.city_digest));
  if (catchup.ops != o.catchup_ops)
    return Internal("the county holds " + std::to_string(catchup.ops) + " ops, expected " + std::to_string(o.catchup_ops));
  const int county_exit = county.Stop().code;
  if (county_exit != 0)
    return Internal("the county hub exited with code " + std::to_string(county_exit) + " on SIGTERM: " + county.LogTail(600));
  // The county's next upstream session, nothing new either way: the same ledger and pull state, in-process.
  Session county_idle;
  {
    SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Open(county_db, sync::LedgerStore::Options()));
    SILIAN_ASSIGN_OR_RETURN(county_idle, SyncOnce(*store, city.url()));
  }
  if (county_idle.summary.pushed + county_idle.summary.pulled != 0)
    return Internal("the county's idle sync moved ops: pushed " + std::to_string(county_idle.summary.pushed) +
                    ", pulled " + std::to_string(county_idle.summary.pulled));
  const int city_exit = city.Stop().code;
  if (city_exit != 0) return Internal("the city hub exited with code " + std::to_string(city_exit) + " on SIGTERM: " + city.LogTail(600));

  // ---- Figures.
  const double push_bpo = static_cast<double>(ingest.wire) / static_cast<double>(ingest.pushed);
  const double pull_bpo = static_cast<double>(pull.wire()) / static_cast<double>(pull.summary.pulled);
  const double catchup_target_s = kTargetCatchupSecondsPerMillion * static_cast<double>(o.catchup_ops) / 1e6;
  const double catchup_rate = static_cast<double>(catchup.ops) / catchup.seconds;
  const double catchup_body_bpo =
      static_cast<double>(catchup.city.bytes_in + catchup.city.bytes_out) / static_cast<double>(catchup.ops);
  const bool ingest_pass = ingest_rate >= kTargetIngestOpsPerS;
  const bool push_pass = push_bpo <= kTargetWireBytesPerOp;
  const bool pull_pass = pull_bpo <= kTargetWireBytesPerOp;
  const bool idle_pass = static_cast<double>(idle.wire()) <= kTargetIdleSyncBytes;
  const bool county_idle_pass = static_cast<double>(county_idle.wire()) <= kTargetIdleSyncBytes;
  const bool catchup_pass = catchup.seconds <= catchup_target_s;
  std::vector<double> session_s;
  for (const auto& s : ingest.sessions) session_s.push_back(s.seconds);
  std::sort(session_s.begin(), session_s.end());
  const double ingest_hub_s = ingest_after.batch_seconds - ingest_before.batch_seconds;
  const uint64_t ingest_hub_batches = ingest_after.batches - ingest_before.batches;
#ifdef __OPTIMIZE__
  const std::string build = "optimized";
#else
  const std::string build = "NOT optimized: the figures are not representative";
#endif

  if (o.json) {
    json j;
    j["seed"] = o.seed;
    j["nodes"] = o.nodes;
    j["ops_per_node"] = o.ops_per_node;
    j["catchup_ops"] = o.catchup_ops;
    j["scratch"] = {{"dir", dir}, {"filesystem", fs}, {"removed", scratch.removed_at_end()}};
    j["hub_bin"] = hub_bin;
    j["build"] = build;
    j["workload"] = {{"halls", o.nodes},     {"ops", ingest_ops},        {"cases", hall_cases},
                     {"ops_by_kind", ops_by_kind}, {"seconds", author_s}, {"threads", author_threads}};
    j["ingest"] = {{"ops", ingest.pushed},
                   {"seconds", ingest.seconds},
                   {"ops_per_s", ingest_rate},
                   {"session_seconds", session_s},
                   {"requests", ingest.requests},
                   {"wire_bytes", ingest.wire},
                   {"body_bytes", ingest.body},
                   {"wire_bytes_per_op", push_bpo},
                   {"hub_cpu_seconds", ingest_hub_cpu_s},
                   {"hub_batch_seconds", ingest_hub_s},
                   {"hub_batches", ingest_hub_batches}};
    j["pull"] = {{"ops", pull.summary.pulled},   {"seconds", pull.seconds},  {"requests", pull.summary.requests},
                 {"pushed_back_known", pull.summary.push_known},
                 {"wire_bytes", pull.wire()},     {"body_bytes", pull.body()}, {"wire_bytes_per_op", pull_bpo}};
    j["idle"] = {{"township", {{"wire_sent", idle.wire_sent}, {"wire_received", idle.wire_received},
                               {"wire_bytes", idle.wire()}, {"body_bytes", idle.body()}, {"requests", idle.summary.requests},
                               {"settling_session_wire_bytes", settle.wire()}}},
                 {"county", {{"wire_sent", county_idle.wire_sent}, {"wire_received", county_idle.wire_received},
                             {"wire_bytes", county_idle.wire()}, {"body_bytes", county_idle.body()},
                             {"requests", county_idle.summary.requests}, {"origins", catchup.origins}}}};
    j["city_load"] = {{"ops", city_load.ops},         {"county_ops", o.catchup_ops}, {"other_county_ops", other_ops},
                      {"origins", city_load.origins}, {"county_origins", county_clones}, {"cases", city_load.cases},
                      {"transactions", city_load.transactions}, {"clone_s", city_load.clone_s},
                      {"import_s", city_load.import_s}, {"seconds", city_load.seconds}};
    j["catchup"] = {{"ops", catchup.ops},
                    {"seconds", catchup.seconds},
                    {"ops_per_s", catchup_rate},
                    {"relay_session_s", catchup.relay_s},
                    {"healthy_s", catchup.healthy_s},
                    {"county_cpu_seconds", catchup.county_cpu_s},
                    {"city_cpu_seconds", catchup.city_cpu_s},
                    {"status_polls", catchup.polls},
                    {"status_poll_max_s", catchup.poll_max_s},
                    {"status_poll_sum_s", catchup.poll_sum_s},
                    {"city_batches", catchup.city.batches},
                    {"city_batch_seconds", catchup.city.batch_seconds},
                    {"city_body_bytes_in", catchup.city.bytes_in},
                    {"city_body_bytes_out", catchup.city.bytes_out},
                    {"body_bytes_per_op", catchup_body_bpo},
                    {"digest", catchup.county_digest},
                    {"digests_match", true}};
    j["baseline"] = {{"rows", base.rows}, {"seconds", base.seconds}, {"rows_per_s", base_rate},
                     {"insert_s", base.insert_s}, {"commit_s", base.commit_s}};
    j["targets"] = {
        {"ingest_ops_per_s", {{"value", ingest_rate}, {"target_min", kTargetIngestOpsPerS}, {"verdict", Verdict(ingest_pass)}}},
        {"push_wire_bytes_per_op", {{"value", push_bpo}, {"target_max", kTargetWireBytesPerOp}, {"verdict", Verdict(push_pass)}}},
        {"pull_wire_bytes_per_op", {{"value", pull_bpo}, {"target_max", kTargetWireBytesPerOp}, {"verdict", Verdict(pull_pass)}}},
        {"idle_sync_bytes_township", {{"value", idle.wire()}, {"target_max", kTargetIdleSyncBytes}, {"verdict", Verdict(idle_pass)}}},
        {"idle_sync_bytes_county", {{"value", county_idle.wire()}, {"target_max", kTargetIdleSyncBytes}, {"verdict", Verdict(county_idle_pass)}}},
        {"catchup_seconds", {{"value", catchup.seconds}, {"target_max", catchup_target_s}, {"verdict", Verdict(catchup_pass)}}}};
    j["ratios"] = {{"ingest_to_baseline", ingest_rate / base_rate}, {"catchup_to_baseline", catchup_rate / base_rate}};
    out << j.dump(2) << "\n";
    return Status::Ok();
  }

  auto figure = [](const std::string& label, const std::string& measured, const std::string& target, bool pass) {
    return "  " + Cell(label, 44) + Cell(measured, 22) + Cell(target, 12) + Verdict(pass) + "\n";
  };
  std::string r;
  r += "silian-bench sync\n";
  r += Row("seed", std::to_string(o.seed) + " (replay with --seed " + std::to_string(o.seed) + ")");
  r += Row("scratch", dir + " (" + fs + ")" + (scratch.removed_at_end() ? ", removed at the end" : ", kept"));
  r += Row("build", build + "; hubs: " + hub_bin + ", loopback, durable ledgers");
  r += "\nworkload: township halls of county " + std::string(kCountyCode) +
       ", window cases authored through LedgerStore on non-durable ledgers\n";
  std::vector<std::pair<uint64_t, std::string>> kinds;
  for (const auto& [k, n] : ops_by_kind) kinds.push_back({n, k});
  std::sort(kinds.rbegin(), kinds.rend());
  std::string mix;
  for (const auto& [n, k] : kinds) mix += (mix.empty() ? "" : ", ") + k + " " + Percent(n, ingest_ops);
  r += Row("halls", std::to_string(o.nodes) + " (" + halls.front().config.node_id.value + " .. " +
                        halls.back().config.node_id.value + "), " + Grouped(o.ops_per_node) + " ops each");
  r += Row("ops", Grouped(ingest_ops) + " in " + Grouped(hall_cases) + " cases; " + mix);
  r += Row("authoring time", Fixed(author_s, 1) + " s, " + std::to_string(author_threads) + " halls at a time");
  r += Row("catch-up set at the city", Grouped(o.catchup_ops) + " ops of county " + kCountyCode + " (" +
                                           std::to_string(county_clones) + " origins) + " + Grouped(other_ops) +
                                           " of county " + kNeighbourCountyCode + "; " + Grouped(city_load.cases) +
                                           " cases; loaded in " + Fixed(city_load.seconds, 1) + " s");

  std::string target_catchup = "<= " + Fixed(catchup_target_s, catchup_target_s < 10 ? 1 : 0) + " s";
  r += "\n  " + Cell("figure", 44) + Cell("measured", 22) + Cell("target", 12) + "verdict\n";
  r += figure("hub ingest, " + std::to_string(o.nodes) + " nodes pushing at once", Rate(ingest_rate) + " ops/s",
              ">= " + Rate(kTargetIngestOpsPerS), ingest_pass);
  r += figure("wire bytes per op, batched push", Fixed(push_bpo, 1), "<= " + Fixed(kTargetWireBytesPerOp, 0), push_pass);
  r += figure("wire bytes per op, catch-up pull", Fixed(pull_bpo, 1), "<= " + Fixed(kTargetWireBytesPerOp, 0), pull_pass);
  r += figure("idle sync, township node", Grouped(idle.wire()) + " bytes", "<= " + Rate(kTargetIdleSyncBytes), idle_pass);
  r += figure("idle sync, county hub (" + Grouped(catchup.origins) + " origins)", Grouped(county_idle.wire()) + " bytes",
              "<= " + Rate(kTargetIdleSyncBytes), county_idle_pass);
  r += figure("catch-up of " + Grouped(o.catchup_ops) + " ops, fresh county", Fixed(catchup.seconds, 1) + " s",
              target_catchup, catchup_pass);
  r += "  " + Cell("plain SQLite insert, same rows", 44) + Rate(base_rate) + " rows/s\n";
  r += "  " + Cell("ingest / plain SQLite", 44) + Fixed(100 * ingest_rate / base_rate, 1) + "%\n";
  r += "  " + Cell("catch-up / plain SQLite", 44) + Fixed(100 * catchup_rate / base_rate, 1) + "% (" +
       Rate(catchup_rate) + " ops/s)\n";
  if (o.catchup_ops != 1000000) r += "  (catch-up target scaled from 60 s per 1,000,000 ops)\n";

  r += "\ndetails\n";
  r += Row("ingest", Grouped(ingest.pushed) + " ops, " + Grouped(ingest.requests) + " requests in " +
                         Fixed(ingest.seconds, 3) + " s; sessions ended after " + Fixed(session_s.front(), 2) + " .. " +
                         Fixed(session_s.back(), 2) + " s (median " + Fixed(session_s[session_s.size() / 2], 2) + ")");
  r += Row("ingest at the hub", Grouped(ingest_hub_batches) + " sync requests; hub CPU " + Fixed(ingest_hub_cpu_s, 2) +
                                    " s (" + Rate(static_cast<double>(ingest.pushed) / ingest_hub_cpu_s) +
                                    " ops per CPU second); request latencies at the hub add up to " +
                                    Fixed(ingest_hub_s, 2) + " s (they overlap: waiting for the store lock counts)");
  r += Row("push bytes", Grouped(ingest.wire) + " on the wire, " + Grouped(ingest.body) + " of them bodies (" +
                             Fixed(static_cast<double>(ingest.wire - ingest.body) / static_cast<double>(ingest.requests), 0) +
                             " bytes of headers per request)");
  r += Row("catch-up pull", Grouped(pull.summary.pulled) + " ops of township " + replica.division.value.substr(0, 9) + " to " +
                                replica.node_id.value + " in " + std::to_string(pull.summary.requests) + " requests, " +
                                Fixed(pull.seconds, 2) + " s, " + Grouped(pull.wire()) + " bytes on the wire" +
                                (pull.summary.push_known > 0 ? "; it pushed back " + Grouped(pull.summary.push_known) +
                                                                   " ops the hub already had"
                                                             : ""));
  r += Row("idle sync, township node", Grouped(idle.wire_sent) + " sent + " + Grouped(idle.wire_received) + " received, " +
                                           std::to_string(idle.summary.requests) + " request; the session before it (right after the push) " +
                                           Grouped(settle.wire()) + " bytes");
  r += Row("idle sync, county hub", Grouped(county_idle.wire_sent) + " sent + " + Grouped(county_idle.wire_received) +
                                        " received, " + std::to_string(county_idle.summary.requests) +
                                        " request; its frontier and the city's receipt carry one entry per origin");
  r += Row("catch-up", "county hub answering after " + Fixed(catchup.healthy_s, 2) + " s; its relay's first session ended after " +
                           Fixed(catchup.relay_s, 1) + " s; " + std::to_string(catchup.polls) + " status polls (" +
                           Fixed(kCatchupPollS, 0) + " s apart, slowest " + Fixed(catchup.poll_max_s, 3) + " s)");
  r += Row("catch-up CPU", "county hub " + Fixed(catchup.county_cpu_s, 1) + " s (" +
                               Percent(static_cast<uint64_t>(catchup.county_cpu_s * 1000),
                                       static_cast<uint64_t>(catchup.seconds * 1000)) +
                               " of the wall time), city hub " + Fixed(catchup.city_cpu_s, 1) + " s");
  r += Row("catch-up at the city", Grouped(catchup.city.batches) + " pull requests served in " +
                                       Fixed(catchup.city.batch_seconds, 1) + " s in total (" +
                                       Percent(static_cast<uint64_t>(catchup.city.batch_seconds * 1000),
                                               static_cast<uint64_t>(catchup.seconds * 1000)) +
                                       " of the catch-up); bodies " + Fixed(catchup_body_bpo, 1) + " bytes/op");
  r += Row("digests", "county = city for " + std::string(kCountyCode) + ": " + catchup.county_digest.substr(0, 40) + "...");
  r += Row("plain SQLite", Grouped(base.rows) + " rows; median of " + std::to_string(kBaselineRuns) + " runs " +
                               Fixed(base.seconds, 3) + " s (INSERT loop " + Fixed(base.insert_s, 3) + " s, COMMIT " +
                               Fixed(base.commit_s, 3) + " s); WAL, synchronous=FULL, one transaction");
  out << r << std::flush;
  return Status::Ok();
}

}  // namespace silian::bench
