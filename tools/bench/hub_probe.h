// A reader's view of a hub under load (issue 13, items 1 and 7): while the benchmark loads a hub (ingest,
// catch-up), a probe thread asks it GET /v1/status and runs a small pull (one session of a registered
// prober node whose area holds nothing, so each session is a pull that brings next to nothing), one after
// the other with a pause between, and records how long each took. The hub's peak resident memory comes
// from the kernel (VmHWM in /proc/PID/status): the highest it has been since the process started.
// Private to silian-bench. Start/Stop from one thread; the probe runs on its own.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "bench/bench_util.h"
#include "domain/store.h"
#include "launch/hub_process.h"

namespace silian::bench {

// The hub's peak resident set (VmHWM) in bytes. kInternal when /proc/PID/status cannot be read.
Result<uint64_t> PeakResidentBytes(pid_t pid);

struct ProbeFigures {
  std::vector<double> status_ms;  // each GET /v1/status that answered
  std::vector<double> pull_ms;    // each small pull session that succeeded
  std::vector<double> round_trip_ms;  // each HTTP round trip of those sessions (what the hub gives a reader)
  uint64_t errors = 0;            // probes that failed (counted, not timed)
  std::string first_error;
  Latencies status() const { return Summarize(status_ms); }
  Latencies pull() const { return Summarize(pull_ms); }
};

// A prober node for `hub_db`: its own non-durable ledger in `dir` (file "probe-NAME.db", `name` telling
// the probers of one run apart), in a township of county `county` that
// holds no ops of the benchmark (code 900), registered with its key in the hub's ledger by
// `silian-hub node add` (run `hub_bin`). REQUIRES: the hub is not serving yet.
Result<std::unique_ptr<sync::LedgerStore>> MakeProber(const std::string& hub_bin, const std::string& hub_db,
                                                      const std::string& dir, const std::string& county,
                                                      const std::string& name);

class HubProbe {
 public:
  // `prober` may be null: then only /v1/status is probed. Both are borrowed and must outlive Stop().
  HubProbe(const launch::HubProcess& hub, sync::LedgerStore* prober) : hub_(hub), prober_(prober) {}
  ~HubProbe() { Stop(); }
  HubProbe(const HubProbe&) = delete;
  HubProbe& operator=(const HubProbe&) = delete;

  // Starts probing, every `pause_ms` after the previous probe ended. REQUIRES: the hub serves.
  void Start(int pause_ms = 100);
  // Stops and returns what it saw (empty when never started).
  ProbeFigures Stop();

 private:
  void Loop(int pause_ms);

  const launch::HubProcess& hub_;
  sync::LedgerStore* prober_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  ProbeFigures figures_;
};

// "p50 12 ms, p99 340 ms, max 900 ms (123 probes)" or "no answer" for a row of the report.
std::string LatencyText(const std::vector<double>& ms);

}  // namespace silian::bench
