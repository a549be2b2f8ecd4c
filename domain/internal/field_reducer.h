// The case's fields (case_model.h): guarded fields are multi-value registers, plain fields last-writer
// registers (merge.h). Written by the creation op, fields ops and resolutions of field conflicts. Internal
// to the projection.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/internal/fold.h"
#include "domain/merge.h"

namespace silian::sync::fold {

// The state of one field at the end of the fold.
struct FieldFact {
  std::string name;
  std::string value;  // the value shown: the winner, or the provisional value of a conflict
  size_t op;          // the op that wrote it
  // A guarded field in conflict: the unsuperseded writes (more than one value among them), sorted by op id.
  std::vector<merge::Write<std::string>> candidates;
  bool conflict() const { return !candidates.empty(); }
};

class FieldReducer {
 public:
  // The creation op `i` writes every field.
  void ApplyCreated(const CaseOps& ops, size_t i);
  // A fields op: each known field is written; an unknown one is listed under "ignored_fields".
  void ApplyFieldsSet(const CaseOps& ops, size_t i, History& h);
  // A resolution `i` of the conflict on `field`: writes `value` when given, else the value op `keep` wrote
  // there. Ignored (and recorded so in `h`) when the field is not guarded or there is nothing to write.
  void Resolve(size_t i, const std::string& field, const std::optional<std::string>& value,
               std::optional<size_t> keep, History& h);

  // Every written field, in AllFieldNames() order.
  std::vector<FieldFact> Facts(const CaseOps& ops) const;
  // The current value of a plain field ("" when never written).
  std::string Plain(const std::string& name) const;

 private:
  std::map<std::string, merge::MultiValue<std::string>> guarded_;
  std::map<std::string, merge::LastWriter<std::string>> plain_;
};

}  // namespace silian::sync::fold
