// Readers of a case view (the JSON of sync::CaseProjection::view). The projection writes the view in two
// shapes: with history (what LedgerStore::ShowCase returns) and as the stored summary (what
// LedgerStore::ForEachCaseView walks), which keeps materials and notes as compact arrays. Code that reads a
// view reads these parts through the functions here, so that it accepts both shapes and one place knows
// them. All functions are pure and thread-safe; a missing or malformed part reads as absent, never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace silian::sync {

// One material handed in (a material_received op).
struct ReceivedMaterial {
  std::string name;
  uint32_t copies = 0;
  std::string op;     // the op id, "origin:seq"
  std::string actor;
  std::string time;   // ISO 8601 UTC; empty in the stored summary, which does not keep it
};

// The view's "materials" in either shape: objects {"name", "copies", "op", "actor", "time"} (with
// history) or arrays [op, name, copies, actor] (the stored summary). In fold order. Entries of neither
// shape are skipped.
std::vector<ReceivedMaterial> ViewMaterials(const nlohmann::json& view);

// The value of field `field` ("fields"/<field>/"value"), or nullopt when the case has no such field.
std::optional<std::string> ViewFieldValue(const nlohmann::json& view, std::string_view field);

// The applicant ID type in force: field "applicant_id_type", else "resident_id" (what a case is registered
// with when none is given).
std::string ViewApplicantIdType(const nlohmann::json& view);

// Whether an evaluation's rating is negative ("dissatisfied" or "very_dissatisfied"): a negative
// evaluation opens a rectification and counts in the report's negative evaluations.
bool IsNegativeRating(std::string_view rating);

}  // namespace silian::sync
