// The faults of a simulated run: which links are down (a county hub offline for days, a village laptop
// for weeks, the city for hours), skewed node clocks (up to +-3 days), crashes of idle nodes, and the fault
// drawn for each request (dropped, reply lost, duplicated, a hub or client crash mid-session). Every draw
// comes from the run's one Rng, so a seed replays the same faults. With faults disabled nothing is drawn
// from the Rng here and every link is up. The fault scale multiplies every chance (not the durations).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/network.h"
#include "sim/rng.h"
#include "sim/stats.h"

namespace silian::sim {

inline constexpr int64_t kHourMs = 3600 * 1000;
inline constexpr int64_t kDayMs = 24 * kHourMs;
inline constexpr int64_t kMaxSkewMs = 3 * kDayMs;

enum class RequestFault {
  kNone,
  kDropped,            // the request never reaches the hub
  kReplyLost,          // the hub handles it; the reply is lost
  kDuplicated,         // the hub receives it twice
  kHubCrashAfter,      // the hub handles it, then crashes and restarts; the reply is lost
  kHubCrashMidImport,  // the hub crashes while applying its push, before committing; restarts
  kClientCrash,        // the client crashes while applying the reply (rolled back); restarts after the session
};
const char* RequestFaultName(RequestFault fault);

class Faults {
 public:
  // `net`, `rng` and `stats` are borrowed. REQUIRES: 0 < scale <= 10.
  Faults(Network& net, Rng& rng, SimStats& stats, bool enabled, double scale);

  // Whether faults are being drawn: enabled for the run, started, and not healed yet.
  bool enabled() const { return enabled_ && started_ && !healed_; }
  // Begins drawing faults (the network is set up without them).
  void Start() { started_ = true; }
  void set_hour(int64_t hour) { hour_ = hour; }

  // Once per simulated day: partitions begin, clocks jump or are corrected, idle nodes crash and restart.
  // kInternal when a restart fails.
  Status StartOfDay();

  // Whether replica i is cut off now (a hub: nobody reaches it and it reaches nobody; a node: offline).
  bool Down(int i) const { return down_until_hour_[static_cast<size_t>(i)] > hour_; }
  // Whether `client` can reach `hub` now.
  bool LinkUp(int client, int hub) const { return !Down(client) && !Down(hub); }

  // The fault of one request.
  RequestFault Draw();
  // Whether an old request to the hub is delivered again before this one (reordering).
  bool DrawReplay();
  // Batch sizes for one session: small ones make sessions of many requests, so cuts land mid-session.
  uint32_t DrawBatchEntries(uint32_t normal);

  // Ends every partition, sets every clock right, and stops drawing faults.
  void HealAll();

 private:
  // True with probability per_million / 10^6 times the scale (at most 1).
  bool Chance(uint64_t per_million);
  void StartPartitions();
  void MoveClocks();
  Status CrashIdleNodes();

  Network& net_;
  Rng& rng_;
  SimStats& stats_;
  bool enabled_;
  double scale_;
  bool started_ = false;
  bool healed_ = false;
  int64_t hour_ = 0;
  std::vector<int64_t> down_until_hour_;
};

}  // namespace silian::sim
