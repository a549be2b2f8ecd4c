// The service-item catalogue (事项目录): the JSON file format of docs/catalog-format.md, the content rules
// every item obeys (whether read from a file or received as protobuf in an op), authority by exercise level,
// the one-time notice of missing materials, and fees.
//
// Everything here is pure (no I/O, no clock) and thread-safe. Error messages name the thing and the value:
//   catalog.json: items[3] ("11152222MB1234567X2000012345000") legal_limit.unit "weeks" is not one of:
//   working_days, natural_days, hours
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "silian.pb.h"
#include "base/status.h"

namespace silian::sync {

// The catalogue file format this program reads and writes.
inline constexpr int kCatalogFormat = 1;

// Content limits (docs/catalog-format.md).
inline constexpr size_t kMaxItemCodeChars = 50;
inline constexpr size_t kMaxItemNameChars = 100;        // UTF-8 characters, not bytes
inline constexpr size_t kMaxDepartmentChars = 100;
inline constexpr size_t kMaxMaterialNameChars = 200;
inline constexpr size_t kMaxFeeBasisChars = 500;
inline constexpr uint32_t kMaxLimitValue = 1000;
inline constexpr uint32_t kMaxMaterialCount = 99;
inline constexpr int64_t kMaxFeeFen = 1'000'000'000;   // 10^9 fen = 10 million yuan
// Extensions of the legal limit (Administrative Licensing Law arts. 42, 45): 10 working days, 15 for joint
// handling (a parallel item), unless the item says otherwise (extension_limit_wd, at most kMaxExtensionWd).
inline constexpr int kDefaultExtensionWd = 10;
inline constexpr int kDefaultJointExtensionWd = 15;
inline constexpr uint32_t kMaxExtensionWd = 30;

// Rank of an exercise level or node level (a Level name, base/ids.h): village 0, township 1, county 2, city 3;
// -1 for any other text.
int LevelRank(std::string_view level);

// ---- The file ----

// Parses a catalogue file (format 1). `source` names the file in messages (e.g. "catalog.json").
// Returns the items in file order; an item without "version" has version 0 ("next version": the importer
// assigns it). On failure returns kInvalidArgument whose message starts with `source`, then:
//   - for a JSON syntax error, the 1-based line ("catalog.json:12: JSON syntax error: ...");
//   - for a content error, the field path with the item code and the value
//     ("catalog.json: items[3] (\"<code>\") materials[1].form \"scan\" is not one of: original, copy").
// Refuses unknown keys at every level, missing required keys, a code repeated in the file, every rule of
// ValidateItem, and all ParseJsonInput refuses (domain/json_input.h: size, depth, BOM, repeated keys).
Result<std::vector<pb::Item>> ParseCatalogJson(std::string_view text, std::string_view source);

// The content rules of one item, for an item received as protobuf (an op from the network):
// code, name, exercise level, limit units and values, material forms and counts, fees, steps,
// departments. OK, or kInvalidArgument naming the item code, the field path and the value
// (`item "<code>" legal_limit.unit "weeks" is not one of: ...`). Version 0 is accepted.
Status ValidateItem(const pb::Item& item);

// One item in the file's shape (every key written, "version" included), for `catalog show --json`.
// ParseCatalogJson of CatalogToJson(items) gives back `items` when they are valid.
nlohmann::json ItemToJson(const pb::Item& item);
// A whole catalogue file: {"format": 1, "items": [...]}.
nlohmann::json CatalogToJson(const std::vector<pb::Item>& items);

// What a case keeps of its item: version, name, exercise_level, instant, both limits, lead and
// participating departments, the extension limit and the review steps.
pb::ItemTerms TermsOf(const pb::Item& item);

// TermsOf(item) for a case of `division`: the lead department is that of the implementation whose division
// is the longest prefix of `division`, else the item's lead_department.
pb::ItemTerms TermsFor(const pb::Item& item, const std::string& division);

// The longest lawful extension of a case under `terms`, in working days: terms.extension_limit_wd, or
// kDefaultJointExtensionWd for a parallel item, else kDefaultExtensionWd.
int ExtensionLimitWd(const pb::ItemTerms& terms);

// ---- Authority ----

// The name under which a department's decision of a parallel item is checked for authority, as if it
// were an action.
inline constexpr std::string_view kDepartmentDecisionAction = "department-decision";

// True for the actions that only a node of the item's exercise level or above may take: accept,
// request-correction, not-accept, start-review, suspend, resume, extend, approve, approve-tolerant, deny,
// complete, issue-certificate, revoke, terminate, department-decision — and for any action name not
// known here (fail closed). False for receive, forward, supply-correction, deliver, withdraw.
bool NeedsAuthority(std::string_view action);

// OK when a node of `node_level` may take `action` on a case of this item: always for actions that need
// no authority, otherwise when LevelRank(node_level) >= LevelRank(terms.exercise_level()).
// kFailedPrecondition naming the rule when it may not:
//   action "accept" on item "个体工商户设立登记" (<code>) needs a county node or above (exercise level
//   county); this is a village node: a village point receives and forwards
// kInvalidArgument naming the value when `node_level` or the item's exercise level is not a level.
// `item_code`, when given, is named in the message (ItemTerms carries no code).
Status CheckAuthority(const pb::ItemTerms& terms, std::string_view action, std::string_view node_level,
                      std::string_view item_code = {});

// ---- One-time notice (一次性告知) ----

struct MissingMaterial {
  std::string name;   // as in the catalogue
  std::string form;   // "original" or "copy"
  uint32_t count;     // copies required
  uint32_t received;  // copies received so far (< count)
};

// The required (non-optional) materials of `item` of which fewer copies were received than required, in
// catalogue order. `received` holds (material name, copies) as recorded on the case; records of one name
// add up (materials are append-only on a case). Names match exactly after trimming ASCII whitespace and
// the ideographic space U+3000 at both ends; a record whose name is not in the catalogue is ignored.
std::vector<MissingMaterial> MissingMaterials(const pb::Item& item,
                                              const std::vector<std::pair<std::string, uint32_t>>& received);

// The complete text of a one-time notice (一次性告知书) in Chinese: title, case number, applicant, item
// name and code, every missing material with its form and the copies owed, the date by which to supply
// them (`due_date` as given, e.g. "2026-03-06"), the consequence of not supplying them, the lead
// department, and a signature line. Plain text, '\n' line ends, lines wrapped to 80 display columns
// (a CJK character counts 2) except where one unbreakable token is longer. With `missing` empty the
// notice says the materials are complete.
std::string OneTimeNoticeText(const pb::Item& item, std::string_view case_number,
                              std::string_view applicant_name, const std::vector<MissingMaterial>& missing,
                              std::string_view due_date);

// ---- Fees ----

// The sum of the item's fees in fen (0 for a free item). Each fee is at most kMaxFeeFen for a valid item,
// so the sum cannot overflow.
int64_t TotalFeesFen(const pb::Item& item);
// Yuan with two decimals: 1250 -> "12.50", 0 -> "0.00", -5 -> "-0.05".
std::string FormatFen(int64_t fen);

}  // namespace silian::sync
