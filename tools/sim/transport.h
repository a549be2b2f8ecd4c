// The in-process wire between simulated replicas. A SimTransport carries one SyncClient session's
// requests to the target hub's real SyncService::Handle with the header the hub's HTTP layer would pass
// ("Silian node=<id>", as CurlTransport sends it), and applies the request's fault: dropped, reply lost,
// duplicated, an old request of any client delivered again after newer ones, the hub crashing after
// handling it or while applying its push, the client crashing while applying the reply.
//
// Every receipt in a reply that reaches the client is recorded in the run's Acknowledgements: those ops
// must be at the city once the network settles. A hub never refuses a well-formed request of a node it
// registered: any reply but 200 is recorded as a violation of invariant 7 (integrity).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sim/faults.h"
#include "sim/network.h"
#include "sim/rng.h"
#include "sim/stats.h"
#include "net/client.h"

namespace silian::sim {

// What the wire holds between sessions: requests still "in flight" that may arrive again later.
class Wire {
 public:
  // All references are borrowed.
  Wire(Network& net, Faults& faults, Rng& rng, SimStats& stats, Acknowledgements& acks, Violations& violations);

  // Hands `body` signed with `authorization` (its Authorization header) to hub `hub`'s service, at the hub's current clock.
  sync::SyncOutcome Deliver(int hub, const std::string& authorization, const std::string& body);
  // Maybe keeps a request for a later replay (bounded per hub).
  void Keep(int hub, const std::string& authorization, const std::string& body);
  // Maybe delivers a kept request to `hub` again, its reply going nowhere.
  void MaybeReplay(int hub);
  // Records the receipt of a 200 reply that reached a client.
  void RecordReceipt(const std::string& reply_body);
  // Forgets every kept request (the network is healed).
  void Clear();

  Network& net() { return net_; }
  Faults& faults() { return faults_; }
  SimStats& stats() { return stats_; }

 private:
  struct Stale {
    std::string authorization;
    std::string body;
  };
  Network& net_;
  Faults& faults_;
  Rng& rng_;
  SimStats& stats_;
  Acknowledgements& acks_;
  Violations& violations_;
  std::vector<std::deque<Stale>> stale_;  // by hub replica index
};

// Thrown out of SimTransport::Post when the client crashes mid-session: it unwinds through SyncClient as
// a killed process would stop it, skipping the cleanup a cut session does (uncommitted imports roll back
// with their destructors, as a crash rolls them back), and is caught by the simulator, which restarts
// the client's ledger. Not an error type: nothing else throws it.
struct ClientCrashed {};

class SimTransport final : public sync::Transport {
 public:
  SimTransport(Wire& wire, int client, int hub) : wire_(wire), client_(client), hub_(hub) {}

  Result<Reply> Post(const std::string& path, const std::string& body, const std::string& authorization) override;

  // A restart failed (kInternal): the run cannot go on.
  const Status& fatal() const { return fatal_; }

 private:
  Result<Reply> CrashHubMidImport(const std::string& body);
  void CrashClientWhileApplying(const std::string& reply_body);

  Wire& wire_;
  int client_;
  int hub_;
  Status fatal_;
};

}  // namespace silian::sim
