// The simulated network: every replica of the four levels in one process, each a real LedgerStore on a
// throwaway SQLite file (durable=false) with its own ManualWallClock, and, for hubs, a real SyncService.
//
// Topology (docs/simulator.md): the city hub (division 152200000000, scope 1522); county hubs 1522CC
// (CC = 01, 02, ...); township halls 1522CCTTT spread round-robin over the counties; village points
// 1522CCTTTVVV spread round-robin over the townships, each with one laptop (device "01") and some with a
// second one (device "02"). Every county registers its townships and laptops as peers; the city registers
// every node, so any node can fail over to it.
//
// Time: one global virtual clock. A replica's wall clock reads global time plus its own skew, but only
// when the simulator ticks it (Tick, SetAll): nothing reads real time.
// Not thread-safe (the simulator is single-threaded).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/hlc.h"
#include "base/ids.h"
#include "base/status.h"
#include "domain/store.h"
#include "ledger/access.h"
#include "net/service.h"

namespace silian::sim {

// The shape of the network to build. Validate() before use.
struct Topology {
  int counties = 13;
  int townships = 56;
  int villages = 746;       // village points
  int second_laptops = 29;  // village points with a second laptop (device "02")

  // kInvalidArgument naming the flag and the value: counties 1..99, townships 1..(999 per county),
  // villages 0..(999 per township), second laptops 0..villages.
  Status Validate() const;
};

struct NodeSpec {
  sync::NodeConfig config;
  int county = -1;    // replica index of the node's county hub (counties: itself; city: -1)
  int township = -1;  // replica index of the node's township hall (townships: itself; villages: theirs)
};

struct Replica {
  NodeSpec spec;
  std::string path;
  sync::ManualWallClock wall{0};
  int64_t skew_ms = 0;  // wall = global time + skew (never below 0)
  std::unique_ptr<sync::LedgerStore> store;
  // The one simulated thread reaches the ledger directly; the service and relay sessions use this access.
  std::unique_ptr<sync::DirectAccess> access;
  std::unique_ptr<sync::SyncService> service;  // hubs only

  const std::string& id() const { return spec.config.node_id.value; }
  sync::Level level() const { return spec.config.level; }
  bool is_hub() const { return level() == sync::Level::kCounty || level() == sync::Level::kCity; }
  bool is_laptop() const { return level() == sync::Level::kVillage; }
  // The key a client's ledger records this hub's cursor and receipts under (a URL in production).
  std::string hub_key() const { return "sim://" + id(); }
};

class Network {
 public:
  // Creates every ledger in `dir` (which must exist) and registers the peers. Replica 0 is the city, then
  // the counties, the townships, the laptops. Clocks start at `start_ms`, all skews 0.
  static Result<std::unique_ptr<Network>> Create(const Topology& topology, const std::string& dir, uint64_t start_ms);
  ~Network();

  size_t size() const { return replicas_.size(); }
  Replica& at(size_t i) { return *replicas_[i]; }
  sync::LedgerStore& store(size_t i) { return *replicas_[i]->store; }
  static constexpr int kCity = 0;
  const std::vector<int>& counties() const { return counties_; }
  const std::vector<int>& townships() const { return townships_; }
  const std::vector<int>& laptops() const { return laptops_; }
  // The laptops of each village point (one or two), by point.
  const std::vector<std::vector<int>>& points() const { return points_; }
  // The 12-digit division of every village point, by point.
  const std::vector<std::string>& village_divisions() const { return village_divisions_; }

  // The replica index of the county hub / township hall whose area holds `division` (-1 when none).
  int CountyFor(const std::string& division) const;
  int TownshipFor(const std::string& division) const;

  uint64_t now_ms() const { return now_ms_; }
  // Moves global time to `ms` (never backwards), starts the hour there, and ticks every replica.
  void SetAll(uint64_t ms);
  // Moves global time forward by `ms` without ticking anyone, but not past the end of the hour SetAll
  // started: however many events an hour holds, their times stay within it.
  void Advance(uint64_t ms) { now_ms_ = now_ms_ + ms < hour_end_ms_ ? now_ms_ + ms : hour_end_ms_; }
  // Sets replica i's wall clock from global time and its skew.
  void Tick(size_t i);

  // A crash and restart: destroys the replica's service and store (whatever was not committed is lost)
  // and opens the ledger file again. kInternal naming the replica when it cannot be reopened.
  Status Restart(size_t i);
  // Destroys every service and store (the files stay).
  void CloseAll();
  // Each county hub registers its township halls and village laptops (publishing their registrations).
  // Called once every county holds its own registration from the city (after its first sync with it).
  // Errors: kInternal naming the hub and the node.
  Status RegisterCountyNodes();

 private:
  Network() = default;
  Status AddReplica(const NodeSpec& spec, const std::string& dir);
  Status RegisterPeers();


  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<int> counties_, townships_, laptops_;
  std::vector<std::vector<int>> points_;
  std::vector<std::string> village_divisions_;
  std::map<std::string, int> county_by_scope_, township_by_scope_;
  uint64_t now_ms_ = 0;
  uint64_t hour_end_ms_ = 0;
};

// The options every simulated ledger is opened with: not durable, on the replica's manual clock.
sync::LedgerStore::Options StoreOptions(Replica& replica);

}  // namespace silian::sim
