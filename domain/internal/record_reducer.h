// Materials received and notes: append-only facts of a case that never conflict. Internal to the
// projection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/internal/fold.h"

namespace silian::sync::fold {

struct MaterialRecord {
  std::string op;
  std::string name;
  uint32_t copies;
  std::string actor;
  uint64_t hlc;
};

struct NoteRecord {
  std::string op;
  std::string text;
  std::string actor;
  uint64_t hlc;
};

struct RecordFacts {
  std::vector<MaterialRecord> materials;  // fold order
  std::vector<NoteRecord> notes;          // fold order
};

class RecordReducer {
 public:
  void ApplyMaterial(const CaseOps& ops, size_t i, History& h);
  void ApplyNote(const CaseOps& ops, size_t i, History& h);
  RecordFacts TakeFacts() { return std::move(facts_); }

 private:
  RecordFacts facts_;
};

}  // namespace silian::sync::fold
