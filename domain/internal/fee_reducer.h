// Fees recorded on a case: append-only facts that never conflict, summed by kind. Internal to the
// projection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/enums.h"
#include "domain/internal/fold.h"

namespace silian::sync::fold {

struct FeeEntry {
  std::string op;
  FeeKind kind;
  std::string name;
  int64_t amount_fen;
  std::string actor;
  uint64_t ms;
  std::string bank_receipt;  // "" when not given
  std::string reason;        // "" when not given
};

struct FeeFacts {
  int64_t charged_fen = 0;
  int64_t paid_fen = 0;
  int64_t refunded_fen = 0;
  std::vector<FeeEntry> entries;  // fold order
};

class FeeReducer {
 public:
  // A fee op `i`: added to its kind's sum and listed. A kind unknown to this version is ignored.
  void Apply(const CaseOps& ops, size_t i, History& h);
  FeeFacts TakeFacts() { return std::move(facts_); }

 private:
  FeeFacts facts_;
};

}  // namespace silian::sync::fold
