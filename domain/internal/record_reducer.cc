#include "domain/internal/record_reducer.h"

namespace silian::sync::fold {

void RecordReducer::ApplyMaterial(const CaseOps& ops, size_t i, History& h) {
  const auto& m = ops.op(i).material_received();
  facts_.materials.push_back({ops.id_text(i), m.name(), m.copies(), ops.actor(i), ops.op(i).hlc()});
  h.Set("material", m.name());
  h.Set("copies", m.copies());
}

void RecordReducer::ApplyNote(const CaseOps& ops, size_t i, History& h) {
  const auto& text = ops.op(i).note_added().text();
  facts_.notes.push_back({ops.id_text(i), text, ops.actor(i), ops.op(i).hlc()});
  h.Set("text", text);
}

}  // namespace silian::sync::fold
