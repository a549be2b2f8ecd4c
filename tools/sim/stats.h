// What one simulated run counts, and the acknowledgements it must find at the city in the end.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace silian::sim {

struct SimStats {
  uint64_t replicas = 0;
  uint64_t cases_created = 0;
  uint64_t ops_authored = 0;                          // every op a LedgerStore authoring call wrote
  std::map<std::string, uint64_t> authored;           // by call: "create", "act:accept", "fee", ...
  std::map<std::string, uint64_t> refused;            // authoring calls the rules refused, by reason
  uint64_t step_waits = 0;                            // case steps put off: the replica had not caught up
  uint64_t sessions = 0;                              // SyncClient sessions started
  uint64_t sessions_failed = 0;                       // ... that ended with an error
  uint64_t requests = 0;                              // requests handed to a transport
  uint64_t ops_pushed = 0, ops_pulled = 0;            // new ops stored by sessions (hub side / client side)
  uint64_t failovers = 0;                             // sessions with the city because the county was down
  uint64_t bundles = 0, bundle_ops = 0;               // USB bundles imported and the new ops they stored
  std::map<std::string, uint64_t> faults;             // faults injected, by kind
  uint64_t conflicts_resolved = 0;
  uint64_t open_conflicts_at_end = 0;                 // at the city, after settling
  uint64_t settle_rounds = 0;
  bool settled = false;
  std::string city_digest;                            // the city's digest line after settling
  std::map<std::string, uint64_t> final_status;       // cases at the city by status, after settling
  nlohmann::json city_report;                         // figures of the city's report total, after settling

  void Fault(const std::string& kind) { ++faults[kind]; }
  // The summary without wall-clock figures (they are added by the caller).
  nlohmann::json ToJson() const;
};

// The highest seq of each origin that some hub acknowledged to a client in a receipt, and which hub.
struct Acknowledgements {
  struct Ack {
    uint64_t seq = 0;
    std::string hub;
  };
  std::map<std::string, Ack> by_origin;

  void Record(const std::string& origin, uint64_t seq, const std::string& hub) {
    Ack& a = by_origin[origin];
    if (seq > a.seq) a = Ack{seq, hub};
  }
};

// Broken invariants, as found during the run (integrity of imports, hub refusals) or at the end.
// docs/simulator.md numbers them; the first reported is the one with the lowest number.
struct Violation {
  int invariant = 0;
  std::string name;    // "digest", "acknowledged", ...
  std::string detail;  // names the replica, the op or the value
};

class Violations {
 public:
  void Add(int invariant, std::string name, std::string detail) {
    list_.push_back(Violation{invariant, std::move(name), std::move(detail)});
  }
  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  // The violation of the lowest invariant number (the earliest found among equals). REQUIRES: !empty().
  const Violation& First() const {
    const Violation* best = &list_.front();
    for (const auto& v : list_)
      if (v.invariant < best->invariant) best = &v;
    return *best;
  }

 private:
  std::vector<Violation> list_;
};

}  // namespace silian::sim
