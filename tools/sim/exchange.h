// How simulated replicas exchange ops: SyncClient sessions over the simulated wire (a node with its
// county hub or, on failover, the city; a county hub relaying to the city as hub/relay.cc does), and USB
// bundles between a village laptop and its township hall (bundle export --for / bundle import, as
// node/exchange.cc does, in memory). Faults: sessions cut, duplicated and reordered by the wire; bundles
// truncated (the import must fail and change nothing), imports crashed before commit, and an old bundle
// imported again after newer ones.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sim/faults.h"
#include "sim/network.h"
#include "sim/rng.h"
#include "sim/stats.h"
#include "sim/transport.h"
#include "domain/store.h"

namespace silian::sim {

class Exchanges {
 public:
  // All references are borrowed.
  Exchanges(Network& net, Wire& wire, Faults& faults, Rng& rng, SimStats& stats, Violations& violations);

  struct SessionResult {
    bool ok = false;     // the session completed
    uint64_t moved = 0;  // new ops stored on either side
  };
  // One session of replica `client` with hub `hub`. A client that crashed during it is restarted after it.
  // Errors: kInternal only (a replica could not restart): the run cannot go on.
  Result<SessionResult> Sync(int client, int hub);

  // Carries a USB stick from `from` to `to`: a bundle of what `to` lacks by its frontier, imported at `to`.
  // Returns the new ops stored. Errors: kInternal only.
  Result<uint64_t> CarryBundle(int from, int to);

 private:
  Result<std::string> WriteBundle(int from, int to);
  // Imports `bytes` at `to`, checking that a failed import changed nothing and that no op equivocates.
  Result<sync::ImportStats> ImportBundle(int to, const std::string& bytes, const std::string& what);
  Status CrashMidImport(int to, const std::string& bytes);
  void CheckWarnings(const std::string& where, const std::vector<std::string>& warnings);

  Network& net_;
  Wire& wire_;
  Faults& faults_;
  Rng& rng_;
  SimStats& stats_;
  Violations& violations_;
  std::map<int, std::string> last_bundle_;  // by receiving replica: the stick it was last given
};

}  // namespace silian::sim
