#include "domain/view.h"

#include "domain/enums.h"

namespace silian::sync {
namespace {

using nlohmann::json;

std::string StringAt(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A count of copies: a whole number 0..UINT32_MAX, however the JSON holds it (parsed text gives unsigned
// numbers, a view built in code may give signed ones).
std::optional<uint32_t> Copies(const json& j) {
  if (!j.is_number_integer()) return std::nullopt;
  if (j.is_number_unsigned()) {
    if (j.get<uint64_t>() > UINT32_MAX) return std::nullopt;
  } else if (j.get<int64_t>() < 0 || j.get<int64_t>() > int64_t{UINT32_MAX}) {
    return std::nullopt;
  }
  return j.get<uint32_t>();
}

}  // namespace

std::vector<ReceivedMaterial> ViewMaterials(const json& view) {
  std::vector<ReceivedMaterial> out;
  if (!view.is_object()) return out;
  auto materials = view.find("materials");
  if (materials == view.end() || !materials->is_array()) return out;
  for (const json& m : *materials) {
    ReceivedMaterial r;
    if (m.is_object() && m.contains("name") && m["name"].is_string() && m.contains("copies")) {
      auto copies = Copies(m["copies"]);
      if (!copies) continue;
      r = {StringAt(m, "name"), *copies, StringAt(m, "op"), StringAt(m, "actor"), StringAt(m, "time")};
    } else if (m.is_array() && m.size() >= 4 && m[0].is_string() && m[1].is_string() && m[3].is_string()) {
      auto copies = Copies(m[2]);
      if (!copies) continue;
      r = {m[1].get<std::string>(), *copies, m[0].get<std::string>(), m[3].get<std::string>(), ""};
    } else {
      continue;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<std::string> ViewFieldValue(const json& view, std::string_view field) {
  if (!view.is_object()) return std::nullopt;
  auto fields = view.find("fields");
  if (fields == view.end() || !fields->is_object()) return std::nullopt;
  auto f = fields->find(field);
  if (f == fields->end() || !f->is_object()) return std::nullopt;
  auto value = f->find("value");
  if (value == f->end() || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::string ViewApplicantIdType(const json& view) {
  return ViewFieldValue(view, "applicant_id_type").value_or("resident_id");
}

bool IsNegativeRating(std::string_view rating) {
  auto parsed = ParseRating(rating);
  return parsed.ok() && IsNegativeRating(*parsed);
}

}  // namespace silian::sync
