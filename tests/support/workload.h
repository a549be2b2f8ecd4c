// The random workload of the merge property and crash tests: origins authoring concurrent ops on shared
// cases, with partial exchanges; and the pieces of it that other random tests reuse.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/case_model.h"
#include "domain/store.h"
#include "support/ledger.h"
#include "support/seeds.h"

namespace silian::test {

// Values drawn from small pools so that concurrent writes sometimes agree and sometimes clash.
const std::vector<std::string>& NamePool();
const std::vector<std::string>& ItemPool();

// The cases of `s` that can be written to: a case whose creation op has not arrived yet (its other ops
// came first) cannot.
std::vector<sync::CaseSummary> WritableCases(sync::LedgerStore& s);

// The open conflicts of `s` that can be resolved there: a conflict on a case whose creation op has not
// arrived cannot.
std::vector<nlohmann::json> ResolvableConflicts(sync::LedgerStore& s);

// One of `allowed` (REQUIRES: not empty), favouring the forward path so that cases reach decisions, where
// concurrent actions clash: any action with probability `any_percent`, else one that does not end the case.
sync::Action PickAction(const std::vector<sync::Action>& allowed, Rng& rng, uint64_t any_percent);

class Workload {
 public:
  struct Counts {
    int created = 0, fields = 0, guarded = 0, transitions = 0, notes = 0, materials = 0, resolutions = 0;
    int exchanges = 0;
  };

  // `rng` and `replicas` are borrowed; every replica must be in the same village division.
  Workload(Rng& rng, std::vector<Replica*> replicas) : rng_(rng), replicas_(std::move(replicas)) {}

  // One random step: an authoring op on a random origin (after moving its wall clock, sometimes back),
  // or a partial exchange between two origins.
  void Step();

  // Exchanges until every replica holds everything: all to the first, then the first to all. REQUIREs
  // that no import warns or finds an equivocation.
  void FullExchange();

  const Counts& counts() const { return counts_; }

 private:
  void MoveClock(Replica& r);
  void Create(Replica& r);
  void Transition(Replica& r, const std::string& case_id, const std::string& actor);
  void Resolve(Replica& r, const std::string& actor);
  void PartialExchange();

  Rng& rng_;
  std::vector<Replica*> replicas_;
  Counts counts_;
};

}  // namespace silian::test
