#include "bench/bench_sync.h"
#include "bench/sync_run.h"

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
#include "console/node_keys.h"
#include "http/curl_transport.h"
#include "domain/store.h"
#include "launch/child_process.h"
#include "launch/hub_process.h"
#include "ledger/chain.h"
#include "net/client.h"

namespace silian::bench {
namespace {

using launch::HubProcess;
using nlohmann::json;

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
constexpr const char* kCityHubId = "city-1522";
constexpr const char* kCountyHubId = "county-152222";
constexpr int kMaxNodes = 64;
constexpr uint64_t kCloneTownships = 400;  // township codes 101..500 for clones, then the next device number
constexpr uint64_t kMaxClones = kCloneTownships * 99;
// Origins of the county at the city (issue 13: the county's idle sync with 1,000 origins): each cloned
// stream is cut to catchup_ops / kCountyOrigins ops, so the count holds whatever --ops-per-node is.
constexpr uint64_t kCountyOrigins = 1000;
constexpr int kImportBatchEntries = 5000;
constexpr uint64_t kImportCommitOps = 100000;
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

// Township hall i of the county: township code 101 + i.
sync::NodeConfig HallConfig(int i) {
  std::string township = std::string(kCountyCode) + Pad(static_cast<uint64_t>(101 + i), 3);
  return {sync::NodeId{"th-" + township}, sync::Level::kTownship, sync::DivisionCode{township + "000"}, "01"};
}

// Authors every hall's workload on non-durable ledgers, `threads` halls at a time.
Status AuthorHalls(std::vector<Hall>& halls, const std::string& dir, const SyncBenchOptions& o, int threads,
                   const Progress& progress, const std::string& county_db) {
  halls.resize(static_cast<size_t>(o.nodes));
  std::vector<Status> results(halls.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  // The halls' ledgers, then the county's catalogue and registrations in each, before anyone authors.
  std::vector<sync::LedgerStore*> stores;
  for (size_t i = 0; i < halls.size(); ++i) {
    Hall& h = halls[i];
    h.config = HallConfig(static_cast<int>(i));
    h.wall = std::make_unique<sync::ManualWallClock>(0);
    sync::LedgerStore::Options so;
    so.durable = false;
    so.wall = h.wall.get();
    SILIAN_ASSIGN_OR_RETURN(h.store, sync::LedgerStore::Create(dir + "/" + h.config.node_id.value + ".db", h.config, so));
    stores.push_back(h.store.get());
  }
  {
    SILIAN_ASSIGN_OR_RETURN(auto county, sync::LedgerStore::Open(county_db, sync::LedgerStore::Options()));
    SILIAN_RETURN_IF_ERROR(PublishCatalogue(*county, stores));
  }
  auto work = [&] {
    for (size_t i = next++; i < halls.size(); i = next++) {
      Hall& h = halls[i];
      results[i] = [&]() -> Status {
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

// Options as `silian-node sync` sets them: the hub's replies verified with the registry's keys.
sync::SyncOptions VerifyingOptions() {
  sync::SyncOptions options;
  options.node_keys = console::RegistryKeyLookup();
  return options;
}

// One session over a fresh transport, as `silian-node sync` runs one.
Result<Session> SyncOnce(sync::LedgerStore& store, const std::string& url) {
  SILIAN_ASSIGN_OR_RETURN(auto transport, sync::CurlTransport::Create(url));
  sync::SyncClient client(store.ledger(), *transport, url, VerifyingOptions());
  auto t0 = Clock::now();
  SILIAN_ASSIGN_OR_RETURN(sync::SyncSummary summary, client.SyncOnce());
  Session s;
  s.seconds = SecondsSince(t0);
  s.summary = std::move(summary);
  s.wire_sent = transport->wire_bytes_sent();
  s.wire_received = transport->wire_bytes_received();
  return s;
}

// Every hall pushes at once, each on its own thread with its own transport and client. A session that
// fails with kUnavailable (the hub is busy: 503) runs again after 0.5 to 1.5 s, as a node's first backoff;
// the pushed counts add up over a hall's sessions.
Result<Ingest> PushConcurrently(std::vector<Hall>& halls, const std::string& url) {
  const size_t n = halls.size();
  std::vector<std::unique_ptr<sync::CurlTransport>> transports;
  for (size_t i = 0; i < n; ++i) {
    SILIAN_ASSIGN_OR_RETURN(auto t, sync::CurlTransport::Create(url));
    transports.push_back(std::move(t));
  }
  std::vector<Result<sync::SyncSummary>> results(n, Result<sync::SyncSummary>(Internal("did not run")));
  std::vector<Clock::time_point> ended(n);
  std::vector<uint64_t> retries(n, 0);
  std::vector<std::string> retry_reason(n);
  std::latch ready(static_cast<std::ptrdiff_t>(n));
  std::latch go(1);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      sync::SyncClient client(halls[i].store->ledger(), *transports[i], url, VerifyingOptions());
      ready.count_down();
      go.wait();
      Rng jitter(NodeSeed(0, static_cast<int>(i)));
      for (;;) {
        results[i] = client.SyncOnce();
        if (results[i].ok() || results[i].status().code() != StatusCode::kUnavailable || retries[i] >= 100) break;
        if (retry_reason[i].empty()) retry_reason[i] = results[i].status().message();
        ++retries[i];
        std::this_thread::sleep_for(std::chrono::milliseconds(500 + jitter.Below(1000)));
      }
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
    in.requests += s.summary.requests;
    in.wire += s.wire();
    in.body += s.body();
    in.retries += retries[i];
    if (in.first_retry_reason.empty()) in.first_retry_reason = retry_reason[i];
    // After retries the last session pushed only what the earlier ones had not stored; the hub's op count,
    // checked after the pushes, covers every hall.
    if (retries[i] == 0 && s.summary.pushed != halls[i].report.ops)
      return Internal(halls[i].config.node_id.value + " pushed " + std::to_string(s.summary.pushed) + " new ops of its " +
                      std::to_string(halls[i].report.ops));
    in.pushed += halls[i].report.ops;
    in.sessions.push_back(std::move(s));
  }
  return in;
}

// ---------------------------------------------------------------------------------------------- hub metrics

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
    if (e.has_skip()) return Status::Ok();  // the county's registrations of other halls
    pb::Op op;
    if (!e.has_op() || !op.ParseFromString(e.op())) return Internal("hall " + t.origin + " exported an entry that is not an op");
    if (op.case_id().empty()) return Status::Ok();  // the county's catalogue and registrations
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
Result<std::vector<Clone>> PlanClones(const std::vector<Template>& templates, const std::string& county, uint64_t ops,
                                      uint64_t max_per_clone) {
  std::vector<Clone> out;
  uint64_t left = ops;
  uint64_t k = 0;
  while (left > 0) {
    for (const Template& t : templates) {
      if (left == 0) break;
      if (k >= kMaxClones)
        return InvalidArgument("the catch-up set needs more than " + std::to_string(kMaxClones) +
                               " cloned hall streams; raise --ops-per-node or lower --catchup-ops");
      uint64_t n = std::min<uint64_t>({left, t.ops.size(), max_per_clone});
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

// A clone's signing key, derived from its origin: each clone signs its heads as a real hall would.
sync::SigningKey CloneKey(const Clone& c) {
  return sync::SigningKey::FromSeed(sync::ChainHash(sync::ZeroHash(), "silian-bench clone key\n" + c.origin));
}

// The city registers every clone as a township hall with its key, so every replica verifies its heads.
Status RegisterClones(sync::LedgerStore& city, const std::vector<Clone>& clones) {
  for (const Clone& c : clones) {
    sync::Peer peer;
    peer.node_id = sync::NodeId{c.origin};
    peer.level = sync::Level::kTownship;
    peer.division = sync::DivisionCode{c.division};
    const std::string device = c.origin.substr(c.origin.size() - 2);
    SILIAN_RETURN_IF_ERROR(city.RegisterNode(peer, device, "silian-bench", CloneKey(c).public_key()).status());
  }
  return Status::Ok();
}

// Each clone's chain as its ops are loaded, and the head it signs at its last op of each batch.
class CloneHeads {
 public:
  explicit CloneHeads(const std::vector<Clone>& clones) : hashes_(clones.size(), sync::ZeroHash()) {
    for (const Clone& c : clones) keys_.push_back(CloneKey(c));
  }
  void Added(size_t clone, uint64_t seq, const std::string& bytes) {
    hashes_[clone] = sync::ChainHash(hashes_[clone], bytes);
    last_in_batch_[clone] = seq;
  }
  void Sign(const std::vector<Clone>& clones, pb::Batch& batch) {
    for (const auto& [clone, seq] : last_in_batch_) {
      pb::SignedHead* head = batch.add_heads();
      head->set_origin(clones[clone].origin);
      head->set_seq(seq);
      head->set_hash(hashes_[clone]);
      head->set_signature(keys_[clone].Sign(sync::SignedHeadMessage(head->origin(), seq, head->hash())));
    }
    last_in_batch_.clear();
  }

 private:
  std::vector<std::string> hashes_;
  std::vector<sync::SigningKey> keys_;
  std::map<size_t, uint64_t> last_in_batch_;
};

// Imports every clone's ops into the city ledger in HLC order, kImportCommitOps per transaction, each batch
// with the heads its clones sign.
Result<CityLoad> LoadCity(const std::string& city_db, const std::vector<Clone>& clones, const Progress& progress) {
  const auto t0 = Clock::now();
  sync::LedgerStore::Options so;
  so.durable = false;  // set-up, not measured
  SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Open(city_db, so));
  SILIAN_RETURN_IF_ERROR(RegisterClones(*store, clones));
  CloneHeads signer(clones);
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
    signer.Sign(clones, batch);
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
    signer.Added(i, scratch.seq(), bytes);
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

// `probe` (of `county`) runs from the county's start until it has caught up.
Result<Catchup> RunCatchup(HubProcess& county, const HubProcess& city, uint64_t expected, HubProbe& probe,
                           const Progress& progress) {
  Catchup c;
  SILIAN_ASSIGN_OR_RETURN(HubMetrics city_before, GetMetrics(city));
  SILIAN_ASSIGN_OR_RETURN(double city_cpu_before, city.CpuSeconds());
  const uint64_t wall_start_ms = sync::SystemWallClock().NowMs();
  const auto t0 = Clock::now();
  SILIAN_RETURN_IF_ERROR(county.Start({"--sync-interval", "3600"}));
  c.healthy_s = SecondsSince(t0);
  probe.Start();
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
      c.probe = probe.Stop();
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

// ---------------------------------------------------------------------------------------------- the run

}  // namespace

Result<std::string> SyncRun::Hub(const std::vector<std::string>& args) const {
  return RunHubCommand(hub_bin, args, dir + "/hub-commands.log");
}

namespace {

Status CheckOptions(const SyncBenchOptions& o) {
  if (o.nodes < 1 || o.nodes > kMaxNodes) return InvalidArgument("--nodes must be 1 to " + std::to_string(kMaxNodes));
  if (o.ops_per_node < 1) return InvalidArgument("--ops-per-node must be at least 1");
  if (o.catchup_ops < 1) return InvalidArgument("--catchup-ops must be at least 1");
  if (!o.dir.empty() && !std::filesystem::is_directory(o.dir))
    return InvalidArgument("--dir " + Quote(o.dir) + " is not a directory");
  return Status::Ok();
}

Status StopHub(HubProcess& hub, const std::string& name) {
  const int code = hub.Stop().code;
  if (code == 0) return Status::Ok();
  return Internal("the " + name + " exited with code " + std::to_string(code) + " on SIGTERM: " + hub.LogTail(600));
}

// 1. Every hall's workload.
Status AuthorStage(const SyncBenchOptions& o, const Progress& progress, SyncRun& r) {
  progress("[1/6] authoring " + Grouped(o.ops_per_node) + " ops in each of " + std::to_string(o.nodes) +
           " township halls (non-durable ledgers, " + std::to_string(r.author_threads) + " at a time)");
  auto t_author = Clock::now();
  SILIAN_RETURN_IF_ERROR(r.Hub({"--db", r.ingest_db, "init", "--node-id", kCountyHubId, "--level", "county",
                                "--division", kCountyDivision}).status());
  SILIAN_RETURN_IF_ERROR(AuthorHalls(r.halls, r.dir, o, r.author_threads, progress, r.ingest_db));
  r.author_s = SecondsSince(t_author);
  for (const auto& h : r.halls) {
    r.ingest_ops += h.report.ops;
    r.hall_cases += h.report.cases;
    for (const auto& [k, n] : h.report.ops_by_kind) r.ops_by_kind[k] += n;
  }
  progress("      done in " + Fixed(r.author_s, 1) + " s: " + Grouped(r.ingest_ops) + " ops, " +
           Grouped(r.hall_cases) + " cases");
  return Status::Ok();
}

// 2. The county hub, its registry, and the pushes; 3. catch-up pull of one township, and an idle sync.
Status IngestStage(const SyncBenchOptions& o, const Progress& progress, SyncRun& r) {
  r.replica = sync::NodeConfig{sync::NodeId{r.halls[0].config.node_id.value + "-r"}, sync::Level::kTownship,
                               r.halls[0].config.division, "02"};
  progress("[2/6] county hub: init, " + std::to_string(o.nodes + 1) + " nodes registered, serve; " +
           std::to_string(o.nodes) + " halls push at once");
  std::vector<sync::NodeConfig> nodes;
  for (const auto& h : r.halls) nodes.push_back(h.config);
  for (const auto& n : nodes)
    SILIAN_RETURN_IF_ERROR(r.Hub({"--db", r.ingest_db, "node", "add", n.node_id.value, "--level", "township",
                                  "--division", n.division.value}).status());
  // The fresh replica of step 3 signs its requests: its key is registered before the hub serves.
  const sync::SigningKey replica_key = sync::SigningKey::Generate();
  SILIAN_RETURN_IF_ERROR(r.Hub({"--db", r.ingest_db, "node", "add", r.replica.node_id.value, "--level", "township",
                                "--division", r.replica.division.value, "--public-key",
                                sync::ToBase64(replica_key.public_key())}).status());
  // A reader beside the pushes: its node registered before the hub serves.
  SILIAN_ASSIGN_OR_RETURN(auto prober, MakeProber(r.hub_bin, r.ingest_db, r.dir, kCountyCode, "ingest"));
  HubProcess county(r.hub_bin, "county hub (ingest)", r.ingest_db, r.dir + "/county-ingest.log");
  SILIAN_RETURN_IF_ERROR(county.Start({}));
  HubProbe probe(county, prober.get());
  SILIAN_ASSIGN_OR_RETURN(json status_before, county.StatusJson());
  // The hub's own ops: its registrations and the catalogue it published (AuthorHalls).
  const uint64_t hub_own = status_before.value("op_count", uint64_t{0});
  SILIAN_ASSIGN_OR_RETURN(r.ingest_before, GetMetrics(county));
  SILIAN_ASSIGN_OR_RETURN(double cpu_before, county.CpuSeconds());
  probe.Start();
  SILIAN_ASSIGN_OR_RETURN(r.ingest, PushConcurrently(r.halls, county.url()));
  r.ingest_probe = probe.Stop();
  SILIAN_ASSIGN_OR_RETURN(r.ingest_peak_rss, PeakResidentBytes(county.pid()));
  SILIAN_ASSIGN_OR_RETURN(double cpu_after, county.CpuSeconds());
  r.ingest_hub_cpu_s = cpu_after - cpu_before;
  SILIAN_ASSIGN_OR_RETURN(r.ingest_after, GetMetrics(county));
  SILIAN_ASSIGN_OR_RETURN(json status, county.StatusJson());
  if (status.value("op_count", uint64_t{0}) != hub_own + r.ingest_ops)
    return Internal("the county hub holds " + status.value("op_count", json()).dump() +
                    " ops after the pushes, expected " + std::to_string(hub_own + r.ingest_ops));
  progress("      " + Grouped(r.ingest.pushed) + " ops in " + Fixed(r.ingest.seconds, 2) + " s: " +
           Rate(static_cast<double>(r.ingest.pushed) / r.ingest.seconds) + " ops/s");

  const Hall& first = r.halls[0];
  progress("[3/6] a fresh replica of " + first.config.node_id.value + "'s township pulls its area; idle sync of " +
           first.config.node_id.value);
  {
    sync::LedgerStore::Options so;
    so.durable = false;
    so.signing_key = replica_key;
    SILIAN_ASSIGN_OR_RETURN(auto store,
                            sync::LedgerStore::Create(r.dir + "/" + r.replica.node_id.value + ".db", r.replica, so));
    SILIAN_ASSIGN_OR_RETURN(r.pull, SyncOnce(*store, county.url()));
  }
  // Its area's case ops, and the county's catalogue and registrations besides.
  if (r.pull.summary.pulled < first.report.ops)
    return Internal("the fresh replica pulled " + std::to_string(r.pull.summary.pulled) + " ops, expected at least " +
                    std::to_string(first.report.ops));
  // The halls authored on the workload's calendar; a hall's clock is right when it syncs (a clock that is
  // off costs every request a stale refusal and a second try, docs/protocol.md).
  first.wall->Set(std::max(first.wall->NowMs(), sync::SystemWallClock().NowMs()));
  SILIAN_ASSIGN_OR_RETURN(r.settle, SyncOnce(*first.store, county.url()));
  SILIAN_ASSIGN_OR_RETURN(r.idle, SyncOnce(*first.store, county.url()));
  if (r.idle.summary.pushed + r.idle.summary.pulled + r.idle.summary.push_known != 0)
    return Internal("the idle sync moved ops: pushed " + std::to_string(r.idle.summary.pushed) + ", pulled " +
                    std::to_string(r.idle.summary.pulled));
  // A "changed" probe: the restarted hub has forgotten the township's state, so the probe is answered
  // "changed" and the full session follows at once (the cost of a probe that does not save the session).
  SILIAN_RETURN_IF_ERROR(StopHub(county, "county hub"));
  SILIAN_RETURN_IF_ERROR(county.Start({}));
  SILIAN_ASSIGN_OR_RETURN(r.changed, SyncOnce(*first.store, county.url()));
  return StopHub(county, "county hub");
}

// 4. Plain-SQLite baseline of the ingested rows.
Status BaselineStage(const Progress& progress, SyncRun& r) {
  progress("[4/6] plain SQLite baseline: the ingested rows into a fresh file, " + std::to_string(kBaselineRuns) +
           " runs");
  std::vector<BaselineFigures> baselines;
  SILIAN_ASSIGN_OR_RETURN(std::vector<OpRow> rows, ReadOpRows(r.ingest_db));
  for (int run = 1; run <= kBaselineRuns; ++run) {
    SILIAN_ASSIGN_OR_RETURN(BaselineFigures b, RunBaseline(r.dir + "/baseline-" + std::to_string(run) + ".db", rows));
    baselines.push_back(b);
  }
  std::sort(baselines.begin(), baselines.end(), [](const auto& a, const auto& b) { return a.seconds < b.seconds; });
  r.base = baselines[baselines.size() / 2];
  progress("      " + Rate(static_cast<double>(r.base.rows) / r.base.seconds) + " rows/s (median)");
  return Status::Ok();
}

// 5. The city ledger with the catch-up set, then the city hub started.
Status CityStage(const SyncBenchOptions& o, const Progress& progress, HubProcess& city, SyncRun& r) {
  r.other_ops = o.catchup_ops / 10;
  progress("[5/6] city hub: " + Grouped(o.catchup_ops) + " ops of county " + kCountyCode + " and " +
           Grouped(r.other_ops) + " of county " + kNeighbourCountyCode +
           ", cloned from the halls' streams and imported in HLC order");
  std::vector<Template> templates;
  for (auto& h : r.halls) {
    SILIAN_ASSIGN_OR_RETURN(Template t, ReadTemplate(h));
    templates.push_back(std::move(t));
    h.store.reset();
  }
  const uint64_t per_clone = std::max<uint64_t>(1, (o.catchup_ops + kCountyOrigins - 1) / kCountyOrigins);
  SILIAN_ASSIGN_OR_RETURN(std::vector<Clone> clones, PlanClones(templates, kCountyCode, o.catchup_ops, per_clone));
  r.county_clones = clones.size();
  if (r.other_ops > 0) {
    SILIAN_ASSIGN_OR_RETURN(std::vector<Clone> more,
                            PlanClones(templates, kNeighbourCountyCode, r.other_ops, per_clone));
    clones.insert(clones.end(), more.begin(), more.end());
  }
  SILIAN_RETURN_IF_ERROR(r.Hub({"--db", r.city_db, "init", "--node-id", kCityHubId, "--level", "city", "--division",
                                kCityDivision}).status());
  SILIAN_ASSIGN_OR_RETURN(r.city_load, LoadCity(r.city_db, clones, progress));
  progress("      done in " + Fixed(r.city_load.seconds, 1) + " s: " + Grouped(r.city_load.ops) + " ops, " +
           Grouped(r.city_load.cases) + " cases, " + std::to_string(clones.size()) + " origins");
  SILIAN_RETURN_IF_ERROR(r.Hub({"--db", r.city_db, "node", "add", kCountyHubId, "--level", "county", "--division",
                                kCountyDivision}).status());
  return city.Start({});
}

// 6. A fresh county hub catches up from the city; then its next, idle, session.
Status CatchupStage(const SyncBenchOptions& o, const Progress& progress, HubProcess& city, SyncRun& r) {
  progress("[6/6] a fresh county hub with the city as parent catches up " + Grouped(o.catchup_ops) + " ops");
  SILIAN_RETURN_IF_ERROR(r.Hub({"--db", r.county_db, "init", "--node-id", kCountyHubId, "--level", "county",
                                "--division", kCountyDivision, "--parent", city.url()}).status());
  // The county signs its relay requests: the city registers the key the county made at init.
  SILIAN_ASSIGN_OR_RETURN(std::string identity, r.Hub({"--db", r.county_db, "--json", "identity"}));
  const json county_id = json::parse(identity, nullptr, false);
  if (!county_id.is_object() || !county_id.contains("public_key"))
    return Internal("silian-hub identity printed no public key: " + Quote(identity.substr(0, 200)));
  SILIAN_RETURN_IF_ERROR(r.Hub({"--db", r.city_db, "node", "add", kCountyHubId, "--level", "county", "--division",
                                kCountyDivision, "--public-key", county_id["public_key"].get<std::string>()})
                             .status());
  // A reader beside the catch-up: its node registered at the county before it serves (the county relays
  // that registration to the city, so the digests below still cover the same ops).
  SILIAN_ASSIGN_OR_RETURN(auto prober, MakeProber(r.hub_bin, r.county_db, r.dir, kCountyCode, "catchup"));
  HubProcess county(r.hub_bin, "county hub (catch-up)", r.county_db, r.dir + "/county.log");
  HubProbe probe(county, prober.get());
  SILIAN_ASSIGN_OR_RETURN(r.catchup, RunCatchup(county, city, o.catchup_ops, probe, progress));
  r.catchup_probe = r.catchup.probe;
  SILIAN_ASSIGN_OR_RETURN(r.catchup_peak_rss, PeakResidentBytes(county.pid()));
  SILIAN_ASSIGN_OR_RETURN(r.city_peak_rss, PeakResidentBytes(city.pid()));
  progress("      " + Grouped(r.catchup.ops) + " ops in " + Fixed(r.catchup.seconds, 1) + " s; comparing digests");
  // The county may still be relaying the prober's registration up to the city: compare for up to 10 s.
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    SILIAN_ASSIGN_OR_RETURN(std::string city_digest, r.Hub({"--db", r.city_db, "digest", "--scope", kCountyCode}));
    SILIAN_ASSIGN_OR_RETURN(std::string county_digest, r.Hub({"--db", r.county_db, "digest"}));
    r.catchup.city_digest = Trim(city_digest);
    r.catchup.county_digest = Trim(county_digest);
    if (r.catchup.city_digest == r.catchup.county_digest) break;
  }
  if (r.catchup.city_digest != r.catchup.county_digest)
    return Internal("after the catch-up the county's digest " + Quote(r.catchup.county_digest) +
                    " differs from the city's for its area " + Quote(r.catchup.city_digest));
  // The catch-up set, and the city's root registration and its registration of the county besides (the
  // digests above compared the whole area).
  if (r.catchup.ops < o.catchup_ops)
    return Internal("the county holds " + std::to_string(r.catchup.ops) + " ops, expected at least " +
                    std::to_string(o.catchup_ops));
  SILIAN_RETURN_IF_ERROR(StopHub(county, "county hub"));
  // The county's next upstream session, nothing new either way: the same ledger and pull state, in-process.
  {
    SILIAN_ASSIGN_OR_RETURN(auto store, sync::LedgerStore::Open(r.county_db, sync::LedgerStore::Options()));
    SILIAN_ASSIGN_OR_RETURN(r.county_idle, SyncOnce(*store, city.url()));
  }
  if (r.county_idle.summary.pushed + r.county_idle.summary.pulled != 0)
    return Internal("the county's idle sync moved ops: pushed " + std::to_string(r.county_idle.summary.pushed) +
                    ", pulled " + std::to_string(r.county_idle.summary.pulled));
  return StopHub(city, "city hub");
}

}  // namespace

Status RunSync(const SyncBenchOptions& o, std::ostream& out, std::ostream& err) {
  SILIAN_RETURN_IF_ERROR(CheckOptions(o));
  SyncRun r;
  SILIAN_ASSIGN_OR_RETURN(r.hub_bin, LocateHubBinary(o.hub_bin));
  ScratchDir scratch;
  SILIAN_RETURN_IF_ERROR(scratch.Make(o.dir, o.dir.empty() && !o.keep));
  r.dir = scratch.path();
  r.fs = FileSystemName(r.dir);
  r.removed_at_end = scratch.removed_at_end();
  r.city_db = r.dir + "/city.db";
  r.ingest_db = r.dir + "/county-ingest.db";
  r.county_db = r.dir + "/county.db";
  Progress progress = [&](const std::string& line) { err << "silian-bench: " << line << "\n" << std::flush; };
  r.author_threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 2);
  progress("seed " + std::to_string(o.seed) + ", scratch " + r.dir + " (" + r.fs + "), hub " + r.hub_bin);
  if (r.fs == "tmpfs") progress("warning: the scratch directory is on tmpfs, where fsync costs nothing");

  SILIAN_RETURN_IF_ERROR(AuthorStage(o, progress, r));
  SILIAN_RETURN_IF_ERROR(IngestStage(o, progress, r));
  SILIAN_RETURN_IF_ERROR(BaselineStage(progress, r));
  HubProcess city(r.hub_bin, "city hub", r.city_db, r.dir + "/city.log");
  SILIAN_RETURN_IF_ERROR(CityStage(o, progress, city, r));
  SILIAN_RETURN_IF_ERROR(CatchupStage(o, progress, city, r));

  const SyncFigures f = Derive(r);
  if (o.json) {
    out << SyncJson(o, r, f).dump(2) << "\n";
  } else {
    out << SyncText(o, r, f);
  }
  out << std::flush;
  return Status::Ok();
}

}  // namespace silian::bench
