// The byzantine fault: one village laptop, chosen by the seed, that works honestly through the day like
// every other, and on some days also sends its county hub (or the city) a request written by hand from
// schema/silian.proto, as the attacks of issue 9 did: a skip of another laptop's ops with an empty scope,
// a skip or an op at seq 2^64-1, an op on another village's case under its own division, a catalogue item
// and a calendar under the city hub's origin with version 4294967295. A hub must refuse every one with a
// 4xx reply and change nothing it stores (its op count, pending count and frontier are compared before
// and after); anything else is a violation of invariant 10 (hostile). The honest replicas' invariants
// (1-9) must hold all the same.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "silian.pb.h"
#include "sim/network.h"
#include "sim/rng.h"
#include "sim/stats.h"
#include "sim/workload.h"

namespace silian::sim {

class Byzantine {
 public:
  // All references are borrowed. With `enabled` false nothing is drawn from `rng` and nothing is sent.
  Byzantine(Network& net, Rng& rng, SimStats& stats, Violations& violations, const Workload& workload,
            const std::vector<pb::Item>& items, bool enabled);

  // The replica index of the byzantine laptop (-1 when disabled or the network has fewer than two laptops).
  int node() const { return node_; }
  // Once a simulated day: maybe one attack (one request) to the laptop's county hub, or the city when the
  // county is `down`. kInternal only when a ledger cannot be read.
  Status Day(bool county_down);

 private:
  struct Snapshot {
    uint64_t ops = 0, pending = 0;
    std::string frontier;
  };
  Result<Snapshot> Take(int hub);
  // The attacks: each fills the request's push; "" when this network gives it nothing to aim at.
  std::string SkipForOtherLaptop(int hub, pb::SyncRequest& req);
  std::string HugeSeq(int hub, pb::SyncRequest& req);
  std::string ForeignCase(int hub, pb::SyncRequest& req);
  std::string ForgedReference(int hub, pb::SyncRequest& req);
  // Signed heads (docs/protocol.md, "Signatures"): one of the laptop's own ops changed under its original
  // head; a reference op under the city's origin with a head the laptop signed with its own key.
  std::string ChangedOwnOp(int hub, pb::SyncRequest& req);
  std::string SignedUnderCityOrigin(int hub, pb::SyncRequest& req);
  pb::Op OwnOp(int hub, uint64_t seq);
  int Victim(int hub);
  // The seq `origin` has at the attacked hub, from its frontier read once per attack (held_).
  uint64_t HeldSeq(const std::string& origin);

  Network& net_;
  Rng& rng_;
  SimStats& stats_;
  Violations& violations_;
  const Workload& workload_;
  const std::vector<pb::Item>& items_;
  int node_ = -1;
  std::map<std::string, uint64_t> held_;  // the attacked hub's frontier, by origin
  std::map<std::string, std::string> held_hash_;  // and its chain hashes
};

}  // namespace silian::sim
