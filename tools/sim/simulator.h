// silian-sim's run of one seed: builds a fresh network in a scratch directory, publishes the catalogue at
// the city, runs the workload and the faults hour by hour over the simulated days, heals every fault,
// syncs until the network settles, and checks the invariants (invariants.h; 0 = it did not settle).
//
// Determinism: everything random comes from one Rng seeded with the seed, and all time is the virtual
// clock, so the same options and seed give the same run and the same summary apart from the wall-clock
// figures (SummaryJson puts those under "wall" alone).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "sim/network.h"
#include "sim/stats.h"
#include "base/status.h"

namespace silian::sim {

struct SimOptions {
  uint64_t seed = 1;
  uint64_t seed_count = 1;  // seeds seed .. seed + seed_count - 1, each on a fresh network
  Topology topology;
  int days = 90;
  bool faults = true;
  double fault_scale = 1;
  std::string fault_scale_text = "1";  // as given, for the replay command
  double cases_per_day = 0.4;
  std::string cases_per_day_text = "0.4";  // as given, for the replay command
  std::string catalog;                     // the catalogue file the city publishes
  bool catalog_given = false;
  std::string calendar;  // an overlay calendar the first county publishes ("" = none)
  bool calendar_given = false;
  std::string dir;  // parent of the scratch directory ("" = /dev/shm when writable, else the temp dir)
  bool keep = false;
  int settle_rounds = 12;
  bool json = false;
  bool progress = true;
  bool verbose = false;
  std::string program = "silian-sim";

  // Loaded from `catalog` and `calendar` once for all seeds.
  std::vector<pb::Item> items;
  std::optional<pb::Calendar> overlay;
};

// Reads the catalogue and the overlay calendar into `options`. kInvalidArgument naming the file.
Status LoadReference(SimOptions& options);

struct RunResult {
  uint64_t seed = 0;
  SimStats stats;
  Violations violations;
  Status error;  // the run could not be carried out (a store failed); counts as a failure
  double wall_seconds = 0;
  std::string scratch;  // the scratch directory when kept

  bool passed() const { return error.ok() && violations.empty(); }
};

// Runs one seed. Progress lines (one per simulated week) go to `progress` when options.progress.
RunResult RunSeed(const SimOptions& options, uint64_t seed, std::ostream& progress);

// The command line that replays `seed` alone with the same options.
std::string ReplayCommand(const SimOptions& options, uint64_t seed);
// The summary of one run: every count, the faults by kind, the verdict, the replay command; wall-clock
// figures only under "wall".
nlohmann::json SummaryJson(const SimOptions& options, const RunResult& run);
// The same for people: several lines, ending with the verdict (and the replay command on failure).
std::string SummaryText(const SimOptions& options, const RunResult& run);

}  // namespace silian::sim
