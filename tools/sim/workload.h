// The service-centre workload of a simulated run, authored only through the LedgerStore API: applicants
// come to village agents (and to township halls, county and city centres); cases are received, forwarded
// to the node of the item's exercise level, accepted or sent back for correction, reviewed, suspended,
// extended, decided (by every department for parallel items, some deciding at the city), completed,
// certified, delivered and evaluated, with fees charged, paid and refunded, negative evaluations rectified,
// withdrawals, and concurrent edits of guarded fields on two replicas whose conflicts a person resolves
// later at a hub or hall.
//
// Each case follows its own plan (drawn when it is created) but every step is taken by the replica
// responsible for the case's status as that replica sees it: a step whose replica has not received the
// case's latest ops waits for a later attempt. Authoring calls the rules refuse (status, authority, not
// yet visible) are counted, never fatal; a store error (kInternal, kDataLoss) stops the run.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "sim/network.h"
#include "sim/rng.h"
#include "sim/stats.h"
#include "domain/case_model.h"
#include "base/status.h"

namespace silian::sim {

struct WorkloadOptions {
  double cases_per_day = 0.4;  // new cases per village laptop per day (halls, counties, the city: more)
  bool verbose = false;        // print every refused authoring call on stderr
};

// What the simulator knows of one case it created.
struct CaseRecord {
  std::string case_id;
  std::string number;
  std::string division;
  size_t item = 0;      // index into the catalogue
  int creator = -1;     // replica that registered it
  int competent = -1;   // replica of the item's exercise level that accepts and decides it
  uint32_t plan = 0;    // Plan bits: what will happen to it
  uint32_t done = 0;    // Plan bits: what has happened once
  std::string hint = "draft";  // the status last seen by the replica that acted on it
  int attempts = 0;
  int64_t withdraw_hour = -1;
  bool closed = false;  // nothing more will be done
  bool denied = false;  // the decision was a denial (delivered as a letter, no certificate)
};

// A resident ID number (GB 11643, correct check character) of someone born in `region` (6 digits).
std::string ResidentId(const std::string& region, Rng& rng);

class Workload {
 public:
  // `net`, `rng` and `stats` are borrowed. `items` is the catalogue the city publishes.
  Workload(Network& net, Rng& rng, SimStats& stats, std::vector<pb::Item> items, WorkloadOptions options);

  // Registers the cases applicants bring this hour.
  void NewCases(int64_t hour);
  // Takes every step due by this hour.
  void Advance(int64_t hour);
  // People at halls and hubs resolve some of the open conflicts they see (10:00 on working days).
  void ResolveConflicts(int64_t hour);

  // A store failure (not a refusal); the run must stop when it is not OK.
  const Status& fatal() const { return fatal_; }
  const std::vector<CaseRecord>& cases() const { return cases_; }

  // Plan bits.
  enum Plan : uint32_t {
    kCorrection = 1u << 0,
    kNotAccept = 1u << 1,
    kDeny = 1u << 2,
    kSuspend = 1u << 3,
    kExtend = 1u << 4,
    kTolerant = 1u << 5,
    kWithdraw = 1u << 6,
    kGuardedEdit = 1u << 7,
    kDelegate = 1u << 8,
    kDeptConflict = 1u << 9,
    kRefund = 1u << 10,
    kNegative = 1u << 11,
    kEvaluate = 1u << 12,
    kPlainEdit = 1u << 13,
    kAcceptanceEval = 1u << 14,
    kRectified = 1u << 15,  // done only: the rectification is closed
    kCharged = 1u << 16,    // done only: the fee was charged
  };

 private:
  // ---- workload.cc: who works when, new cases, scheduling, conflicts.
  bool Working(int replica, int64_t hour) const;
  const pb::Item& PickItem(int creator);
  std::string PickDivision(int creator);
  int Competent(int creator, const pb::Item& item, const std::string& division) const;
  uint32_t DrawPlan(const pb::Item& item, int competent);
  void Create(int creator, int64_t hour);
  // The replica that takes the next step in `status` (-1: nothing more to do).
  int Responsible(const CaseRecord& c, const std::string& status) const;
  void Attempt(size_t index, int64_t hour);
  bool TryWithdraw(CaseRecord& c);
  void Schedule(size_t index, int64_t hour);
  void ResolveAt(int replica, uint64_t percent);
  // Counts one authoring call; true when it wrote an op.
  bool Done(const Status& s, const std::string& what, int actor);
  std::string Actor(int replica);

  // ---- case_steps.cc: one step of a case at replica `actor`; returns the hours until the next attempt.
  int64_t Step(CaseRecord& c, const nlohmann::json& view, const std::string& status, int actor);
  int64_t Receive(CaseRecord& c, int actor);
  int64_t FirstResponse(CaseRecord& c, const nlohmann::json& view, int actor);
  void AfterAcceptance(CaseRecord& c, const nlohmann::json& view, int actor);
  int64_t SupplyCorrection(CaseRecord& c, int actor);
  int64_t Review(CaseRecord& c, const nlohmann::json& view, const std::string& status, int actor);
  int64_t DecideDepartments(CaseRecord& c, const nlohmann::json& view, int actor);
  int64_t Complete(CaseRecord& c, const nlohmann::json& view, const std::string& status, int actor);
  int64_t IssueCertificate(CaseRecord& c, const nlohmann::json& view, int actor);
  int64_t Deliver(CaseRecord& c, int actor);
  int64_t Evaluate(CaseRecord& c, const nlohmann::json& view, int actor);
  int64_t Rectify(CaseRecord& c, const nlohmann::json& view, int actor);
  void ConcurrentEdit(CaseRecord& c, const nlohmann::json& view);
  // Act() at `actor`, counted; true when it wrote an op.
  bool ActOn(CaseRecord& c, int actor, sync::Action action, const std::string& reason,
             const std::vector<std::pair<std::string, std::string>>& details = {});
  std::string Today(int replica, int plus_days);

  Network& net_;
  Rng& rng_;
  SimStats& stats_;
  std::vector<pb::Item> items_;
  std::vector<size_t> by_level_[4];  // item indexes by exercise level rank
  WorkloadOptions options_;
  std::vector<std::vector<std::string>> villages_of_;  // by replica index: village divisions in its area
  std::vector<CaseRecord> cases_;
  std::priority_queue<std::pair<int64_t, size_t>, std::vector<std::pair<int64_t, size_t>>, std::greater<>> due_;
  Status fatal_;
};

}  // namespace silian::sim
