// `silian-bench relay`: county hubs relaying to one city at once (issue 13, item 8).
//
// A city `silian-hub` serves on loopback. `counties` county hubs (13 in the seed's city) are made with the
// city as their parent, each registered at the city with its key; each holds the ops of one township hall
// of its own (`ops_per_county`, authored as `silian-bench sync` authors a hall's, and imported into the
// county's ledger before it starts). Then every county hub is started, one right after the other, and each
// one's relay pushes its ops to the city in its first session. Printed: each relay's first session time
// (from its hub's start to the end of that session, by the hub's own /v1/status) as p50/p99/max, the
// time until the city held every op, and the city's peak resident memory (VmHWM) against 256 MiB.
// Checked (an error, not a figure): the city holds every county's ops at the end.
// The 64 nodes syncing at once at one county are `silian-bench sync --nodes 64` (its report prints the
// sessions' p50/p99 and the hub's peak memory).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "base/status.h"

namespace silian::bench {

struct RelayBenchOptions {
  uint64_t seed = 20260105;
  int counties = 13;
  uint64_t ops_per_county = 5000;
  std::string hub_bin;
  std::string dir;
  bool keep = false;
  bool json = false;
};

void ApplyRelaySmoke(RelayBenchOptions& options);

// kInvalidArgument for bad options or a missing hub; kInternal when a hub, a relay or the store fails, or
// the city lacks ops at the end.
Status RunRelay(const RelayBenchOptions& options, std::ostream& out, std::ostream& err);

}  // namespace silian::bench
