// The review steps of a case (the item's ItemTerms.steps: preliminary review, review, approval) and the
// subsidies paid on it: facts the competent organ records, each checked in fold order against the item
// terms in force, the case's status and the author's authority. A fact that breaks a rule is kept in the
// log, listed under "refused" with the rule, and not applied. Internal to the projection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "silian.pb.h"
#include "domain/case_model.h"
#include "domain/internal/fold.h"

namespace silian::sync::fold {

struct StepRecord {
  std::string op, step, outcome, opinion, actor;  // actor: the reviewer
  uint64_t ms;
};

struct ReviewFacts {
  std::vector<StepRecord> records;  // applied, fold order
  size_t next = 0;                  // index in ItemTerms.steps of the step pending now (== size: all passed)
};

struct Subsidy {
  std::string op, name, bank_transfer, note, actor;
  int64_t amount_fen;
  uint64_t ms;
};

class ReviewReducer {
 public:
  // A review step op `i` on a case in `status`. Ignored for an outcome other than "pass" and "return";
  // refused without authority (FactRefusal "review-step"), when the terms have no steps, when the case is
  // not accepted or in review, or when the step is not the pending one (steps are taken in order). "pass"
  // makes the next step pending; "return" makes the step before it pending again (the first stays pending).
  void ApplyStep(const CaseOps& ops, size_t i, const std::optional<pb::ItemTerms>& terms, CaseStatus status,
                 Refusals& refusals, History& h);
  // A subsidy op `i`: refused without authority (FactRefusal "subsidy") or unless the case is approved
  // (decided_approved, decided_approved_tolerance, completed, certificate_issued or delivered, and no
  // department denied: decided_denied cases are refused).
  void ApplySubsidy(const CaseOps& ops, size_t i, const std::optional<pb::ItemTerms>& terms, CaseStatus status,
                    bool denied, Refusals& refusals, History& h);

  const ReviewFacts& review() const { return review_; }
  const std::vector<Subsidy>& subsidies() const { return subsidies_; }

 private:
  ReviewFacts review_;
  std::vector<Subsidy> subsidies_;
};

}  // namespace silian::sync::fold
