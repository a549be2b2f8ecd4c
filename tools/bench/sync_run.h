// What one `silian-bench sync` run measures, shared by the run (bench_sync.cc) and its report
// (bench_sync_report.cc). Private to silian-bench.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_sync.h"
#include "bench/bench_util.h"
#include "bench/hub_probe.h"
#include "bench/workload.h"
#include "base/hlc.h"
#include "domain/store.h"
#include "net/client.h"

namespace silian::bench {

inline constexpr const char* kNeighbourCountyCode = "152221";  // 科尔沁右翼前旗, the city's other county here
inline constexpr int kBaselineRuns = 3;
inline constexpr double kCatchupPollS = 1.0;

struct Hall {
  sync::NodeConfig config;
  std::unique_ptr<sync::ManualWallClock> wall;
  std::unique_ptr<sync::LedgerStore> store;
  HallWorkloadReport report;
};

struct Session {
  sync::SyncSummary summary;
  uint64_t wire_sent = 0;
  uint64_t wire_received = 0;
  double seconds = 0;
  uint64_t wire() const { return wire_sent + wire_received; }
  uint64_t body() const { return summary.body_bytes_sent + summary.body_bytes_received; }
};

struct Ingest {
  std::vector<Session> sessions;
  double seconds = 0;  // common start .. the last session ended
  uint64_t pushed = 0;
  uint64_t requests = 0;
  uint64_t wire = 0;
  uint64_t body = 0;
  uint64_t retries = 0;  // sessions that failed with kUnavailable (a hub that is busy) and were run again
  std::string first_retry_reason;
};

struct HubMetrics {
  uint64_t bytes_in = 0;   // sync request bodies
  uint64_t bytes_out = 0;  // sync reply bodies
  double batch_seconds = 0;
  uint64_t batches = 0;
};

struct CityLoad {
  uint64_t ops = 0;
  uint64_t origins = 0;
  uint64_t cases = 0;
  uint64_t transactions = 0;
  double clone_s = 0;   // parsing, rewriting, serializing
  double import_s = 0;  // Import::Add and Commit
  double seconds = 0;
};

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
  ProbeFigures probe;        // readers of the county hub while it caught up
  std::string city_digest;
  std::string county_digest;
};

// Everything one `silian-bench sync` run measured, stage by stage.
struct SyncRun {
  std::string dir, fs, hub_bin;
  bool removed_at_end = false;
  int author_threads = 1;
  // 1. authoring
  std::vector<Hall> halls;
  uint64_t ingest_ops = 0, hall_cases = 0;
  std::map<std::string, uint64_t> ops_by_kind;
  double author_s = 0;
  // 2. ingest and 3. pull
  sync::NodeConfig replica;
  std::string ingest_db;
  Ingest ingest;
  HubMetrics ingest_before, ingest_after;
  double ingest_hub_cpu_s = 0;
  Session pull, settle, idle;
  Session changed;  // the township's session after the hub restarted: a "changed" probe, then the full session
  // 4. baseline
  BaselineFigures base;
  // 5. city and 6. catch-up
  uint64_t other_ops = 0;
  size_t county_clones = 0;
  CityLoad city_load;
  std::string city_db, county_db;
  Catchup catchup;
  Session county_idle;
  // Readers during the load (GET /v1/status, a small pull) and the hubs' peak resident memory (VmHWM).
  ProbeFigures ingest_probe, catchup_probe;
  uint64_t ingest_peak_rss = 0, catchup_peak_rss = 0, city_peak_rss = 0;

  // Runs `silian-hub ARGS...` to completion (bench_sync.cc); its stdout when it exits 0.
  Result<std::string> Hub(const std::vector<std::string>& args) const;
};

// The figures computed from a run, and their verdicts.
struct SyncFigures {
  double ingest_rate = 0, base_rate = 0, push_bpo = 0, pull_bpo = 0, catchup_rate = 0;
  double ingest_ratio = 0, catchup_ratio = 0;  // of the plain-SQLite insert rate: what the targets judge
  double catchup_body_bpo = 0, ingest_hub_s = 0;
  uint64_t ingest_hub_batches = 0;
  // The trust path's share of ingest (issue 10: ingest with signatures >= 80% of without). Measured here:
  // one Ed25519 verification and one chain hash of a 512-byte op (above a typical op); counted: the hub checks one
  // request signature and at most one signed head per push request, and walks each pushed op's chain once
  // more to check the head.
  double verify_us = 0, chain_hash_us = 0, trust_s = 0, trust_share = 0;
  bool trust_pass = false;
  bool ingest_pass = false, push_pass = false, pull_pass = false, idle_pass = false, county_idle_pass = false;
  bool catchup_pass = false;
  std::vector<double> session_s;  // sorted
  std::string build;
};

SyncFigures Derive(const SyncRun& r);
// The report, as JSON (--json) and as text.
nlohmann::json SyncJson(const SyncBenchOptions& o, const SyncRun& r, const SyncFigures& f);
std::string SyncText(const SyncBenchOptions& o, const SyncRun& r, const SyncFigures& f);

}  // namespace silian::bench
