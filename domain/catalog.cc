#include "domain/catalog.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/message_keys.h"
#include "base/text.h"
#include "domain/json_input.h"

namespace silian::sync {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 3> kUnits = {"working_days", "natural_days", "hours"};
constexpr std::array<std::string_view, 2> kForms = {"original", "copy"};
constexpr std::array<std::string_view, 3> kSteps = {"preliminary_review", "review", "approval"};

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& names, std::string_view value) {
  return std::find(names.begin(), names.end(), value) != names.end();
}

template <size_t N>
std::string List(const std::array<std::string_view, N>& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string ValueText(const json& j) {
  std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

// Number of code points, or -1 when `s` is not valid UTF-8 or holds a control character.
int64_t TextChars(std::string_view s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size();) {
    int32_t cp = NextCodePoint(s, &i);
    if (cp < 0 || IsUnsafeForTerminal(static_cast<char32_t>(cp))) return -1;  // base/text.h: controls, C1, bidi
    ++n;
  }
  return n;
}

std::string_view Trim(std::string_view s) {
  static constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  for (;;) {
    if (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
      s.remove_prefix(1);
    } else if (s.starts_with(kIdeographicSpace)) {
      s.remove_prefix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
      s.remove_suffix(1);
    } else if (s.ends_with(kIdeographicSpace)) {
      s.remove_suffix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  return s;
}

bool IsBlank(std::string_view s) { return Trim(s).empty(); }

// The node and exercise levels (base/ids.h), lowest first: "village, township, county, city".
std::string LevelList() {
  std::string out;
  for (Level l : {Level::kVillage, Level::kTownship, Level::kCounty, Level::kCity})
    out += std::string(out.empty() ? "" : ", ") + LevelName(l);
  return out;
}

// ---- Content rules shared by the file and protobuf paths ----

// A text field: 1..max_chars characters of plain text (CheckPlainText, domain/json_input.h), not only spaces.
Status CheckText(const std::string& where, const std::string& path, std::string_view value, size_t max_chars) {
  SILIAN_RETURN_IF_ERROR(CheckPlainText(where + " " + path, value));
  int64_t n = TextChars(value);
  if (n < 0) {
    return InvalidArgument(where + " " + path + " " + Quote(value) +
                           " must be valid UTF-8 without control characters");
  }
  if (n == 0 || IsBlank(value) || static_cast<size_t>(n) > max_chars) {
    return InvalidArgument(where + " " + path + " " + Quote(value) + " must be 1 to " + std::to_string(max_chars) +
                           " characters, not blank (it has " + std::to_string(n) + ")");
  }
  return Status::Ok();
}

bool ValidCode(std::string_view code) {
  if (code.empty() || code.size() > kMaxItemCodeChars) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

Status CheckCode(const std::string& where, std::string_view code) {
  if (ValidCode(code)) return Status::Ok();
  return InvalidArgument(where + " code " + Quote(code) + " must be 1 to " + std::to_string(kMaxItemCodeChars) +
                         " characters of A-Z a-z 0-9 _ . -");
}

std::string LimitText(const pb::Limit& limit) { return std::to_string(limit.value()) + " " + limit.unit(); }

Status CheckLimits(const std::string& where, const pb::Item& item) {
  const pb::Limit& legal = item.legal_limit();
  const pb::Limit& promised = item.promised_limit();
  if (!OneOf(kUnits, legal.unit())) {
    return InvalidArgument(where + " legal_limit.unit " + Quote(legal.unit()) + " is not one of: " + List(kUnits));
  }
  if (!OneOf(kUnits, promised.unit())) {
    return InvalidArgument(where + " promised_limit.unit " + Quote(promised.unit()) +
                           " is not one of: " + List(kUnits));
  }
  if (legal.value() < 1 || legal.value() > kMaxLimitValue) {
    return InvalidArgument(where + " legal_limit.value " + std::to_string(legal.value()) + " must be 1 to " +
                           std::to_string(kMaxLimitValue));
  }
  if (promised.value() > kMaxLimitValue) {
    return InvalidArgument(where + " promised_limit.value " + std::to_string(promised.value()) +
                           " must be 0 to " + std::to_string(kMaxLimitValue));
  }
  if (item.instant()) {
    if (promised.value() != 0 && promised.unit() != "hours") {
      return InvalidArgument(where + " promised_limit " + LimitText(promised) +
                             " of an instant item must be 0 or counted in hours");
    }
  } else if (promised.value() == 0) {
    return InvalidArgument(where + " promised_limit.value 0 is allowed only for an instant item; must be 1 to " +
                           std::to_string(kMaxLimitValue));
  }
  if (legal.unit() == promised.unit() && promised.value() > legal.value()) {
    return InvalidArgument(where + " promised_limit " + LimitText(promised) + " exceeds legal_limit " +
                           LimitText(legal));
  }
  return Status::Ok();
}

// Every rule but the code's, with `where` already naming the item.
Status CheckItemContent(const std::string& where, const pb::Item& item) {
  SILIAN_RETURN_IF_ERROR(CheckText(where, "name", item.name(), kMaxItemNameChars));
  if (LevelRank(item.exercise_level()) < 0) {
    return InvalidArgument(where + " exercise_level " + Quote(item.exercise_level()) +
                           " is not one of: " + LevelList());
  }
  SILIAN_RETURN_IF_ERROR(CheckLimits(where, item));
  SILIAN_RETURN_IF_ERROR(CheckText(where, "lead_department", item.lead_department(), kMaxDepartmentChars));
  std::map<std::string, int> departments;
  for (int i = 0; i < item.departments_size(); ++i) {
    const std::string path = "departments[" + std::to_string(i) + "]";
    const std::string& d = item.departments(i);
    SILIAN_RETURN_IF_ERROR(CheckText(where, path, d, kMaxDepartmentChars));
    if (Trim(d) == Trim(item.lead_department())) {
      return InvalidArgument(where + " " + path + " " + Quote(d) +
                             " repeats the lead_department; list only the participating departments");
    }
    auto [it, inserted] = departments.emplace(std::string(Trim(d)), i);
    if (!inserted) {
      return InvalidArgument(where + " " + path + " " + Quote(d) + " repeats departments[" +
                             std::to_string(it->second) + "]");
    }
  }
  std::map<std::string, int> materials;
  for (int i = 0; i < item.materials_size(); ++i) {
    const std::string path = "materials[" + std::to_string(i) + "]";
    const pb::ItemMaterial& m = item.materials(i);
    SILIAN_RETURN_IF_ERROR(CheckText(where, path + ".name", m.name(), kMaxMaterialNameChars));
    auto [it, inserted] = materials.emplace(std::string(Trim(m.name())), i);
    if (!inserted) {
      return InvalidArgument(where + " " + path + ".name " + Quote(m.name()) + " repeats materials[" +
                             std::to_string(it->second) + "]");
    }
    if (!OneOf(kForms, m.form())) {
      return InvalidArgument(where + " " + path + ".form " + Quote(m.form()) + " is not one of: " + List(kForms));
    }
    if (m.count() < 1 || m.count() > kMaxMaterialCount) {
      return InvalidArgument(where + " " + path + ".count " + std::to_string(m.count()) + " must be 1 to " +
                             std::to_string(kMaxMaterialCount));
    }
  }
  std::map<std::string, int> fees;
  for (int i = 0; i < item.fees_size(); ++i) {
    const std::string path = "fees[" + std::to_string(i) + "]";
    const pb::ItemFee& f = item.fees(i);
    SILIAN_RETURN_IF_ERROR(CheckText(where, path + ".name", f.name(), kMaxItemNameChars));
    auto [it, inserted] = fees.emplace(std::string(Trim(f.name())), i);
    if (!inserted) {
      return InvalidArgument(where + " " + path + ".name " + Quote(f.name()) + " repeats fees[" +
                             std::to_string(it->second) + "]");
    }
    if (f.amount_fen() < 0 || f.amount_fen() > kMaxFeeFen) {
      return InvalidArgument(where + " " + path + ".amount_fen " + std::to_string(f.amount_fen()) +
                             " must be 0 to " + std::to_string(kMaxFeeFen));
    }
    if (!f.basis().empty()) {
      SILIAN_RETURN_IF_ERROR(CheckText(where, path + ".basis", f.basis(), kMaxFeeBasisChars));
    }
  }
  if (item.extension_limit_wd() > kMaxExtensionWd) {
    return InvalidArgument(where + " extension_limit_wd " + std::to_string(item.extension_limit_wd()) +
                           " must be 0 (the default) to " + std::to_string(kMaxExtensionWd));
  }
  std::map<std::string, int> implemented;
  for (int i = 0; i < item.implementations_size(); ++i) {
    const std::string path = "implementations[" + std::to_string(i) + "]";
    const pb::Implementation& m = item.implementations(i);
    const std::string& d = m.division();
    const bool digits = std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || (d.size() != 4 && d.size() != 6 && d.size() != 9 && d.size() != 12)) {
      return InvalidArgument(where + " " + path + ".division " + Quote(d) + " must be a division prefix of 4, 6, 9 or 12 digits");
    }
    auto [it, inserted] = implemented.emplace(d, i);
    if (!inserted) {
      return InvalidArgument(where + " " + path + ".division " + Quote(d) + " repeats implementations[" +
                             std::to_string(it->second) + "]");
    }
    SILIAN_RETURN_IF_ERROR(CheckText(where, path + ".lead_department", m.lead_department(), kMaxDepartmentChars));
  }
  for (int i = 0; i < item.steps_size(); ++i) {
    if (!OneOf(kSteps, item.steps(i))) {
      return InvalidArgument(where + " steps[" + std::to_string(i) + "] " + Quote(item.steps(i)) +
                             " is not one of: " + List(kSteps));
    }
  }
  return Status::Ok();
}

// ---- Reading the file's JSON into protobuf, with types checked ----

// Checks an object's keys: each must be known, each required one present.
Status CheckKeys(const std::string& where, const std::string& path, const json& obj,
                 std::initializer_list<std::string_view> known, std::initializer_list<std::string_view> required) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string known_list;
      for (std::string_view k : known) known_list += (known_list.empty() ? "" : ", ") + std::string(k);
      return InvalidArgument(where + " " + (path.empty() ? "" : path + " ") + "has unknown key " + Quote(key) +
                             "; known keys: " + known_list);
    }
  }
  for (std::string_view key : required) {
    if (!obj.contains(key)) {
      return InvalidArgument(where + " " + (path.empty() ? "" : path + " ") + "is missing required key " +
                             Quote(key));
    }
  }
  return Status::Ok();
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

Status TypeError(const std::string& where, const std::string& path, const json& value, std::string_view wanted) {
  return InvalidArgument(where + " " + path + " " + ValueText(value) + " must be " + std::string(wanted));
}

Status ReadString(const std::string& where, const std::string& path, const json& v, std::string* out) {
  if (!v.is_string()) return TypeError(where, path, v, "a string");
  *out = v.get<std::string>();
  return Status::Ok();
}

Status ReadBool(const std::string& where, const std::string& path, const json& v, bool* out) {
  if (!v.is_boolean()) return TypeError(where, path, v, "true or false");
  *out = v.get<bool>();
  return Status::Ok();
}

Status ReadInt(const std::string& where, const std::string& path, const json& v, int64_t min, int64_t max,
               int64_t* out) {
  const std::string range = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!v.is_number_integer()) return TypeError(where, path, v, range);
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(max)) return TypeError(where, path, v, range);
    *out = static_cast<int64_t>(u);
  } else {
    *out = v.get<int64_t>();
  }
  if (*out < min || *out > max) return TypeError(where, path, v, range);
  return Status::Ok();
}

Status ReadUint32(const std::string& where, const std::string& path, const json& v, uint32_t* out) {
  int64_t n = 0;
  SILIAN_RETURN_IF_ERROR(ReadInt(where, path, v, 0, std::numeric_limits<uint32_t>::max(), &n));
  *out = static_cast<uint32_t>(n);
  return Status::Ok();
}

Status ReadLimit(const std::string& where, const std::string& path, const json& v, pb::Limit* out) {
  if (!v.is_object()) return TypeError(where, path, v, "an object {\"value\": ..., \"unit\": ...}");
  SILIAN_RETURN_IF_ERROR(CheckKeys(where, path, v, {"value", "unit"}, {"value", "unit"}));
  uint32_t value = 0;
  SILIAN_RETURN_IF_ERROR(ReadUint32(where, Join(path, "value"), v.at("value"), &value));
  out->set_value(value);
  return ReadString(where, Join(path, "unit"), v.at("unit"), out->mutable_unit());
}

Status ReadArray(const std::string& where, const std::string& path, const json& v) {
  if (!v.is_array()) return TypeError(where, path, v, "an array");
  return Status::Ok();
}

Status ReadMaterial(const std::string& where, const std::string& path, const json& v, pb::ItemMaterial* out) {
  if (!v.is_object()) return TypeError(where, path, v, "an object");
  SILIAN_RETURN_IF_ERROR(CheckKeys(where, path, v, {"name", "form", "count", "optional"}, {"name", "form", "count"}));
  SILIAN_RETURN_IF_ERROR(ReadString(where, Join(path, "name"), v.at("name"), out->mutable_name()));
  SILIAN_RETURN_IF_ERROR(ReadString(where, Join(path, "form"), v.at("form"), out->mutable_form()));
  uint32_t count = 0;
  SILIAN_RETURN_IF_ERROR(ReadUint32(where, Join(path, "count"), v.at("count"), &count));
  out->set_count(count);
  if (v.contains("optional")) {
    bool optional = false;
    SILIAN_RETURN_IF_ERROR(ReadBool(where, Join(path, "optional"), v.at("optional"), &optional));
    out->set_optional(optional);
  }
  return Status::Ok();
}

Status ReadFee(const std::string& where, const std::string& path, const json& v, pb::ItemFee* out) {
  if (!v.is_object()) return TypeError(where, path, v, "an object");
  SILIAN_RETURN_IF_ERROR(CheckKeys(where, path, v, {"name", "amount_fen", "basis"}, {"name", "amount_fen"}));
  SILIAN_RETURN_IF_ERROR(ReadString(where, Join(path, "name"), v.at("name"), out->mutable_name()));
  int64_t amount = 0;
  SILIAN_RETURN_IF_ERROR(ReadInt(where, Join(path, "amount_fen"), v.at("amount_fen"), 0, kMaxFeeFen, &amount));
  out->set_amount_fen(amount);
  if (v.contains("basis")) {
    SILIAN_RETURN_IF_ERROR(ReadString(where, Join(path, "basis"), v.at("basis"), out->mutable_basis()));
  }
  return Status::Ok();
}

Status ReadStrings(const std::string& where, const std::string& path, const json& v,
                   google::protobuf::RepeatedPtrField<std::string>* out) {
  SILIAN_RETURN_IF_ERROR(ReadArray(where, path, v));
  for (size_t i = 0; i < v.size(); ++i) {
    SILIAN_RETURN_IF_ERROR(ReadString(where, path + "[" + std::to_string(i) + "]", v[i], out->Add()));
  }
  return Status::Ok();
}

// `base` names the item by position ("catalog.json: items[3]"); `*where` becomes the name used for
// content errors once the code is known to be good.
Status ReadItem(const std::string& base, const json& v, pb::Item* out, std::string* where) {
  *where = base;
  if (!v.is_object()) return InvalidArgument(base + " " + ValueText(v) + " must be an object");
  if (v.contains("code") && v.at("code").is_string() && ValidCode(v.at("code").get<std::string>())) {
    *where = base + " (" + Quote(v.at("code").get<std::string>()) + ")";
  }
  const std::string& w = *where;
  SILIAN_RETURN_IF_ERROR(CheckKeys(w, "", v,
                                   {"code", "version", "name", "exercise_level", "instant", "legal_limit",
                                    "promised_limit", "lead_department", "departments", "materials", "fees",
                                    "steps", "withdrawn", "extension_limit_wd", "implementations"},
                                   {"code", "name", "exercise_level", "legal_limit", "promised_limit",
                                    "lead_department"}));
  SILIAN_RETURN_IF_ERROR(ReadString(w, "code", v.at("code"), out->mutable_code()));
  SILIAN_RETURN_IF_ERROR(CheckCode(base, out->code()));
  if (v.contains("version")) {
    uint32_t version = 0;
    SILIAN_RETURN_IF_ERROR(ReadUint32(w, "version", v.at("version"), &version));
    out->set_version(version);
  }
  SILIAN_RETURN_IF_ERROR(ReadString(w, "name", v.at("name"), out->mutable_name()));
  SILIAN_RETURN_IF_ERROR(ReadString(w, "exercise_level", v.at("exercise_level"), out->mutable_exercise_level()));
  if (v.contains("instant")) {
    bool instant = false;
    SILIAN_RETURN_IF_ERROR(ReadBool(w, "instant", v.at("instant"), &instant));
    out->set_instant(instant);
  }
  SILIAN_RETURN_IF_ERROR(ReadLimit(w, "legal_limit", v.at("legal_limit"), out->mutable_legal_limit()));
  SILIAN_RETURN_IF_ERROR(ReadLimit(w, "promised_limit", v.at("promised_limit"), out->mutable_promised_limit()));
  SILIAN_RETURN_IF_ERROR(
      ReadString(w, "lead_department", v.at("lead_department"), out->mutable_lead_department()));
  if (v.contains("departments")) {
    SILIAN_RETURN_IF_ERROR(ReadStrings(w, "departments", v.at("departments"), out->mutable_departments()));
  }
  if (v.contains("materials")) {
    const json& ms = v.at("materials");
    SILIAN_RETURN_IF_ERROR(ReadArray(w, "materials", ms));
    for (size_t i = 0; i < ms.size(); ++i) {
      SILIAN_RETURN_IF_ERROR(
          ReadMaterial(w, "materials[" + std::to_string(i) + "]", ms[i], out->add_materials()));
    }
  }
  if (v.contains("fees")) {
    const json& fs = v.at("fees");
    SILIAN_RETURN_IF_ERROR(ReadArray(w, "fees", fs));
    for (size_t i = 0; i < fs.size(); ++i) {
      SILIAN_RETURN_IF_ERROR(ReadFee(w, "fees[" + std::to_string(i) + "]", fs[i], out->add_fees()));
    }
  }
  if (v.contains("steps")) {
    SILIAN_RETURN_IF_ERROR(ReadStrings(w, "steps", v.at("steps"), out->mutable_steps()));
  }
  if (v.contains("implementations")) {
    const json& is = v.at("implementations");
    SILIAN_RETURN_IF_ERROR(ReadArray(w, "implementations", is));
    for (size_t i = 0; i < is.size(); ++i) {
      const std::string path = "implementations[" + std::to_string(i) + "]";
      if (!is[i].is_object()) return TypeError(w, path, is[i], "an object");
      SILIAN_RETURN_IF_ERROR(CheckKeys(w, path, is[i], {"division", "lead_department"}, {"division", "lead_department"}));
      pb::Implementation* m = out->add_implementations();
      SILIAN_RETURN_IF_ERROR(ReadString(w, Join(path, "division"), is[i].at("division"), m->mutable_division()));
      SILIAN_RETURN_IF_ERROR(
          ReadString(w, Join(path, "lead_department"), is[i].at("lead_department"), m->mutable_lead_department()));
    }
  }
  if (v.contains("extension_limit_wd")) {
    uint32_t days = 0;
    SILIAN_RETURN_IF_ERROR(ReadUint32(w, "extension_limit_wd", v.at("extension_limit_wd"), &days));
    out->set_extension_limit_wd(days);
  }
  if (v.contains("withdrawn")) {
    bool withdrawn = false;
    SILIAN_RETURN_IF_ERROR(ReadBool(w, "withdrawn", v.at("withdrawn"), &withdrawn));
    out->set_withdrawn(withdrawn);
  }
  return Status::Ok();
}

// ---- Notice layout ----

// Punctuation that must not start a line (避头): it stays with the character before it.
bool NoLineStart(int32_t cp) {
  static constexpr int32_t kClosing[] = {0x3001, 0x3002, 0xFF0C, 0xFF1B, 0xFF1A, 0xFF09, 0x300B, 0x201D,
                                         0x300D, 0xFF01, 0xFF1F, 0x3011};
  return std::find(std::begin(kClosing), std::end(kClosing), cp) != std::end(kClosing);
}

// Splits into breakable tokens: each wide character (with closing punctuation attached), each run of
// narrow non-space characters, each space.
std::vector<std::string> Tokens(std::string_view s) {
  std::vector<std::string> tokens;
  bool in_run = false;
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    int32_t cp = NextCodePoint(s, &i);
    if (cp < 0) i = start + 1;
    std::string_view piece = s.substr(start, i - start);
    if (cp == ' ') {
      tokens.emplace_back(piece);
      in_run = false;
    } else if (cp >= 0 && CodePointWidth(cp) == 2) {
      if (NoLineStart(cp) && !tokens.empty()) {
        tokens.back() += piece;
      } else {
        tokens.emplace_back(piece);
      }
      in_run = false;
    } else {
      if (in_run) {
        tokens.back() += piece;
      } else {
        tokens.emplace_back(piece);
      }
      in_run = true;
    }
  }
  return tokens;
}

constexpr size_t kNoticeColumns = 80;

// Appends `text` wrapped to kNoticeColumns, the first line after `first`, the others after `rest`.
void AppendWrapped(std::string* out, std::string_view first, std::string_view rest, std::string_view text) {
  std::string line(first);
  size_t width = DisplayWidth(first);
  bool line_has_text = false;
  for (const std::string& token : Tokens(text)) {
    size_t w = DisplayWidth(token);
    if (line_has_text && width + w > kNoticeColumns) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      *out += line + "\n";
      line = std::string(rest);
      width = DisplayWidth(rest);
      line_has_text = false;
      if (token == " ") continue;
    }
    line += token;
    width += w;
    line_has_text = true;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  *out += line + "\n";
}

std::string Centered(std::string_view text) {
  size_t w = DisplayWidth(text);
  return std::string(w < kNoticeColumns ? (kNoticeColumns - w) / 2 : 0, ' ') + std::string(text);
}

std::string RightAligned(std::string_view text) {
  size_t w = DisplayWidth(text);
  return std::string(w < kNoticeColumns ? kNoticeColumns - w : 0, ' ') + std::string(text);
}

// "2026-03-06" -> "2026年3月6日"; any other text is kept as given.
std::string ChineseDate(std::string_view date) {
  auto digits = [&](size_t pos, size_t n) {
    return std::all_of(date.begin() + static_cast<std::ptrdiff_t>(pos),
                       date.begin() + static_cast<std::ptrdiff_t>(pos + n), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (date.size() != 10 || date[4] != '-' || date[7] != '-' || !digits(0, 4) || !digits(5, 2) || !digits(8, 2)) {
    return std::string(date);
  }
  int month = (date[5] - '0') * 10 + (date[6] - '0');
  int day = (date[8] - '0') * 10 + (date[9] - '0');
  return std::string(date.substr(0, 4)) + "年" + std::to_string(month) + "月" + std::to_string(day) + "日";
}

const char* FormName(std::string_view form) {
  if (form == "original") return "原件";
  if (form == "copy") return "复印件";
  return "材料";
}

}  // namespace

int LevelRank(std::string_view level) {
  auto parsed = ParseLevel(level);  // Level is declared lowest first
  return parsed.ok() ? static_cast<int>(*parsed) : -1;
}

Result<std::vector<pb::Item>> ParseCatalogJson(std::string_view text, std::string_view source) {
  const std::string src(source);
  SILIAN_ASSIGN_OR_RETURN(json doc, ParseJsonInput(text, source));
  if (!doc.is_object()) {
    return InvalidArgument(src + ": the top level " + ValueText(doc) +
                           " must be an object {\"format\": 1, \"items\": [...]}");
  }
  SILIAN_RETURN_IF_ERROR(CheckKeys(src + ":", "the top level", doc, {"format", "items"}, {"format", "items"}));
  const json& format = doc.at("format");
  if (!format.is_number_integer() || format.get<int64_t>() != kCatalogFormat) {
    return InvalidArgument(src + ": format " + ValueText(format) + " is not supported; this program reads format " +
                           std::to_string(kCatalogFormat));
  }
  const json& items_json = doc.at("items");
  if (!items_json.is_array()) return TypeError(src + ":", "items", items_json, "an array");

  std::vector<pb::Item> items;
  items.reserve(items_json.size());
  std::map<std::string, size_t> seen_codes;
  for (size_t i = 0; i < items_json.size(); ++i) {
    const std::string base = src + ": items[" + std::to_string(i) + "]";
    pb::Item item;
    std::string where;
    SILIAN_RETURN_IF_ERROR(ReadItem(base, items_json[i], &item, &where));
    SILIAN_RETURN_IF_ERROR(CheckItemContent(where, item));
    auto [it, inserted] = seen_codes.emplace(item.code(), i);
    if (!inserted) {
      return InvalidArgument(where + " code " + Quote(item.code()) + " repeats items[" +
                             std::to_string(it->second) + "]; one file holds one version of each item");
    }
    items.push_back(std::move(item));
  }
  return items;
}

Status ValidateItem(const pb::Item& item) {
  SILIAN_RETURN_IF_ERROR(CheckCode("item", item.code()));
  return CheckItemContent("item " + Quote(item.code()), item);
}

nlohmann::json ItemToJson(const pb::Item& item) {
  auto limit = [](const pb::Limit& l) { return json{{"value", l.value()}, {"unit", l.unit()}}; };
  json materials = json::array();
  for (const pb::ItemMaterial& m : item.materials()) {
    materials.push_back({{"name", m.name()}, {"form", m.form()}, {"count", m.count()}, {"optional", m.optional()}});
  }
  json fees = json::array();
  for (const pb::ItemFee& f : item.fees()) {
    fees.push_back({{"name", f.name()}, {"amount_fen", f.amount_fen()}, {"basis", f.basis()}});
  }
  json out{{"code", item.code()},
              {"version", item.version()},
              {"name", item.name()},
              {"exercise_level", item.exercise_level()},
              {"instant", item.instant()},
              {"legal_limit", limit(item.legal_limit())},
              {"promised_limit", limit(item.promised_limit())},
              {"lead_department", item.lead_department()},
              {"departments", json(std::vector<std::string>(item.departments().begin(), item.departments().end()))},
              {"materials", materials},
              {"fees", fees},
              {"steps", json(std::vector<std::string>(item.steps().begin(), item.steps().end()))},
              {"withdrawn", item.withdrawn()}};
  if (item.extension_limit_wd() != 0) out["extension_limit_wd"] = item.extension_limit_wd();
  if (item.implementations_size() > 0) {
    json is = json::array();
    for (const auto& m : item.implementations())
      is.push_back({{"division", m.division()}, {"lead_department", m.lead_department()}});
    out["implementations"] = std::move(is);
  }
  return out;
}

nlohmann::json CatalogToJson(const std::vector<pb::Item>& items) {
  json out = json::array();
  for (const pb::Item& item : items) out.push_back(ItemToJson(item));
  return json{{"format", kCatalogFormat}, {"items", out}};
}

pb::ItemTerms TermsOf(const pb::Item& item) {
  pb::ItemTerms terms;
  terms.set_version(item.version());
  terms.set_name(item.name());
  terms.set_exercise_level(item.exercise_level());
  terms.set_instant(item.instant());
  *terms.mutable_legal_limit() = item.legal_limit();
  *terms.mutable_promised_limit() = item.promised_limit();
  terms.set_lead_department(item.lead_department());
  *terms.mutable_departments() = item.departments();
  terms.set_extension_limit_wd(item.extension_limit_wd());
  *terms.mutable_steps() = item.steps();
  return terms;
}

pb::ItemTerms TermsFor(const pb::Item& item, const std::string& division) {
  pb::ItemTerms terms = TermsOf(item);
  size_t best = 0;
  for (const auto& m : item.implementations())
    if (m.division().size() > best && division.rfind(m.division(), 0) == 0) {
      best = m.division().size();
      terms.set_lead_department(m.lead_department());
    }
  return terms;
}

int ExtensionLimitWd(const pb::ItemTerms& terms) {
  if (terms.extension_limit_wd() != 0) return static_cast<int>(terms.extension_limit_wd());
  return terms.departments_size() > 0 ? kDefaultJointExtensionWd : kDefaultExtensionWd;
}

bool NeedsAuthority(std::string_view action) {
  static constexpr std::array<std::string_view, 5> kAnyLevel = {"receive", "forward", "supply-correction",
                                                                "deliver", "withdraw"};
  return !OneOf(kAnyLevel, action);
}

Status CheckAuthority(const pb::ItemTerms& terms, std::string_view action, std::string_view node_level,
                      std::string_view item_code) {
  int node_rank = LevelRank(node_level);
  if (node_rank < 0) {
    return InvalidArgument("node level " + Quote(node_level) + " is not one of: " + LevelList());
  }
  std::string item = "item " + Quote(terms.name()) + " (" +
                     (item_code.empty() ? "version " + std::to_string(terms.version()) : std::string(item_code)) +
                     ")";
  int item_rank = LevelRank(terms.exercise_level());
  if (item_rank < 0) {
    return InvalidArgument(item + " exercise_level " + Quote(terms.exercise_level()) +
                           " is not one of: " + LevelList());
  }
  if (!NeedsAuthority(action) || node_rank >= item_rank) return Status::Ok();
  const std::string& level = terms.exercise_level();
  std::string role = node_rank == 0 ? "a village point receives and forwards"
                                    : "a " + std::string(node_level) + " node receives and forwards items of " +
                                          level + " level";
  return FailedPrecondition("action " + Quote(action) + " on " + item + " needs a " + level +
                            " node or above (exercise level " + level + "); this is a " + std::string(node_level) +
                            " node: " + role)
      .With(msg::kNoAuthority, action, terms.name(), level, node_level);
}

std::vector<MissingMaterial> MissingMaterials(const pb::Item& item,
                                              const std::vector<std::pair<std::string, uint32_t>>& received) {
  std::map<std::string_view, uint64_t> copies;
  for (const auto& [name, n] : received) copies[Trim(name)] += n;
  std::vector<MissingMaterial> missing;
  for (const pb::ItemMaterial& m : item.materials()) {
    if (m.optional()) continue;
    auto it = copies.find(Trim(m.name()));
    uint64_t got = it == copies.end() ? 0 : it->second;
    if (got < m.count()) missing.push_back({m.name(), m.form(), m.count(), static_cast<uint32_t>(got)});
  }
  return missing;
}

std::string OneTimeNoticeText(const pb::Item& item, std::string_view case_number,
                              std::string_view applicant_name, const std::vector<MissingMaterial>& missing,
                              std::string_view due_date) {
  const std::string name(item.name());
  const std::string applicant(applicant_name);
  const std::string number(case_number);
  std::string out;
  out += Centered("一次性告知书") + "\n\n";
  AppendWrapped(&out, "办件编号：", "          ", number);
  AppendWrapped(&out, "申 请 人：", "          ", applicant);
  AppendWrapped(&out, "申请事项：", "          ", name);
  AppendWrapped(&out, "事项编码：", "          ", item.code());
  AppendWrapped(&out, "受理部门：", "          ", item.lead_department());
  out += "\n" + applicant + "：\n";
  if (missing.empty()) {
    AppendWrapped(&out, "    ", "",
                  "您申请办理的“" + name + "”事项（办件编号：" + number +
                      "），经审查，申请材料齐全，无需补正。");
  } else {
    AppendWrapped(&out, "    ", "",
                  "您申请办理的“" + name + "”事项（办件编号：" + number +
                      "），经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》"
                      "第三十二条和一次性告知制度的规定，现一次性告知您需要补正的全部材料如下：");
    out += "\n";
    for (size_t i = 0; i < missing.size(); ++i) {
      const MissingMaterial& m = missing[i];
      std::string entry = m.name + "（" + FormName(m.form) + "，需 " + std::to_string(m.count) + " 份";
      if (m.received > 0) entry += "，已收 " + std::to_string(m.received) + " 份";
      entry += "，尚缺 " + std::to_string(m.count - std::min(m.received, m.count)) + " 份）";
      std::string number_label = "  " + std::to_string(i + 1) + ". ";
      AppendWrapped(&out, number_label, std::string(number_label.size(), ' '), entry);
    }
    out += "\n";
    AppendWrapped(&out, "    ", "",
                  "请您于" + ChineseDate(due_date) +
                      "前将上述材料一次性补齐，交至原收件窗口或代办点。材料补齐后，我们将依法受理您的申请；"
                      "逾期未补正的，视为撤回申请。本告知书已列明需要补正的全部材料，不会再要求您补正其他材料。");
  }
  out += "\n";
  out += RightAligned(item.lead_department() + "（盖章）") + "\n";
  out += RightAligned("告知日期：    年  月  日") + "\n\n";
  out += "申请人签收：________________    签收日期：    年  月  日\n";
  return out;
}

int64_t TotalFeesFen(const pb::Item& item) {
  int64_t total = 0;
  for (const pb::ItemFee& f : item.fees()) total += f.amount_fen();
  return total;
}

std::string FormatFen(int64_t fen) {
  // Through the unsigned magnitude, so that the most negative value prints too.
  uint64_t magnitude = fen < 0 ? 0 - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
  std::string cents = std::to_string(magnitude % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (fen < 0 ? "-" : "") + std::to_string(magnitude / 100) + "." + cents;
}

}  // namespace silian::sync
