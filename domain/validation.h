// Content rules of the service centre: the one definition of what a name, an ID number, a phone, a free
// text, a case number or an op may contain. Authoring (domain/authoring.cc, through ValidateField and
// NormalizeField) and every import (CaseProjector::CheckContent, through CheckOpContent) apply the same
// functions, so an op a replica refuses is an op no honest program writes.
//
// Two entry points per value:
//   NormalizeX(value)  what authoring calls with what a person typed: the value in its normal form (see
//                      below), or kInvalidArgument naming the field and the value.
//   CheckX(value)      what an import calls on an op's bytes, which can no longer be changed: OK only when
//                      the value is valid AND already in normal form (NormalizeX(v) == v).
//
// Normal forms (docs/protocol.md, "Content rules"):
//   - every text: surrounding white space (ASCII space, tab, U+3000 ideographic space) trimmed;
//   - resident ID numbers: a lowercase check character 'x' becomes 'X';
//   - other structured ID numbers (passports, permits, credit codes): ASCII letters upper-cased;
//   - phones: mobiles as their 11 digits ("+86 139-0482-1234" -> "13904821234"); landlines as
//     "0AREA-NUMBER" ("+86 482 1234567", "0482 1234567" -> "0482-1234567").
//
// Text rules (names, addresses, summaries, notes, reasons, actors, ...): valid UTF-8; no C0 control
// character (U+0000..U+001F: NUL, BEL, TAB, LF, CR, ESC ...), no DEL, no C1 control (U+0080..U+009F), no
// bidirectional control (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), no line or paragraph
// separator (U+2028, U+2029), no byte-order mark (U+FEFF); at most a bounded number of characters; a
// required text is not empty and not made only of white space and zero-width characters.
//
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "silian.pb.h"
#include "base/status.h"
#include "domain/calendar.h"

namespace silian::sync {

// Bounds, in characters (code points) of UTF-8 text.
inline constexpr size_t kMaxNameChars = 50;          // applicant_name and every field without its own bound
inline constexpr size_t kMaxAddressChars = 200;
inline constexpr size_t kMaxSummaryChars = 2000;
inline constexpr size_t kMaxNoteChars = 8000;
inline constexpr size_t kMaxReasonChars = 2000;      // transition reasons, fee reasons
inline constexpr size_t kMaxOpinionChars = 4000;     // department opinions, evaluation comments, rectification notes
inline constexpr size_t kMaxActorChars = 64;
inline constexpr size_t kMaxMaterialChars = 400;     // a received material's name, a fee's name
inline constexpr size_t kMaxDetailChars = 200;       // a transition detail's value
inline constexpr size_t kMaxTokenChars = 64;         // enumeration names and detail keys
inline constexpr size_t kMaxIdNumberChars = 50;
inline constexpr size_t kMaxBankReceiptChars = 64;
inline constexpr uint32_t kMaxMaterialCopies = 1000;

// ---- Text.

// `value` without surrounding ASCII spaces, tabs and U+3000 ideographic spaces.
std::string_view TrimText(std::string_view value);

// The text rules above, for the value of `what` (named in the message with the value, e.g.
// `applicant_name "\u001b[31m" contains the control character U+001B`). `required`: not empty and not
// blank. Also refuses surrounding white space (not normal).
Status CheckText(std::string_view what, std::string_view value, size_t max_chars, bool required);
// TrimText(value), then CheckText.
Result<std::string> NormalizeText(std::string_view what, std::string_view value, size_t max_chars, bool required);

// An enumeration name or a key, as a newer version may write one this version does not know:
// 1..kMaxTokenChars of a-z, 0-9, '_' and '-'.
Status CheckToken(std::string_view what, std::string_view value);

// ---- Identity documents.

// A Chinese resident ID number (GB 11643) in normal form: 17 digits and a check character (0-9 or X,
// ISO 7064 MOD 11-2); digits 1-2 a province-level code (11..65, 71, 81, 82, 83); digits 7-14 a birth date
// (YYYYMMDD) that exists, from 1900 on and not after `not_after`.
Status CheckResidentId(std::string_view value, Date not_after);
Result<std::string> NormalizeResidentId(std::string_view value, Date not_after);

// An ID number of the type named `id_type` (an IdType name, enums.h; the closed list): resident_id as
// above; unified_social_credit_code 18 characters with a GB 32100 check character; passport and the
// permits 5 to 20 letters and digits; other any text of at most kMaxIdNumberChars. An unknown `id_type`
// is an error naming the value and the list, never "no check".
Status CheckIdNumber(std::string_view id_type, std::string_view value, Date not_after);
Result<std::string> NormalizeIdNumber(std::string_view id_type, std::string_view value, Date not_after);

// ---- Phones.

// A mainland mobile number (11 digits, 1[3-9]...) or a landline with its area code ("010-12345678",
// "0482-1234567": area 010, 02X or 0[3-9]XX, number 7 or 8 digits not starting with 0), in normal form.
Status CheckPhone(std::string_view value);
// Accepts spaces and '-' anywhere and a "+86" / "0086" country prefix; returns the normal form.
Result<std::string> NormalizePhone(std::string_view value);

// ---- Codes.

// A device number, "01".."99".
Status CheckDeviceNumber(std::string_view value);
// An item code (as the catalogue's): 1..50 of A-Z a-z 0-9 _ . -
Status CheckItemCode(std::string_view value);
// A case number DIVISION12-DEVICE-YYYYMMDD-NNNN: a 12-digit division code, a device number, a date that
// exists and a counter of 4 or more digits, not all zero.
Status CheckCaseNumber(std::string_view value);

// ---- Case fields and ops.

// The value of the settable case field `field` (case_model.h AllFieldNames), in normal form: a known field;
// applicant_name 1..50 characters; applicant_id_type an IdType name; applicant_id per CheckIdNumber
// under `id_type` (the type in force); item_code per CheckItemCode; phone empty or per CheckPhone;
// address (200), summary (2000) and channel (50) optional text. `not_after` bounds birth dates.
Status CheckFieldValue(std::string_view field, std::string_view value, std::string_view id_type, Date not_after);
// What authoring stores for a value typed by a person: the normal form, or the error of CheckFieldValue.
Result<std::string> NormalizeField(std::string_view field, std::string_view value, std::string_view id_type,
                                   Date not_after);

// Whether `op` is reference data by its kind (an item, a calendar, a node registration): it names no case
// and applies to an area. The one list of reference kinds (CaseProjector::IsReference answers with it).
bool IsReferenceOp(const pb::Op& op);

// Every content rule of an op, whoever wrote it: the envelope (actor text, case id an op id, and a creation
// op's case id its own id; parents op ids) and every string of its body, by kind (case fields as
// CheckFieldValue, reference data as ValidateItem / ValidateCalendar, the item terms a case carries as an
// item's). A fields_set that writes applicant_id also writes applicant_id_type, so that the number can be
// checked. Birth dates may not be after the op's own stamp (China Standard Time). Names of actions, kinds,
// ratings ... need only be tokens, except the applicant ID type (a closed list). An op of a kind this
// version does not know is checked by its envelope only. OK, or kInvalidArgument naming the op
// ("origin:seq"), the field and the value.
Status CheckOpContent(const pb::Op& op);

}  // namespace silian::sync
